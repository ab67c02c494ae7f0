/**
 * The semantic layer's two surfaces besides MCP: `lake metrics list|query` (the real binary, on the
 * shop world's catalog with its models copied to `semantic/`) and `GET /api/v1/metrics`,
 * `POST /api/v1/metrics/query` on a real server. Answers are checked against SQL on the raw rows.
 */
import { cpSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { LOCAL_ADMIN } from '@lakekit/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';
import { lakeJson, runLake } from '../helpers/cli.js';
import { MODELS_DIR, rawRows, type SemanticWorld, startSemanticWorld } from './fixture.js';

let w: SemanticWorld;
let server: ServerHandle;
let tokens: { wendy: string; pat: string };

beforeAll(async () => {
  w = await startSemanticWorld();
  server = await createServer({
    catalog: w.catalog,
    query: { engine: w.engine },
    semantic: async () => w.model,
    validateResponses: true,
  }).listen({ port: 0, host: '127.0.0.1' });
  tokens = {
    wendy: (await w.catalog.governance.issueToken(LOCAL_ADMIN, 'wendy')).token,
    pat: (await w.catalog.governance.issueToken(LOCAL_ADMIN, 'pat')).token,
  };
});

afterAll(async () => {
  await server?.close();
  await w?.close();
});

async function post(token: string, path: string, body: unknown) {
  const r = await fetch(`${server.url}${path}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  // biome-ignore lint/suspicious/noExplicitAny: answers are checked field by field below
  return { status: r.status, body: (await r.json()) as Record<string, any> };
}

describe('POST /api/v1/metrics/query', () => {
  const request = {
    metrics: ['customer_count'],
    by: ['customers.region'],
    where: 'order_date in last quarter or customers.region is not null',
    asOf: '2026-11-29',
  };

  it("answers within the caller's row filter, with the request and as-of date in the receipt", async () => {
    const a = await post(tokens.wendy, '/api/v1/metrics/query', {
      metrics: ['customer_count'],
      by: ['customers.region'],
    });
    expect(a.status).toBe(200);
    const expected = await rawRows(
      w.raw,
      "SELECT region, count(*) FROM shop_customers WHERE region = 'west' GROUP BY region",
    );
    expect(a.body['rows']).toEqual(expected);
    expect(a.body['receipt'].context.semantic.resolved.metrics).toEqual(['customer_count']);
    expect(a.body['receipt'].tables.map((t: { table: string }) => t.table)).toEqual(['shop.customers']);
  });

  it('the same request compiles to byte-identical SQL; relative periods resolve against asOf', async () => {
    const one = await post(tokens.wendy, '/api/v1/metrics/query', {
      metrics: ['revenue'],
      by: ['orders.order_date.quarter'],
      where: 'order_date in last quarter',
      asOf: '2026-11-29',
    });
    const two = await post(tokens.wendy, '/api/v1/metrics/query', {
      metrics: ['revenue'],
      by: ['orders.order_date.quarter'],
      where: 'order_date in last quarter',
      asOf: '2026-11-29',
    });
    expect(one.status).toBe(200);
    expect(two.body['sql']).toBe(one.body['sql']);
    expect(one.body['resolved'].asOf).toBe('2026-11-29');
    expect(one.body['sql']).toContain("'2026-07-01'");
    expect(one.body['receipt'].context.semantic.resolved.asOf).toBe('2026-11-29');
    expect(two.body['receipt'].result.hash).toBe(one.body['receipt'].result.hash);
  });

  it('refuses beyond the grants (403), a malformed request (400 naming the field), an unknown metric (400)', async () => {
    const denied = await post(tokens.pat, '/api/v1/metrics/query', { metrics: ['payments_total'] });
    expect(denied.status).toBe(403);
    expect(denied.body['detail']).toMatch(/shop\.payments/);
    const bad = await post(tokens.wendy, '/api/v1/metrics/query', { ...request, grain: 'fortnight' });
    expect(bad.status).toBe(400);
    expect(JSON.stringify(bad.body)).toMatch(/grain/);
    const unknown = await post(tokens.wendy, '/api/v1/metrics/query', { metrics: ['happiness'] });
    expect(unknown.status).toBe(400);
    expect(unknown.body['detail']).toMatch(/happiness/);
  });

  it('GET /api/v1/metrics lists the metrics with their dimensions', async () => {
    const r = await fetch(`${server.url}/api/v1/metrics`, {
      headers: { authorization: `Bearer ${tokens.pat}` },
    });
    const body = (await r.json()) as { metrics: { name: string; dimensions: string[] }[] };
    expect(r.status).toBe(200);
    expect(body.metrics.map((m) => m.name)).toContain('revenue');
    expect(body.metrics.find((m) => m.name === 'customer_count')!.dimensions).toContain('customers.region');
  });
});

describe('lake metrics', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = join(w.dir, 'cli');
    cpSync(MODELS_DIR, join(cwd, 'semantic'), { recursive: true });
    writeFileSync(
      join(cwd, 'lakekit.yaml'),
      `warehouse: ${join(w.dir, 'warehouse')}\ncatalog:\n  uri: sqlite:${join(w.dir, 'catalog.db')}\n`,
    );
  });

  it('lists the metrics', async () => {
    const r = await runLake(['metrics', 'list'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^revenue\s+simple/m);
  });

  it('answers as a principal; --sql prints the same text every time', async () => {
    const a = await lakeJson<{ rows: unknown[][]; receipt: { principal: string } }>(
      ['--as', 'wendy', 'metrics', 'query', 'customer_count', '--by', 'customers.region'],
      { cwd },
    );
    expect(a.receipt.principal).toBe('wendy');
    expect(a.rows).toEqual(
      await rawRows(
        w.raw,
        "SELECT region, count(*) FROM shop_customers WHERE region = 'west' GROUP BY region",
      ),
    );
    const args = [
      'metrics',
      'query',
      'top selling',
      '--by',
      'item',
      '--where',
      'midwest and order_date in last quarter',
      '--as-of',
      '2026-11-29',
      '--limit',
      '3',
      '--sql',
    ];
    const s1 = await runLake(args, { cwd });
    const s2 = await runLake(args, { cwd });
    expect(s1.code, s1.stderr).toBe(0);
    expect(s1.stdout).toBe(s2.stdout);
    expect(s1.stdout).toMatch(/'IL', 'OH', 'MN'/);
  });

  it('a bad option is a usage error (exit 2) naming it', async () => {
    const r = await runLake(['metrics', 'query', 'revenue', '--grain', 'fortnight'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--grain fortnight/);
  });
});
