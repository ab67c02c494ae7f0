/**
 * The data engineer's daily commands through the `lake` binary: `source list|test|discover`,
 * `pipeline list` (next run times in a pipeline's time zone), `runs` and `runs show`, in text and as
 * `--json`. Credentials never appear in what they print.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, repoRoot, runLake, workspace } from '../helpers/cli.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];

/** croner itself (a dependency of the pipelines package), to check the times `lake` computes. */
const { Cron } = createRequire(join(repoRoot, 'pipelines', 'package.json'))('croner') as {
  Cron: new (
    pattern: string,
    options: { timezone?: string; paused?: boolean },
  ) => { nextRun(from?: Date): Date | null };
};

interface RunRow {
  id: string;
  pipeline: string;
  status: string;
  trigger: string;
  startedAt: string;
  endedAt?: string;
  host: string;
  pid: number;
  error?: string;
  detail?: unknown;
}

describe('lake source, pipeline and runs commands', () => {
  if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');
  const server = new URL(baseUrl);
  // The test server trusts every role but lakekit_pw_test: this password is sent nowhere, yet it must
  // never be printed.
  const goodUrl = `postgres://postgres:never-printed-pw@${server.host}/postgres`;
  const badUrl = `postgres://lakekit_pw_test:wrong-secret-pw@${server.host}/postgres`;
  const db = `lk_cmd_${process.pid}_${Date.now() % 100000}`;
  const dbUrl = `postgres://postgres:never-printed-pw@${server.host}/${db}`;
  const env = { CRM_URL: goodUrl, BAD_URL: badUrl, API_TOKEN: 'tok-never-printed', DB_URL: dbUrl };
  let admin: pg.Client;
  let cwd: string;
  const lake = (args: string[]) => runLake(args, { cwd, env });
  const json = <T>(args: string[]) => lakeJson<T>(args, { cwd, env });

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    const src = new pg.Client({ connectionString: dbUrl });
    await src.connect();
    try {
      // Same-named tables in two schemas, names that need quoting, a type without an Iceberg type.
      await src.query(`CREATE SCHEMA audit;
        CREATE TABLE public.accounts (id int PRIMARY KEY, "Display Name" text, spot point,
          updated_at timestamptz NOT NULL DEFAULT now());
        CREATE TABLE audit.accounts (id int, note text);
        CREATE TABLE public."Order Items" ("order id" int, "line#" int, qty int, PRIMARY KEY ("order id", "line#"));
        INSERT INTO public.accounts VALUES (1, 'a', '(1,2)'), (2, 'b', NULL);
        INSERT INTO audit.accounts VALUES (1, 'x');
        INSERT INTO public."Order Items" VALUES (1, 1, 5), (1, 2, 6);`);
    } finally {
      await src.end();
    }
    cwd = workspace(`
sources:
  shop: { type: sqlite, path: shop.db }
  crm: { type: postgres, url: "\${CRM_URL}" }
  crm_bad: { type: postgres, url: "\${BAD_URL}" }
  warehouse_db: { type: postgres, url: "\${DB_URL}" }
  api:
    type: http
    base_url: http://127.0.0.1:9/v1
    auth: { type: bearer, token: "\${API_TOKEN}" }
    resources: { things: { path: /things } }
pipelines:
  nightly:
    source: shop
    schedule: "30 2 * * *"
    timezone: America/New_York
    streams: { orders: { target: shop.orders_nightly, mode: merge } }
  weekly:
    source: shop
    schedule: "0 9 * * MON"
    timezone: Asia/Kolkata
    streams: { customers: { target: shop.customers_weekly, mode: replace } }
  adhoc:
    source: shop
    streams:
      orders: { target: shop.orders, mode: merge, cursor: updated_at }
      customers: { target: shop.customers }
`);
    const sqlite = new Database(join(cwd, 'shop.db'));
    sqlite.exec(`
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT);
      CREATE TABLE orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, amount DECIMAL(10,2), note,
        updated_at DATETIME NOT NULL);
      CREATE TABLE events (kind TEXT, at TIMESTAMP);
      CREATE TABLE order_lines (order_id INTEGER, line INTEGER, sku TEXT, PRIMARY KEY (order_id, line));
      CREATE VIEW big_orders AS SELECT id, amount FROM orders WHERE amount > 100;
      INSERT INTO customers VALUES (1, 'Ada', 'west'), (2, 'Grace', 'east');
      INSERT INTO orders VALUES (1, 1, 12.50, 'first', '2026-01-01 10:00:00'), (2, 2, 250.00, NULL, '2026-01-02 11:00:00'),
        (3, 1, 99.99, 'x', '2026-01-03 12:00:00');
      INSERT INTO events VALUES ('click', '2026-01-01 00:00:00'), ('view', '2026-01-01 00:00:01');
      INSERT INTO order_lines VALUES (1, 1, 'A'), (1, 2, 'B'), (2, 1, 'C');`);
    sqlite.close();
  });

  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it('source list shows where each source reads, without credentials', async () => {
    const text = await lake(['source', 'list']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toMatch(/crm\s+postgres\s+postgres:\/\/postgres:\*\*\*@/);
    expect(text.stdout).toMatch(/shop\s+sqlite\s+shop\.db/);
    expect(text.stdout).toMatch(/api\s+http\s+http:\/\/127\.0\.0\.1:9\/v1/);
    const j = await json<{ sources: { source: string; type: string; target: string }[] }>(['source', 'list']);
    expect(j.sources.map((s) => [s.source, s.type])).toEqual([
      ['shop', 'sqlite'],
      ['crm', 'postgres'],
      ['crm_bad', 'postgres'],
      ['warehouse_db', 'postgres'],
      ['api', 'http'],
    ]);
    for (const out of [text.stdout + text.stderr, JSON.stringify(j)]) {
      expect(out).not.toContain('never-printed-pw');
      expect(out).not.toContain('wrong-secret-pw');
      expect(out).not.toContain('tok-never-printed');
    }
  });

  it('source test: ok (exit 0) names kind, version and target without the password', async () => {
    const r = await lake(['source', 'test', 'crm']);
    expect(r.code, r.stderr).toBe(0);
    // The result is on stdout, like every command's result.
    expect(r.stdout).toMatch(
      /^source crm: ok — postgres PostgreSQL \d+\.\d+ at postgres:\/\/postgres:\*\*\*@/,
    );
    const j = await json<Record<string, unknown>>(['source', 'test', 'shop']);
    expect(j).toMatchObject({ source: 'shop', ok: true, kind: 'sqlite', target: join(cwd, 'shop.db') });
    expect(typeof j['ms']).toBe('number');
    expect(r.stdout + r.stderr).not.toContain('never-printed-pw');
  });

  it('source test with a wrong password: exit 1, the message names the source, never the password', async () => {
    const r = await lake(['source', 'test', 'crm_bad']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/crm_bad/);
    expect(r.stderr).toMatch(/authentication failed/);
    expect(r.stderr).not.toContain('wrong-secret-pw');
    const j = await lake(['--json', 'source', 'test', 'crm_bad']);
    expect(j.code).toBe(1);
    expect(j.stdout).toBe('');
    const err = JSON.parse(j.stderr) as {
      error: { code: string; message: string; context: Record<string, unknown> };
    };
    expect(err.error.code).toBe('source_auth');
    expect(err.error.context['source']).toBe('crm_bad');
    expect(j.stderr).not.toContain('wrong-secret-pw');
    // An unknown source is a usage error naming the known ones.
    const unknown = await lake(['source', 'test', 'nope']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/no source named nope \(sources: shop, crm, crm_bad, warehouse_db, api\)/);
  });

  it('source discover prints a pipeline skeleton that runs as written (--write)', async () => {
    const printed = await lake(['source', 'discover', 'shop']);
    expect(printed.code, printed.stderr).toBe(0);
    expect(printed.stdout).toContain('  shop_sync:\n    source: shop\n');
    expect(printed.stdout).toMatch(
      /"orders":\n {8}target: shop\.orders\n {8}mode: merge\n {8}primary_key: \[id\]\n {8}cursor: updated_at/,
    );
    expect(printed.stdout).toMatch(/"events":\n {8}target: shop\.events\n {8}mode: append/);
    expect(printed.stdout).toMatch(/"order_lines":\n[^"]*primary_key: \[order_id, line\]/);

    const w = await lake(['source', 'discover', 'shop', '--write', 'discovered.yaml']);
    expect(w.code, w.stderr).toBe(0);
    expect(w.stderr).toMatch(/wrote a pipeline skeleton for 5 streams to discovered\.yaml/);
    const skeleton = readFileSync(join(cwd, 'discovered.yaml'), 'utf8');
    expect(skeleton).toBe(printed.stdout);
    // Written once: an existing file is not overwritten.
    const again = await lake(['source', 'discover', 'shop', '--write', 'discovered.yaml']);
    expect(again.code).toBe(2);
    expect(again.stderr).toMatch(/discovered\.yaml exists/);

    // Pasted under the sources it needs, the skeleton runs: every stream.
    writeFileSync(
      join(cwd, 'discovered-config.yaml'),
      `sources:\n  shop: { type: sqlite, path: shop.db }\n${skeleton}`,
    );
    const config = ['-c', 'discovered-config.yaml'];
    const r = await lake([...config, '--json', 'run', 'shop_sync']);
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as { status: string; streams: { stream: string; status: string }[] };
    expect(report.status).toBe('succeeded');
    expect(report.streams.map((s) => s.stream).sort()).toEqual([
      'big_orders',
      'customers',
      'events',
      'order_lines',
      'orders',
    ]);
    const q = await json<{ rows: unknown[][] }>([
      ...config,
      'query',
      'SELECT (SELECT count(*) FROM shop.orders), (SELECT count(*) FROM shop.order_lines), (SELECT count(*) FROM shop.big_orders)',
    ]);
    expect(q.rows[0]!.map(Number)).toEqual([3, 3, 1]);
  });

  it('a discovered PostgreSQL skeleton runs as written: schemas sharing table names, quoted names, casts', async () => {
    const r = await lake(['source', 'discover', 'warehouse_db', '--write', 'pg.yaml']);
    expect(r.code, r.stderr).toBe(0);
    const skeleton = readFileSync(join(cwd, 'pg.yaml'), 'utf8');
    expect(skeleton).toContain('target: warehouse_db.audit_accounts');
    expect(skeleton).toContain('target: warehouse_db.public_accounts');
    expect(skeleton).toContain('primary_key: ["order id", "line#"]');
    expect(skeleton).toMatch(/casts: .*\n {10}spot: string +# point/);
    writeFileSync(
      join(cwd, 'pg-config.yaml'),
      `sources:\n  warehouse_db: { type: postgres, url: "\${DB_URL}" }\n${skeleton}`,
    );
    const run = await lake(['-c', 'pg-config.yaml', '--json', 'run', 'warehouse_db_sync']);
    expect(run.code, run.stderr).toBe(0);
    const report = JSON.parse(run.stdout) as { streams: { stream: string; rowsWritten: number }[] };
    expect(report.streams.map((s) => [s.stream, s.rowsWritten])).toEqual([
      ['audit.accounts', 1],
      ['public.Order Items', 2],
      ['public.accounts', 2],
    ]);
    const q = await json<{ rows: unknown[][] }>([
      '-c',
      'pg-config.yaml',
      'query',
      'SELECT spot FROM warehouse_db.public_accounts ORDER BY id',
    ]);
    expect(q.rows).toEqual([['(1,2)'], [null]]);
    expect(run.stdout + run.stderr + skeleton).not.toContain('never-printed-pw');
  });

  it('pipeline list shows each schedule with its next run, computed in the pipeline time zone', async () => {
    const j = await json<{
      pipelines: {
        pipeline: string;
        schedule: string | null;
        timezone: string;
        nextRun: string | null;
        nextRunLocal: string | null;
        streams: string[];
      }[];
    }>(['pipeline', 'list']);
    const byName = Object.fromEntries(j.pipelines.map((p) => [p.pipeline, p]));
    expect(Object.keys(byName)).toEqual(['adhoc', 'nightly', 'weekly']);
    const nightly = byName['nightly']!;
    expect(nightly.nextRun).toBe(
      new Cron('30 2 * * *', { timezone: 'America/New_York' }).nextRun()!.toISOString(),
    );
    // 02:30 in New York is 06:30 or 07:30 UTC (daylight saving time or not), never 02:30.
    expect(nightly.nextRun).toMatch(/T0[67]:30:00\.000Z$/);
    expect(nightly.nextRunLocal).toMatch(/T02:30:00-0[45]:00$/);
    expect(Date.parse(nightly.nextRunLocal!)).toBe(Date.parse(nightly.nextRun!));
    const weekly = byName['weekly']!;
    expect(weekly.nextRun).toBe(
      new Cron('0 9 * * MON', { timezone: 'Asia/Kolkata' }).nextRun()!.toISOString(),
    );
    expect(weekly.nextRun).toMatch(/T03:30:00\.000Z$/);
    expect(weekly.nextRunLocal).toMatch(/T09:00:00\+05:30$/);
    expect(new Date(weekly.nextRun!).getUTCDay()).toBe(1);
    expect(byName['adhoc']).toMatchObject({
      schedule: null,
      nextRun: null,
      nextRunLocal: null,
      timezone: 'UTC',
    });
    expect(byName['adhoc']!.streams).toEqual(['orders→shop.orders', 'customers→shop.customers']);

    const text = await lake(['pipeline', 'list']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout).toContain('30 2 * * * America/New_York');
    expect(text.stdout).toContain(nightly.nextRun!);
    expect(text.stdout).toContain(nightly.nextRunLocal!);
  });

  it('runs lists runs newest first; runs show <id prefix> gives the run with its streams; --json shapes', async () => {
    const first = await json<{ id: string; status: string }>(['run', 'adhoc']);
    const second = await json<{ id: string; status: string }>(['run', 'adhoc', '--stream', 'orders']);
    expect([first.status, second.status]).toEqual(['succeeded', 'succeeded']);

    const list = await json<{ runs: RunRow[] }>(['runs', 'adhoc']);
    expect(list.runs.map((r) => r.id)).toEqual([second.id, first.id]);
    for (const r of list.runs) {
      expect(Object.keys(r).sort()).toEqual([
        'endedAt',
        'host',
        'id',
        'pid',
        'pipeline',
        'startedAt',
        'status',
        'trigger',
      ]);
      expect(r).toMatchObject({ pipeline: 'adhoc', status: 'succeeded', trigger: 'manual' });
      expect(Date.parse(r.endedAt!)).toBeGreaterThanOrEqual(Date.parse(r.startedAt));
    }
    const limited = await json<{ runs: RunRow[] }>(['runs', '--limit', '1']);
    expect(limited.runs.map((r) => r.id)).toEqual([second.id]);
    const text = await lake(['runs']);
    expect(text.code, text.stderr).toBe(0);
    expect(text.stdout.split('\n')[0]).toMatch(
      /^id\s+pipeline\s+status\s+trigger\s+started\s+seconds\s+error/,
    );
    expect(text.stdout.indexOf(second.id)).toBeLessThan(text.stdout.indexOf(first.id));

    const shown = await json<
      RunRow & { quality: unknown[]; detail: { streams: { stream: string; rowsWritten: number }[] } }
    >(['runs', 'show', first.id.slice(0, 8)]);
    expect(shown).toMatchObject({ id: first.id, pipeline: 'adhoc', status: 'succeeded', quality: [] });
    expect(shown.detail.streams.map((s) => [s.stream, s.rowsWritten])).toEqual([
      ['orders', 3],
      ['customers', 2],
    ]);
    const shownText = await lake(['runs', 'show', first.id.slice(0, 8)]);
    expect(shownText.code, shownText.stderr).toBe(0);
    expect(shownText.stderr).toContain(`run ${first.id} of adhoc: succeeded (manual)`);
    expect(shownText.stdout).toMatch(/orders\s+shop\.orders\s+merge\s+succeeded\s+3\s+3/);

    const missing = await lake(['runs', 'show', 'ffffffff-no-such-run']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/no run ffffffff-no-such-run/);
    const badLimit = await lake(['runs', '--limit', '0']);
    expect(badLimit.code).toBe(2);
    expect(badLimit.stderr).toMatch(/--limit 0: expected a whole number/);
  });
});
