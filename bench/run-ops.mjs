// `pnpm bench:ops`: bundles bench/iceberg-ops.ts with esbuild (workspace TypeScript included), runs it,
// and replaces the "Table operations" section of bench/RESULTS.md with its output.
import { execFileSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeSection } from './pipelines/results-section.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
mkdirSync(join(root, 'bench', 'out'), { recursive: true });
const outfile = join(root, 'packages', 'iceberg', 'bench-ops.mjs');
await build({
  entryPoints: [join(root, 'bench', 'iceberg-ops.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  external: ['@duckdb/node-api', '@aws-sdk/*'],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
let section;
try {
  // Run from packages/iceberg so the external DuckDB package resolves.
  section = execFileSync(process.execPath, [outfile], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
} finally {
  execFileSync('rm', ['-f', outfile]);
}
process.stdout.write(section);
const file = join(root, 'bench', 'RESULTS.md');
writeSection(file, section.split('\n').find((l) => l.startsWith('## ')) ?? '## Table operations', section);
