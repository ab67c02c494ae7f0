// `node bench/run-query.mjs`: governed queries against raw DuckDB on the same Parquet files (issue 6).
// Bundles bench/query/governed-bench.ts with esbuild (workspace TypeScript included, native and
// driver packages left external and resolved to absolute paths), runs it in a child process and
// replaces the "Governed queries (issue 6)" section of bench/RESULTS.md with what it prints.
// Targets: at 10M rows the median ratio governed / raw ≤ 1.2 over scans, group-bys, joins and top-k;
// at 1M rows, governed − raw ≤ 20 ms at p95 for every query.
// Options (passed to the bench):
//   --rows N[,N…]     sizes of bench.sales, each a fresh world (default 10000000,1000000)
//   --runs K[,K…]     interleaved runs per query and side, one for all sizes or one per size (default 15;
//                     p95 is nearest-rank: of 15 runs the slowest, of 40 the 38th)
//   --customers N     rows of bench.customers (default 100000)
//   --file-rows N     rows per Parquet data file of bench.sales (default 2000000, at most rows / 4)
//   --threads T       DuckDB threads of both sides (default DuckDB's: one per core)
//   --principals reader,analyst   --queries 1,4,9 (a subset, numbered as in the tables)
//   --show-sql        print the rewritten SQL the governed DuckDB runs for each query (stderr)
//   --diagnose        also time the rewritten SQL on the raw DuckDB (a fourth side, in the phase table)
//   --raw-union-by-name  raw views read with union_by_name = true, as Lakekit's read SQL does
//   --no-plan-cache   compile every question afresh (times parsing, checking and planning; own section)
//   --dry-run         print the section only, leave bench/RESULTS.md alone
import { execFileSync } from 'node:child_process';
import { mkdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';
import { writeSection } from './pipelines/results-section.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const dryRun = args.includes('--dry-run');
const HEADING = args.includes('--no-plan-cache')
  ? '## Governed queries (issue 6), every question compiled afresh'
  : '## Governed queries (issue 6)';

/** Native bindings and the drivers knex loads by name: not bundled. */
const EXTERNAL =
  /^(@duckdb\/node-api|@duckdb\/node-bindings|better-sqlite3|@aws-sdk\/.*|pg-native|pg-cloudflare|pg-query-stream|mysql|mysql2|sqlite3|tedious|oracledb|mssql|mariadb|pino)(\/.*)?$/;

/** Leaves EXTERNAL packages out of the bundle, imported by absolute path (the bundle lives in bench/out). */
const externals = {
  name: 'lakekit-externals',
  setup(b) {
    b.onResolve({ filter: EXTERNAL }, (a) => {
      try {
        const from = createRequire(join(a.resolveDir || root, 'noop.js'));
        return { path: from.resolve(a.path), external: true };
      } catch {
        // An optional driver nobody installed: left as is, never loaded.
        return { path: a.path, external: true };
      }
    });
  },
};

mkdirSync(join(root, 'bench', 'out'), { recursive: true });
const outfile = join(root, 'bench', 'out', `query-bench-${process.pid}.mjs`);
await build({
  entryPoints: [join(root, 'bench', 'query', 'governed-bench.ts')],
  outfile,
  bundle: true,
  format: 'esm',
  platform: 'node',
  target: 'node20',
  conditions: ['source'],
  plugins: [externals],
  banner: {
    js: "import { createRequire as __cr } from 'node:module'; const require = __cr(import.meta.url);",
  },
  logLevel: 'warning',
});
let section;
try {
  section = execFileSync(process.execPath, [outfile, ...args], {
    cwd: root,
    encoding: 'utf8',
    maxBuffer: 64 * 2 ** 20,
    stdio: ['ignore', 'pipe', 'inherit'],
  });
} finally {
  rmSync(outfile, { force: true });
}
process.stdout.write(section);
if (!dryRun) {
  writeSection(join(root, 'bench', 'RESULTS.md'), HEADING, section);
  process.stderr.write(`wrote the "${HEADING.slice(3)}" section of bench/RESULTS.md\n`);
}
