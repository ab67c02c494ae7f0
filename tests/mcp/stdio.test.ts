/**
 * `lake mcp` as an agent runs it: the bundled CLI spawned by the SDK's own stdio client in a
 * workspace whose tables, principals and grants were made with the CLI. The agent acts as one
 * principal (`--as`, or the principal of a token in LAKEKIT_TOKEN / `--token-env`): it lists the
 * tools, answers SQL and metric questions within that principal's grants (row filter, masks) and is
 * refused beyond them as tool errors. Without a principal, or with a bad token, it exits 2; stdout
 * carries nothing but JSON-RPC; it stops cleanly when stdin ends (after answering) and on SIGTERM.
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, repoRoot, runLake, workspace } from '../helpers/cli.js';
import { Client, callTool, type McpClient, StdioClientTransport, TOOLS } from './client.js';

const lakeJs = join(repoRoot, 'packages', 'cli', 'bin', 'lake.js');

const STATES = ['IL', 'OH', 'TX', 'CA', 'NY'] as const;
const REGION: Record<string, string> = {
  IL: 'midwest',
  OH: 'midwest',
  TX: 'south',
  CA: 'west',
  NY: 'northeast',
};

/** The rows of the two tables, as pure functions of their index. */
const customers = Array.from({ length: 40 }, (_, i) => {
  const state = STATES[i % 5]!;
  return { id: i + 1, name: `cust-${i}`, state, region: REGION[state]!, email: `c${i}@example.com` };
});
const orders = Array.from({ length: 400 }, (_, j) => ({
  id: j + 1,
  customer_id: ((j * 7) % 40) + 1,
  amount: ((j * 37) % 500) + 10,
  units: (j % 6) + 1,
  ordered_at: new Date(Date.UTC(2026, 0, 1 + (j % 180))).toISOString().slice(0, 10),
}));

function csv(rows: Record<string, unknown>[]): string {
  const cols = Object.keys(rows[0]!);
  return `${cols.join(',')}\n${rows.map((r) => cols.map((c) => String(r[c])).join(',')).join('\n')}\n`;
}

const MODEL = `entities:
  - name: customers
    table: sales.customers
    primary_key: [id]
    dimensions:
      - name: region
      - name: state
  - name: orders
    table: sales.orders
    primary_key: [id]
    dimensions:
      - name: ordered_at
        time_grains: [day, month, quarter]
    measures:
      - name: revenue
        agg: sum
        expr: amount
      - name: units
        agg: sum
        expr: units
relationships:
  - name: order_customer
    from: orders
    to: customers
    kind: many_to_one
    on: { customer_id: id }
metrics:
  - name: revenue
    kind: simple
    measure: orders.revenue
  - name: units_sold
    kind: simple
    measure: orders.units
`;

/** Revenue of the orders whose customer passes `keep`, by customer state, in state order. */
function revenueByState(keep: (c: (typeof customers)[number]) => boolean): [string, number][] {
  const byId = new Map(customers.map((c) => [c.id, c]));
  const sums = new Map<string, number>();
  for (const o of orders) {
    const c = byId.get(o.customer_id)!;
    if (keep(c)) sums.set(c.state, (sums.get(c.state) ?? 0) + o.amount);
  }
  return [...sums.entries()].sort(([a], [b]) => (a < b ? -1 : 1));
}

/** Connects the SDK's stdio client to `lake mcp <args>` in `cwd`. */
async function stdioClient(
  cwd: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<{ client: McpClient; stderr: () => string }> {
  const transport = new StdioClientTransport({
    command: process.execPath,
    args: [lakeJs, 'mcp', ...args],
    cwd,
    env: { ...cleanEnv(), ...env },
    stderr: 'pipe',
  });
  let err = '';
  transport.stderr?.on('data', (d) => {
    err += String(d);
  });
  const client = new Client({ name: 'lakekit-tests', version: '1.0.0' });
  await client.connect(transport);
  return { client, stderr: () => err };
}

/** This process's environment without a Lakekit token (each test sets its own). */
function cleanEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && k !== 'LAKEKIT_TOKEN' && k !== 'NODE_OPTIONS') env[k] = v;
  return env;
}

