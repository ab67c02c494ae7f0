/**
 * The mysql connector against a real MariaDB server (tests/services/mariadb.sh): the conformance
 * suite, every supported type through staging and DuckDB with exact values, and the behaviours
 * specific to MySQL (zero dates, TIME beyond a day, DATETIME zones, NULL cursors, stopped extracts,
 * error classification).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type MysqlConfig, mysqlConnector, mysqlError } from '@lakekit/connector-mysql';
import {
  type Connector,
  DataError,
  type ExtractRequest,
  NotFoundError,
  SourceError,
  type SourceStream,
  type StagedBatch,
  typeToString,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { stagedSelectSql } from '@lakekit/pipelines';
import { type Connection, createConnection } from 'mysql2/promise';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorConformance, type FixtureRow } from '../helpers/connector-conformance.js';

const DB = 'lakekit_conformance';
const PW_USER = 'lakekit_pw_test';
const PW = 'pw-secret-123';

/** The server started by tests/run-all.sh; the tests fail (never skip) without it. */
function serverUrl(): URL {
  const url = process.env['LAKEKIT_TEST_MARIADB_URL'];
  if (!url) throw new Error('LAKEKIT_TEST_MARIADB_URL is not set: run tests through tests/run-all.sh');
  return new URL(url);
}

/** The server URL with another user, password or database. */
function urlFor(opts: { user?: string; password?: string; database?: string; port?: number } = {}): string {
  const u = serverUrl();
  if (opts.user) u.username = opts.user;
  if (opts.password) u.password = opts.password;
  if (opts.port) u.port = String(opts.port);
  u.pathname = `/${opts.database ?? DB}`;
  return u.toString();
}

async function admin(database?: string): Promise<Connection> {
  const u = serverUrl();
  return createConnection({
    host: u.hostname,
    port: Number(u.port),
    user: decodeURIComponent(u.username),
    ...(database ? { database } : {}),
    multipleStatements: true,
  });
}

function connect(config: Partial<MysqlConfig> = {}): Connector {
  const parsed = mysqlConnector.configSchema.parse({ url: urlFor(), ...config });
  return mysqlConnector.create('maria', parsed, { baseDir: process.cwd() });
}

const dirs: string[] = [];
function stagingDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'lakekit-mysql-'));
  dirs.push(d);
  return d;
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

async function collect(batches: AsyncIterable<StagedBatch>): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of batches) out.push(b);
  return out;
}

/** Extracts a stream and reads the staged files back through the runner's converter, every value as text. */
async function extractAsText(
  engine: Engine,
  connector: Connector,
  request: Omit<ExtractRequest, 'stagingDir'>,
  orderBy = 'id',
): Promise<{ stream: SourceStream; rows: Record<string, unknown>[]; batches: StagedBatch[] }> {
  const session = await connector.session();
  try {
    const stream = await session.describe(request.stream);
    const batches = await collect(session.extract({ ...request, stagingDir: stagingDir() }));
    const rows: Record<string, unknown>[] = [];
    for (const b of batches) {
      const columns = b.columns.map((name) => {
        const asText = request.columns?.find((c) => c.name === name)?.asText;
        const type = asText ? { kind: 'string' as const } : stream.columns.find((c) => c.name === name)?.type;
        if (!type) throw new Error(`no type for ${name}`);
        return { name, type };
      });
      const sql = stagedSelectSql(b.format, [b.path], b.columns, columns);
      const list = columns.map((c) =>
        c.type.kind === 'binary'
          ? `hex("${c.name}") AS "${c.name}"`
          : c.type.kind === 'float'
            ? `CAST(CAST("${c.name}" AS DOUBLE) AS VARCHAR) AS "${c.name}"`
            : `CAST("${c.name}" AS VARCHAR) AS "${c.name}"`,
      );
      rows.push(...(await engine.all(`SELECT ${list.join(', ')} FROM (${sql})`)));
    }
    rows.sort((a, b) => Number(a[orderBy]) - Number(b[orderBy]));
    return { stream, rows, batches };
  } finally {
    await session.close();
  }
}

async function insertFixture(conn: Connection, rows: FixtureRow[]): Promise<void> {
  if (rows.length === 0) return;
  await conn.query('INSERT INTO lk_conformance (id, name, amount, active, updated_at) VALUES ?', [
    rows.map((r) => [r.id, r.name, r.amount, r.active === null ? null : r.active ? 1 : 0, r.updated_at]),
  ]);
}

