/**
 * The SQLite connector on real database files: the conformance suite (a WAL database written by a
 * second connection), the type mapping table, exact values per storage class, values that do not
 * fit their column, invalid UTF-8, the read transaction in rollback-journal mode, and discovery of
 * views, WITHOUT ROWID tables and generated columns.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { mapSqliteType, sqliteConnector } from '@lakekit/connector-sqlite';
import {
  DataError,
  type ExtractRequest,
  NotFoundError,
  SourceError,
  type SourceStream,
  type StagedBatch,
  typeToString,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { explainStagedError, stagedSelectSql } from '@lakekit/pipelines';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorConformance, type FixtureRow } from '../helpers/connector-conformance.js';

const root = mkdtempSync(join(tmpdir(), 'lakekit-sqlite-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

function insertRows(db: Database.Database, rows: FixtureRow[]): void {
  const ins = db.prepare(
    'INSERT INTO lk_conformance (id, name, amount, active, updated_at) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (const r of rows) {
      ins.run(r.id, r.name, r.amount, r.active === null ? null : r.active ? 1 : 0, r.updated_at);
    }
  })();
}

// The fixture database is written through its own connection, as another process would.
const writer = new Database(join(root, 'conformance.db'));
writer.pragma('journal_mode = WAL');
afterAll(() => writer.close());

connectorConformance({
  kind: 'sqlite',
  stream: 'lk_conformance',
  async reset(rows) {
    writer.exec(`DROP TABLE IF EXISTS lk_conformance;
      CREATE TABLE lk_conformance (
        id INTEGER PRIMARY KEY, name TEXT, amount DECIMAL(12,2), active BOOLEAN, updated_at DATETIME NOT NULL)`);
    insertRows(writer, rows);
  },
  async insert(rows) {
    insertRows(writer, rows);
  },
  connect: () => sqliteConnector.create('lite', { path: 'conformance.db' }, { baseDir: root }),
  connectBroken: () => sqliteConnector.create('lite', { path: 'missing.db' }, { baseDir: root }),
  primaryKey: true,
  cursor: true,
  snapshotIsolation: true,
});

async function collect(it: AsyncIterable<StagedBatch>): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** A database file created by `sql`, and a connector on it. */
function database(file: string, sql: string, setup?: (db: Database.Database) => void) {
  const db = new Database(join(root, file));
  db.exec(sql);
  setup?.(db);
  db.close();
  return sqliteConnector.create('lite', { path: file }, { baseDir: root });
}

describe('mapSqliteType', () => {
  const table: Array<[string, string]> = [
    ['INTEGER', 'long'],
    ['INT', 'long'],
    ['BIGINT', 'long'],
    ['TINYINT', 'long'],
    ['UNSIGNED BIG INT', 'long'],
    ['int8', 'long'],
    ['BOOLEAN', 'boolean'],
    ['bool', 'boolean'],
    ['DECIMAL(12,2)', 'decimal(12, 2)'],
    ['numeric(38, 10)', 'decimal(38, 10)'],
    ['DECIMAL(10)', 'decimal(10, 0)'],
    ['NUMERIC(40,2)', 'double'],
    ['NUMERIC', 'double'],
    ['DECIMAL', 'double'],
    ['REAL', 'double'],
    ['DOUBLE', 'double'],
    ['DOUBLE PRECISION', 'double'],
    ['FLOAT', 'double'],
    ['TEXT', 'string'],
    ['VARCHAR(40)', 'string'],
    ['NVARCHAR(100)', 'string'],
    ['CHARACTER(20)', 'string'],
    ['CLOB', 'string'],
    ['STRING', 'string'],
    ['BLOB', 'binary'],
    ['DATE', 'date'],
    ['TIME', 'time'],
    ['DATETIME', 'timestamp'],
    ['TIMESTAMP', 'timestamp'],
    ['TIMESTAMP(3)', 'timestamp'],
    ['TIMESTAMPTZ', 'timestamptz'],
    ['timestamp with time zone', 'timestamptz'],
    ['JSON', 'string'],
    ['UUID', 'uuid'],
    ['', 'string'],
    ['MONEY', 'string'],
    ["ENUM('a','b')", 'string'],
  ];
  it.each(table)('%s → %s', (declared, want) => {
    const m = mapSqliteType(declared);
    expect(m.type && typeToString(m.type)).toBe(want);
    expect(m.unsupported).toBeUndefined();
  });
});

