/**
 * The MCP server in process (`createMcpServer` on the SDK's in-memory transport, the SDK's client):
 * semantic models that appear, break and are fixed while the server runs (`semanticModelsFrom`
 * follows the folder), the empty answer without models, and unexpected failures reported as tool
 * errors whose details go to the log only.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type Actor, LOCAL_ADMIN } from '@lakekit/catalog';
import { createMcpServer, type LakekitMcpOptions, semanticModelsFrom } from '@lakekit/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type QueryWorld, startQueryWorld } from '../query/fixture.js';
import { Client, callTool, type McpClient } from './client.js';

const { InMemoryTransport } = await import('@modelcontextprotocol/sdk/inMemory.js');

const MODEL = `entities:
  - name: orders
    table: crm.orders
    primary_key: [id]
    measures:
      - name: units
        agg: sum
        expr: qty
metrics:
  - name: units_sold
    kind: simple
    measure: orders.units
`;

describe('createMcpServer (in process)', () => {
  let w: QueryWorld;
  let dir: string;
  const open: McpClient[] = [];

  const connect = async (options: Partial<LakekitMcpOptions> & { actor: Actor }): Promise<McpClient> => {
    const server = await createMcpServer({
      catalog: w.catalog,
      engine: async () => w.engine,
      semantic: semanticModelsFrom(join(dir, 'semantic'), w.catalog),
      ...options,
    });
    const [clientSide, serverSide] = InMemoryTransport.createLinkedPair();
    await server.connect(serverSide);
    const client = new Client({ name: 'lakekit-tests', version: '1.0.0' });
    await client.connect(clientSide);
    open.push(client);
    return client;
  };

  beforeAll(async () => {
    w = await startQueryWorld('sqlite');
    dir = mkdtempSync(join(tmpdir(), 'lakekit-mcp-'));
  });
  afterAll(async () => {
    for (const c of open) await c.close().catch(() => undefined);
    await w?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('follows the semantic folder: none, a model, a broken model, the fixed model', async () => {
    const c = await connect({ actor: { name: 'alice' } });
    const none = await callTool(c, 'list_metrics');
    expect(none.isError).toBe(false);
    expect(none.structured).toEqual({ metrics: [], note: expect.stringContaining('no semantic models') });
    const ask = await callTool(c, 'query_metrics', { metrics: ['units_sold'] });
    expect(ask.isError).toBe(true);
    expect(ask.text).toMatch(/^invalid: There are no semantic models/);
    expect((await c.listResources()).resources.map((r) => r.uri)).toEqual(['lakekit://datasets']);

    const { mkdirSync } = await import('node:fs');
    mkdirSync(join(dir, 'semantic'));
    writeFileSync(join(dir, 'semantic', 'sales.yaml'), MODEL);
    const listed = await callTool(c, 'list_metrics');
    expect((listed.structured!['metrics'] as { name: string }[]).map((m) => m.name)).toEqual(['units_sold']);
    const answered = await callTool(c, 'query_metrics', { metrics: ['units_sold'] });
    expect(answered.isError, answered.text).toBe(false);
    const [expected] = await w.raw.all('SELECT sum(qty) AS units FROM crm_orders');
    expect(answered.structured!['rows']).toEqual([[Number(expected!['units'])]]);

    // A column the table does not have: both metric tools say so, naming the file; the rest works.
    writeFileSync(join(dir, 'semantic', 'sales.yaml'), MODEL.replace('expr: qty', 'expr: quantity_sold'));
    for (const tool of ['list_metrics', 'query_metrics']) {
      const r = await callTool(c, tool, tool === 'query_metrics' ? { metrics: ['units_sold'] } : {});
      expect(r.isError).toBe(true);
      expect(r.text).toMatch(/^invalid: semantic\/sales\.yaml:\d+: entity orders.*quantity_sold/);
    }
    expect((await callTool(c, 'list_datasets')).isError).toBe(false);

    writeFileSync(join(dir, 'semantic', 'sales.yaml'), `${MODEL}# fixed\n`);
    expect((await callTool(c, 'query_metrics', { metrics: ['units_sold'] })).isError).toBe(false);
  });

  it('reports an unexpected failure as a tool error and its details to the log only', async () => {
    const logged: { tool: string; error: unknown }[] = [];
    const c = await connect({
      actor: { name: 'alice' },
      engine: async () => {
        throw new Error('the disk at /var/secret/lake is on fire');
      },
      onError: (error, tool) => logged.push({ tool, error }),
    });
    const r = await callTool(c, 'run_sql', { sql: 'SELECT 1' });
    expect(r.isError).toBe(true);
    expect(r.text).toBe('internal error: see the server log');
    expect(r.text).not.toContain('/var/secret');
    expect(logged).toHaveLength(1);
    expect(logged[0]!.tool).toBe('run_sql');
    expect(String(logged[0]!.error)).toContain('on fire');
    // The session goes on.
    expect((await callTool(c, 'list_datasets')).isError).toBe(false);
  });

  it('answers the local administrator with every table and column', async () => {
    const c = await connect({ actor: LOCAL_ADMIN });
    const listed = await callTool(c, 'list_datasets');
    expect((listed.structured!['datasets'] as { name: string }[]).map((d) => d.name)).toEqual([
      'crm.accounts',
      'crm.orders',
      'hr.salaries',
    ]);
    const d = await callTool(c, 'describe_dataset', { table: 'CRM.Accounts' });
    expect(d.isError).toBe(false);
    expect(d.structured!['name']).toBe('crm.accounts');
    expect(
      (d.structured!['columns'] as { name: string; access: string }[]).map((x) => [x.name, x.access]),
    ).toEqual(['id', 'name', 'email', 'region', 'ssn', 'balance'].map((n) => [n, 'visible']));
    expect(d.structured!['hiddenColumns']).toBe(0);
  });
});