connectorConformance({
  kind: 'mysql',
  stream: `${DB}.lk_conformance`,
  primaryKey: true,
  cursor: true,
  snapshotIsolation: true,
  secret: PW,
  async reset(rows) {
    const conn = await admin();
    try {
      await conn.query(`CREATE DATABASE IF NOT EXISTS ${DB}`);
      await conn.query(`USE ${DB}`);
      await conn.query('DROP TABLE IF EXISTS lk_conformance');
      await conn.query(
        'CREATE TABLE lk_conformance (id bigint PRIMARY KEY, name text, amount decimal(12,2), active tinyint(1), updated_at datetime(6) NOT NULL, KEY (updated_at)) ENGINE=InnoDB',
      );
      await insertFixture(conn, rows);
    } finally {
      await conn.end();
    }
  },
  async insert(rows) {
    const conn = await admin(DB);
    try {
      await insertFixture(conn, rows);
    } finally {
      await conn.end();
    }
  },
  connect() {
    return mysqlConnector.create(
      'maria',
      mysqlConnector.configSchema.parse({ url: urlFor({ user: PW_USER, password: PW }) }),
      { baseDir: process.cwd() },
    );
  },
  connectBroken() {
    return mysqlConnector.create(
      'maria',
      mysqlConnector.configSchema.parse({ url: urlFor({ user: PW_USER, password: `${PW}-wrong` }) }),
      { baseDir: process.cwd() },
    );
  },
});