describe('sqlite connector', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
  });
  afterAll(() => engine?.close());

  /** Rows of staged batches converted by the runner's converter, as JSON-friendly values. */
  async function read(stream: SourceStream, batches: StagedBatch[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const b of batches) {
      const cols = b.columns.map((name) => ({
        name,
        type: stream.columns.find((c) => c.name === name)!.type!,
      }));
      const sql = stagedSelectSql(b.format, [b.path], b.columns, cols);
      try {
        out.push(...(await engine.all(sql)));
      } catch (e) {
        throw await explainStagedError(engine, stream.name, b.format, [b.path], b.columns, cols, e);
      }
    }
    return out;
  }

  async function extractAll(
    connector: ReturnType<typeof sqliteConnector.create>,
    stream: string,
    req: Partial<ExtractRequest> = {},
  ) {
    const session = await connector.session();
    try {
      const s = await session.describe(stream);
      const dir = mkdtempSync(join(root, 'stage-'));
      const batches = await collect(session.extract({ stream, stagingDir: dir, ...req }));
      return { stream: s, batches, rows: await read(s, batches) };
    } finally {
      await session.close();
    }
  }

  it('writes each storage class exactly: 64-bit integers, REALs, decimals, blobs, booleans, NULL vs empty', async () => {
    const c = database(
      'values.db',
      `CREATE TABLE v (id INTEGER PRIMARY KEY, big INTEGER, r REAL, d DECIMAL(38,10), b BLOB, flag BOOLEAN, s TEXT, u UUID, anything);
       INSERT INTO v VALUES
         (1, 9223372036854775807, 0.1, '12345678.5', X'00ff10', 1, '', '0b5d5c1e-6a0e-4c43-9d0c-5f1b3c2a9e01', 'x'),
         (2, -9223372036854775808, 1e300, 1.5e-7, X'', 0, NULL, NULL, 42),
         (3, 0, -2.5, 1e21, NULL, NULL, '  padded  ', NULL, NULL),
         (4, 1, 9e999, -0.0, NULL, 'true', 'ünïcødé ✓', NULL, X'ab')`,
    );
    try {
      const { rows } = await extractAll(c, 'v');
      expect(rows).toEqual([
        {
          id: '1',
          big: '9223372036854775807',
          r: 0.1,
          d: '12345678.5000000000',
          b: '\\x00\\xFF\\x10',
          flag: true,
          s: '',
          u: '0b5d5c1e-6a0e-4c43-9d0c-5f1b3c2a9e01',
          anything: 'x',
        },
        {
          id: '2',
          big: '-9223372036854775808',
          r: 1e300,
          d: '0.0000001500',
          b: '',
          flag: false,
          s: null,
          u: null,
          anything: '42',
        },
        {
          id: '3',
          big: '0',
          r: -2.5,
          d: '1000000000000000000000.0000000000',
          b: null,
          flag: null,
          s: '  padded  ',
          u: null,
          anything: null,
        },
        // DuckDB prints an infinite double as a string in JSON.
        {
          id: '4',
          big: '1',
          r: 'Infinity',
          d: '0.0000000000',
          b: null,
          flag: true,
          s: 'ünïcødé ✓',
          u: null,
          anything: 'ab',
        },
      ]);
    } finally {
      await c.close();
    }
  });

  it('a value whose storage class does not fit its column fails in the converter, naming the column', async () => {
    const c = database(
      'misfit.db',
      `CREATE TABLE m (id INTEGER PRIMARY KEY, qty INTEGER); INSERT INTO m VALUES (1, 5), (2, 'abc')`,
    );
    try {
      const err = await extractAll(c, 'm').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(/column qty: value 'abc' does not fit type long/);
    } finally {
      await c.close();
    }
  });

  it('TEXT that is not valid UTF-8 fails naming the column and key; a genuine U+FFFD is kept', async () => {
    const c = database(
      'utf8.db',
      `CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT);
       INSERT INTO t VALUES (1, 'ok'), (2, 'real ' || char(65533) || ' replacement'), (3, CAST(X'61FF62' AS TEXT))`,
    );
    try {
      const err = await extractAll(c, 't').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(
        /source lite, stream t, column s: row 3 \(id=3\) holds TEXT that is not valid UTF-8/,
      );

      const session = await c.session();
      try {
        const s = await session.describe('t');
        const dir = mkdtempSync(join(root, 'stage-'));
        const batches: StagedBatch[] = [];
        const run = async () => {
          for await (const b of session.extract({ stream: 't', stagingDir: dir, batchRows: 1 }))
            batches.push(b);
        };
        await expect(run()).rejects.toThrow(DataError);
        // batchRows 1: the first two rows were staged before row 3 failed, and they are exact.
        expect((await read(s, batches)).map((r) => r['s'])).toEqual(['ok', 'real \uFFFD replacement']);
      } finally {
        await session.close();
      }
    } finally {
      await c.close();
    }
  });

  it('discovers tables, views, WITHOUT ROWID keys, generated columns and cursor candidates; honours `tables`', async () => {
    const c = database(
      'schema.db',
      `CREATE TABLE orders (id INTEGER PRIMARY KEY, placed_at DATETIME, day DATE, total NUMERIC(10,2) NOT NULL,
                            doubled INTEGER GENERATED ALWAYS AS (id * 2) VIRTUAL, note);
       CREATE TABLE pairs (a TEXT, b INTEGER, v REAL, PRIMARY KEY (b, a)) WITHOUT ROWID;
       CREATE VIEW big_orders AS SELECT id, total FROM orders WHERE total > 100;
       CREATE TABLE skipped (x);
       INSERT INTO orders (id, placed_at, day, total, note) VALUES (1, '2026-01-02 03:04:05', '2026-01-02', 150, NULL);
       INSERT INTO pairs VALUES ('x', 2, 1.0), ('y', 1, 2.0)`,
    );
    const filtered = sqliteConnector.create(
      'lite',
      { path: 'schema.db', tables: ['orders', 'pairs', 'big_*'] },
      { baseDir: root },
    );
    try {
      const all = await c.discover();
      expect(all.map((s) => s.name)).toEqual(['big_orders', 'orders', 'pairs', 'skipped']);
      const streams = await filtered.discover();
      expect(streams.map((s) => s.name)).toEqual(['big_orders', 'orders', 'pairs']);
      const orders = streams.find((s) => s.name === 'orders')!;
      expect(
        orders.columns.map((col) => [col.name, col.sourceType, typeToString(col.type!), col.nullable]),
      ).toEqual([
        ['id', 'INTEGER', 'long', false],
        ['placed_at', 'DATETIME', 'timestamp', true],
        ['day', 'DATE', 'date', true],
        ['total', 'NUMERIC(10,2)', 'decimal(10, 2)', false],
        ['doubled', 'INTEGER', 'long', true],
        ['note', '', 'string', true],
      ]);
      expect(orders.primaryKey).toEqual(['id']);
      expect(orders.cursorCandidates).toEqual(['id', 'placed_at', 'day']);
      const pairs = streams.find((s) => s.name === 'pairs')!;
      expect(pairs.primaryKey).toEqual(['b', 'a']);
      expect(pairs.cursorCandidates).toEqual([]);
      const view = streams.find((s) => s.name === 'big_orders')!;
      expect(view.columns.map((col) => typeToString(col.type!))).toEqual(['long', 'decimal(10, 2)']);

      const session = await filtered.session();
      try {
        expect((await session.describe('main.orders')).name).toBe('orders');
        await expect(session.describe('skipped')).rejects.toThrow(NotFoundError);
        await expect(session.describe('skipped')).rejects.toThrow(/source lite: no table or view skipped/);
      } finally {
        await session.close();
      }
      const { rows } = await extractAll(filtered, 'main.orders');
      expect(rows).toEqual([
        {
          id: '1',
          placed_at: '2026-01-02 03:04:05',
          day: '2026-01-02',
          total: '150.00',
          doubled: '2',
          note: null,
        },
      ]);
      const keyed = await extractAll(filtered, 'pairs', { cursor: { column: 'v' } });
      expect(keyed.rows.map((r) => r['a'])).toEqual(['x', 'y']);
      const fromView = await extractAll(filtered, 'big_orders');
      expect(fromView.rows).toEqual([{ id: '1', total: '150.00' }]);
    } finally {
      await c.close();
      await filtered.close();
    }
  });

  it('an incremental read is ordered by (cursor, key) across batches, ties included', async () => {
    const c = database('ties.db', 'CREATE TABLE e (id INTEGER PRIMARY KEY, at DATETIME)', (db) => {
      const ins = db.prepare('INSERT INTO e VALUES (?, ?)');
      db.transaction(() => {
        // Ten rows per timestamp, inserted in an order that is neither.
        for (let i = 0; i < 100; i++)
          ins.run(((i * 37) % 100) + 1, `2026-03-01 00:00:0${((i * 37) % 100) % 10}`);
      })();
    });
    try {
      const { batches, rows } = await extractAll(c, 'e', {
        cursor: { column: 'at', after: '2026-03-01 00:00:04.000000', inclusive: true },
        batchRows: 7,
      });
      expect(batches.length).toBe(Math.ceil(60 / 7));
      const got = rows.map((r) => [r['at'], Number(r['id'])]);
      const want = [...got].sort(
        (a, b) => String(a[0]).localeCompare(String(b[0])) || Number(a[1]) - Number(b[1]),
      );
      expect(got).toEqual(want);
      expect(got.length).toBe(60);
      expect(got[0]).toEqual(['2026-03-01 00:00:04', 5]);
      const exclusive = await extractAll(c, 'e', { cursor: { column: 'at', after: '2026-03-01 00:00:04' } });
      expect(exclusive.rows.length).toBe(50);
      const byKey = await extractAll(c, 'e', { cursor: { column: 'id', after: '95' } });
      expect(byKey.rows.map((r) => Number(r['id']))).toEqual([96, 97, 98, 99, 100]);
    } finally {
      await c.close();
    }
  });

  it('asText columns and unknown columns', async () => {
    const c = database(
      'astext.db',
      "CREATE TABLE a (id INTEGER PRIMARY KEY, b BLOB); INSERT INTO a VALUES (1, X'cafe')",
    );
    try {
      const session = await c.session();
      try {
        const dir = mkdtempSync(join(root, 'stage-'));
        const batches = await collect(
          session.extract({
            stream: 'a',
            stagingDir: dir,
            columns: [{ name: 'id' }, { name: 'b', asText: true }],
          }),
        );
        const rows = await engine.all(
          stagedSelectSql(
            'csv',
            [batches[0]!.path],
            ['id', 'b'],
            [
              { name: 'id', type: { kind: 'long' } },
              { name: 'b', type: { kind: 'string' } },
            ],
          ),
        );
        expect(rows).toEqual([{ id: '1', b: 'cafe' }]);
        await expect(
          collect(session.extract({ stream: 'a', stagingDir: dir, columns: [{ name: 'nope' }] })),
        ).rejects.toThrow(/source lite, stream a: no column nope/);
      } finally {
        await session.close();
      }
    } finally {
      await c.close();
    }
  });

  it('in rollback-journal mode the session holds its read: writers wait until it closes', async () => {
    const file = join(root, 'journal.db');
    const c = database('journal.db', 'CREATE TABLE j (id INTEGER PRIMARY KEY); INSERT INTO j VALUES (1)');
    const w = new Database(file, { timeout: 0 });
    try {
      expect(w.pragma('journal_mode', { simple: true })).toBe('delete');
      const session = await c.session();
      try {
        expect(() => w.prepare('INSERT INTO j VALUES (2)').run()).toThrow(/locked/);
        const dir = mkdtempSync(join(root, 'stage-'));
        const batches = await collect(session.extract({ stream: 'j', stagingDir: dir }));
        expect(batches.map((b) => b.rows)).toEqual([1]);
      } finally {
        await session.close();
      }
      w.prepare('INSERT INTO j VALUES (2)').run();
      const { rows } = await extractAll(c, 'j');
      expect(rows.length).toBe(2);
    } finally {
      w.close();
      await c.close();
    }
  });

  it('a missing file is a NotFoundError naming it; a file that is no database a SourceError', async () => {
    const missing = sqliteConnector.create('lite', { path: 'nope/none.db' }, { baseDir: root });
    await expect(missing.test()).rejects.toThrow(NotFoundError);
    await expect(missing.session()).rejects.toThrow(
      /source lite: SQLite database .*nope\/none\.db does not exist/,
    );
    const junk = join(root, 'junk.db');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(
      junk,
      'this is not a database, just some text that is long enough to look like a header......',
    );
    const bad = sqliteConnector.create('lite', { path: 'junk.db' }, { baseDir: root });
    const err = await bad.discover().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SourceError);
    expect((err as Error).message).toMatch(
      /source lite: cannot open SQLite database .*junk\.db: file is not a database/,
    );
    expect(() => sqliteConnector.configSchema.parse({ path: 'x.db', table: ['a'] })).toThrow();
  });
});
