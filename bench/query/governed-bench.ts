/**
 * Governed queries against raw DuckDB on the same Parquet files (issue 6), in one process, warm.
 * Bundled and run by bench/run-query.mjs (which documents the options); prints the Markdown section
 * on stdout, progress on stderr.
 *
 * For each size: a SQLite catalog in a temporary folder with two Iceberg tables written by
 * writeDataFile in chunks and committed with appendFiles,
 *   bench.sales(id, customer_id, product_id, region, qty, amount decimal(12,2), price double, sold_at)
 *   bench.customers(id, name, segment, region)  (100,000 rows)
 * rows a pure function of their index; principals `reader` (SELECT on the namespace, no policy) and
 * `analyst` (region=west: partial mask on customers.name, row filter `region = principal.region` on
 * sales); a GovernedQueryEngine, and a plain DuckDB (openEngine) with views `bench.*` (and the
 * analyst's policy written by hand, `pol.*`) over `read_parquet([...])` of the same files.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { DuckDBConnection } from '@duckdb/node-api';
import { appendFiles, type ColumnSpec, type Engine, openEngine, writeDataFile } from '@lakekit/iceberg';
import { createFileIO } from '@lakekit/storage';
import { type Actor, Catalog, LOCAL_ADMIN } from '../../catalog/src/index.js';
import { GovernedQueryEngine } from '../../packages/query/src/index.js';
import { instrumentCatalog, instrumentDuckDB, PHASES, type Phase, phases } from './instrument.js';

// ---------------------------------------------------------------- options

const args = process.argv.slice(2);
const opt = (name: string, dflt: string): string => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1]! : dflt;
};
const sizes = opt('rows', '10000000,1000000')
  .split(',')
  .map((s) => Number(s.replace(/_/g, '')));
/** Interleaved runs per query and side: one number for every size, or one per size. */
const runsList = opt('runs', '15').split(',').map(Number);
const runsFor = (sizeIndex: number) => runsList[Math.min(sizeIndex, runsList.length - 1)]!;
const customers = Number(opt('customers', '100000'));
const fileRows = Number(opt('file-rows', '2000000'));
const threadsOpt = opt('threads', '');
const threads = threadsOpt === '' ? undefined : Number(threadsOpt);
const onlyQueries = opt('queries', '');
const principals = opt('principals', 'reader,analyst').split(',');
const showSql = args.includes('--show-sql');
const diagnose = args.includes('--diagnose');
const rawUnionByName = args.includes('--raw-union-by-name');
/** Compile every question afresh (the engine's plan cache off): what parsing, checking and planning cost. */
const noPlanCache = args.includes('--no-plan-cache');
if (!sizes.every((n) => Number.isInteger(n) && n >= 1000)) throw new Error('--rows: whole numbers ≥ 1000');
if (!(runsList.every((k) => Number.isInteger(k) && k >= 3) && customers >= 100 && fileRows >= 1000))
  throw new Error('--runs ≥ 3, --customers ≥ 100, --file-rows ≥ 1000');

/** The repository (the bench is bundled into bench/out and run from the repository root). */
const root = process.cwd();
const log = (s: string) => process.stderr.write(`${s}\n`);
const fmt = (n: number) => n.toLocaleString('en-US');
const ms = (x: number) => (x >= 100 ? x.toFixed(0) : x >= 10 ? x.toFixed(1) : x.toFixed(2));

// ---------------------------------------------------------------- statistics

function sorted(xs: readonly number[]): number[] {
  return [...xs].sort((a, b) => a - b);
}
function median(xs: readonly number[]): number {
  const s = sorted(xs);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}
/** Nearest-rank percentile (p95 of 15 runs is the slowest run, of 40 the 38th). */
function pct(xs: readonly number[], p: number): number {
  const s = sorted(xs);
  return s[Math.max(0, Math.ceil((p / 100) * s.length) - 1)]!;
}

// ---------------------------------------------------------------- data

