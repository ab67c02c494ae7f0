// `pnpm bench:pipelines`: the pipeline benchmarks of issue 4, whole processes timed side by side,
// contenders alternated (the order rotates every repetition) after one warm-up of each.
//   1. `lake run` full load of a generated PostgreSQL table into a new Iceberg table, against the
//      reference R = `psql \copy (SELECT …) TO 'x.csv' csv` + a Node process running DuckDB's
//      `COPY (FROM read_csv('x.csv')) TO 'x.parquet'`. Target: lake/R ≤ 1.0.
//   2. The same from MariaDB, R = `mariadb --batch --quick -e "SELECT …" > x.tsv` + DuckDB COPY.
//   3. dlt (sql_table, pyarrow backend → filesystem destination, Iceberg table format) on the same
//      PostgreSQL table, in the same alternation as 1. Target: lake/dlt ≤ 0.5.
//   4. Incremental merge (cursor updated_at, checks not_null + unique) after 1% of the rows changed.
//      Target: ≤ 25% of the full load's time.
//   5. Peak memory of the `lake run` process tree for the 1M-row and a 10M-row full load. Target:
//      ≤ 1 GiB and flat in table size.
// Then one instrumented run per source shows where a `lake run` spends its time (phase timeline).
// PostgreSQL and MariaDB are throwaway servers (tests/services/*.sh) with their state in a temporary
// folder, stopped at the end. Writes the "Pipelines (issue 4)" section of bench/RESULTS.md.
// Options: --runs N (default 3), --rows N (default 1000000), --big-rows N (default 10000000, or
// LAKEKIT_BENCH_BIG_ROWS; 0 leaves the 10M load out), --only pg,dlt,mariadb,merge,memory (a subset,
// for trying things out: then the results are printed, and bench/RESULTS.md is left alone).
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensureDltVenv } from './pipelines/dlt-venv.mjs';
import { folderBytes, median, timeProcess } from './pipelines/measure.mjs';
import { writeSection } from './pipelines/results-section.mjs';
import {
  mariadb,
  mariadbArgs,
  psql,
  startService,
  stopService,
  withDatabase,
} from './pipelines/services.mjs';
import { COLUMNS, changeOnePercent, createMariaTable, createPgTable } from './pipelines/source-tables.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const runs = Number(opt('runs', '3'));
const rows = Number(opt('rows', '1000000'));
const bigRows = Number(opt('big-rows', process.env['LAKEKIT_BENCH_BIG_ROWS'] ?? '10000000'));
const everything = 'pg,dlt,mariadb,merge,memory';
const only = new Set(String(opt('only', everything)).split(','));
for (const o of only) if (!everything.split(',').includes(o)) throw new Error(`--only: unknown part ${o}`);
if (!(runs >= 1 && rows >= 1000 && bigRows >= 0))
  throw new Error('--runs ≥ 1, --rows ≥ 1000, --big-rows ≥ 0');

const lake = join(root, 'node_modules', '.bin', 'lake');
const duckCopy = join(root, 'bench', 'pipelines', 'duckdb-copy.mjs');
const dltScript = join(root, 'bench', 'pipelines', 'dlt_load.py');
const work = mkdtempSync(join(tmpdir(), 'lakekit-bench-pipelines-'));
const state = join(work, 'state');
const started = { pg: false, mariadb: false };
const log = (s) => process.stderr.write(`${s}\n`);
const s2 = (ms) => (ms / 1000).toFixed(2);
const mib = (kb) => (kb / 1024).toFixed(0);
const fmtRows = (n) => n.toLocaleString('en-US');
const select = `SELECT ${COLUMNS.join(', ')} FROM`;

function cleanup() {
  if (started.pg) stopService(root, 'postgres', state);
  if (started.mariadb) stopService(root, 'mariadb', state);
  started.pg = started.mariadb = false;
  rmSync(work, { recursive: true, force: true });
}
for (const sig of ['SIGINT', 'SIGTERM']) {
  process.once(sig, () => {
    log(`${sig}: stopping the servers …`);
    cleanup();
    process.exit(130);
  });
}

// ---- contenders ---------------------------------------------------------------------------------

/** Lakekit environment for timed runs: staging in the workspace, no log or timing output. */
function lakeEnv(dir, sourceUrl, extra = {}) {
  const env = { ...process.env, TMPDIR: join(dir, 'tmp'), BENCH_SOURCE_URL: sourceUrl, ...extra };
  if (!('LAKEKIT_LOG_LEVEL' in extra)) delete env['LAKEKIT_LOG_LEVEL'];
  if (!('LAKEKIT_TIMING' in extra)) delete env['LAKEKIT_TIMING'];
  return env;
}

