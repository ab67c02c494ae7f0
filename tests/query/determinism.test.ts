/**
 * Determinism of governed answers: one question at one set of snapshots gives byte-identical
 * results every time — floating-point sums and averages included, which plain DuckDB on two threads
 * does not (shown here on big.points, two million doubles of very different magnitudes). Receipts
 * verify, keep verifying after the table moves on (they pin their snapshots), and expiry keeps the
 * snapshots receipts name.
 */
import { fileURLToPath } from 'node:url';
import { LOCAL_ADMIN } from '@lakekit/catalog';
import {
  appendFiles,
  type Engine,
  expireSnapshots,
  openEngine,
  type Table,
  writeDataFile,
} from '@lakekit/iceberg';
import type { GovernedAnswer } from '@lakekit/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QueryWorld, startQueryWorld } from './fixture.js';

const RUNS = 20;
const POINTS = 2_000_000;

let w: QueryWorld;
let points: Table;
let writer: Engine;
let pointsFile = '';

const pointColumns = [
  { name: 'id', type: { kind: 'long' } as const },
  { name: 'bucket', type: { kind: 'int' } as const },
  { name: 'k', type: { kind: 'long' } as const },
  { name: 'v', type: { kind: 'double' } as const },
];

/** Appends `n` random points as one new snapshot; returns its id. */
async function appendPoints(n: number, offset: number): Promise<string> {
  const files = await writeDataFile({
    engine: writer,
    io: points.io,
    // Doubles from 1e-6 to 1e6 in size, both signs: their sum depends on the order it is taken in.
    selectSql: `SELECT (i + ${offset})::BIGINT AS id, (i % 97)::INTEGER AS bucket, (i % 1000)::BIGINT AS k,
        (random() - 0.5) * pow(10, random() * 12 - 6) AS v FROM range(${n}) t(i)`,
    sourceColumns: pointColumns.map((c) => c.name),
    schema: points.schema(),
    tableLocation: points.metadata.location,
    tableName: points.name,
  });
  if (!pointsFile) pointsFile = fileURLToPath(files[0]!.filePath);
  await appendFiles(points, files);
  await points.refresh();
  return String(points.currentSnapshot()!['snapshot-id']);
}

beforeAll(async () => {
  w = await startQueryWorld();
  writer = await openEngine();
  await w.catalog.createNamespace(['big']);
  points = await w.catalog.createTable({ namespace: ['big'], name: 'points' }, pointColumns);
  await appendPoints(POINTS, 0);
  const gov = w.catalog.governance;
  // The fixture gives dave (auditor) SELECT on the catalog but USAGE on no namespace.
  await gov.grant(LOCAL_ADMIN, {
    privilege: 'USAGE',
    securable: { type: 'namespace', name: 'crm' },
    grantee: { type: 'role', name: 'auditor' },
  });
  for (const role of ['auditor', 'analyst'])
    for (const privilege of ['USAGE', 'SELECT'] as const)
      await gov.grant(LOCAL_ADMIN, {
        privilege,
        securable: { type: 'namespace', name: 'big' },
        grantee: { type: 'role', name: role },
      });
}, 180_000);

afterAll(async () => {
  writer?.close();
  await w?.close();
});

/** Asks `sql` RUNS times; every answer must be the same, byte for byte. */
async function repeat(who: string, sql: string): Promise<GovernedAnswer> {
  const first = await w.engine.query(w.as(who), sql);
  const hashes = new Set([first.receipt.result.hash]);
  for (let i = 1; i < RUNS; i++) {
    const a = await w.engine.query(w.as(who), sql);
    hashes.add(a.receipt.result.hash);
    expect(a.rows, `run ${i + 1} of ${sql}`).toEqual(first.rows);
    expect(a.receipt.evaluation).toBe(first.receipt.evaluation);
  }
  expect([...hashes], sql).toHaveLength(1);
  return first;
}

