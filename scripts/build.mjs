// Bundles the `lake` CLI into packages/cli/dist with esbuild. Workspace packages and pure-JS registry
// packages are bundled (resolving hundreds of small CommonJS files, knex's lodash above all, cost more
// start-up time than parsing one chunk); native and very large packages stay external, are loaded
// lazily, and must be dependencies of @lakekit/cli, which this build checks.
import { readFileSync, renameSync, rmSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { build } from 'esbuild';

/** Kept external: native bindings, the AWS SDK (large, lazily loaded), and knex's optional drivers. */
const EXTERNAL = [
  // @duckdb/node-api is ~120 small CommonJS files: bundled it loads in ~45 ms instead of ~160 ms.
  '@duckdb/node-bindings',
  'better-sqlite3',
  '@aws-sdk/*',
  // pg is bundled (pure JavaScript; its optional native binding and Cloudflare socket stay out).
  'pg-native',
  'pg-cloudflare',
  'pg-query-stream',
  'mysql',
  'mysql2',
  'sqlite3',
  'tedious',
  'oracledb',
  'mssql',
  'mariadb',
  'mariadb/*',
  'pino',
];

// Chunk names carry content hashes: build into a fresh folder (no stale chunks pile up) and swap it in
// at the end, so a `lake` process running meanwhile never sees a half-written bundle.
const outdir = `packages/cli/dist.tmp-${process.pid}`;
rmSync(outdir, { recursive: true, force: true });

const result = await build({
  entryPoints: { lake: 'packages/cli/src/bin.ts' },
  outdir,
  bundle: true,
  splitting: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  sourcemap: 'linked',
  // Smaller chunks parse faster at every start; the source map keeps stack traces readable.
  minify: true,
  conditions: ['source'],
  external: EXTERNAL,
  // CommonJS packages in an ESM bundle call require() for Node built-ins.
  banner: {
    js: "import { createRequire as __lakeCreateRequire } from 'node:module'; const require = __lakeCreateRequire(import.meta.url);",
  },
  metafile: true,
  logLevel: 'warning',
});

const packageName = (spec) =>
  spec.startsWith('@') ? spec.split('/').slice(0, 2).join('/') : spec.split('/')[0];
const builtins = new Set(builtinModules);
const cliDeps = JSON.parse(readFileSync('packages/cli/package.json', 'utf8')).dependencies ?? {};
const missing = new Set();
for (const output of Object.values(result.metafile.outputs)) {
  for (const imp of output.imports) {
    // require() calls inside bundled CommonJS (knex's optional drivers) are resolved, if ever, at run time.
    if (
      !imp.external ||
      imp.kind === 'require-call' ||
      imp.path.startsWith('node:') ||
      builtins.has(imp.path)
    )
      continue;
    const name = packageName(imp.path);
    if (!(name in cliDeps)) missing.add(name);
  }
}
if (missing.size > 0) {
  console.error(
    `build: the bundled CLI imports ${[...missing].join(', ')}: add them to packages/cli/package.json dependencies`,
  );
  process.exit(1);
}

if (process.env['LAKEKIT_BUILD_META'])
  (await import('node:fs')).writeFileSync(process.env['LAKEKIT_BUILD_META'], JSON.stringify(result.metafile));
rmSync('packages/cli/dist', { recursive: true, force: true });
renameSync(outdir, 'packages/cli/dist');