const REGIONS = "['west','east','north','south']";
const SEGMENTS = "['consumer','corporate','home office','small business']";
const salesSql = (lo: number, hi: number) => `SELECT i::BIGINT AS id,
    ((i * 7919) % ${customers})::BIGINT AS customer_id,
    ((i * 48271) % 1000)::INTEGER AS product_id,
    (${REGIONS})[((i * 40503 + i // 7) % 4) + 1] AS region,
    ((i * 17) % 10 + 1)::INTEGER AS qty,
    CAST(((i * 7907) % 100000) / 100.0 AS DECIMAL(12,2)) AS amount,
    (((i * 104729) % 1000003) / 997.0)::DOUBLE AS price,
    TIMESTAMP '2025-01-01' + to_seconds((i * 7) % 31536000) AS sold_at
  FROM range(${lo}, ${hi}) t(i)`;
const customersSql = `SELECT i::BIGINT AS id, 'customer-' || lpad(i::VARCHAR, 6, '0') AS name,
    (${SEGMENTS})[((i * 7) % 4) + 1] AS segment, (${REGIONS})[((i * 3) % 4) + 1] AS region
  FROM range(${customers}) t(i)`;

const long = { kind: 'long' } as const;
const int = { kind: 'int' } as const;
const str = { kind: 'string' } as const;
const SALES: ColumnSpec[] = [
  { name: 'id', type: long, required: true },
  { name: 'customer_id', type: long },
  { name: 'product_id', type: int },
  { name: 'region', type: str },
  { name: 'qty', type: int },
  { name: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 } },
  { name: 'price', type: { kind: 'double' } },
  { name: 'sold_at', type: { kind: 'timestamp' } },
];
const CUSTOMERS: ColumnSpec[] = [
  { name: 'id', type: long, required: true },
  { name: 'name', type: str },
  { name: 'segment', type: str },
  { name: 'region', type: str },
];

/** The analyst's policy written by hand for the raw DuckDB (what the governance layer enforces). */
const MASK_KEEP_LAST = 3;
const handMaskedName = `CASE WHEN name IS NULL THEN NULL WHEN length(name) <= ${MASK_KEEP_LAST} THEN repeat('*', length(name))
  ELSE repeat('*', length(name) - ${MASK_KEEP_LAST}) || right(name, ${MASK_KEEP_LAST}) END`;
const ANALYST_REGION = 'west';

// ---------------------------------------------------------------- queries

interface BenchQuery {
  name: string;
  kind: 'scan' | 'group-by' | 'join' | 'top-k' | 'doubles';
  sql: string;
  /** The answer is one fixed set of rows (a LIMIT without a total ORDER BY is not). */
  deterministic: boolean;
}

