/**
 * OpenLineage events sent to `lineage.endpoint` by `lake run`: START then COMPLETE (or FAIL with the
 * error) for each run, as valid JSON naming the run, the job, its inputs and outputs; never a secret in
 * a payload; an endpoint that is down or failing never fails the run (the events stay in the catalog).
 */
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runLake, workspace } from '../helpers/cli.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];

interface Received {
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
}

interface RunReport {
  id: string;
  status: string;
  error?: string;
  streams: { stream: string; target: string; snapshotId?: string; rowsWritten: number }[];
}

// biome-ignore lint/suspicious/noExplicitAny: OpenLineage events are checked field by field.
type Event = Record<string, any>;

/** An OpenLineage receiver: records every request; answers `status`. */
async function startReceiver(): Promise<{
  url: string;
  received: Received[];
  status: number;
  close(): Promise<void>;
}> {
  const state = { received: [] as Received[], status: 201 };
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (d) => {
      body += d;
    });
    req.on('end', () => {
      state.received.push({ method: req.method ?? '', path: req.url ?? '', headers: req.headers, body });
      res.writeHead(state.status, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(state, {
    url: `http://127.0.0.1:${port}/api/v1/lineage`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  });
}

/** A port nothing listens on. */
async function closedPort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((resolve) => s.listen(0, '127.0.0.1', resolve));
  const { port } = s.address() as AddressInfo;
  await new Promise<void>((resolve) => s.close(() => resolve()));
  return port;
}

describe('OpenLineage events of pipeline runs', () => {
  if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');
  const db = `lk_lineage_${process.pid}_${Date.now() % 100000}`;
  const server = new URL(baseUrl);
  // Trust authentication: the password is never needed, so any leak of it is the only way it shows.
  const password = 'lineage-secret-pw';
  const apiKey = 'lineage-api-key-secret';
  const dbUrl = `postgres://postgres:${password}@${server.host}/${db}`;
  let admin: pg.Client;
  let receiver: Awaited<ReturnType<typeof startReceiver>>;
  let cwd: string;

  const config = (endpoint: string) => `
lineage: { endpoint: "${endpoint}", namespace: acme, api_key: "\${LINEAGE_KEY}" }
sources:
  crm: { type: postgres, url: "\${CRM_URL}" }
  shop: { type: sqlite, path: shop.db }
pipelines:
  crm_sync:
    source: crm
    streams:
      public.accounts: { target: crm.accounts, mode: merge, cursor: updated_at }
      public.products: { target: crm.products, mode: replace }
  shop_sync:
    source: shop
    streams:
      orders: { target: shop.orders }
`;
  const env = { CRM_URL: dbUrl, LINEAGE_KEY: apiKey };
  const run = async (dir: string, pipeline: string) => {
    const r = await runLake(['--json', 'run', pipeline], { cwd: dir, env });
    if (r.stdout.trim() === '') throw new Error(`lake run ${pipeline} exited ${r.code}: ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
  };
  const eventsOf = (runId: string): Event[] =>
    receiver.received.map((r) => JSON.parse(r.body) as Event).filter((e) => e['run']?.runId === runId);

  async function storedEvents(dir: string, runId: string): Promise<Event[]> {
    const { Catalog } = await import('@lakekit/catalog');
    const { createFileIO } = await import('@lakekit/storage');
    const catalog = await Catalog.open({
      uri: `sqlite:${join(dir, '.lakekit', 'catalog.db')}`,
      name: 'lakekit',
      warehouse: `file://${join(dir, '.lakekit', 'warehouse')}`,
      io: createFileIO({}),
    });
    try {
      return (await catalog.operations.listLineage({ runId })) as Event[];
    } finally {
      await catalog.close();
    }
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    const src = new pg.Client({ connectionString: dbUrl });
    await src.connect();
    try {
      await src.query(`
        CREATE TABLE accounts (id int PRIMARY KEY, name text NOT NULL, updated_at timestamptz NOT NULL);
        INSERT INTO accounts SELECT g, 'account ' || g, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL '1 hour'
          FROM generate_series(1, 25) g;
        CREATE TABLE products (id int PRIMARY KEY, title text);
        INSERT INTO products VALUES (1, 'pen'), (2, 'ink');`);
    } finally {
      await src.end();
    }
    receiver = await startReceiver();
    cwd = workspace(config(receiver.url));
    const shop = new Database(join(cwd, 'shop.db'));
    // Text in an INTEGER column: the load fails naming the column.
    shop.exec(`CREATE TABLE orders (id INTEGER PRIMARY KEY, qty INTEGER);
      INSERT INTO orders VALUES (1, 5), (2, 'five');`);
    shop.close();
  });

  afterAll(async () => {
    await receiver?.close();
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it('a run posts START then COMPLETE: valid JSON naming run, job, inputs and outputs, with no secret', async () => {
    const { code, report, stderr } = await run(cwd, 'crm_sync');
    expect(code, stderr).toBe(0);
    const requests = receiver.received.filter((r) => r.body.includes(report.id));
    expect(requests.length).toBe(2);
    for (const r of requests) {
      expect(r.method).toBe('POST');
      expect(r.path).toBe('/api/v1/lineage');
      expect(r.headers['content-type']).toBe('application/json');
      expect(r.headers['authorization']).toBe(`Bearer ${apiKey}`);
      expect(() => JSON.parse(r.body)).not.toThrow();
      // The key belongs in the header only; the source password nowhere.
      expect(r.body).not.toContain(apiKey);
      expect(r.body).not.toContain(password);
    }
    const [start, complete] = eventsOf(report.id);
    expect(start!['eventType']).toBe('START');
    expect(complete!['eventType']).toBe('COMPLETE');
    for (const e of [start!, complete!]) {
      expect(e['run'].runId).toBe(report.id);
      expect(e['job']).toMatchObject({ namespace: 'acme', name: 'crm_sync' });
      expect(new Date(e['eventTime']).toISOString()).toBe(e['eventTime']);
      expect(e['producer']).toMatch(/^https:\/\//);
      expect(e['schemaURL']).toMatch(/OpenLineage\.json#\/definitions\/RunEvent$/);
    }
    expect(Date.parse(complete!['eventTime'])).toBeGreaterThanOrEqual(Date.parse(start!['eventTime']));
    expect(start!['outputs']).toEqual([]);

    const inputs = complete!['inputs'] as Event[];
    expect(inputs.map((i) => i['name'])).toEqual(['public.accounts', 'public.products']);
    expect(inputs[0]!['namespace']).toBe(`postgres://postgres:***@${server.host}/${db}`);
    expect(inputs[0]!['facets'].schema.fields.map((f: Event) => f['name'])).toEqual([
      'id',
      'name',
      'updated_at',
    ]);
    const outputs = complete!['outputs'] as Event[];
    expect(outputs.map((o) => o['name'])).toEqual(['crm.accounts', 'crm.products']);
    for (const [i, o] of outputs.entries()) {
      const s = report.streams[i]!;
      expect(o['facets'].version.datasetVersion).toBe(s.snapshotId);
      expect(o['outputFacets'].outputStatistics.rowCount).toBe(s.rowsWritten);
      expect(o['namespace']).toMatch(/^file:\/\//);
    }
    expect(outputs[0]!['facets'].columnLineage.fields.name.inputFields).toEqual([
      { namespace: inputs[0]!['namespace'], name: 'public.accounts', field: 'name' },
    ]);
    // What was sent is what the catalog keeps.
    expect(await storedEvents(cwd, report.id)).toEqual([start, complete]);
  });

  it('a failing run posts FAIL with the error message', async () => {
    const { code, report } = await run(cwd, 'shop_sync');
    expect(code).toBe(1);
    expect(report.status).toBe('failed');
    expect(report.error).toMatch(/qty/);
    const events = eventsOf(report.id);
    expect(events.map((e) => e['eventType'])).toEqual(['START', 'FAIL']);
    const fail = events[1]!;
    expect(fail['run'].facets.errorMessage.message).toBe(report.error);
    expect(fail['job'].name).toBe('shop_sync');
  });

  it('an endpoint that is down or answers 500 does not fail the run; the events stay in the catalog', async () => {
    const down = workspace(config(`http://127.0.0.1:${await closedPort()}/api/v1/lineage`));
    const r1 = await run(down, 'crm_sync');
    expect(r1.code, r1.stderr).toBe(0);
    expect(r1.report.status).toBe('succeeded');
    expect((await storedEvents(down, r1.report.id)).map((e) => e['eventType'])).toEqual([
      'START',
      'COMPLETE',
    ]);

    receiver.status = 500;
    try {
      const before = receiver.received.length;
      const r2 = await run(cwd, 'crm_sync');
      expect(r2.code, r2.stderr).toBe(0);
      expect(r2.report.status).toBe('succeeded');
      expect(receiver.received.length).toBe(before + 2);
    } finally {
      receiver.status = 201;
    }
  });
});
