/**
 * The PostgreSQL connector against a real server (LAKEKIT_TEST_POSTGRES_URL): the conformance suite
 * in pool and single-connection mode, every mapped type read back through the pipeline runner's
 * staged-file converter in DuckDB, errors, discovery details, keyset chunks without a primary key and
 * aborts. Everything lives in a database of its own, dropped at the end.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresConnector } from '@lakekit/connector-postgres';
import {
  type Connector,
  type ExtractRequest,
  type LakeError,
  NotFoundError,
  SourceError,
  type SourceStream,
  type StagedBatch,
  UnsupportedError,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { stagedSelectSql } from '@lakekit/pipelines';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorConformance, type FixtureRow } from '../helpers/connector-conformance.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];
if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');

const database = `lk_pgconn_${process.pid}_${Date.now().toString(36)}`;
const ROLE = 'lakekit_pw_test';
const PASSWORD = `pw-${Math.random().toString(36).slice(2, 12)}-secret`;

function urlFor(db: string, user?: string, password?: string): string {
  const u = new URL(baseUrl!);
  u.pathname = `/${db}`;
  if (user) u.username = user;
  if (password) u.password = password;
  return u.toString();
}
const adminUrl = urlFor(database);
const roleUrl = urlFor(database, ROLE, PASSWORD);

let admin: pg.Client;

/** Runs SQL as the superuser in the test database. */
async function sql(text: string, params?: unknown[]): Promise<pg.QueryResult> {
  return admin.query(text, params);
}

