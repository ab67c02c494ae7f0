#!/usr/bin/env node
// The `lake` entry point: runs the bundled CLI (built by `pnpm install` / `pnpm build`).
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const bundle = new URL('../dist/lake.js', import.meta.url);
if (!existsSync(fileURLToPath(bundle))) {
  process.stderr.write(
    'lake: the CLI is not built yet; run `pnpm install` or `pnpm build` in the repository.\n',
  );
  process.exit(1);
}
// `pnpm lake …` runs in the repository root; resolve relative paths from where the user typed it.
if (process.env.npm_lifecycle_event === 'lake' && process.env.INIT_CWD) process.chdir(process.env.INIT_CWD);
await import(bundle.href);