/** A fresh Lakekit workspace (warehouse, SQLite catalog, staging folder) with one pipeline. */
function lakeWorkspace(tag, kind, pipeline) {
  const dir = join(work, `lake-${tag}`);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'tmp'), { recursive: true });
  writeFileSync(
    join(dir, 'lakekit.yaml'),
    `warehouse: ./warehouse
catalog:
  uri: sqlite:./catalog.db
sources:
  src: { type: ${kind}, url: "\${BENCH_SOURCE_URL}" }
pipelines:
  bench:
    source: src
${pipeline}`,
  );
  return dir;
}

const appendPipeline = (stream, target) => `    streams:
      ${stream}:
        target: ${target}
        mode: append
`;

const mergePipeline = `    streams:
      public.orders:
        target: bench.orders
        mode: merge
        primary_key: [id]
        cursor: updated_at
    checks:
      bench.orders:
        - not_null: [id, name]
        - unique: [id]
`;

/** `lake --json run bench` in `dir`; checks the report; returns the measurement and the report. */
async function lakeRun(dir, sourceUrl, expect, options = {}) {
  const m = await timeProcess(lake, ['--json', 'run', 'bench'], {
    cwd: dir,
    env: lakeEnv(dir, sourceUrl, options.env),
    ...(options.tree ? { tree: true } : {}),
    ...(options.watch ? { watch: options.watch } : {}),
  });
  const report = JSON.parse(m.stdout);
  const s = report.streams[0];
  if (report.status !== 'succeeded') throw new Error(`lake run: status ${report.status}: ${m.stdout}`);
  if (expect.written !== undefined && s.rowsWritten !== expect.written) {
    throw new Error(`lake run wrote ${s.rowsWritten} rows, expected ${expect.written}`);
  }
  if (expect.read !== undefined && s.rowsRead !== expect.read) {
    throw new Error(`lake run read ${s.rowsRead} rows, expected ${expect.read}`);
  }
  if (s.checks?.some((c) => c.status !== 'passed'))
    throw new Error(`checks failed: ${JSON.stringify(s.checks)}`);
  return { ...m, report };
}