const QUERIES: BenchQuery[] = [
  {
    name: 'filtered count',
    kind: 'scan',
    sql: 'SELECT count(*) AS n FROM bench.sales WHERE qty >= 8 AND product_id < 500',
    deterministic: true,
  },
  {
    name: 'filtered projection, LIMIT 100',
    kind: 'scan',
    sql: 'SELECT id, customer_id, amount FROM bench.sales WHERE product_id = 42 LIMIT 100',
    deterministic: false,
  },
  {
    name: 'one month: count, sum(amount)',
    kind: 'scan',
    sql: "SELECT count(*) AS n, sum(amount) AS total FROM bench.sales WHERE sold_at >= TIMESTAMP '2025-03-01' AND sold_at < TIMESTAMP '2025-04-01'",
    deterministic: true,
  },
  {
    name: 'by region: count, sum, avg(qty)',
    kind: 'group-by',
    sql: 'SELECT region, count(*) AS n, sum(amount) AS total, avg(qty) AS avg_qty FROM bench.sales GROUP BY region',
    deterministic: true,
  },
  {
    name: 'by product (1,000 groups)',
    kind: 'group-by',
    sql: 'SELECT product_id, count(*) AS n, sum(amount) AS total FROM bench.sales GROUP BY product_id',
    deterministic: true,
  },
  {
    name: 'by month × region',
    kind: 'group-by',
    sql: "SELECT date_trunc('month', sold_at) AS month, region, count(*) AS n, sum(amount) AS total FROM bench.sales GROUP BY 1, 2",
    deterministic: true,
  },
  {
    name: 'distinct customers by region',
    kind: 'group-by',
    sql: 'SELECT region, count(DISTINCT customer_id) AS customers FROM bench.sales GROUP BY region',
    deterministic: true,
  },
  {
    name: 'sales ⋈ customers by segment',
    kind: 'join',
    sql: 'SELECT c.segment, count(*) AS n, sum(s.amount) AS total FROM bench.sales s JOIN bench.customers c ON s.customer_id = c.id GROUP BY c.segment',
    deterministic: true,
  },
  {
    name: 'top 10 customers by revenue (name)',
    kind: 'join',
    sql: 'SELECT c.name, sum(s.amount) AS revenue FROM bench.sales s JOIN bench.customers c ON s.customer_id = c.id GROUP BY c.name ORDER BY revenue DESC, c.name LIMIT 10',
    deterministic: true,
  },
  {
    name: 'top 10 by amount',
    kind: 'top-k',
    sql: 'SELECT id, customer_id, amount, sold_at FROM bench.sales ORDER BY amount DESC, id LIMIT 10',
    deterministic: true,
  },
  {
    name: 'top 10 by price in one region',
    kind: 'top-k',
    sql: "SELECT id, product_id, price FROM bench.sales WHERE region = 'west' ORDER BY price DESC, id LIMIT 10",
    deterministic: true,
  },
  {
    name: 'sum(price) by region (DOUBLE: one thread)',
    kind: 'doubles',
    sql: 'SELECT region, sum(price) AS total_price FROM bench.sales GROUP BY region',
    deterministic: true,
  },
];
const queries = onlyQueries
  ? QUERIES.filter((_, i) =>
      onlyQueries
        .split(',')
        .map(Number)
        .includes(i + 1),
    )
  : QUERIES;

// ---------------------------------------------------------------- one world

interface World {
  dir: string;
  catalog: Catalog;
  engine: GovernedQueryEngine;
  raw: Engine;
  files: { sales: number; customers: number; bytes: number };
  close(): Promise<void>;
}