describe('twenty runs of each question give identical answers', () => {
  const questions: [string, string, 'sequential' | 'parallel', number?][] = [
    // Floating-point aggregates: one thread, a fixed order.
    ['dave', 'SELECT sum(balance) AS s, avg(balance) AS a FROM crm.accounts', 'sequential', 1],
    [
      'alice',
      'SELECT sum(balance) AS s, avg(balance) AS a, count(*) AS n FROM crm.accounts',
      'sequential',
      1,
    ],
    ['dave', 'SELECT sum(price) AS s, avg(price) AS a FROM crm.orders', 'sequential', 1],
    [
      'dave',
      'SELECT account_id % 10 AS g, sum(price) AS s, avg(price) AS a, count(*) AS n FROM crm.orders GROUP BY g',
      'sequential',
      10,
    ],
    [
      'dave',
      'SELECT a.region, sum(o.price * o.qty) AS revenue, sum(o.amount) AS amount, avg(a.balance) AS balance FROM crm.orders o JOIN crm.accounts a ON o.account_id = a.id GROUP BY a.region',
      'sequential',
      4,
    ],
    [
      'dave',
      'SELECT id, sum(price) OVER (PARTITION BY account_id ORDER BY id) AS running FROM crm.orders',
      'sequential',
      2000,
    ],
    ['dave', 'SELECT id, row_number() OVER () AS n FROM crm.accounts', 'sequential', 200],
    [
      'dave',
      "SELECT region, string_agg(name, ',') AS names FROM crm.accounts GROUP BY region",
      'sequential',
      4,
    ],
    ['dave', 'SELECT list(id) AS ids FROM crm.orders', 'sequential', 1],
    ['dave', 'SELECT sum(qty) AS q FROM (SELECT qty FROM crm.orders LIMIT 100) t', 'sequential', 1],
    ['dave', 'SELECT sum(v) AS s, avg(v) AS a, count(*) AS n FROM big.points', 'sequential', 1],
    ['dave', 'SELECT bucket, sum(v) AS s, avg(v) AS a FROM big.points GROUP BY bucket', 'sequential', 97],
    ['alice', 'SELECT sum(v) AS s FROM big.points WHERE bucket < 50', 'sequential', 1],
    // Float sums hidden in subqueries, HAVING and DISTINCT are found too.
    ['dave', 'SELECT (SELECT sum(v) FROM big.points) AS s', 'sequential', 1],
    [
      'dave',
      'SELECT q.b, (SELECT sum(v) FROM big.points p WHERE p.bucket = q.b) AS s FROM (SELECT DISTINCT bucket AS b FROM big.points) q',
      'sequential',
      97,
    ],
    ['dave', 'SELECT bucket FROM big.points GROUP BY bucket HAVING sum(v) > 0', 'sequential'],
    ['dave', 'SELECT sum(DISTINCT v) AS s, sum(v::FLOAT) AS f FROM big.points', 'sequential', 1],
    // Integer and decimal aggregates are exact in any order: parallel.
    [
      'dave',
      'SELECT sum(amount) AS amount, sum(qty) AS qty, avg(qty) AS a, count(*) AS n FROM crm.orders',
      'parallel',
      1,
    ],
    [
      'dave',
      'SELECT qty, sum(amount) AS s, count(*) AS n, min(price) AS lo, max(price) AS hi FROM crm.orders GROUP BY qty',
      'parallel',
      7,
    ],
    ['dave', 'SELECT sum(k) AS s, count(*) AS n, min(v) AS lo, max(v) AS hi FROM big.points', 'parallel', 1],
    // Order statistics of doubles do not depend on the order rows arrive in.
    ['dave', 'SELECT median(v) AS m, quantile_cont(v, 0.3) AS q FROM big.points', 'parallel', 1],
    [
      'dave',
      'SELECT a.region, count(*) AS n, sum(o.amount) AS s FROM crm.orders o JOIN crm.accounts a ON o.account_id = a.id GROUP BY a.region',
      'parallel',
      4,
    ],
    // A LIMIT without ORDER BY at the root: the engine's total order picks the rows.
    ['dave', 'SELECT id, price FROM crm.orders LIMIT 10', 'parallel', 10],
    ['alice', 'SELECT id, email FROM crm.accounts LIMIT 5', 'parallel', 5],
  ];

  it.each(questions)('%s: %s', async (who, sql, evaluation, rows) => {
    const a = await repeat(who, sql);
    expect(a.receipt.evaluation).toBe(evaluation);
    if (rows !== undefined) expect(a.rows).toHaveLength(rows);
  });

  it('the float sums are the exact sequential sums, not just repeatable ones', async () => {
    // The governed sum equals a sum taken one row after another in the file's order (Node).
    const raw = await w.raw.all(`SELECT v FROM read_parquet('${pointsFile}')`);
    let s = 0;
    for (const r of raw) s += Number(r['v']);
    const a = await w.engine.query(w.as('dave'), 'SELECT sum(v) AS s FROM big.points');
    expect(raw).toHaveLength(POINTS);
    expect(Math.abs((a.rows[0]![0] as number) - s)).toBeLessThanOrEqual(Math.abs(s) * 1e-9);
  });
});