beforeAll(async () => {
  const root = new pg.Client({ connectionString: baseUrl });
  await root.connect();
  try {
    await root.query(`CREATE DATABASE ${database}`);
    // The role is shared by the server's tests: create it when missing and set our password.
    await root.query(
      `DO $$ BEGIN CREATE ROLE ${ROLE} LOGIN; EXCEPTION WHEN duplicate_object THEN NULL; END $$`,
    );
    await root.query(`ALTER ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
  } finally {
    await root.end();
  }
  admin = new pg.Client({ connectionString: adminUrl });
  await admin.connect();
  await sql(`ALTER DEFAULT PRIVILEGES IN SCHEMA public GRANT SELECT ON TABLES TO ${ROLE}`);
});

afterAll(async () => {
  await admin?.end();
  const root = new pg.Client({ connectionString: baseUrl });
  await root.connect();
  try {
    await root.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
  } finally {
    await root.end();
  }
});

/** A connector built the way the CLI builds one: config validated by the factory's schema. */
function connect(config: Record<string, unknown>, name = 'crm'): Connector {
  return postgresConnector.create(name, postgresConnector.configSchema.parse(config), {
    baseDir: process.cwd(),
  });
}

async function writeFixture(table: string, rows: FixtureRow[]): Promise<void> {
  await sql(
    `INSERT INTO ${table} SELECT * FROM unnest($1::bigint[], $2::text[], $3::numeric[], $4::boolean[], $5::timestamp[])`,
    [
      rows.map((r) => r.id),
      rows.map((r) => r.name),
      rows.map((r) => r.amount),
      rows.map((r) => r.active),
      rows.map((r) => r.updated_at),
    ],
  );
}

function conformanceFor(table: string, singleConnection: boolean): void {
  connectorConformance({
    kind: 'postgres',
    stream: `public.${table}`,
    async reset(rows) {
      await sql(`DROP TABLE IF EXISTS ${table}`);
      await sql(
        `CREATE TABLE ${table} (id bigint PRIMARY KEY, name text, amount numeric(12,2), active boolean, updated_at timestamp)`,
      );
      await writeFixture(table, rows);
    },
    insert: (rows) => writeFixture(table, rows),
    connect: () => connect({ url: roleUrl, single_connection: singleConnection }),
    connectBroken: () =>
      connect({ url: urlFor(database, ROLE, 'wrong-password'), single_connection: singleConnection }),
    secret: PASSWORD,
    primaryKey: true,
    cursor: true,
    snapshotIsolation: true,
  });
}

describe('pool mode', () => conformanceFor('lk_conformance', false));
describe('single_connection mode', () => conformanceFor('lk_conformance_single', true));

async function collect(it: AsyncIterable<StagedBatch>): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Reads staged batches exactly as the runner converts them, every value rendered by DuckDB. */
async function readStaged(
  engine: Engine,
  stream: SourceStream,
  batches: StagedBatch[],
  asText: string[] = [],
) {
  const rows: Record<string, unknown>[] = [];
  for (const b of batches) {
    const columns = b.columns.map((name) => {
      const c = stream.columns.find((x) => x.name === name)!;
      return { name, type: asText.includes(name) ? ({ kind: 'string' } as const) : c.type! };
    });
    rows.push(...(await engine.all(stagedSelectSql(b.format, [b.path], b.columns, columns))));
  }
  return rows;
}

describe('postgres connector', () => {
  let engine: Engine;
  let connector: Connector;
  const dirs: string[] = [];
  const dir = () => {
    const d = mkdtempSync(join(tmpdir(), 'lakekit-pg-'));
    dirs.push(d);
    return d;
  };

  beforeAll(async () => {
    engine = await openEngine();
    connector = connect({ url: roleUrl });
    await sql(`CREATE SCHEMA ext`);
    await sql(`CREATE EXTENSION citext SCHEMA ext`);
    await sql(`CREATE TYPE mood AS ENUM ('sad', 'ok', 'happy')`);
    await sql(`CREATE DOMAIN posint AS integer CHECK (VALUE > 0)`);
    await sql(`CREATE DOMAIN price AS numeric(8,3)`);
    await sql(`CREATE DOMAIN tags AS text[]`);
    await sql(`
      CREATE TABLE all_types (
        id integer PRIMARY KEY,
        c_smallint smallint, c_bigint bigint, c_num numeric(38,10), c_num_free numeric,
        c_real real, c_double double precision, c_money money, c_bool boolean,
        c_text text, c_varchar varchar(10), c_char char(3), c_citext ext.citext, c_uuid uuid,
        c_json json, c_jsonb jsonb, c_bytea bytea, c_date date, c_time time(6), c_timetz timetz,
        c_ts timestamp, c_tstz timestamptz, c_interval interval, c_inet inet, c_mac macaddr,
        c_mood mood, c_ints int[], c_texts text[], c_nums numeric(10,2)[], c_tstzs timestamptz[],
        c_moods mood[], c_xml xml, c_oid oid, c_bits bit(4), c_posint posint, c_price price, c_tags tags,
        c_point point
      )`);
    await sql(`COMMENT ON COLUMN all_types.c_text IS 'free text'`);
    await sql(`
      INSERT INTO all_types VALUES
      (1, -32768, 9223372036854775807, '1234567890123456789012345678.0123456789', '3.14159265358979',
       3.4028235e38, 0.1, '$1,234.56', true,
       'quote " comma , newline
 end', 'short', 'ab', 'MiXeD', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
       '{"b": 1, "a": [1, 2]}', '{"b": 1, "a": [1, 2]}', '\\x00ff10', '2026-02-28', '23:59:59.999999', '10:00:00+02',
       '2026-03-01 12:34:56.789012', '2026-03-01 12:34:56.789012+05:30', '1 year 2 months 3 days 04:05:06.5',
       '192.168.0.1/24', '08:00:2b:01:02:03',
       'happy', '{1,NULL,3}', '{"a","b,c","d\\"e",NULL}', '{1.50,-2.25}', '{"2026-01-01 00:00:00+02"}',
       '{sad,happy}', '<a>x</a>', 4000000000, B'1010', 7, 12.345, '{x,y}',
       '(1,2)'),
      (2, 0, -9223372036854775808, '-0.0000000001', '0.00000000049', '-Infinity', 'NaN', '-$92,233,720,368,547,758.08', false,
       '', '', '', '', '00000000-0000-0000-0000-000000000000',
       '[]', 'null', '', '0001-01-01', '00:00:00', '23:59:59-11:30',
       '1970-01-01 00:00:00', '1969-12-31 23:59:59.5-01', '-1 day',
       '::1', 'ff:ff:ff:ff:ff:ff',
       'sad', '{}', '{""}', '{}', '{}',
       '{}', '', 0, B'0000', 1, -0.5, '{}',
       NULL),
      (3, NULL, NULL, NULL, NULL, NULL, 'Infinity', NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
       NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL)`);
    await sql(`CREATE TABLE infinite (id integer PRIMARY KEY, ts timestamp)`);
    await sql(`INSERT INTO infinite VALUES (1, '2026-01-01'), (2, 'infinity')`);
    await sql(`CREATE VIEW recent AS SELECT id, c_ts FROM all_types WHERE c_ts > '2000-01-01'`);
    await sql(`ANALYZE all_types`);
    await sql(`GRANT USAGE ON SCHEMA ext TO ${ROLE}`);
    await sql(`CREATE SCHEMA sales`);
    await sql(`CREATE TABLE sales.orders (id integer)`);
  });

  afterAll(async () => {
    await connector?.close();
    engine?.close();
    for (const d of dirs) rmSync(d, { recursive: true, force: true });
  });

  it('test() reports the server version and the redacted URL', async () => {
    const info = await connector.test();
    expect(info.kind).toBe('postgres');
    expect(info.version).toMatch(/^PostgreSQL \d+\.\d+/);
    expect(info.target).toBe(urlFor(database, ROLE, '***'));
  });

  it('a wrong password is an auth error naming the source and the redacted target', async () => {
    const bad = connect({ url: urlFor(database, ROLE, 'nope-not-it') }, 'billing');
    try {
      const err = await bad.test().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(SourceError);
      const e = err as SourceError;
      expect(e.code).toBe('source_auth');
      expect(e.retryable).toBe(false);
      expect(e.message).toContain('billing');
      expect(e.message).toContain(urlFor(database, ROLE, '***'));
      expect(e.message).not.toContain('nope-not-it');
    } finally {
      await bad.close();
    }
  });

  it('an unreachable server is a retryable SourceError, also in single-connection mode', async () => {
    const port = await new Promise<number>((resolve) => {
      const s = createServer().listen(0, '127.0.0.1', () => {
        const p = (s.address() as { port: number }).port;
        s.close(() => resolve(p));
      });
    });
    for (const single of [false, true]) {
      const down = connect({
        url: `postgres://someone:hunter2@127.0.0.1:${port}/x`,
        single_connection: single,
      });
      try {
        const err = await down.session().then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(err).toBeInstanceOf(SourceError);
        expect((err as SourceError).retryable).toBe(true);
        expect((err as Error).message).toContain(`127.0.0.1:${port}`);
        expect((err as Error).message).not.toContain('hunter2');
      } finally {
        await down.close();
      }
    }
  });

  it('rejects an invalid config with a ConfigError that does not echo the URL', () => {
    expect(() =>
      postgresConnector.create('crm', { url: 'mysql://u:secret@h/db' } as never, { baseDir: '.' }),
    ).toThrow(/postgres source crm: invalid config: url/);
    expect(postgresConnector.configSchema.safeParse({ url: roleUrl, colour: 'red' }).success).toBe(false);
    expect(postgresConnector.secrets).toEqual(['url']);
  });

  it('discover() reports types, keys, comments, estimates, domains, enums, views and cursor candidates', async () => {
    const streams = await connector.discover();
    const all = streams.find((s) => s.name === 'public.all_types')!;
    expect(all.primaryKey).toEqual(['id']);
    expect(all.estimatedRows).toBe(3);
    expect(all.cursorCandidates).toEqual(['id', 'c_date', 'c_ts', 'c_tstz']);
    const col = (n: string) => all.columns.find((c) => c.name === n)!;
    expect(col('id').nullable).toBe(false);
    expect(col('c_text')).toMatchObject({ description: 'free text', nullable: true, sourceType: 'text' });
    expect(col('c_num').type).toEqual({ kind: 'decimal', precision: 38, scale: 10 });
    expect(col('c_citext')).toMatchObject({ sourceType: 'ext.citext', type: { kind: 'string' } });
    expect(col('c_mood')).toMatchObject({ sourceType: 'mood', type: { kind: 'string' } });
    expect(col('c_moods').type).toMatchObject({ kind: 'list', element: { kind: 'string' } });
    expect(col('c_posint')).toMatchObject({ sourceType: 'posint', type: { kind: 'int' } });
    expect(col('c_price')).toMatchObject({
      sourceType: 'price',
      type: { kind: 'decimal', precision: 8, scale: 3 },
    });
    expect(col('c_tags')).toMatchObject({
      sourceType: 'tags',
      type: { kind: 'list', element: { kind: 'string' } },
    });
    expect(col('c_point').type).toBeUndefined();
    expect(col('c_point').unsupported).toMatch(/geometric/);
    const view = streams.find((s) => s.name === 'public.recent')!;
    expect(view.primaryKey).toEqual([]);
    expect(view.estimatedRows).toBeUndefined();
    expect(view.columns.map((c) => c.name)).toEqual(['id', 'c_ts']);
    expect(
      streams.some((s) => s.name.startsWith('pg_catalog.') || s.name.startsWith('information_schema.')),
    ).toBe(false);

    expect(streams.map((s) => s.name)).toContain('sales.orders');
    const only = connect({ url: roleUrl, schemas: ['sales', 'ext'] });
    try {
      expect((await only.discover()).map((s) => s.name)).toEqual(['sales.orders']);
    } finally {
      await only.close();
    }
  });

  it('every mapped type round-trips through the staged files with exact values', async () => {
    const session = await connector.session();
    try {
      const stream = await session.describe('public.all_types');
      const columns = stream.columns.filter((c) => c.type).map((c) => ({ name: c.name }));
      const batches = await collect(
        session.extract({ stream: 'public.all_types', stagingDir: dir(), columns }),
      );
      expect(batches.map((b) => b.rows)).toEqual([3]);
      const rows = await readStaged(engine, stream, batches);
      const byId = (id: number) => rows.find((r) => r['id'] === id)!;
      expect(byId(1)).toEqual({
        id: 1,
        c_smallint: -32768,
        c_bigint: '9223372036854775807',
        c_num: '1234567890123456789012345678.0123456789',
        c_num_free: '3.141592654',
        c_real: 3.4028234663852886e38,
        c_double: 0.1,
        c_money: '1234.56',
        c_bool: true,
        c_text: 'quote " comma , newline\n end',
        c_varchar: 'short',
        c_char: 'ab ',
        c_citext: 'MiXeD',
        c_uuid: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
        c_json: '{"b": 1, "a": [1, 2]}',
        c_jsonb: '{"a": [1, 2], "b": 1}',
        c_bytea: '\\x00\\xFF\\x10',
        c_date: '2026-02-28',
        c_time: '23:59:59.999999',
        c_timetz: '10:00:00+02',
        c_ts: '2026-03-01 12:34:56.789012',
        c_tstz: '2026-03-01 07:04:56.789012+00',
        c_interval: 'P1Y2M3DT4H5M6.5S',
        c_inet: '192.168.0.1/24',
        c_mac: '08:00:2b:01:02:03',
        c_mood: 'happy',
        c_ints: [1, null, 3],
        c_texts: ['a', 'b,c', 'd"e', null],
        c_nums: ['1.50', '-2.25'],
        c_tstzs: ['2025-12-31 22:00:00+00'],
        c_moods: ['sad', 'happy'],
        c_xml: '<a>x</a>',
        c_oid: '4000000000',
        c_bits: '1010',
        c_posint: 7,
        c_price: '12.345',
        c_tags: ['x', 'y'],
      });
      expect(byId(2)).toMatchObject({
        c_bigint: '-9223372036854775808',
        c_num: '-0.0000000001',
        c_num_free: '0.000000000',
        c_real: '-Infinity',
        c_double: 'NaN',
        c_money: '-92233720368547758.08',
        c_text: '',
        c_varchar: '',
        c_char: '   ',
        c_json: '[]',
        c_jsonb: 'null',
        c_bytea: '',
        c_date: '0001-01-01',
        c_timetz: '23:59:59-11:30',
        c_ts: '1970-01-01 00:00:00',
        c_tstz: '1970-01-01 00:59:59.5+00',
        c_interval: 'P-1D',
        c_ints: [],
        c_texts: [''],
        c_xml: '',
      });
      expect(byId(3)['c_double']).toBe('Infinity');
      expect(
        Object.entries(byId(3)).filter(([k, v]) => k !== 'id' && k !== 'c_double' && v !== null),
      ).toEqual([]);
    } finally {
      await session.close();
    }
  });

  it('an unsupported column is an error naming it unless extracted as text', async () => {
    const session = await connector.session();
    try {
      const stream = await session.describe('public.all_types');
      const req = {
        stream: 'public.all_types',
        stagingDir: dir(),
        columns: [{ name: 'id' }, { name: 'c_point' }],
      };
      const err = await collect(session.extract(req)).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(UnsupportedError);
      expect((err as Error).message).toMatch(/public\.all_types.*c_point/);
      const batches = await collect(
        session.extract({ ...req, columns: [{ name: 'id' }, { name: 'c_point', asText: true }] }),
      );
      const rows = await readStaged(engine, stream, batches, ['c_point']);
      expect(rows.sort((a, b) => Number(a['id']) - Number(b['id']))).toEqual([
        { id: 1, c_point: '(1,2)' },
        { id: 2, c_point: null },
        { id: 3, c_point: null },
      ]);
    } finally {
      await session.close();
    }
  });

  it('infinite timestamps are extracted as text and refused by the converter', async () => {
    const session = await connector.session();
    try {
      const stream = await session.describe('public.infinite');
      const batches = await collect(session.extract({ stream: 'public.infinite', stagingDir: dir() }));
      await expect(readStaged(engine, stream, batches)).rejects.toThrow(
        /infinity is outside the range of timestamp/,
      );
    } finally {
      await session.close();
    }
  });

  it('a session reads the snapshot taken when it opened', async () => {
    const session = await connector.session();
    try {
      await sql(`INSERT INTO infinite VALUES (3, '2026-02-02')`);
      const batches = await collect(
        session.extract({ stream: 'public.infinite', stagingDir: dir(), columns: [{ name: 'id' }] }),
      );
      expect(batches.map((b) => b.rows)).toEqual([2]);
    } finally {
      await session.close();
      await sql('DELETE FROM infinite WHERE id = 3');
    }
  });

  it('unknown streams and columns are NotFoundErrors naming them', async () => {
    const session = await connector.session();
    try {
      const err = await collect(session.extract({ stream: 'public.nope', stagingDir: dir() })).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(NotFoundError);
      expect((err as LakeError).code).toBe('stream_not_found');
      expect((err as Error).message).toBe('postgres source crm: no table or view public.nope');
      await expect(
        collect(
          session.extract({ stream: 'public.all_types', stagingDir: dir(), columns: [{ name: 'ghost' }] }),
        ),
      ).rejects.toThrow(/public\.all_types: no column ghost/);
    } finally {
      await session.close();
    }
  });

  it('maps an undefined table (42P01) to a NotFoundError naming it', async () => {
    const { pgError } = await import('@lakekit/connector-postgres');
    const err = await sql('SELECT * FROM public.vanished').then(
      () => undefined,
      (e: unknown) => e,
    );
    const mapped = pgError(
      err,
      { source: 'crm', target: 'postgres://h/db', stream: 'public.vanished' },
      'extracting',
    );
    expect(mapped).toBeInstanceOf(NotFoundError);
    expect(mapped.message).toMatch(/crm.*table public\.vanished does not exist/);
  });

  it('incremental keyset chunks without a primary key neither lose nor repeat rows tied on the cursor', async () => {
    await sql(`CREATE TABLE events (seq integer, at timestamp)`);
    await sql(
      `INSERT INTO events SELECT g, timestamp '2026-01-01' + ((g / 7) * interval '1 minute') FROM generate_series(1, 700) g`,
    );
    const session = await connector.session();
    try {
      const stream = await session.describe('public.events');
      expect(stream.primaryKey).toEqual([]);
      const after = '2026-01-01 00:10:00';
      for (const inclusive of [false, true]) {
        const req: ExtractRequest = {
          stream: 'public.events',
          stagingDir: dir(),
          cursor: { column: 'at', after, inclusive },
          batchRows: 10,
        };
        const batches = await collect(session.extract(req));
        expect(batches.length).toBeGreaterThan(20);
        const seqs = (await readStaged(engine, stream, batches)).map((r) => Number(r['seq']));
        const first = inclusive ? 70 : 77;
        expect(seqs).toEqual(Array.from({ length: 701 - first }, (_, i) => first + i));
        expect(batches.reduce((n, b) => n + (b.rows ?? 0), 0)).toBe(seqs.length);
      }
    } finally {
      await session.close();
    }
  });

  it('an aborted extract stops at once, breaks only its session, and the connector goes on', async () => {
    await sql(
      `CREATE TABLE big AS SELECT g AS id, repeat('x', 200) AS pad FROM generate_series(1, 200000) g`,
    );
    const controller = new AbortController();
    const session = await connector.session();
    try {
      const seen: StagedBatch[] = [];
      const err = await (async () => {
        for await (const b of session.extract({
          stream: 'public.big',
          stagingDir: dir(),
          batchRows: 1000,
          signal: controller.signal,
        })) {
          seen.push(b);
          controller.abort(new Error('stop now'));
        }
      })().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect((err as Error).message).toBe('stop now');
      expect(seen).toHaveLength(1);
      await expect(session.describe('public.big')).rejects.toThrow(/interrupted extract/);
    } finally {
      await session.close();
    }
    const again = await connector.session();
    try {
      const batches = await collect(
        again.extract({ stream: 'public.big', stagingDir: dir(), columns: [{ name: 'id' }] }),
      );
      expect(batches.reduce((n, b) => n + (b.rows ?? 0), 0)).toBe(200_000);
    } finally {
      await again.close();
    }
  });

  it('a consumer that stops early leaves the connector usable (single-connection mode)', async () => {
    const single = connect({ url: roleUrl, single_connection: true });
    try {
      const session = await single.session();
      for await (const _ of session.extract({ stream: 'public.big', stagingDir: dir(), batchRows: 500 }))
        break;
      await session.close();
      const info = await single.test();
      expect(info.kind).toBe('postgres');
      const s2 = await single.session();
      try {
        const batches = await collect(s2.extract({ stream: 'public.infinite', stagingDir: dir() }));
        expect(batches.map((b) => b.rows)).toEqual([2]);
      } finally {
        await s2.close();
      }
    } finally {
      await single.close();
    }
  });
});