async function buildWorld(rows: number): Promise<World> {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-bench-query-'));
  const catalog = await Catalog.open({
    uri: `sqlite:${join(dir, 'catalog.db')}`,
    name: 'lakekit',
    warehouse: pathToFileURL(join(dir, 'warehouse')).href,
    io: createFileIO({}),
  });
  await catalog.createNamespace(['bench']);
  const writer = await openEngine();
  const t0 = performance.now();
  const write = async (name: string, columns: ColumnSpec[], chunks: string[]) => {
    const table = await catalog.createTable({ namespace: ['bench'], name }, columns);
    const files = [];
    for (const [i, selectSql] of chunks.entries()) {
      files.push(
        ...(await writeDataFile({
          engine: writer,
          io: table.io,
          selectSql,
          sourceColumns: columns.map((c) => c.name),
          schema: table.schema(),
          tableLocation: table.metadata.location,
          tableName: table.name,
        })),
      );
      log(`  bench.${name}: file ${i + 1}/${chunks.length} written`);
    }
    await appendFiles(table, files);
  };
  const perFile = Math.min(fileRows, Math.ceil(rows / 4));
  const chunks: string[] = [];
  for (let lo = 0; lo < rows; lo += perFile) chunks.push(salesSql(lo, Math.min(rows, lo + perFile)));
  await write('sales', SALES, chunks);
  await write('customers', CUSTOMERS, [customersSql]);
  writer.close();
  log(`  tables written in ${((performance.now() - t0) / 1000).toFixed(1)} s`);

  const gov = catalog.governance;
  const A = LOCAL_ADMIN;
  for (const [p, role] of [
    ['reader', 'readers'],
    ['analyst', 'analysts'],
  ] as const) {
    await gov.createPrincipal(A, {
      name: p,
      kind: 'user',
      ...(p === 'analyst' ? { attributes: { region: ANALYST_REGION } } : {}),
    });
    await gov.createRole(A, { name: role });
    await gov.addMember(A, role, p);
    const grantee = { type: 'role', name: role } as const;
    await gov.grant(A, { privilege: 'USAGE', securable: { type: 'catalog' }, grantee });
    await gov.grant(A, { privilege: 'USAGE', securable: { type: 'namespace', name: 'bench' }, grantee });
    await gov.grant(A, { privilege: 'SELECT', securable: { type: 'namespace', name: 'bench' }, grantee });
  }
  await gov.setMask(A, {
    table: 'bench.customers',
    column: 'name',
    role: 'analysts',
    kind: 'partial',
    keepLast: MASK_KEEP_LAST,
  });
  await gov.setRowFilter(A, {
    table: 'bench.sales',
    role: 'analysts',
    predicate: 'region = principal.region',
  });

  // The raw side: a plain DuckDB over the current snapshots' files, by local path.
  const raw = await openEngine(threads === undefined ? {} : { threads });
  // The governed instances cache Parquet footers; so does the raw one (a fair, warm comparison).
  await raw.run('SET parquet_metadata_cache = true');
  await raw.run('CREATE SCHEMA bench');
  await raw.run('CREATE SCHEMA pol');
  const files = { sales: 0, customers: 0, bytes: 0 };
  const paths: Record<string, string> = {};
  for (const name of ['sales', 'customers'] as const) {
    const table = await catalog.loadTable({ namespace: ['bench'], name });
    const live = await table.files();
    const local = await Promise.all(live.map((f) => table.io.localPath(f.dataFile.filePath)));
    files[name] = local.length;
    for (const p of local) files.bytes += statSync(p).size;
    const list = local.map((p) => `'${p.replace(/'/g, "''")}'`).join(', ');
    paths[name] = `read_parquet([${list}]${rawUnionByName ? ', union_by_name = true' : ''})`;
    await raw.run(`CREATE VIEW bench.${name} AS SELECT * FROM ${paths[name]}`);
  }
  await raw.run(
    `CREATE VIEW pol.sales AS SELECT * FROM ${paths['sales']} WHERE region = '${ANALYST_REGION}'`,
  );
  await raw.run(
    `CREATE VIEW pol.customers AS SELECT id, ${handMaskedName} AS name, segment, region FROM ${paths['customers']}`,
  );

  const engine = await GovernedQueryEngine.open({
    catalog,
    ...(threads === undefined ? {} : { threads }),
    ...(noPlanCache ? { planCache: false } : {}),
  });
  return {
    dir,
    catalog,
    engine,
    raw,
    files,
    close: async () => {
      engine.close();
      raw.close();
      await catalog.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

// ---------------------------------------------------------------- running

/** Plain DuckDB: run, read every row into JavaScript values (as any client would). */
async function runRaw(conn: DuckDBConnection, sql: string): Promise<unknown[][]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowsJson() as unknown[][];
}

function normalizeRows(rows: unknown[][]): string[] {
  const cell = (v: unknown) => {
    if (v === null || v === undefined) return 'null';
    if (typeof v === 'boolean') return String(v);
    const n =
      typeof v === 'number' ? v : typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v) ? Number(v) : NaN;
    if (Number.isFinite(n)) return Number.isInteger(n) ? String(n) : n.toPrecision(12);
    return String(v);
  };
  return rows.map((r) => r.map(cell).join('|')).sort();
}

interface QueryResult {
  query: BenchQuery;
  raw: number[];
  gov: number[];
  govNoRecord: number[];
  /** Same-iteration differences governed − raw (record: true, record: false). */
  added: number[];
  addedNoRecord: number[];
  rows: number;
  evaluation: string;
  answer: 'same' | 'differs' | 'not compared';
  /** Per governed run: its time outside DuckDB's execution of the rewritten query. */
  overhead: number[];
  overheadNoRecord: number[];
  /** --diagnose: the rewritten SQL run on the raw DuckDB (its shape without the governed instance). */
  rewritten: number[];
  /** Median ms per phase over the record: true runs. */
  phases?: Map<Phase, number>;
  /** Median ms of the record: true runs no wrapper saw (JavaScript in the engine). */
  js?: number;
}

async function benchPrincipal(
  world: World,
  principal: 'reader' | 'analyst',
  runs: number,
): Promise<QueryResult[]> {
  const caller: Actor = { name: principal };
  const conn = world.raw.conn;
  const rawSql = (sql: string) => (principal === 'analyst' ? sql.replace(/\bbench\./g, 'pol.') : sql);
  const out: QueryResult[] = [];
  for (const q of queries) {
    const rSql = rawSql(q.sql);
    // Warm: each side once (files in the page cache, footers in the metadata caches, tables loaded).
    const rawRows = await runRaw(conn, rSql);
    phases.reset();
    phases.active = true;
    try {
      await world.engine.query(caller, q.sql, { record: false });
    } finally {
      phases.active = false;
    }
    const rewritten = phases.lastExecuteSql!;
    if (showSql) log(`  ${principal} #${QUERIES.indexOf(q) + 1}: rewritten SQL:\n${rewritten}\n`);
    if (diagnose) await runRaw(conn, rewritten);
    const first = await world.engine.query(caller, q.sql, { record: true });
    const answer = q.deterministic
      ? JSON.stringify(normalizeRows(rawRows)) === JSON.stringify(normalizeRows(first.rows))
        ? 'same'
        : 'differs'
      : 'not compared';
    if (answer === 'differs')
      log(`  WARNING: ${principal} / ${q.name}: the governed answer differs from raw DuckDB's`);
    const r: QueryResult = {
      query: q,
      raw: [],
      gov: [],
      govNoRecord: [],
      added: [],
      addedNoRecord: [],
      overhead: [],
      overheadNoRecord: [],
      rewritten: [],
      rows: first.rows.length,
      evaluation: first.receipt.evaluation,
      answer,
    };
    // Interleaved: every iteration runs each side once, in an order that rotates. Governed runs
    // are instrumented (a few microseconds of wrappers): their time outside DuckDB's execution of
    // the rewritten query is what parsing, checking, planning (and recording) add.
    const sides = (diagnose ? ['raw', 'gov', 'govNoRecord', 'rewritten'] : ['raw', 'gov', 'govNoRecord']) as (
      | 'raw'
      | 'gov'
      | 'govNoRecord'
      | 'rewritten'
    )[];
    const per = new Map<Phase, number[]>(PHASES.map((p) => [p, []]));
    const js: number[] = [];
    for (let i = 0; i < runs; i++) {
      const times = { raw: 0, gov: 0, govNoRecord: 0, rewritten: 0 };
      for (let k = 0; k < sides.length; k++) {
        const side = sides[(i + k) % sides.length]!;
        if (side === 'raw' || side === 'rewritten') {
          const t0 = performance.now();
          await runRaw(conn, side === 'raw' ? rSql : rewritten);
          times[side] = performance.now() - t0;
          continue;
        }
        phases.reset();
        phases.active = true;
        const t0 = performance.now();
        try {
          await world.engine.query(caller, q.sql, { record: side === 'gov' });
        } finally {
          phases.active = false;
        }
        times[side] = performance.now() - t0;
        const outside = times[side] - (phases.times.get('execute') ?? 0);
        if (side === 'gov') {
          r.overhead.push(outside);
          for (const p of PHASES) per.get(p)!.push(phases.times.get(p) ?? 0);
          js.push(times.gov - PHASES.reduce((a, p) => a + (phases.times.get(p) ?? 0), 0));
        } else r.overheadNoRecord.push(outside);
      }
      r.raw.push(times.raw);
      if (diagnose) r.rewritten.push(times.rewritten);
      r.gov.push(times.gov);
      r.govNoRecord.push(times.govNoRecord);
      r.added.push(times.gov - times.raw);
      r.addedNoRecord.push(times.govNoRecord - times.raw);
    }
    r.phases = new Map(PHASES.map((p) => [p, median(per.get(p)!)]));
    r.js = median(js);
    out.push(r);
    log(
      `  ${principal} #${QUERIES.indexOf(q) + 1} ${q.name}: raw ${ms(median(r.raw))} ms, governed ${ms(median(r.gov))} ms (no record ${ms(median(r.govNoRecord))}), ratio ${(median(r.gov) / median(r.raw)).toFixed(2)}${r.evaluation === 'sequential' ? ', sequential' : ''}${answer === 'differs' ? ', ANSWER DIFFERS' : ''}`,
    );
  }
  return out;
}

// ---------------------------------------------------------------- report

interface SizeResult {
  rows: number;
  files: World['files'];
  runs: number;
  byPrincipal: Map<string, QueryResult[]>;
  seconds: number;
}

const ratio = (r: QueryResult, noRecord = false) => median(noRecord ? r.govNoRecord : r.gov) / median(r.raw);
const inTarget = (r: QueryResult) => r.query.kind !== 'doubles';

function principalTable(results: QueryResult[]): string {
  const lines = [
    '| # | query | kind | rows | raw median / p95 ms | governed median / p95 ms | ratio | no record: median ms, ratio | added p95 ms: governed − raw (no record) | outside execution p95 ms (no record) |',
    '|---|---|---|---:|---:|---:|---:|---:|---:|---:|',
  ];
  results.forEach((r) => {
    const seq = r.evaluation === 'sequential' ? ' †' : '';
    const diff = r.answer === 'differs' ? ' ‡' : '';
    lines.push(
      `| ${QUERIES.indexOf(r.query) + 1} | ${r.query.name}${seq}${diff} | ${r.query.kind} | ${fmt(r.rows)} | ${ms(median(r.raw))} / ${ms(pct(r.raw, 95))} | ${ms(median(r.gov))} / ${ms(pct(r.gov, 95))} | ${ratio(r).toFixed(2)} | ${ms(median(r.govNoRecord))}, ${ratio(r, true).toFixed(2)} | ${ms(pct(r.added, 95))} (${ms(pct(r.addedNoRecord, 95))}) | ${ms(pct(r.overhead, 95))} (${ms(pct(r.overheadNoRecord, 95))}) |`,
    );
  });
  const target = results.filter(inTarget);
  lines.push(
    '',
    `Median ratio over the ${target.length} scan, group-by, join and top-k queries: **${median(target.map((r) => ratio(r))).toFixed(2)}** (record: false ${median(target.map((r) => ratio(r, true))).toFixed(2)}); with the DOUBLE query: ${median(results.map((r) => ratio(r))).toFixed(2)}.`,
  );
  return lines.join('\n');
}

function profileTable(results: QueryResult[]): string {
  const shown: Phase[] = PHASES.filter(
    (p) => p !== 'execute' && results.some((r) => (r.phases?.get(p) ?? 0) >= 0.05),
  );
  const diag = results.some((r) => r.rewritten.length > 0);
  const lines = [
    `| # | governed | execute | execute / raw |${diag ? ' rewritten SQL on raw DuckDB / raw |' : ''} ${shown.join(' | ')} | JS in the engine | outside execution |`,
    `|---|---:|---:|---:|${diag ? '---:|' : ''}${shown.map(() => '---:').join('|')}|---:|---:|`,
  ];
  results.forEach((r) => {
    if (!r.phases) return;
    const p = r.phases;
    const exec = p.get('execute') ?? 0;
    lines.push(
      `| ${QUERIES.indexOf(r.query) + 1} | ${ms(median(r.gov))} | ${ms(exec)} | ${(exec / median(r.raw)).toFixed(2)} |${diag ? ` ${ms(median(r.rewritten))} / ${ms(median(r.raw))} |` : ''} ${shown.map((x) => ms(p.get(x) ?? 0)).join(' | ')} | ${ms(r.js ?? 0)} | ${ms(median(r.overhead))} |`,
    );
  });
  return lines.join('\n');
}

function sizeSection(s: SizeResult): string {
  const parts = [
    `### ${fmt(s.rows)} rows`,
    '',
    `bench.sales: ${fmt(s.rows)} rows in ${s.files.sales} Parquet files; bench.customers: ${fmt(customers)} rows in ${s.files.customers}; ${(s.files.bytes / 2 ** 20).toFixed(0)} MiB of Parquet in all. ${s.runs} interleaved runs per query and side after one warm-up of each (p95: run ${Math.ceil(0.95 * s.runs)} of ${s.runs}, fastest first); this size took ${(s.seconds / 60).toFixed(1)} min.`,
  ];
  const reader = s.byPrincipal.get('reader');
  if (reader) {
    parts.push(
      '',
      '#### `reader`: SELECT on the namespace, no mask, no row filter (the cost of governance itself)',
      '',
      principalTable(reader),
    );
  }
  const analyst = s.byPrincipal.get('analyst');
  if (analyst) {
    parts.push(
      '',
      `#### \`analyst\`: partial mask on customers.name, row filter \`region = principal.region\` (${ANALYST_REGION}) on sales; raw DuckDB runs the same policy written by hand`,
      '',
      principalTable(analyst),
    );
  }
  const profiled = reader ?? analyst;
  if (profiled?.some((r) => r.phases)) {
    parts.push(
      '',
      `#### Where the governed time goes (\`${reader ? 'reader' : 'analyst'}\`, record: true; ms, medians over the ${s.runs} runs; "execute" is DuckDB parsing, binding, optimizing and running the rewritten query, rows read into JavaScript)`,
      '',
      profileTable(profiled),
    );
  }
  return parts.join('\n');
}

function verdicts(results: SizeResult[]): string[] {
  const out: string[] = [];
  const big =
    results.find((s) => s.rows >= 10_000_000) ?? results.reduce((a, b) => (b.rows > a.rows ? b : a));
  const bigReader = big.byPrincipal.get('reader') ?? big.byPrincipal.get('analyst')!;
  const m = median(bigReader.filter(inTarget).map((r) => ratio(r)));
  const mNo = median(bigReader.filter(inTarget).map((r) => ratio(r, true)));
  const bigAnalyst = big.byPrincipal.get('reader') ? big.byPrincipal.get('analyst') : undefined;
  const analystNote = bigAnalyst
    ? `; analyst against the same policy by hand: ${median(bigAnalyst.filter(inTarget).map((r) => ratio(r))).toFixed(2)}`
    : '';
  const note1 =
    big.rows >= 10_000_000 ? '' : ` (measured at ${fmt(big.rows)} rows only: the target is set at 10M)`;
  out.push(
    `- Target 1, median ratio governed / raw ≤ 1.2 over scans, group-bys, joins and top-k at 10M rows: **${m <= 1.2 ? 'PASS' : 'FAIL'}** (${m.toFixed(2)} with receipt and audit stored; ${mNo.toFixed(2)} without${analystNote})${note1}`,
  );
  const small =
    results.find((s) => s.rows === 1_000_000) ?? results.reduce((a, b) => (b.rows < a.rows ? b : a));
  const smallAll = [...small.byPrincipal.values()].flat();
  type Key = 'added' | 'addedNoRecord' | 'overhead' | 'overheadNoRecord';
  const worst = (key: Key) => {
    const r = smallAll.filter(inTarget).reduce((a, b) => (pct(b[key], 95) > pct(a[key], 95) ? b : a));
    return {
      p95: pct(r[key], 95),
      name: `${r.query.name}${smallAll.length > queries.length ? `, ${small.byPrincipal.get('reader')?.includes(r) ? 'reader' : 'analyst'}` : ''}`,
    };
  };
  const verdict = (x: number) => (x <= 20 ? 'PASS' : 'FAIL');
  const o = worst('overhead');
  const oNo = worst('overheadNoRecord');
  const a = worst('added');
  const aNo = worst('addedNoRecord');
  const note2 =
    small.rows === 1_000_000 ? '' : ` (measured at ${fmt(small.rows)} rows: the target is set at 1M)`;
  out.push(
    `- Target 2, parse, check and plan add ≤ 20 ms at p95 for every query at 1M rows${note2}: time of the governed call outside DuckDB's execution of the rewritten query, p95, worst query: **${verdict(o.p95)}** ${ms(o.p95)} ms with receipt and audit stored (${o.name}); **${verdict(oNo.p95)}** ${ms(oNo.p95)} ms without (${oNo.name})`,
    `- End to end at the same size, governed − raw in the same iteration, p95, worst query: ${verdict(a.p95)} ${ms(a.p95)} ms with receipt and audit stored (${a.name}); ${verdict(aNo.p95)} ${ms(aNo.p95)} ms without (${aNo.name}) — this also counts the rewritten query running slower or faster than the raw one, and noise`,
  );
  return out;
}

// ---------------------------------------------------------------- main

function gitVersion(): string {
  try {
    const git = (...a: string[]) =>
      execFileSync('git', a, { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
    return `${git('rev-parse', '--short', 'HEAD')}${git('status', '--porcelain') ? ' (with uncommitted changes)' : ''}`;
  } catch {
    return 'unknown commit';
  }
}

await instrumentDuckDB();
const duckdbVersion = await (async () => {
  const e = await openEngine();
  try {
    return String((await e.all('SELECT version() AS v'))[0]!['v']);
  } finally {
    e.close();
  }
})();
const started = Date.now();
const load0 = loadavg();
const results: SizeResult[] = [];
for (const [sizeIndex, rows] of sizes.entries()) {
  const runs = runsFor(sizeIndex);
  const t0 = performance.now();
  log(`${fmt(rows)} rows: writing the tables`);
  const world = await buildWorld(rows);
  instrumentCatalog(world.catalog);
  try {
    const byPrincipal = new Map<string, QueryResult[]>();
    for (const p of principals) {
      if (p !== 'reader' && p !== 'analyst') throw new Error(`--principals: unknown ${p}`);
      log(`${fmt(rows)} rows: ${p}, ${queries.length} queries × ${runs} interleaved runs`);
      byPrincipal.set(p, await benchPrincipal(world, p, runs));
    }
    results.push({ rows, files: world.files, runs, byPrincipal, seconds: (performance.now() - t0) / 1000 });
  } finally {
    await world.close();
  }
}
const load1 = loadavg();

const cpu = cpus();
const anyDiffers = results.some((x) =>
  [...x.byPrincipal.values()].flat().some((r) => r.answer === 'differs'),
);
const section = `## Governed queries (issue 6)${noPlanCache ? ', every question compiled afresh' : ''}

- governed: \`GovernedQueryEngine.query\` (parse and guard, secure views of the current snapshots, bound-plan check, total order, locked DuckDB, receipt), as \`reader\` (SELECT on the namespace, no policy: the cost of governance itself) and as \`analyst\` (a mask and a row filter)
- raw: a plain DuckDB (\`openEngine\`, same thread count, \`parquet_metadata_cache\` on as in the governed instances) with views over \`read_parquet([…]${rawUnionByName ? ', union_by_name = true' : ''})\` of the same Parquet files (the tables' current snapshots); for \`analyst\` the same policy written by hand in the views
- one process, warm (each side once before timing), side by side: every iteration runs raw, governed with \`record: true\` (receipt stored, audit appended: the real path) and governed with \`record: false\`${diagnose ? ', and the rewritten SQL on the raw DuckDB' : ''}, in an order that rotates; times are wall clock from the call to the rows in JavaScript
- p95 is nearest-rank; "added p95" is the p95 of the per-iteration difference governed − raw; "outside execution" is the governed call's time minus DuckDB's run of the rewritten query (parse, guard, deparse, plan check, prepare, catalog reads, receipt and audit, JavaScript)
- † runs on the governed engine's one-thread instance (a DOUBLE sum is order-sensitive): reported, left out of the target median. ${anyDiffers ? "‡ the governed answer differs from raw DuckDB's." : "Every answer with a fixed row set equals raw DuckDB's (rows compared)."}
- versions: Lakekit at ${gitVersion()}; DuckDB ${duckdbVersion}
- machine: ${cpu.length} cores × ${cpu[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}; DuckDB threads: ${threads ?? 'default (one per core)'}
- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; the run took ${((Date.now() - started) / 60000).toFixed(1)} min; load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join(' / ')}, at end ${load1.map((x) => x.toFixed(2)).join(' / ')}
- catalog: SQLite in a temporary folder; command: \`${['node bench/run-query.mjs', ...args.filter((a) => a !== '--dry-run')].join(' ')}\`

${results.map(sizeSection).join('\n\n')}

${verdicts(results).join('\n')}
`;
process.stdout.write(section);