/** Full load into a new table: a fresh workspace every time, removed afterwards. */
async function lakeFull(tag, kind, sourceUrl, stream, n, options = {}) {
  const dir = lakeWorkspace(tag, kind, appendPipeline(stream, 'bench.orders'));
  try {
    return await lakeRun(dir, sourceUrl, { written: n }, options);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Two processes in a row, measured as one: times and CPU add up, the peak is the larger one. */
function both(a, b) {
  return {
    ms: a.ms + b.ms,
    cpuS: a.cpuS + b.cpuS,
    maxRssKb: Math.max(a.maxRssKb, b.maxRssKb),
    parts: [a.ms, b.ms],
  };
}

/** The reference from PostgreSQL: psql \copy to CSV, then DuckDB's COPY to Parquet. */
async function pgReference(tag, pgUrl) {
  const dir = join(work, `ref-${tag}`);
  mkdirSync(dir, { recursive: true });
  const csv = join(dir, 'x.csv');
  const parquet = join(dir, 'x.parquet');
  try {
    const exp = await timeProcess(
      'psql',
      ['-X', '-q', pgUrl, '-c', `\\copy (${select} public.orders) to '${csv}' csv header`],
      {
        cwd: dir,
      },
    );
    const copy = await timeProcess(process.execPath, [duckCopy, csv, parquet, 'csv'], {
      cwd: root,
      reportDir: dir,
    });
    if (!(statSync(parquet).size > 0)) throw new Error('the reference wrote no Parquet');
    return both(exp, copy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The reference from MariaDB: mariadb --batch --quick to TSV, then DuckDB's COPY to Parquet. */
async function mariaReference(tag, mariaUrl) {
  const dir = join(work, `ref-${tag}`);
  mkdirSync(dir, { recursive: true });
  const tsv = join(dir, 'x.tsv');
  const parquet = join(dir, 'x.parquet');
  try {
    const exp = await timeProcess(
      'mariadb',
      [...mariadbArgs(mariaUrl), '--batch', '--quick', 'bench', '-e', `${select} orders`],
      { cwd: dir, stdoutFile: tsv },
    );
    const copy = await timeProcess(process.execPath, [duckCopy, tsv, parquet, 'tsv'], {
      cwd: root,
      reportDir: dir,
    });
    if (!(statSync(parquet).size > 0)) throw new Error('the reference wrote no Parquet');
    return both(exp, copy);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** dlt: a full load into a new Iceberg table (fresh warehouse and pipeline state every time). */
async function dltRun(tag, python, pgUrl, n) {
  const dir = join(work, `dlt-${tag}`);
  mkdirSync(dir, { recursive: true });
  try {
    const m = await timeProcess(
      python,
      [dltScript, pgUrl, 'public.orders', join(dir, 'warehouse'), join(dir, 'work')],
      {
        cwd: dir,
      },
    );
    const got = JSON.parse(m.stdout.trim().split('\n').pop() ?? '{}').rows;
    if (got !== n) throw new Error(`dlt loaded ${got} rows, expected ${n}`);
    return m;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Runs every contender once per repetition, after a warm-up of each; the order rotates. */
async function alternate(label, contenders) {
  const names = Object.keys(contenders);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let rep = -1; rep < runs; rep++) {
    const shift = Math.max(rep, 0) % names.length;
    const order = [...names.slice(shift), ...names.slice(0, shift)];
    const line = [];
    for (const name of order) {
      const m = await contenders[name](rep < 0 ? 'warm' : String(rep));
      if (rep >= 0) results[name].push(m);
      line.push(`${name} ${s2(m.ms)} s`);
    }
    log(`${label} ${rep < 0 ? 'warm-up' : `run ${rep + 1}/${runs}`}: ${line.join(', ')}`);
  }
  return results;
}

// ---- phase timeline -----------------------------------------------------------------------------

/**
 * One instrumented `lake run` (LAKEKIT_LOG_LEVEL=info, LAKEKIT_TIMING=1): staged CSV bytes and
 * Parquet bytes are sampled every 100 ms, which splits the run into start-up (until the first staged
 * byte), extraction, the gap before Parquet, Parquet writing, and the end (commit, exit).
 */
async function timeline(tag, kind, sourceUrl, stream, n) {
  const dir = lakeWorkspace(tag, kind, appendPipeline(stream, 'bench.orders'));
  try {
    const m = await lakeRun(
      dir,
      sourceUrl,
      { written: n },
      {
        env: { LAKEKIT_LOG_LEVEL: 'info', LAKEKIT_TIMING: '1' },
        watch: {
          staged: () => folderBytes(join(dir, 'tmp')),
          parquet: () => folderBytes(join(dir, 'warehouse'), '.parquet'),
        },
      },
    );
    const sm = m.samples;
    const firstAt = (f) => sm.find(f)?.at ?? Number.NaN;
    const maxStaged = Math.max(0, ...sm.map((x) => x.staged));
    const maxParquet = Math.max(0, ...sm.map((x) => x.parquet));
    const staged0 = firstAt((x) => x.staged > 0);
    const stagedEnd = firstAt((x) => x.staged === maxStaged);
    const parquet0 = firstAt((x) => x.parquet > 0);
    const parquetEnd = firstAt((x) => x.parquet === maxParquet);
    const stream0 = m.report.streams[0];
    return {
      total: m.ms,
      cpuS: m.cpuS,
      runMs: m.report.durationMs,
      streamMs: stream0.durationMs,
      stagedBytes: maxStaged,
      parquetBytes: maxParquet,
      phases: [
        [
          'process start → first staged byte (start-up, catalog, DuckDB, connect, describe, create table)',
          staged0,
        ],
        ['extraction (source → staged CSV)', stagedEnd - staged0],
        ['last staged byte → first Parquet byte', parquet0 - stagedEnd],
        [
          'Parquet writing, first to last Parquet byte (overlaps extraction when staged files are written as they arrive)',
          parquetEnd - parquet0,
        ],
        ['last Parquet byte → exit (statistics, manifests, commit, run record, exit)', m.ms - parquetEnd],
      ],
      timingLines: m.stderr.split('\n').filter((l) => l.startsWith('timing:')),
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function timelineTable(t) {
  return `| phase (sampled every 100 ms) | seconds |
|---|---|
${t.phases.map(([p, ms]) => `| ${p} | ${Number.isNaN(ms) ? 'n/a' : ms < 0 ? 'overlaps the phase before' : s2(ms)} |`).join('\n')}
| **whole process** (run ${s2(t.runMs)} s as \`lake\` reports it; CPU ${t.cpuS.toFixed(2)} s) | **${s2(t.total)}** |

Staged ${(t.stagedBytes / 2 ** 20).toFixed(0)} MiB, wrote ${(t.parquetBytes / 2 ** 20).toFixed(0)} MiB of Parquet.`;
}

/** Fixed costs every run pays: `lake --version`, and a Node process that only loads DuckDB. */
async function startupFloor() {
  const version = [];
  const duck = [];
  for (let i = 0; i < 5; i++) {
    version.push((await timeProcess(lake, ['--version'], { cwd: work })).ms);
    duck.push(
      (
        await timeProcess(
          process.execPath,
          ['--input-type=module', '-e', "await import('@duckdb/node-api')"],
          { cwd: root, reportDir: work },
        )
      ).ms,
    );
  }
  return { version: median(version), duck: median(duck) };
}

// ---- the benchmarks -----------------------------------------------------------------------------

const verdict = (ok) => (ok ? '**PASS**' : '**FAIL**');
/** Median of the per-run ratios of CPU seconds (less sensitive than wall time to other work on the machine). */
const cpuRatio = (a, b) => median(a.map((m, i) => m.cpuS / b[i].cpuS)).toFixed(2);

function versionsOf(dlt) {
  const git = (a) => {
    try {
      return execFileSync('git', a, { cwd: root, encoding: 'utf8' }).trim();
    } catch {
      return '';
    }
  };
  const head = git(['rev-parse', '--short', 'HEAD']);
  const dirty = git(['status', '--porcelain']) !== '';
  const duck = JSON.parse(
    readFileSync(join(root, 'node_modules', '@duckdb', 'node-api', 'package.json'), 'utf8'),
  );
  return {
    lakekit: `${execFileSync(lake, ['--version'], { encoding: 'utf8' }).trim()} at ${head}${dirty ? ' (with uncommitted changes)' : ''}, CLI bundle built ${bundleBuilt()}`,
    duckdb: `@duckdb/node-api ${duck.version}`,
    psql: execFileSync('psql', ['--version'], { encoding: 'utf8' }).trim(),
    mariadbClient: execFileSync('mariadb', ['--version'], { encoding: 'utf8' })
      .trim()
      .replace(/,? for .*$/, ''),
    dlt,
  };
}

/** When the `lake` bundle was last built (a build during the bench would mix two versions). */
const bundleBuilt = () => statSync(join(root, 'packages', 'cli', 'dist', 'lake.js')).mtime.toISOString();

async function main() {
  const t0 = Date.now();
  const builtAtStart = bundleBuilt();
  const load0 = loadavg();
  const sections = [];
  let dlt;
  if (only.has('pg') && only.has('dlt')) dlt = ensureDltVenv(root);

  let pgUrl;
  let mariaUrl;
  if (only.has('pg') || only.has('merge') || only.has('memory')) {
    const adminUrl = startService(root, 'postgres', state);
    started.pg = true;
    psql(adminUrl, 'CREATE DATABASE bench');
    pgUrl = withDatabase(adminUrl, 'bench');
    const g = Date.now();
    createPgTable(pgUrl, 'orders', rows);
    log(`PostgreSQL: generated public.orders (${fmtRows(rows)} rows) in ${s2(Date.now() - g)} s`);
  }
  if (only.has('mariadb')) {
    mariaUrl = startService(root, 'mariadb', state);
    started.mariadb = true;
    const g = Date.now();
    createMariaTable(mariaUrl, 'bench', 'orders', rows);
    log(`MariaDB: generated bench.orders (${fmtRows(rows)} rows) in ${s2(Date.now() - g)} s`);
    mariaUrl = withDatabase(mariaUrl, 'bench');
  }
  const serverVersions = {
    ...(pgUrl ? { postgres: `PostgreSQL ${psql(pgUrl, 'SHOW server_version')}` } : {}),
    ...(mariaUrl
      ? { mariadb: `MariaDB ${mariadb(mariaUrl, 'SELECT version()').replace(/-MariaDB.*$/, '')}` }
      : {}),
  };

  const timelines = [];
  let fullLoadMedianMs;

  // 1 + 3: PostgreSQL — lake, the psql + DuckDB reference, and dlt, alternated.
  if (only.has('pg')) {
    const r = await alternate('postgres', {
      lake: (tag) => lakeFull(`pg-${tag}`, 'postgres', pgUrl, 'public.orders', rows),
      reference: (tag) => pgReference(tag, pgUrl),
      ...(dlt ? { dlt: (tag) => dltRun(tag, dlt.python, pgUrl, rows) } : {}),
    });
    const lakeMs = r.lake.map((m) => m.ms);
    const refMs = r.reference.map((m) => m.ms);
    fullLoadMedianMs = median(lakeMs);
    const refRatio = median(lakeMs.map((l, i) => l / refMs[i]));
    sections.push(`### 1. Full load from PostgreSQL: \`lake run\` vs \`psql \\copy\` + DuckDB COPY

- source: \`public.orders\`, ${fmtRows(rows)} rows × 9 columns (bigint, text, numeric(12,2), timestamptz, boolean), generated with generate_series (primary key id, an index on updated_at)
- lake: \`lake --json run bench\` (stream public.orders → bench.orders, mode append) into a new table, new warehouse and SQLite catalog every run: process start, config, catalog, connect, describe, COPY TO STDOUT into staged CSV, Parquet with field ids, manifests, commit, run record
- reference R: \`psql -c "\\copy (SELECT …) to 'x.csv' csv header"\`, then \`node bench/pipelines/duckdb-copy.mjs x.csv x.parquet csv\` (DuckDB's \`COPY (FROM read_csv(…)) TO '….parquet'\`); R = the two processes' times added
- CPU = user + system seconds of the client processes (the database server's work is in neither side)

| run | lake (s) | R (s) = psql + DuckDB | lake / R | lake CPU (s) | R CPU (s) | lake peak RSS (MiB) |
|---|---|---|---|---|---|---|
${r.lake.map((m, i) => `| ${i + 1} | ${s2(m.ms)} | ${s2(r.reference[i].ms)} = ${s2(r.reference[i].parts[0])} + ${s2(r.reference[i].parts[1])} | ${(m.ms / r.reference[i].ms).toFixed(2)} | ${m.cpuS.toFixed(2)} | ${r.reference[i].cpuS.toFixed(2)} | ${mib(m.maxRssKb)} |`).join('\n')}
| **median** | **${s2(median(lakeMs))}** | **${s2(median(refMs))}** | **${refRatio.toFixed(2)}** | ${median(r.lake.map((m) => m.cpuS)).toFixed(2)} | ${median(r.reference.map((m) => m.cpuS)).toFixed(2)} | ${mib(median(r.lake.map((m) => m.maxRssKb)))} |

Target: median lake / R ≤ 1.0 → ${verdict(refRatio <= 1.0)} (${refRatio.toFixed(2)}). For comparison, CPU seconds: lake / R = ${cpuRatio(r.lake, r.reference)}.`);
    if (dlt) {
      const dltMs = r.dlt.map((m) => m.ms);
      const dltRatio = median(lakeMs.map((l, i) => l / dltMs[i]));
      sections.push(`### 3. Full load from PostgreSQL: \`lake run\` vs dlt

- dlt ${dlt.versions.dlt} (pyiceberg ${dlt.versions.pyiceberg}, pyarrow ${dlt.versions.pyarrow}, SQLAlchemy ${dlt.versions.sqlalchemy}, psycopg2-binary ${dlt.versions.psycopg2}, Python ${dlt.versions.python}): \`bench/pipelines/dlt_load.py\` — \`sql_table(backend="pyarrow", reflection_level="full_with_precision")\` with chunk_size 100,000 (dlt's default is 50,000), destination \`filesystem\` on a local folder, \`table_format="iceberg"\`, write disposition append; new warehouse and pipeline folder every run; venv from \`bench/pipelines/dlt-requirements.txt\`
- measured in the same alternated runs as benchmark 1 (the lake column is the same runs)

| run | lake (s) | dlt (s) | lake / dlt | lake CPU (s) | dlt CPU (s) | dlt peak RSS (MiB) |
|---|---|---|---|---|---|---|
${r.lake.map((m, i) => `| ${i + 1} | ${s2(m.ms)} | ${s2(r.dlt[i].ms)} | ${(m.ms / r.dlt[i].ms).toFixed(2)} | ${m.cpuS.toFixed(2)} | ${r.dlt[i].cpuS.toFixed(2)} | ${mib(r.dlt[i].maxRssKb)} |`).join('\n')}
| **median** | **${s2(median(lakeMs))}** | **${s2(median(dltMs))}** | **${dltRatio.toFixed(2)}** | ${median(r.lake.map((m) => m.cpuS)).toFixed(2)} | ${median(r.dlt.map((m) => m.cpuS)).toFixed(2)} | ${mib(median(r.dlt.map((m) => m.maxRssKb)))} |

Target: median lake / dlt ≤ 0.5 → ${verdict(dltRatio <= 0.5)} (${dltRatio.toFixed(2)}). For comparison, CPU seconds: lake / dlt = ${cpuRatio(r.lake, r.dlt)}.`);
    }
    timelines.push(['PostgreSQL', await timeline('pg-timeline', 'postgres', pgUrl, 'public.orders', rows)]);
  }

  // 2: MariaDB — lake and the mariadb + DuckDB reference, alternated.
  if (only.has('mariadb')) {
    const r = await alternate('mariadb', {
      lake: (tag) => lakeFull(`maria-${tag}`, 'mysql', mariaUrl, 'bench.orders', rows),
      reference: (tag) => mariaReference(tag, mariaUrl),
    });
    const lakeMs = r.lake.map((m) => m.ms);
    const refMs = r.reference.map((m) => m.ms);
    const ratio = median(lakeMs.map((l, i) => l / refMs[i]));
    sections.push(`### 2. Full load from MariaDB: \`lake run\` vs \`mariadb --batch --quick\` + DuckDB COPY

- source: \`bench.orders\`, ${fmtRows(rows)} rows × 9 columns (bigint, text, decimal(12,2), timestamp, boolean), generated from the Sequence engine's seq_1_to_${rows}
- lake: \`lake --json run bench\` (stream bench.orders → bench.orders, mode append, connector \`mysql\`) into a new table, new warehouse and catalog every run
- reference R: \`mariadb --batch --quick -e "SELECT …" > x.tsv\`, then \`node bench/pipelines/duckdb-copy.mjs x.tsv x.parquet tsv\`; R = the two processes' times added

| run | lake (s) | R (s) = mariadb + DuckDB | lake / R | lake CPU (s) | R CPU (s) | lake peak RSS (MiB) |
|---|---|---|---|---|---|---|
${r.lake.map((m, i) => `| ${i + 1} | ${s2(m.ms)} | ${s2(r.reference[i].ms)} = ${s2(r.reference[i].parts[0])} + ${s2(r.reference[i].parts[1])} | ${(m.ms / r.reference[i].ms).toFixed(2)} | ${m.cpuS.toFixed(2)} | ${r.reference[i].cpuS.toFixed(2)} | ${mib(m.maxRssKb)} |`).join('\n')}
| **median** | **${s2(median(lakeMs))}** | **${s2(median(refMs))}** | **${ratio.toFixed(2)}** | ${median(r.lake.map((m) => m.cpuS)).toFixed(2)} | ${median(r.reference.map((m) => m.cpuS)).toFixed(2)} | ${mib(median(r.lake.map((m) => m.maxRssKb)))} |

Target: median lake / R ≤ 1.0 → ${verdict(ratio <= 1.0)} (${ratio.toFixed(2)}). For comparison, CPU seconds: lake / R = ${cpuRatio(r.lake, r.reference)}.`);
    timelines.push(['MariaDB', await timeline('maria-timeline', 'mysql', mariaUrl, 'bench.orders', rows)]);
  }

  // 4: incremental merge after 1% changed, quality gate on.
  if (only.has('merge')) {
    const full = [];
    const inc = [];
    const changed = [];
    let timingLines = [];
    for (let rep = 0; rep < runs; rep++) {
      const dir = lakeWorkspace(`merge-${rep}`, 'postgres', mergePipeline);
      try {
        full.push(await lakeRun(dir, pgUrl, { written: rows }));
        const n = changeOnePercent(pgUrl, 'orders', rep + 1);
        if (n !== rows / 100) throw new Error(`changed ${n} rows, expected ${rows / 100}`);
        changed.push(n);
        // The cursor is inclusive for merges: the row at the stored cursor is read again.
        const m = await lakeRun(dir, pgUrl, { read: n + 1 });
        inc.push(m);
        log(`merge run ${rep + 1}/${runs}: full ${s2(full[rep].ms)} s, incremental ${s2(m.ms)} s`);
        if (rep === runs - 1) {
          // Once more with timings on (a further 1% changed), for the record of where the time goes.
          changeOnePercent(pgUrl, 'orders', rep + 2);
          const t = await lakeRun(dir, pgUrl, { read: rows / 100 + 1 }, { env: { LAKEKIT_TIMING: '1' } });
          timingLines = t.stderr.split('\n').filter((l) => l.startsWith('timing:'));
          // The table still holds every key once, with the source's amounts.
          const q = JSON.parse(
            execFileSync(
              lake,
              [
                '--json',
                'query',
                'SELECT count(*) AS n, count(DISTINCT id) AS d, sum(amount) AS s FROM bench.orders',
              ],
              {
                cwd: dir,
                env: lakeEnv(dir, pgUrl),
                encoding: 'utf8',
              },
            ),
          );
          const [n1, d1, s1] = q.rows[0].map(String);
          const src = psql(pgUrl, "SELECT count(*) || ' ' || sum(amount) FROM orders").split(' ');
          if (n1 !== String(rows) || d1 !== String(rows) || Number(s1) !== Number(src[1])) {
            throw new Error(`merged table: count ${n1}, distinct ${d1}, sum ${s1}; source: ${src.join(' ')}`);
          }
        }
      } finally {
        rmSync(dir, { recursive: true, force: true });
      }
    }
    const fullMs = median(full.map((m) => m.ms));
    const incMs = median(inc.map((m) => m.ms));
    const ownRatio = median(inc.map((m, i) => m.ms / full[i].ms));
    const vsAppend = fullLoadMedianMs ? incMs / fullLoadMedianMs : undefined;
    sections.push(`### 4. Incremental merge, 1% of the rows changed, quality gate on

- pipeline: stream public.orders → bench.orders, mode merge, primary_key [id], cursor updated_at, checks not_null [id, name] and unique [id] (write-audit-publish: written to a branch, checked, then published)
- the source table has an index on updated_at, as a table read incrementally by a cursor should (without it PostgreSQL scans all ${fmtRows(rows)} rows to find the changed ones: about 0.1 s here)
- each run: a new workspace; the first \`lake run\` loads all ${fmtRows(rows)} rows (full load, same pipeline); then ${fmtRows(rows / 100)} rows get a new amount and a later updated_at at the source (untimed); the second \`lake run\` reads them (plus the row at the inclusive cursor) and merges them (merge-on-read: position deletes + new rows)
- afterwards the table was checked: ${fmtRows(rows)} rows, every id once, sum(amount) equal to the source's

| run | full load, merge mode (s) | incremental merge (s) | incremental / full | incremental CPU (s) | incremental peak RSS (MiB) |
|---|---|---|---|---|---|
${inc.map((m, i) => `| ${i + 1} | ${s2(full[i].ms)} | ${s2(m.ms)} | ${(m.ms / full[i].ms).toFixed(2)} | ${m.cpuS.toFixed(2)} | ${mib(m.maxRssKb)} |`).join('\n')}
| **median** | **${s2(fullMs)}** | **${s2(incMs)}** | **${ownRatio.toFixed(2)}** | ${median(inc.map((m) => m.cpuS)).toFixed(2)} | ${mib(median(inc.map((m) => m.maxRssKb)))} |

Target: incremental ≤ 25% of the full load → against the same pipeline's full load: ${verdict(ownRatio <= 0.25)} (${(ownRatio * 100).toFixed(0)}%)${vsAppend !== undefined ? `; against the append full load of benchmark 1 (median ${s2(fullLoadMedianMs)} s): ${verdict(vsAppend <= 0.25)} (${(vsAppend * 100).toFixed(0)}%)` : ''}.

Row-delta phase timings of one more incremental run (\`LAKEKIT_TIMING=1\`, milliseconds since process start):

\`\`\`
${timingLines.join('\n') || '(none printed)'}
\`\`\``);
  }

  // 5: peak memory, 1M and 10M rows, alternated.
  if (only.has('memory') && bigRows > 0) {
    const g = Date.now();
    createPgTable(pgUrl, 'orders_big', bigRows);
    const genS = s2(Date.now() - g);
    log(`PostgreSQL: generated public.orders_big (${fmtRows(bigRows)} rows) in ${genS} s`);
    const r = await alternate('memory', {
      small: (tag) => lakeFull(`mem-small-${tag}`, 'postgres', pgUrl, 'public.orders', rows, { tree: true }),
      big: (tag) =>
        lakeFull(`mem-big-${tag}`, 'postgres', pgUrl, 'public.orders_big', bigRows, { tree: true }),
    });
    psql(pgUrl, 'DROP TABLE orders_big');
    const peak = (m) => Math.max(m.maxRssKb, m.treePeakKb);
    const smallPeak = median(r.small.map(peak));
    const bigPeak = median(r.big.map(peak));
    const growth = bigPeak / smallPeak;
    const maxProcs = Math.max(...[...r.small, ...r.big].map((m) => m.treeProcesses));
    sections.push(`### 5. Peak memory of a full load: ${fmtRows(rows)} vs ${fmtRows(bigRows)} rows

- the same full load as benchmark 1 (\`lake run\`, mode append, new table), from \`public.orders\` and from \`public.orders_big\` (${fmtRows(bigRows)} rows, same generator, generated in ${genS} s); the two sizes alternated
- peak RSS: GNU time's "maximum resident set size" of the \`lake\` process (DuckDB runs inside it), and the summed RSS of the whole process tree sampled every 100 ms through /proc (at most ${maxProcs} process${maxProcs === 1 ? '' : 'es'} seen in the tree); the larger of the two counts

| run | ${fmtRows(rows)} rows: time (s) | peak RSS (MiB) | tree peak, sampled (MiB) | ${fmtRows(bigRows)} rows: time (s) | peak RSS (MiB) | tree peak, sampled (MiB) |
|---|---|---|---|---|---|---|
${r.small.map((m, i) => `| ${i + 1} | ${s2(m.ms)} | ${mib(m.maxRssKb)} | ${mib(m.treePeakKb)} | ${s2(r.big[i].ms)} | ${mib(r.big[i].maxRssKb)} | ${mib(r.big[i].treePeakKb)} |`).join('\n')}
| **median** | ${s2(median(r.small.map((m) => m.ms)))} | **${mib(median(r.small.map((m) => m.maxRssKb)))}** | ${mib(median(r.small.map((m) => m.treePeakKb)))} | ${s2(median(r.big.map((m) => m.ms)))} | **${mib(median(r.big.map((m) => m.maxRssKb)))}** | ${mib(median(r.big.map((m) => m.treePeakKb)))} |

Target: peak ≤ 1 GiB at ${fmtRows(bigRows)} rows → ${verdict(bigPeak <= 1024 * 1024)} (${mib(bigPeak)} MiB); flat in table size (here: the ${fmtRows(bigRows)}-row peak at most 1.25 × the ${fmtRows(rows)}-row peak) → ${verdict(growth <= 1.25)} (× ${growth.toFixed(2)}).`);
  }

  if (timelines.length > 0) {
    const floor = await startupFloor();
    sections.push(`### Where a full load's time goes (one instrumented run per source)

Fixed costs on this machine (median of 5): \`lake --version\` ${s2(floor.version)} s; a Node process that only loads DuckDB (\`await import('@duckdb/node-api')\`) ${s2(floor.duck)} s.

${timelines.map(([name, t]) => `${name}, ${fmtRows(rows)} rows:\n\n${timelineTable(t)}`).join('\n\n')}`);
  }

  const load1 = loadavg();
  const builtAtEnd = bundleBuilt();
  const rebuilt =
    builtAtEnd === builtAtStart
      ? ''
      : `- **the CLI bundle was rebuilt during this run** (built ${builtAtStart} at the start, ${builtAtEnd} at the end): the figures may mix two versions of Lakekit\n`;
  const v = versionsOf(dlt?.versions);
  const section = `## Pipelines (issue 4)

- date: ${new Date().toISOString()}; the whole bench took ${((Date.now() - t0) / 60000).toFixed(1)} min
- machine: ${cpus().length} cores × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}
- load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join(' / ')}, at end ${load1.map((x) => x.toFixed(2)).join(' / ')}: other work on this 2-core machine makes single figures noisy; ratios come from alternated runs
- versions: Lakekit ${v.lakekit}; ${v.duckdb}; ${Object.values(serverVersions).join('; ')}; clients: ${v.psql}, ${v.mariadbClient}${v.dlt ? `; dlt ${v.dlt.dlt}, pyiceberg ${v.dlt.pyiceberg}, pyarrow ${v.dlt.pyarrow}, Python ${v.dlt.python}` : ''}
${rebuilt}- servers: throwaway PostgreSQL and MariaDB from tests/services/*.sh (fsync off), on this machine, reached over TCP on 127.0.0.1
- ${runs} alternated run${runs === 1 ? '' : 's'} of every contender (order rotated each run) after one warm-up of each; times are whole processes, wall clock; command: \`pnpm bench:pipelines\`${args.length > 0 ? ` (options: ${args.join(' ')})` : ''}

${sections.sort().join('\n\n')}
`;
  if (!args.includes('--only'))
    writeSection(join(root, 'bench', 'RESULTS.md'), '## Pipelines (issue 4)', section);
  process.stdout.write(section);
}

try {
  await main();
} finally {
  cleanup();
}