describe('mysql connector on MariaDB', () => {
  let engine: Engine;
  let conn: Connection;
  let connector: Connector;

  beforeAll(async () => {
    serverUrl();
    engine = await openEngine();
    conn = await admin();
    await conn.query(
      `CREATE DATABASE IF NOT EXISTS lakekit_types; USE lakekit_types; SET SESSION sql_mode = ''`,
    );
    await conn.query(`
      DROP TABLE IF EXISTS all_types;
      CREATE TABLE all_types (
        id int PRIMARY KEY,
        dec38 decimal(38,10), dec65 decimal(65,30), ubig bigint unsigned, big bigint, i int, iu int unsigned,
        ti tinyint, si smallint, mi mediumint, flag tinyint(1), dbl double, fl float, b1 bit(1), b10 bit(10),
        dt6 datetime(6), dt datetime, ts timestamp(6) NULL, d date, tm time(6), yr year,
        ch char(3), vc varchar(20), tx text COMMENT 'free text', js json, en enum('small','large','it''s'),
        st set('a','b','c'), bl blob, vb varbinary(8), u uuid, ip inet6, geo point
      ) COMMENT 'every type'`);
    await conn.query(`SET SESSION time_zone = '+02:00'`);
    await conn.query(`
      INSERT INTO all_types VALUES
      (1, '1234567890123456789012345678.0123456789', '12345678901234567890123456789012345.123456789012345678901234567890',
       18446744073709551615, -9223372036854775808, -2147483648, 4294967295, -128, -32768, -8388608, 2,
       0.30000000000000004, 1.2345678, b'1', b'1111111111',
       '2026-03-04 05:06:07.123456', '1000-01-01 00:00:00', '2026-03-04 07:06:07.654321', '2026-02-28', '23:59:59.999999', 2026,
       'abc', 'a,b"c', 'line one\nline two', '{"a": [1, 2.5, "x"], "b": null}', 'it''s', 'a,c',
       x'00ff10', x'', '123e4567-e89b-12d3-a456-426614174000', '2001:db8::1', ST_GeomFromText('POINT(1 2)')),
      (2, '-0.0000000001', '0', 0, 9223372036854775807, 2147483647, 0, 127, 32767, 8388607, 0,
       -2.5e-300, -3.5, b'0', b'0',
       '9999-12-31 23:59:59.999999', '2026-01-01 00:00:00', '1970-01-01 02:00:01', '1000-01-01', '00:00:00', 1901,
       '', '', '', '[]', 'small', '', x'', x'ffff', '00000000-0000-0000-0000-000000000000', '::ffff:1.2.3.4', NULL),
      (3, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    await conn.query(`SET SESSION time_zone = '+00:00'`);
    connector = connect({ url: urlFor({ database: 'lakekit_types' }) });
  });
  afterAll(async () => {
    await connector?.close();
    await conn?.end();
    engine?.close();
  });

  it('maps every column type, with keys, comments and cursor candidates', async () => {
    const streams = await connector.discover();
    const s = streams.find((x) => x.name === 'lakekit_types.all_types')!;
    expect(s).toBeDefined();
    const types = Object.fromEntries(
      s.columns.map((c) => [c.name, c.type ? typeToString(c.type) : `(${c.unsupported})`]),
    );
    expect(types).toEqual({
      id: 'int',
      dec38: 'decimal(38, 10)',
      dec65: expect.stringMatching(/^\(decimal\(65,30\): Iceberg decimals hold at most 38 digits/),
      ubig: 'decimal(20, 0)',
      big: 'long',
      i: 'int',
      iu: 'long',
      ti: 'int',
      si: 'int',
      mi: 'int',
      flag: 'boolean',
      dbl: 'double',
      fl: 'float',
      b1: 'boolean',
      b10: 'long',
      dt6: 'timestamp',
      dt: 'timestamp',
      ts: 'timestamptz',
      d: 'date',
      tm: 'time',
      yr: 'int',
      ch: 'string',
      vc: 'string',
      tx: 'string',
      js: 'string',
      en: 'string',
      st: 'string',
      bl: 'binary',
      vb: 'binary',
      u: 'uuid',
      ip: 'string',
      geo: expect.stringMatching(/^\(point: spatial types have no Iceberg type/),
    });
    expect(s.primaryKey).toEqual(['id']);
    expect(s.cursorCandidates).toEqual(['id', 'dt6', 'dt', 'ts', 'd']);
    expect(s.columns.find((c) => c.name === 'tx')!.description).toBe('free text');
    expect(s.columns.find((c) => c.name === 'id')!.nullable).toBe(false);
    expect(s.columns.find((c) => c.name === 'tx')!.nullable).toBe(true);
    expect(s.estimatedRows).toBeGreaterThanOrEqual(0);
  });

  it('round-trips every supported type through staging and DuckDB with exact values', async () => {
    const session = await connector.session();
    const all = (await session.describe('lakekit_types.all_types')).columns;
    await session.close();
    const columns = all.map((c) => ({ name: c.name, ...(c.type ? {} : { asText: true }) }));
    const { rows } = await extractAsText(engine, connector, { stream: 'lakekit_types.all_types', columns });
    expect(rows[0]).toEqual({
      id: '1',
      dec38: '1234567890123456789012345678.0123456789',
      dec65: '12345678901234567890123456789012345.123456789012345678901234567890',
      ubig: '18446744073709551615',
      big: '-9223372036854775808',
      i: '-2147483648',
      iu: '4294967295',
      ti: '-128',
      si: '-32768',
      mi: '-8388608',
      flag: 'true',
      dbl: '0.30000000000000004',
      // Read back as DOUBLE: the exact float, not the 6 digits MySQL's text protocol prints (1.23457).
      fl: String(Math.fround(1.2345678)),
      b1: 'true',
      b10: '1023',
      dt6: '2026-03-04 05:06:07.123456',
      dt: '1000-01-01 00:00:00',
      ts: '2026-03-04 05:06:07.654321+00',
      d: '2026-02-28',
      tm: '23:59:59.999999',
      yr: '2026',
      ch: 'abc',
      vc: 'a,b"c',
      tx: 'line one\nline two',
      js: '{"a": [1, 2.5, "x"], "b": null}',
      en: "it's",
      st: 'a,c',
      bl: '00FF10',
      vb: '',
      u: '123e4567-e89b-12d3-a456-426614174000',
      ip: '2001:db8::1',
      geo: 'POINT(1 2)',
    });
    expect(rows[1]).toEqual({
      id: '2',
      dec38: '-0.0000000001',
      dec65: '0.000000000000000000000000000000',
      ubig: '0',
      big: '9223372036854775807',
      i: '2147483647',
      iu: '0',
      ti: '127',
      si: '32767',
      mi: '8388607',
      flag: 'false',
      dbl: '-2.5e-300',
      fl: '-3.5',
      b1: 'false',
      b10: '0',
      dt6: '9999-12-31 23:59:59.999999',
      dt: '2026-01-01 00:00:00',
      ts: '1970-01-01 00:00:01+00',
      d: '1000-01-01',
      tm: '00:00:00',
      yr: '1901',
      ch: '',
      vc: '',
      tx: '',
      js: '[]',
      en: 'small',
      st: '',
      bl: '',
      vb: 'FFFF',
      u: '00000000-0000-0000-0000-000000000000',
      ip: '::ffff:1.2.3.4',
      geo: null,
    });
    expect(Object.values(rows[2]!).filter((v) => v !== null)).toEqual(['3']);
  });

  it('an unsupported column is an error naming stream and column unless extracted as text', async () => {
    const session = await connector.session();
    try {
      await expect(
        collect(session.extract({ stream: 'lakekit_types.all_types', stagingDir: stagingDir() })),
      ).rejects.toThrow(/lakekit_types\.all_types, column dec65/);
    } finally {
      await session.close();
    }
  });

  it('describe() of a missing table is a NotFoundError naming it', async () => {
    const session = await connector.session();
    try {
      const err = await session.describe('lakekit_types.nope').catch((e: unknown) => e);
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as Error).message).toContain('lakekit_types.nope');
      // A bare name resolves in the URL's database.
      expect((await session.describe('all_types')).name).toBe('lakekit_types.all_types');
    } finally {
      await session.close();
    }
  });

  it('zero dates fail naming stream and column, or read as NULL with zero_dates: null', async () => {
    await conn.query(`
      DROP TABLE IF EXISTS zero_dates;
      CREATE TABLE zero_dates (id int PRIMARY KEY, d date, dt datetime);
      INSERT INTO zero_dates VALUES (1, '2026-01-02', '2026-01-02 03:04:05'), (2, '0000-00-00', '2026-00-10 00:00:00')`);
    const err = await extractAsText(engine, connector, { stream: 'lakekit_types.zero_dates' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(
      /stream lakekit_types\.zero_dates, column d: value '0000-00-00' is a zero date/,
    );
    const lenient = connect({ url: urlFor({ database: 'lakekit_types' }), zero_dates: 'null' });
    try {
      const { rows } = await extractAsText(engine, lenient, { stream: 'lakekit_types.zero_dates' });
      expect(rows).toEqual([
        { id: '1', d: '2026-01-02', dt: '2026-01-02 03:04:05' },
        { id: '2', d: null, dt: null },
      ]);
    } finally {
      await lenient.close();
    }
  });

  it('a TIME beyond a day fails naming the column; as text it is read', async () => {
    await conn.query(`
      DROP TABLE IF EXISTS durations;
      CREATE TABLE durations (id int PRIMARY KEY, t time);
      INSERT INTO durations VALUES (1, '12:00:00'), (2, '-838:59:59'), (3, '25:00:00')`);
    const err = await extractAsText(engine, connector, { stream: 'lakekit_types.durations' }).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(DataError);
    expect((err as Error).message).toMatch(/column t: value '-838:59:59' is not a time of day/);
    const { rows } = await extractAsText(engine, connector, {
      stream: 'lakekit_types.durations',
      columns: [{ name: 'id' }, { name: 't', asText: true }],
    });
    expect(rows.map((r) => r['t'])).toEqual(['12:00:00', '-838:59:59', '25:00:00']);
  });

  it('with a source time zone, DATETIME is timestamptz in that zone (daylight saving included)', async () => {
    await conn.query(`
      DROP TABLE IF EXISTS local_times;
      CREATE TABLE local_times (id int PRIMARY KEY, at datetime(3), ts timestamp NULL);
      INSERT INTO local_times VALUES (1, '2026-01-15 12:00:00.250', '2026-01-15 12:00:00'), (2, '2026-07-01 12:00:00', NULL),
        (3, '1950-06-01 00:00:00', NULL)`);
    const berlin = connect({ url: urlFor({ database: 'lakekit_types' }), timezone: 'Europe/Berlin' });
    try {
      const { stream, rows } = await extractAsText(engine, berlin, { stream: 'lakekit_types.local_times' });
      expect(typeToString(stream.columns.find((c) => c.name === 'at')!.type!)).toBe('timestamptz');
      expect(rows).toEqual([
        { id: '1', at: '2026-01-15 11:00:00.25+00', ts: '2026-01-15 12:00:00+00' },
        { id: '2', at: '2026-07-01 10:00:00+00', ts: null },
        { id: '3', at: '1950-05-31 23:00:00+00', ts: null },
      ]);
      // The cursor's last value is an instant: compared with the wall-clock time in Berlin.
      const later = await extractAsText(engine, berlin, {
        stream: 'lakekit_types.local_times',
        cursor: { column: 'at', after: '2026-01-15 11:00:00.25+00' },
      });
      expect(later.rows.map((r) => r['id'])).toEqual(['2']);
    } finally {
      await berlin.close();
    }
  });

  it('incremental reads include NULL cursors on the first run only, in keyset chunks, with or without a key', async () => {
    await conn.query(`
      DROP TABLE IF EXISTS events;
      CREATE TABLE events (id int PRIMARY KEY, at datetime NULL);
      DROP TABLE IF EXISTS events_nokey;
      CREATE TABLE events_nokey (id int, at datetime NULL)`);
    const values = Array.from({ length: 250 }, (_, i) => [
      i + 1,
      i % 5 === 0 ? null : `2026-01-01 00:00:${String(i % 50).padStart(2, '0')}`,
    ]);
    await conn.query('INSERT INTO events VALUES ?', [values]);
    await conn.query('INSERT INTO events_nokey VALUES ?', [values]);
    for (const stream of ['lakekit_types.events', 'lakekit_types.events_nokey']) {
      const first = await extractAsText(engine, connector, {
        stream,
        cursor: { column: 'at' },
        batchRows: 40,
      });
      expect(first.rows.map((r) => Number(r['id']))).toEqual(values.map((v) => v[0]));
      if (stream.endsWith('events')) expect(first.batches.length).toBe(Math.ceil(250 / 40));
      const next = await extractAsText(engine, connector, {
        stream,
        cursor: { column: 'at', after: '2026-01-01 00:00:45' },
        batchRows: 7,
      });
      const want = values
        .filter((v) => v[1] !== null && (v[1] as string) > '2026-01-01 00:00:45')
        .map((v) => v[0]);
      expect(next.rows.map((r) => Number(r['id']))).toEqual(want);
    }
    // The integer key itself as the cursor: chunks by key alone.
    const byKey = await extractAsText(engine, connector, {
      stream: 'lakekit_types.events',
      cursor: { column: 'id', after: '100', inclusive: true },
      batchRows: 40,
    });
    expect(byKey.rows.map((r) => Number(r['id']))).toEqual(values.slice(99).map((v) => v[0]));
    expect(byKey.batches.map((b) => b.rows)).toEqual([40, 40, 40, 31]);
  });

  it('a consumer that stops early leaves the session usable', async () => {
    await conn.query(`DROP TABLE IF EXISTS many; CREATE TABLE many (id int PRIMARY KEY, s varchar(40))`);
    const values = Array.from({ length: 20_000 }, (_, i) => [i, `row ${i}`]);
    await conn.query('INSERT INTO many VALUES ?', [values]);
    const session = await connector.session();
    try {
      for await (const b of session.extract({
        stream: 'lakekit_types.many',
        stagingDir: stagingDir(),
        batchRows: 100,
      })) {
        expect(b.rows).toBe(100);
        break;
      }
      const batches = await collect(
        session.extract({ stream: 'lakekit_types.many', stagingDir: stagingDir() }),
      );
      expect(batches.reduce((n, b) => n + (b.rows ?? 0), 0)).toBe(20_000);
    } finally {
      await session.close();
    }
  });

  it('classifies failures: wrong password is auth, an unreachable server and lock waits are retryable', async () => {
    const wrong = connect({ url: urlFor({ user: PW_USER, password: 'not-the-password' }) });
    const auth = await wrong.test().catch((e: unknown) => e);
    expect(auth).toBeInstanceOf(SourceError);
    expect((auth as SourceError).code).toBe('source_auth');
    expect((auth as SourceError).retryable).toBe(false);
    expect((auth as Error).message).not.toContain('not-the-password');
    expect((auth as Error).message).toContain('source maria');

    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    const gone = connect({ url: urlFor({ port }) });
    const unreachable = await gone.test().catch((e: unknown) => e);
    expect(unreachable).toBeInstanceOf(SourceError);
    expect((unreachable as SourceError).retryable).toBe(true);

    // A lock wait timeout (1205) as the server reports it, classified as retryable; the session's
    // snapshot read of the locked row does not wait.
    await conn.query(
      'DROP TABLE IF EXISTS locked; CREATE TABLE locked (id int PRIMARY KEY) ENGINE=InnoDB; INSERT INTO locked VALUES (1)',
    );
    const holder = await admin('lakekit_types');
    const waiter = await admin('lakekit_types');
    const session = await connector.session();
    try {
      await holder.query('BEGIN');
      await holder.query('SELECT * FROM locked FOR UPDATE');
      await waiter.query('SET SESSION innodb_lock_wait_timeout = 1');
      const lockErr = await waiter.query('UPDATE locked SET id = 2').catch((e: unknown) => e);
      expect((lockErr as { errno: number }).errno).toBe(1205);
      const classified = mysqlError({ source: 'maria', target: 'mysql://root@127.0.0.1/' }, lockErr);
      expect(classified).toBeInstanceOf(SourceError);
      expect(classified.retryable).toBe(true);
      const batches = await collect(
        session.extract({ stream: 'lakekit_types.locked', stagingDir: stagingDir() }),
      );
      expect(batches[0]?.rows).toBe(1);
    } finally {
      await session.close();
      await holder.query('ROLLBACK');
      await holder.end();
      await waiter.end();
    }
  });
});
