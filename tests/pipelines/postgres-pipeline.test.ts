/**
 * Pipelines against a real PostgreSQL server, through the `lake` binary: full and incremental loads,
 * merge, replace, soft and reconciled deletes, schema changes, quality gates (pass, warn, block with
 * quarantine), runs, state and lineage in the catalog, and bad input.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];

interface Query {
  columns: { name: string }[];
  rows: unknown[][];
}
interface LineageEvent {
  eventType: string;
  inputs: { name: string }[];
  outputs: {
    name: string;
    facets: {
      version: { datasetVersion: string };
      columnLineage: { fields: Record<string, { inputFields: { field: string }[] }> };
    };
  }[];
}
interface RunReport {
  id: string;
  status: string;
  streams: {
    stream: string;
    status: string;
    rowsRead: number;
    rowsWritten: number;
    rowsDeleted: number;
    snapshotId?: string;
    cursor?: string;
    checks?: { name: string; status: string; severity: string; failingRows: number }[];
    quarantined?: number;
    evolved?: string[];
  }[];
}

describe('pipelines from PostgreSQL', () => {
  if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');
  const db = `lk_pipe_${process.pid}_${Date.now() % 100000}`;
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  const dbUrl = url.toString();
  let admin: pg.Client;
  let src: pg.Client;
  let cwd: string;

  const sql = (text: string, params: unknown[] = []) => src.query(text, params);
  const lake = (args: string[]) => runLake(args, { cwd, env: { CRM_URL: dbUrl } });
  const run = async (...args: string[]) => {
    const r = await lake(['--json', 'run', ...args]);
    if (r.stdout.trim() === '') throw new Error(`lake run ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
  };
  // Rows and columns only: each answer's receipt (times, ids) differs from run to run.
  const query = async (q: string): Promise<Query> => {
    const { columns, rows } = await lakeJson<Query>(['query', q], { cwd, env: { CRM_URL: dbUrl } });
    return { columns, rows };
  };

  /** Source rows and table rows, normalised to text, ordered by id. */
  async function sourceRows(table: string, cols: string): Promise<string[]> {
    const r = await sql(`SELECT ${cols} FROM ${table} ORDER BY id`);
    return r.rows.map((row) =>
      JSON.stringify(Object.values(row).map((v) => (v === null ? null : String(v)))),
    );
  }
  async function tableRows(table: string, cols: string): Promise<string[]> {
    const r = await query(`SELECT ${cols} FROM ${table} ORDER BY id`);
    return r.rows.map((row) => JSON.stringify(row.map((v) => (v === null ? null : String(v)))));
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    src = new pg.Client({ connectionString: dbUrl });
    await src.connect();
    await sql(`SET TimeZone = 'UTC'`);
    await sql(`CREATE TABLE accounts (
      id bigint PRIMARY KEY, name text NOT NULL, region text, amount numeric(12,2),
      active boolean, updated_at timestamptz NOT NULL, deleted boolean NOT NULL DEFAULT false)`);
    await sql(`INSERT INTO accounts (id, name, region, amount, active, updated_at)
      SELECT g, 'account ' || g, (ARRAY['midwest','northeast','south','west'])[1 + g % 4], (g * 13 % 10000) / 100.0,
             g % 3 = 0, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL '1 minute'
      FROM generate_series(1, 2000) g`);
    await sql(
      `CREATE TABLE contacts (id int PRIMARY KEY, email text, phone text, updated_at timestamptz NOT NULL, deleted boolean NOT NULL DEFAULT false)`,
    );
    await sql(
      `INSERT INTO contacts SELECT g, 'c' || g || '@example.com', NULL, TIMESTAMPTZ '2026-01-01 00:00:00+00' FROM generate_series(1, 100) g`,
    );
    await sql(`CREATE TABLE products (id int PRIMARY KEY, title text, price numeric(10,2))`);
    await sql(`INSERT INTO products SELECT g, 'product ' || g, g * 1.5 FROM generate_series(1, 50) g`);
    cwd = workspace(`
sources:
  crm: { type: postgres, url: "\${CRM_URL}" }
pipelines:
  crm_sync:
    source: crm
    schedule: "*/15 * * * *"
    streams:
      public.accounts:
        target: crm.accounts
        mode: merge
        primary_key: [id]
        cursor: updated_at
        deletes: soft
        deleted_column: deleted
      public.products:
        target: crm.products
        mode: replace
    checks:
      crm.accounts:
        - not_null: [id, name]
        - unique: [id]
        - accepted_values: { column: region, values: [midwest, northeast, south, west], severity: warn }
        - range: { column: amount, min: 0 }
  crm_append:
    source: crm
    streams:
      public.accounts:
        target: raw.accounts_log
        mode: append
        cursor: updated_at
        columns: [id, name, updated_at]
  crm_history:
    source: crm
    streams:
      public.contacts:
        target: crm.contacts_history
        mode: scd2
        cursor: updated_at
        deletes: soft
        deleted_column: deleted
  crm_reconcile:
    source: crm
    streams:
      public.accounts:
        target: crm.accounts_mirror
        mode: merge
        deletes: reconcile
        columns: [id, name, region]
`);
  });

  afterAll(async () => {
    await src?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  const cols = 'id, name, region, amount, active';

  it('a first run loads every row; a second run with nothing new changes nothing', async () => {
    const first = await run('crm_sync');
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.status).toBe('succeeded');
    const acc = first.report.streams.find((s) => s.stream === 'public.accounts')!;
    expect(acc.rowsWritten).toBe(2000);
    expect(acc.cursor).toBe('2026-01-02 09:20:00');
    expect(acc.checks?.every((c) => c.status === 'passed')).toBe(true);
    expect(await tableRows('crm.accounts', cols)).toEqual(await sourceRows('accounts', cols));
    expect(await tableRows('crm.products', 'id, title, price')).toEqual(
      await sourceRows('products', 'id, title, price'),
    );

    const second = await run('crm_sync');
    expect(second.code, second.stderr).toBe(0);
    const acc2 = second.report.streams.find((s) => s.stream === 'public.accounts')!;
    // The cursor is inclusive for merges: the rows at the last cursor value are read again, replaced by themselves.
    expect(acc2.rowsRead).toBe(1);
    expect(await tableRows('crm.accounts', cols)).toEqual(await sourceRows('accounts', cols));
  });

  it('an incremental merge applies updates, inserts and soft deletes; state and runs are recorded', async () => {
    await sql(
      `UPDATE accounts SET name = name || ' (renamed)', updated_at = TIMESTAMPTZ '2026-03-01 00:00:00+00' + id * INTERVAL '1 second' WHERE id % 100 = 0`,
    );
    await sql(`INSERT INTO accounts (id, name, region, amount, active, updated_at)
      SELECT g, 'new ' || g, 'west', 1.00, true, TIMESTAMPTZ '2026-03-02 00:00:00+00' FROM generate_series(2001, 2010) g`);
    await sql(
      `UPDATE accounts SET deleted = true, updated_at = TIMESTAMPTZ '2026-03-03 00:00:00+00' WHERE id IN (5, 6, 7)`,
    );
    const r = await run('crm_sync');
    expect(r.code, r.stderr).toBe(0);
    const acc = r.report.streams.find((s) => s.stream === 'public.accounts')!;
    expect(acc.rowsRead).toBe(20 + 10 + 3);
    expect(acc.rowsDeleted).toBeGreaterThanOrEqual(23);
    expect(await tableRows('crm.accounts', cols)).toEqual(
      await sourceRows('accounts WHERE NOT deleted', cols),
    );
    const runs = await lakeJson<{ runs: { id: string; status: string }[] }>(['runs', 'crm_sync'], {
      cwd,
      env: { CRM_URL: dbUrl },
    });
    expect(runs.runs.length).toBe(3);
    expect(runs.runs[0]!.id).toBe(r.report.id);
    const shown = await lakeJson<{ status: string; quality: unknown[] }>(
      ['runs', 'show', r.report.id.slice(0, 8)],
      {
        cwd,
        env: { CRM_URL: dbUrl },
      },
    );
    expect(shown.status).toBe('succeeded');
    expect(shown.quality.length).toBe(4);
  });

  it('append mode with a cursor appends only new rows', async () => {
    const first = await run('crm_append');
    expect(first.code, first.stderr).toBe(0);
    const n = Number((await sql('SELECT count(*) AS n FROM accounts')).rows[0].n);
    expect(first.report.streams[0]!.rowsWritten).toBe(n);
    await sql(
      `INSERT INTO accounts (id, name, region, amount, active, updated_at) VALUES (3000, 'late', 'south', 2, true, TIMESTAMPTZ '2026-04-01 00:00:00+00')`,
    );
    const second = await run('crm_append');
    expect(second.report.streams[0]!.rowsWritten).toBe(1);
    const count = await query('SELECT count(*) AS n, count(DISTINCT id) AS d FROM raw.accounts_log');
    expect(count.rows[0]!.map(Number)).toEqual([n + 1, n + 1]);
  });

  it('reconcile removes keys that disappeared at the source', async () => {
    const first = await run('crm_reconcile');
    expect(first.code, first.stderr).toBe(0);
    await sql('DELETE FROM accounts WHERE id BETWEEN 10 AND 19');
    const second = await run('crm_reconcile');
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.streams[0]!.rowsDeleted).toBeGreaterThanOrEqual(10);
    expect(await tableRows('crm.accounts_mirror', 'id, name, region')).toEqual(
      await sourceRows('accounts', 'id, name, region'),
    );
  });

  it('a column added at the source is added to the table (evolve)', async () => {
    await sql('ALTER TABLE accounts ADD COLUMN segment text');
    await sql(
      `UPDATE accounts SET segment = 'smb', updated_at = TIMESTAMPTZ '2026-05-01 00:00:00+00' WHERE id = 1`,
    );
    const r = await run('crm_sync', '--stream', 'public.accounts');
    expect(r.code, r.stderr).toBe(0);
    expect(r.report.streams[0]!.evolved).toEqual(['segment']);
    const q = await query('SELECT segment FROM crm.accounts WHERE id = 1');
    expect(q.rows).toEqual([['smb']]);
  });

  it('a failing error check blocks publishing (exit 3): main unchanged, failing rows quarantined, results recorded', async () => {
    const before = await query('SELECT count(*) FROM crm.accounts');
    await sql(
      `UPDATE accounts SET amount = -5, updated_at = TIMESTAMPTZ '2026-06-01 00:00:00+00' WHERE id IN (21, 22)`,
    );
    await sql(
      `UPDATE accounts SET region = 'atlantis', updated_at = TIMESTAMPTZ '2026-06-01 00:00:00+00' WHERE id = 23`,
    );
    const r = await run('crm_sync', '--stream', 'public.accounts');
    expect(r.code).toBe(3);
    expect(r.report.status).toBe('blocked');
    const s = r.report.streams[0]!;
    expect(s.status).toBe('blocked');
    const failed = s.checks!.filter((c) => c.status === 'failed');
    expect(failed.map((c) => c.severity).sort()).toEqual(['error', 'warn']);
    expect(s.quarantined).toBe(3);
    expect(await query('SELECT count(*) FROM crm.accounts')).toEqual(before);
    const amounts = await query('SELECT amount FROM crm.accounts WHERE id IN (21, 22) ORDER BY id');
    expect(amounts.rows.every((row) => Number(row[0]) >= 0)).toBe(true);
    const q = await query('SELECT id, _lakekit_check FROM crm.accounts__quarantine ORDER BY id');
    expect(q.rows.map((row) => String(row[0]))).toEqual(['21', '22', '23']);
    // The cursor did not move: after fixing the source, the same rows are read again.
    await sql(`UPDATE accounts SET amount = 5 WHERE id IN (21, 22)`);
    const fixed = await run('crm_sync', '--stream', 'public.accounts');
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.report.status).toBe('warned');
    // (ids 10–19 were deleted at the source by the reconcile test: a merge without deletes keeps them.)
    expect(await tableRows('crm.accounts WHERE id NOT BETWEEN 10 AND 19', cols)).toEqual(
      await sourceRows('accounts WHERE NOT deleted', cols),
    );
  });

  it('lineage events (START, COMPLETE) with inputs, outputs and snapshot ids are kept in the catalog', async () => {
    const { Catalog } = await import('@lakekit/catalog');
    const { createFileIO } = await import('@lakekit/storage');
    const catalog = await Catalog.open({
      uri: `sqlite:${join(cwd, '.lakekit', 'catalog.db')}`,
      name: 'lakekit',
      warehouse: `file://${join(cwd, '.lakekit', 'warehouse')}`,
      io: createFileIO({}),
    });
    try {
      const runs = await catalog.operations.listRuns({ pipeline: 'crm_sync', limit: 1 });
      const events = (await catalog.operations.listLineage({ runId: runs[0]!.id })) as LineageEvent[];
      expect(events.map((e) => e.eventType)).toEqual(['START', 'COMPLETE']);
      const complete = events[1]!;
      expect(complete.inputs[0]!.name).toBe('public.accounts');
      expect(JSON.stringify(complete)).not.toContain('password');
      expect(complete.outputs[0]!.name).toBe('crm.accounts');
      expect(complete.outputs[0]!.facets.version.datasetVersion).toMatch(/^\d+$/);
      expect(complete.outputs[0]!.facets.columnLineage.fields['name']!.inputFields[0]!.field).toBe('name');
      const states = await catalog.operations.listStates('crm_sync');
      expect(states.map((s) => s.stream)).toEqual(['public.accounts', 'public.products']);
    } finally {
      await catalog.close();
    }
  });

  it('scd2 keeps history: changed keys get a closed and a new version, unchanged rows none, soft deletes close', async () => {
    const first = await run('crm_history');
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.streams[0]!.rowsWritten).toBe(100);
    await sql(
      `UPDATE contacts SET email = 'new' || id || '@example.com', updated_at = TIMESTAMPTZ '2026-02-01 00:00:00+00' WHERE id IN (1, 2, 3)`,
    );
    await sql(
      `UPDATE contacts SET phone = NULL, updated_at = TIMESTAMPTZ '2026-02-01 00:00:00+00' WHERE id = 4`,
    ); // no change in values
    await sql(
      `UPDATE contacts SET deleted = true, updated_at = TIMESTAMPTZ '2026-02-01 00:00:00+00' WHERE id = 5`,
    );
    const second = await run('crm_history');
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.streams[0]!.rowsWritten).toBe(3);
    const versions = await query(
      'SELECT id, email, _valid_to IS NULL AS current FROM crm.contacts_history WHERE id <= 5 ORDER BY id, _valid_from, current',
    );
    expect(versions.rows).toEqual([
      [1, 'c1@example.com', false],
      [1, 'new1@example.com', true],
      [2, 'c2@example.com', false],
      [2, 'new2@example.com', true],
      [3, 'c3@example.com', false],
      [3, 'new3@example.com', true],
      [4, 'c4@example.com', true],
      [5, 'c5@example.com', false],
    ]);
    const closedAt = await query(
      'SELECT count(DISTINCT _valid_to), min(_valid_to) = (SELECT min(_valid_from) FROM crm.contacts_history WHERE id = 1 AND _valid_to IS NULL) FROM crm.contacts_history WHERE _valid_to IS NOT NULL',
    );
    expect(closedAt.rows[0]).toEqual([1, true]);
    // The same rows again (the cursor is inclusive): no new versions.
    const third = await run('crm_history');
    expect(third.report.streams[0]!.rowsWritten).toBe(0);
    const total = await query('SELECT count(*) FROM crm.contacts_history');
    expect(Number(total.rows[0]![0])).toBe(103);
  });

  it('bad input: a malformed pipeline names file and line; wrong credentials name the source without the password', async () => {
    const bad = workspace(`
sources:
  crm: { type: postgres, url: "postgres://lakekit_pw_test:wrong-secret-pw@${url.host}/${db}" }
pipelines:
  p:
    source: crm
    streams:
      public.accounts:
        mode: upsert
`);
    const r1 = await runLake(['run', 'p'], { cwd: bad });
    expect(r1.code).toBe(2);
    expect(r1.stderr).toMatch(
      /lakekit\.yaml:9: pipelines\.p\.streams\.public\.accounts\.mode: must be one of append, replace, merge, scd2/,
    );
    writeFileSync(
      join(bad, 'lakekit.yaml'),
      `
sources:
  crm: { type: postgres, url: "postgres://lakekit_pw_test:wrong-secret-pw@${url.host}/${db}" }
pipelines:
  p:
    source: crm
    streams:
      public.accounts: { mode: append }
`,
    );
    const r2 = await runLake(['run', 'p'], { cwd: bad });
    expect(r2.code).toBe(1);
    expect(r2.stderr).toMatch(/crm/);
    expect(r2.stderr).not.toContain('wrong-secret-pw');
  });
});