describe('plain DuckDB on two threads is not repeatable on the same data', () => {
  it('ten raw sums differ while ten governed sums are identical', async () => {
    const raw = await openEngine({ threads: 2 });
    const rawSums = new Set<string>();
    try {
      for (let i = 0; i < 10; i++) {
        const rows = await raw.all(`SELECT CAST(sum(v) AS VARCHAR) AS s FROM read_parquet('${pointsFile}')`);
        rawSums.add(String(rows[0]!['s']));
      }
    } finally {
      raw.close();
    }
    console.log(`raw DuckDB (2 threads), 10 sums of the same ${POINTS} doubles: ${rawSums.size} distinct`);
    expect(rawSums.size).toBeGreaterThan(1);
    const governed = new Set<string>();
    for (let i = 0; i < 10; i++) {
      const a = await w.engine.query(w.as('dave'), 'SELECT sum(v) AS s FROM big.points');
      governed.add(a.receipt.result.hash);
    }
    expect(governed.size).toBe(1);
  });
});

describe('receipts', () => {
  it('verify, pin their snapshots when the table moves on, and keep them through expiry', async () => {
    const sql = 'SELECT bucket % 7 AS b, sum(v) AS s, avg(v) AS a, count(*) AS n FROM big.points GROUP BY b';
    const first = await w.engine.query(w.as('dave'), sql);
    const pinned = first.receipt.tables[0]!.snapshotId!;
    expect(pinned).toBe(String(points.currentSnapshot()!['snapshot-id']));
    const verified = await w.engine.verifyReceipt(first.receipt);
    expect(verified).toMatchObject({ ok: true, expected: first.receipt.result.hash, policiesChanged: [] });
    expect(verified.actual).toBe(first.receipt.result.hash);

    // The table moves on: two more snapshots; nobody asks about the middle one.
    const middle = await appendPoints(1000, POINTS);
    const latest = await appendPoints(1000, POINTS + 1000);
    const now = await w.engine.query(w.as('dave'), sql);
    expect(now.receipt.tables[0]!.snapshotId).toBe(latest);
    expect(now.receipt.result.hash).not.toBe(first.receipt.result.hash);
    const again = await w.engine.verifyReceipt(first.receipt);
    expect(again.ok).toBe(true);
    expect(again.actual).toBe(first.receipt.result.hash);

    // Expiry keeps what receipts name and removes the rest.
    const protectedIds = await w.catalog.answers.protectedSnapshots('big.points');
    expect(protectedIds.has(BigInt(pinned))).toBe(true);
    expect(protectedIds.has(BigInt(middle))).toBe(false);
    const expired = await expireSnapshots(points, {
      olderThanMs: Date.now() + 60_000,
      retainLast: 1,
      protectedSnapshotIds: protectedIds,
    });
    expect(expired.removedSnapshotIds.map(String)).toContain(middle);
    expect(expired.removedSnapshotIds.map(String)).not.toContain(pinned);
    const afterExpiry = await w.engine.verifyReceipt(first.receipt);
    expect(afterExpiry.ok).toBe(true);
    const latestAgain = await w.engine.verifyReceipt(now.receipt);
    expect(latestAgain.ok).toBe(true);
  });

  it('consistency runs report identical answers', async () => {
    for (const sql of [
      'SELECT sum(v) AS s, avg(v) AS a FROM big.points',
      'SELECT a.region, sum(o.price) AS p FROM crm.orders o JOIN crm.accounts a ON o.account_id = a.id GROUP BY a.region',
      'SELECT sum(amount) AS s FROM crm.orders',
    ]) {
      const c = await w.engine.consistency(w.as('dave'), sql, RUNS);
      expect(c.runs).toBe(RUNS);
      expect(c.identical, sql).toBe(true);
      expect(c.hashes).toEqual([{ hash: c.receipt.result.hash, count: RUNS }]);
    }
  });
});