/** Runs `lake mcp …` with raw JSON-RPC lines on stdin; then ends stdin (or signals) and waits. */
function rawSession(
  cwd: string,
  args: string[],
  lines: object[],
  o: { env?: Record<string, string>; signalAfterFirstAnswer?: NodeJS.Signals } = {},
): Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [lakeJs, 'mcp', ...args], {
    cwd,
    env: { ...cleanEnv(), ...o.env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => {
    stdout += String(d);
    if (o.signalAfterFirstAnswer && stdout.includes('\n') && child.exitCode === null)
      child.kill(o.signalAfterFirstAnswer);
  });
  child.stderr.on('data', (d) => {
    stderr += String(d);
  });
  for (const l of lines) child.stdin.write(`${JSON.stringify(l)}\n`);
  if (!o.signalAfterFirstAnswer) child.stdin.end();
  return new Promise((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr })),
  );
}

const INIT = {
  jsonrpc: '2.0',
  id: 1,
  method: 'initialize',
  params: { protocolVersion: '2025-06-18', capabilities: {}, clientInfo: { name: 'raw', version: '1' } },
};
const INITIALIZED = { jsonrpc: '2.0', method: 'notifications/initialized' };

describe('lake mcp (stdio, the bundled CLI)', () => {
  const dir = workspace('warehouse: ./warehouse\n');
  let anaToken = '';
  const open: McpClient[] = [];
  const lake = async (...args: string[]) => {
    const r = await runLake(args, { cwd: dir });
    expect(r.code, `lake ${args.join(' ')}: ${r.stderr}`).toBe(0);
    return r;
  };

  beforeAll(async () => {
    writeFileSync(join(dir, 'customers.csv'), csv(customers));
    writeFileSync(join(dir, 'orders.csv'), csv(orders));
    writeFileSync(join(dir, 'salaries.csv'), 'id,salary\n1,50000\n2,61000\n');
    await lake('load', 'customers.csv', '--table', 'sales.customers');
    await lake('load', 'orders.csv', '--table', 'sales.orders');
    await lake('load', 'salaries.csv', '--table', 'hr.salaries');
    await lake('principal', 'create', 'ana', '--attr', 'region=midwest');
    await lake('principal', 'create', 'bo');
    await lake('role', 'create', 'analyst');
    await lake('role', 'add-member', 'analyst', 'ana');
    await lake('grant', 'USAGE', 'catalog', 'role:analyst');
    await lake('grant', 'USAGE', 'catalog', 'principal:bo');
    await lake('grant', 'USAGE', 'namespace:sales', 'role:analyst');
    await lake('grant', 'SELECT', 'namespace:sales', 'role:analyst');
    await lake('tag', 'add', 'sales.customers.email', 'pii');
    await lake('policy', 'set', 'pii-hash', '--tag', 'pii', '--role', 'analyst', '--kind', 'hash');
    await lake('row-filter', 'set', 'sales.customers', 'region = principal.region', '--role', 'analyst');
    await lake('describe', 'sales.customers', '--description', 'Customers of the shop');
    anaToken = (await lakeJson<{ token: string }>(['principal', 'token', 'issue', 'ana'], { cwd: dir }))
      .token;
    mkdirSync(join(dir, 'semantic'));
    writeFileSync(join(dir, 'semantic', 'sales.yaml'), MODEL);
  });
  afterAll(async () => {
    for (const c of open) await c.close().catch(() => undefined);
  });

  it('answers as --as ana: tools, datasets, SQL and metrics within her grants', async () => {
    const { client, stderr } = await stdioClient(dir, ['--as', 'ana']);
    open.push(client);
    expect((await client.listTools()).tools.map((t) => t.name).sort()).toEqual(TOOLS);

    const datasets = await callTool(client, 'list_datasets');
    expect(datasets.isError).toBe(false);
    expect((datasets.structured!['datasets'] as { name: string }[]).map((d) => d.name)).toEqual([
      'sales.customers',
      'sales.orders',
    ]);
    expect(datasets.text).toContain('sales.customers: Customers of the shop');

    const described = await callTool(client, 'describe_dataset', { table: 'sales.customers' });
    expect(described.structured!['rowFilter']).toBe("(region = 'midwest')");
    const email = (
      described.structured!['columns'] as { name: string; access: string; tags: string[] }[]
    ).find((c) => c.name === 'email');
    expect(email).toMatchObject({ access: 'masked', tags: ['pii'] });

    // Her row filter (midwest) and the hash of the pii tag policy.
    const sql = await callTool(client, 'run_sql', {
      sql: 'SELECT id, email, state FROM sales.customers ORDER BY id',
    });
    expect(sql.isError).toBe(false);
    const rows = sql.structured!['rows'] as [number, string, string][];
    const midwest = customers.filter((c) => c.region === 'midwest');
    expect(rows.map((r) => r[0])).toEqual(midwest.map((c) => c.id));
    expect(rows.map((r) => r[2])).toEqual(midwest.map((c) => c.state));
    for (const [i, r] of rows.entries()) expect(r[1]).not.toBe(midwest[i]!.email);

    const refused = await callTool(client, 'run_sql', { sql: 'SELECT sum(salary) FROM hr.salaries' });
    expect(refused.isError).toBe(true);
    expect(refused.text).toBe(
      'denied: query refused: table hr.salaries does not exist or ana may not read it',
    );

    const receipt = String(sql.structured!['receipt']);
    const explained = await callTool(client, 'explain_answer', { receipt });
    expect(explained.isError).toBe(false);
    expect(explained.text).toContain(`Answer ${receipt}: ${midwest.length} row(s), asked by ana`);

    // A metric question: revenue by state. Her row filter leaves midwest customers only.
    const metrics = await callTool(client, 'list_metrics');
    expect((metrics.structured!['metrics'] as { name: string }[]).map((m) => m.name).sort()).toEqual([
      'revenue',
      'units_sold',
    ]);
    const revenue = await callTool(client, 'query_metrics', {
      metrics: ['revenue'],
      by: ['customers.state'],
      where: "customers.region = 'midwest'",
    });
    expect(revenue.isError, revenue.text).toBe(false);
    const answered = (revenue.structured!['rows'] as unknown[][]).map((r) => [r[0], Number(r[1])]);
    expect(answered).toEqual(revenueByState((c) => c.region === 'midwest'));
    // West customers exist, but not for her.
    expect(revenueByState((c) => c.region === 'west').length).toBeGreaterThan(0);
    const west = await callTool(client, 'query_metrics', {
      metrics: ['revenue'],
      by: ['customers.state'],
      where: "customers.region = 'west'",
    });
    expect(west.isError, west.text).toBe(false);
    expect(west.structured!['rows']).toEqual([]);

    // The model file is a resource.
    const model = await client.readResource({ uri: 'lakekit://semantic/sales.yaml' });
    expect(model.contents[0]).toMatchObject({ mimeType: 'text/yaml', text: MODEL });
    expect(stderr()).toContain('lake mcp: serving catalog');
  });

  it('refuses beyond the grants as tool errors: bo may read nothing', async () => {
    const { client } = await stdioClient(dir, ['--as', 'bo']);
    open.push(client);
    expect((await callTool(client, 'list_datasets')).structured!['datasets']).toEqual([]);
    const sql = await callTool(client, 'run_sql', { sql: 'SELECT count(*) FROM sales.orders' });
    expect(sql.isError).toBe(true);
    expect(sql.text).toBe('denied: query refused: table sales.orders does not exist or bo may not read it');
    const metric = await callTool(client, 'query_metrics', { metrics: ['revenue'] });
    expect(metric.isError).toBe(true);
    expect(metric.text).toMatch(/^denied: .*sales\.orders.* bo may not read it/);
    const described = await callTool(client, 'describe_dataset', { table: 'sales.customers' });
    expect(described.isError).toBe(true);
    expect(described.text).toBe('denied: table sales.customers does not exist or bo may not read it');
  });

  it('authenticates with a token in LAKEKIT_TOKEN or in the variable --token-env names', async () => {
    for (const [args, env] of [
      [[], { LAKEKIT_TOKEN: anaToken }],
      [['--token-env', 'SHOP_TOKEN'], { SHOP_TOKEN: anaToken }],
    ] as [string[], Record<string, string>][]) {
      const { client } = await stdioClient(dir, args, env);
      open.push(client);
      const r = await callTool(client, 'run_sql', { sql: 'SELECT count(*) AS n FROM sales.customers' });
      expect(r.isError).toBe(false);
      expect(r.structured!['rows']).toEqual([[customers.filter((c) => c.region === 'midwest').length]]);
      const explained = await callTool(client, 'explain_answer', {
        receipt: String(r.structured!['receipt']),
      });
      expect(explained.text).toContain('asked by ana');
    }
  });

  it('exits 2 without a principal or with a bad token, saying how to authenticate', async () => {
    const none = await rawSession(dir, [], [INIT]);
    expect(none.code).toBe(2);
    expect(none.stdout).toBe('');
    expect(none.stderr).toContain('LAKEKIT_TOKEN is not set');
    expect(none.stderr).toContain('--as <principal>');
    expect(none.stderr).toContain('--token-env');
    // ana's token with another secret.
    const wrong = `${anaToken.slice(0, -1)}${anaToken.endsWith('A') ? 'B' : 'A'}`;
    const bad = await rawSession(dir, [], [INIT], { env: { LAKEKIT_TOKEN: wrong } });
    expect(bad.code).toBe(2);
    expect(bad.stdout).toBe('');
    expect(bad.stderr).toContain('the token in LAKEKIT_TOKEN was refused (unknown token)');
    const malformed = await rawSession(dir, ['--token-env', 'SHOP_TOKEN'], [INIT], {
      env: { SHOP_TOKEN: 'nope' },
    });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('the token in SHOP_TOKEN was refused (malformed)');
  });

  it('writes only JSON-RPC on stdout, answers what was asked before stdin ended, then exits 0', async () => {
    const r = await rawSession(
      dir,
      ['--as', 'ana'],
      [
        INIT,
        INITIALIZED,
        {
          jsonrpc: '2.0',
          id: 2,
          method: 'tools/call',
          params: { name: 'run_sql', arguments: { sql: 'SELECT 41 + 1 AS answer' } },
        },
        {
          jsonrpc: '2.0',
          id: 3,
          method: 'tools/call',
          params: { name: 'run_sql', arguments: { sql: 'SELECT * FROM hr.salaries' } },
        },
      ],
    );
    expect(r.code, r.stderr).toBe(0);
    const messages = r.stdout
      .trim()
      .split('\n')
      .map(
        (l) =>
          JSON.parse(l) as {
            jsonrpc: string;
            id: number;
            result: { structuredContent?: { rows: unknown[][] }; isError?: boolean };
          },
      );
    expect(messages.every((m) => m.jsonrpc === '2.0')).toBe(true);
    // Tool calls run concurrently: answers may come in any order.
    messages.sort((a, b) => a.id - b.id);
    expect(messages.map((m) => m.id)).toEqual([1, 2, 3]);
    expect(messages[1]!.result.structuredContent!.rows).toEqual([[42]]);
    expect(messages[2]!.result.isError).toBe(true);
    expect(r.stderr).toContain('the client closed the connection, stopped');
  });

  it('stops on SIGTERM with exit 0', async () => {
    const r = await rawSession(dir, ['--as', 'ana'], [INIT], { signalAfterFirstAnswer: 'SIGTERM' });
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout.trim().split('\n')[0]!)).toMatchObject({
      id: 1,
      result: { serverInfo: { name: 'lakekit' } },
    });
    expect(r.stderr).toContain('SIGTERM, stopped');
  });
});
