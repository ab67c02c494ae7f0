/**
 * Bad input from a PostgreSQL source, through `lake run`: each failure exits 1 with a message naming
 * the source, stream and column (or key) at fault, never a password, and leaves the target table as it
 * was. Values Iceberg can hold (NaN and ±Infinity in doubles) load; values it cannot (NaN in a decimal,
 * digits beyond its precision, infinite timestamps) fail instead of being altered.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];

interface RunReport {
  id: string;
  status: string;
  error?: string;
  streams: { stream: string; status: string; rowsWritten: number; error?: string }[];
}

describe('bad input from a PostgreSQL source', () => {
  if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');
  const db = `lk_bad_${process.pid}_${Date.now() % 100000}`;
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  const dbUrl = url.toString();
  let admin: pg.Client;
  let src: pg.Client;
  let cwd: string;

  const sql = (text: string) => src.query(text);
  const env = { CRM_URL: dbUrl };
  const lake = (args: string[]) => runLake(args, { cwd, env });
  /** `lake --json run`: exit code, report and stderr. */
  const run = async (...args: string[]) => {
    const r = await lake(['--json', 'run', ...args]);
    if (r.stdout.trim() === '') throw new Error(`lake run ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
  };
  const query = async (q: string) => (await lakeJson<{ rows: unknown[][] }>(['query', q], { cwd, env })).rows;
  /**
   * main's snapshot id (null: no snapshot, or no table), from the catalog database and the table's
   * metadata file (`lake table show` says the same, one process per look slower).
   */
  const snapshotOf = (table: string): string | null => {
    const [namespace, name] = table.split('.');
    const catalog = new Database(join(cwd, '.lakekit', 'catalog.db'), { readonly: true });
    try {
      const row = catalog
        .prepare('SELECT metadata_location FROM iceberg_tables WHERE table_namespace = ? AND table_name = ?')
        .get(namespace, name) as { metadata_location: string } | undefined;
      if (!row) return null;
      // Snapshot ids are 64-bit: read as text, not through JSON.parse's doubles.
      const metadata = readFileSync(fileURLToPath(row.metadata_location), 'utf8');
      const id = /"current-snapshot-id"\s*:\s*(-?\d+)/.exec(metadata)?.[1];
      return id === undefined || id === '-1' ? null : id;
    } finally {
      catalog.close();
    }
  };

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    src = new pg.Client({ connectionString: dbUrl });
    await src.connect();
    await sql(`
      CREATE TABLE gone (id int PRIMARY KEY, v text);
      INSERT INTO gone SELECT g, 'v' || g FROM generate_series(1, 10) g;
      CREATE TABLE typed (id int PRIMARY KEY, qty integer);
      INSERT INTO typed VALUES (1, 10), (2, 20);
      CREATE TABLE floats (id int PRIMARY KEY, d double precision, r real);
      INSERT INTO floats VALUES (1, 'NaN', 'NaN'), (2, 'Infinity', '-Infinity'), (3, '-Infinity', 'Infinity'), (4, 1.5, 2.5);
      CREATE TABLE num_nan (id int PRIMARY KEY, price numeric(10,2));
      INSERT INTO num_nan VALUES (1, 1.25), (2, 'NaN');
      CREATE TABLE num_big (id int PRIMARY KEY, total numeric);
      INSERT INTO num_big VALUES (1, 1.5), (2, 1e30);
      CREATE TABLE ts_inf (id int PRIMARY KEY, seen_at timestamp);
      INSERT INTO ts_inf VALUES (1, '2026-01-01 00:00:00'), (2, 'infinity');
      CREATE TABLE dups (id int, v text);
      INSERT INTO dups VALUES (1, 'a'), (2, 'b'), (1, 'c');
      CREATE TABLE frozen (id int PRIMARY KEY, a text);
      INSERT INTO frozen VALUES (1, 'x'), (2, 'y');`);
    cwd = workspace(`
sources:
  crm: { type: postgres, url: "\${CRM_URL}" }
  crm_badpw: { type: postgres, url: "postgres://lakekit_pw_test:wrong-secret-pw@${url.host}/${db}" }
pipelines:
  p_gone: { source: crm, streams: { public.gone: { target: t.gone, mode: merge } } }
  p_typed: { source: crm, streams: { public.typed: { target: t.typed, mode: merge } } }
  p_floats: { source: crm, streams: { public.floats: { target: t.floats, mode: replace } } }
  p_num_nan: { source: crm, streams: { public.num_nan: { target: t.num_nan, mode: merge } } }
  p_num_big: { source: crm, streams: { public.num_big: { target: t.num_big, mode: merge } } }
  p_ts_inf: { source: crm, streams: { public.ts_inf: { target: t.ts_inf, mode: merge } } }
  p_dups: { source: crm, streams: { public.dups: { target: t.dups, mode: merge, primary_key: [id] } } }
  p_frozen: { source: crm, streams: { public.frozen: { target: t.frozen, mode: merge, schema_changes: freeze } } }
  p_badpw: { source: crm_badpw, streams: { public.gone: { target: t.gone_pw } } }
`);
  });

  afterAll(async () => {
    await src?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it('a source table dropped between runs: exit 1 naming source and stream; the table keeps its data', async () => {
    const first = await run('p_gone');
    expect(first.code, first.stderr).toBe(0);
    const snapshot = snapshotOf('t.gone');
    await sql('DROP TABLE gone');
    const second = await run('p_gone');
    expect(second.code).toBe(1);
    expect(second.report.status).toBe('failed');
    expect(second.report.error).toMatch(/crm/);
    expect(second.report.error).toMatch(/public\.gone/);
    expect(second.stderr).toMatch(/public\.gone/);
    expect(snapshotOf('t.gone')).toBe(snapshot);
    expect(await query('SELECT count(*), min(v), max(id) FROM t.gone')).toEqual([[10, 'v1', 10]]);
  });

  it('a column changed to an incompatible type (integer → text): the error names the column, nothing is written', async () => {
    const first = await run('p_typed');
    expect(first.code, first.stderr).toBe(0);
    const snapshot = snapshotOf('t.typed');
    await sql(
      `ALTER TABLE typed ALTER COLUMN qty TYPE text USING qty::text; UPDATE typed SET qty = 'lots' WHERE id = 1`,
    );
    const second = await run('p_typed');
    expect(second.code).toBe(1);
    expect(second.report.error).toMatch(/public\.typed/);
    expect(second.report.error).toMatch(/\bqty\b/);
    expect(snapshotOf('t.typed')).toBe(snapshot);
    expect(await query('SELECT id, qty FROM t.typed ORDER BY id')).toEqual([
      [1, 10],
      [2, 20],
    ]);
  });

  it('NaN and ±Infinity in double and real columns load as they are', async () => {
    const r = await run('p_floats');
    expect(r.code, r.stderr).toBe(0);
    expect(
      await query('SELECT id, CAST(d AS VARCHAR), CAST(r AS VARCHAR) FROM t.floats ORDER BY id'),
    ).toEqual([
      [1, 'nan', 'nan'],
      [2, 'inf', '-inf'],
      [3, '-inf', 'inf'],
      [4, '1.5', '2.5'],
    ]);
  });

  it('NaN in a numeric column fails naming the column; nothing is written', async () => {
    const r = await run('p_num_nan');
    expect(r.code).toBe(1);
    expect(r.report.error).toMatch(/public\.num_nan/);
    expect(r.report.error).toMatch(/\bprice\b/);
    expect(r.report.error).toMatch(/NaN/);
    expect(snapshotOf('t.num_nan')).toBeNull();
  });

  it("a value beyond the target decimal's precision fails naming the column; nothing is written", async () => {
    const r = await run('p_num_big');
    expect(r.code).toBe(1);
    expect(r.report.error).toMatch(/public\.num_big/);
    expect(r.report.error).toMatch(/\btotal\b/);
    expect(snapshotOf('t.num_big')).toBeNull();
  });

  it('an infinite timestamp fails naming the column ("outside the range"); nothing is written', async () => {
    const r = await run('p_ts_inf');
    expect(r.code).toBe(1);
    expect(r.report.error).toMatch(/public\.ts_inf/);
    expect(r.report.error).toMatch(/\bseen_at\b/);
    expect(r.report.error).toMatch(/outside the range/);
    expect(snapshotOf('t.ts_inf')).toBeNull();
  });

  it('duplicate keys in a merge without a cursor: the error names the key; nothing is written', async () => {
    const r = await run('p_dups');
    expect(r.code).toBe(1);
    expect(r.report.error).toMatch(/public\.dups/);
    expect(r.report.error).toMatch(/key \(id=1\) occurs 2 times/);
    expect(snapshotOf('t.dups')).toBeNull();
  });

  it('schema_changes: freeze refuses a new source column, naming it; nothing is written', async () => {
    const first = await run('p_frozen');
    expect(first.code, first.stderr).toBe(0);
    const snapshot = snapshotOf('t.frozen');
    await sql(
      `ALTER TABLE frozen ADD COLUMN extra_note text; UPDATE frozen SET a = 'changed', extra_note = 'n'`,
    );
    const second = await run('p_frozen');
    expect(second.code).toBe(1);
    expect(second.report.error).toMatch(/public\.frozen/);
    expect(second.report.error).toMatch(/\bextra_note\b/);
    expect(snapshotOf('t.frozen')).toBe(snapshot);
    expect(await query('SELECT a FROM t.frozen ORDER BY id')).toEqual([['x'], ['y']]);
  });

  it('wrong credentials: exit 1 naming the source, never the password', async () => {
    const r = await lake(['run', 'p_badpw']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/crm_badpw/);
    expect(r.stderr).toMatch(/authentication failed/);
    expect(r.stderr).not.toContain('wrong-secret-pw');
    const j = await lake(['--json', 'run', 'p_badpw']);
    expect(j.code).toBe(1);
    expect(j.stdout + j.stderr).not.toContain('wrong-secret-pw');
    const runs = await lakeJson<{ runs: { status: string; error?: string }[] }>(['runs', 'p_badpw'], {
      cwd,
      env,
    });
    expect(runs.runs.map((x) => x.status)).toEqual(['failed', 'failed']);
    expect(JSON.stringify(runs)).not.toContain('wrong-secret-pw');
  });

  it('an unknown stream in --stream is a usage error (exit 2) listing the streams', async () => {
    const r = await lake(['run', 'p_gone', '--stream', 'public.nope']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/pipeline p_gone has no stream public\.nope \(streams: public\.gone\)/);
  });
});
