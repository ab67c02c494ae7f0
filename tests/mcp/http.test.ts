/**
 * MCP over Streamable HTTP at `/mcp` of the server (`lake serve`), with the SDK's own client and a
 * bearer token per principal: the tools list, datasets and descriptions show only what the caller
 * may see, SQL and metric questions are answered within its grants (masked values, its row filter)
 * and refused beyond them as tool errors with the reason, receipts are explained to their principal
 * only, the semantic model files are resources, and a bad token is a 401.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LOCAL_ADMIN } from '@lakekit/catalog';
import { UsageError } from '@lakekit/core';
import { semanticModelsFrom } from '@lakekit/query';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type LakeServer, type ServerHandle } from '../../packages/server/src/index.js';
import { type QueryWorld, startQueryWorld } from '../query/fixture.js';
import { call } from '../server/fixture.js';
import { callTool, httpClient, type McpClient, TOOLS } from './client.js';
import { METRIC_MODEL, metricExpectations } from './model.js';

type Who = 'admin' | 'alice' | 'bob' | 'carol';

/** Numbers as numbers (JSON answers carry decimals and big integers as strings). */
function numeric(v: unknown): unknown {
  return typeof v === 'string' && /^-?\d+(\.\d+)?$/.test(v)
    ? Number(v)
    : typeof v === 'bigint'
      ? Number(v)
      : v;
}

describe('MCP over Streamable HTTP (/mcp)', () => {
  let w: QueryWorld;
  let server: LakeServer;
  let handle: ServerHandle;
  let semanticDir: string;
  const tokens: Record<Who, string> = { admin: '', alice: '', bob: '', carol: '' };
  const clients = new Map<Who, McpClient>();
  const client = async (who: Who) => {
    let c = clients.get(who);
    if (!c) {
      c = await httpClient(handle.url, tokens[who]);
      clients.set(who, c);
    }
    return c;
  };
  const tool = async (who: Who, name: string, args: Record<string, unknown> = {}) =>
    callTool(await client(who), name, args);

  beforeAll(async () => {
    w = await startQueryWorld('sqlite');
    const gov = w.catalog.governance;
    const A = LOCAL_ADMIN;
    tokens.admin = (await gov.bootstrap()).token!.token;
    for (const p of ['alice', 'bob', 'carol'] as const) tokens[p] = (await gov.issueToken(A, p)).token;
    await gov.annotate(A, { table: 'crm.accounts', description: 'Customer accounts', terms: ['customer'] });
    await gov.annotate(A, { table: 'crm.accounts', column: 'region', description: 'Sales region' });
    await gov.annotate(A, { table: 'crm.accounts', column: 'ssn', description: 'Social security number' });
    await gov.annotate(A, { table: 'crm.orders', description: 'Orders of accounts' });
    await gov.addTag(A, { table: 'crm.accounts', tag: 'gold' });
    await w.catalog.operations.recordQuality([
      {
        table: 'crm.orders',
        check: 'amount_positive',
        kind: 'expression',
        severity: 'error',
        status: 'failed',
        failingRows: 2,
        message: '2 rows with amount <= 0',
        checkedAt: new Date().toISOString(),
      },
      {
        table: 'crm.accounts',
        check: 'not_null(ssn)',
        kind: 'not_null',
        severity: 'warn',
        status: 'failed',
        failingRows: 3,
        message: '3 rows where ssn IS NULL',
        checkedAt: new Date().toISOString(),
      },
      {
        table: 'crm.accounts',
        check: 'id_unique',
        kind: 'unique',
        severity: 'error',
        status: 'passed',
        failingRows: 0,
        message: 'ok',
        checkedAt: new Date().toISOString(),
      },
    ]);
    semanticDir = mkdtempSync(join(tmpdir(), 'lakekit-mcp-semantic-'));
    writeFileSync(join(semanticDir, 'sales.yaml'), METRIC_MODEL);
    server = createServer({ catalog: w.catalog, semantic: semanticModelsFrom(semanticDir, w.catalog) });
    handle = await server.listen({ port: 0, host: '127.0.0.1' });
  });
  afterAll(async () => {
    for (const c of clients.values()) await c.close().catch(() => undefined);
    await handle?.close().catch(() => undefined);
    await w?.close();
    if (semanticDir) rmSync(semanticDir, { recursive: true, force: true });
  });

  it('lists the tools and the resources, each with a description', async () => {
    const c = await client('alice');
    const { tools } = await c.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual(TOOLS);
    for (const t of tools) expect(t.description?.length).toBeGreaterThan(20);
    const run = tools.find((t) => t.name === 'run_sql')!;
    expect(run.inputSchema.required).toEqual(['sql']);
    expect(c.getInstructions()).toContain('query_metrics');
    const { resources } = await c.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'lakekit://datasets',
      'lakekit://semantic/sales.yaml',
    ]);
    const model = await c.readResource({ uri: 'lakekit://semantic/sales.yaml' });
    expect(model.contents).toEqual([
      { uri: 'lakekit://semantic/sales.yaml', mimeType: 'text/yaml', text: METRIC_MODEL },
    ]);
    const datasets = await c.readResource({ uri: 'lakekit://datasets' });
    const listed = JSON.parse((datasets.contents[0] as { text: string }).text) as {
      datasets: { name: string }[];
    };
    expect(listed.datasets.map((d) => d.name)).toEqual(['crm.accounts', 'crm.orders']);
  });

  it('list_datasets shows only the tables the caller may read, with description and quality', async () => {
    const alice = await tool('alice', 'list_datasets');
    expect(alice.isError).toBe(false);
    const datasets = alice.structured!['datasets'] as {
      name: string;
      description?: string;
      quality: string;
      tags: string[];
      terms: string[];
    }[];
    // alice: SELECT on namespace crm; nothing in hr.
    expect(datasets.map((d) => d.name)).toEqual(['crm.accounts', 'crm.orders']);
    expect(datasets[0]).toMatchObject({
      description: 'Customer accounts',
      quality: 'warning',
      tags: ['gold'],
      terms: ['customer'],
    });
    expect(datasets[1]).toMatchObject({ description: 'Orders of accounts', quality: 'failing' });
    expect(alice.text).toContain('crm.orders: Orders of accounts [quality: failing]');
    expect(alice.text).not.toContain('hr.salaries');
    // bob reads two columns of crm.accounts and crm.orders; carol reads nothing; admin everything.
    const bob = await tool('bob', 'list_datasets');
    expect((bob.structured!['datasets'] as { name: string }[]).map((d) => d.name)).toEqual([
      'crm.accounts',
      'crm.orders',
    ]);
    const carol = await tool('carol', 'list_datasets');
    expect(carol.isError).toBe(false);
    expect(carol.structured!['datasets']).toEqual([]);
    expect(carol.text).toContain('carol may read no dataset');
    const admin = await tool('admin', 'list_datasets');
    expect((admin.structured!['datasets'] as { name: string }[]).map((d) => d.name)).toEqual([
      'crm.accounts',
      'crm.orders',
      'hr.salaries',
    ]);
  });

  it('describe_dataset shows masks, the row filter and quality, and never names hidden columns', async () => {
    const alice = await tool('alice', 'describe_dataset', { table: 'crm.accounts' });
    expect(alice.isError).toBe(false);
    const d = alice.structured as {
      columns: { name: string; type: string; access: string; mask?: { kind: string }; tags: string[] }[];
      hiddenColumns: number;
      rowFilter?: string;
      quality: { status: string; failedChecks: unknown[] };
      freshness: { snapshotId?: string; committedAt?: string; stale: boolean };
      description?: string;
      tags: string[];
    };
    expect(d.columns.map((c) => [c.name, c.type, c.access])).toEqual([
      ['id', 'long', 'visible'],
      ['name', 'string', 'visible'],
      ['email', 'string', 'masked'],
      ['region', 'string', 'visible'],
      ['ssn', 'string', 'masked'],
      ['balance', 'double', 'visible'],
    ]);
    // ssn: the column mask (null) beats the tag policy (hash); email: the pii tag policy (hash).
    expect(d.columns.find((c) => c.name === 'ssn')!.mask!.kind).toBe('null');
    expect(d.columns.find((c) => c.name === 'email')!.mask!.kind).toBe('hash');
    expect(d.columns.find((c) => c.name === 'email')!.tags).toEqual(['pii.email']);
    expect(d.hiddenColumns).toBe(0);
    expect(d.rowFilter).toBe("(region = 'west')");
    expect(d.description).toBe('Customer accounts');
    // alice reads ssn (masked): the failed warn check is shown as recorded.
    expect(d.quality).toEqual({
      status: 'warning',
      checkedAt: expect.any(String),
      failedChecks: [
        {
          check: 'not_null(ssn)',
          kind: 'not_null',
          severity: 'warn',
          message: '3 rows where ssn IS NULL',
          checkedAt: expect.any(String),
        },
      ],
    });
    const table = await w.catalog.loadTable({ namespace: ['crm'], name: 'accounts' });
    expect(d.freshness.snapshotId).toBe(String(table.currentSnapshot()!['snapshot-id']));
    expect(d.freshness.stale).toBe(false);
    expect(alice.text).toContain("only rows where (region = 'west')");
    expect(alice.text).toContain('ssn (string) — masked: null');

    // bob may read id and region only: the other four are counted, not named (nor their tags).
    const bob = await tool('bob', 'describe_dataset', { table: 'crm.accounts' });
    expect(bob.isError).toBe(false);
    const b = bob.structured as typeof d;
    expect(b.columns.map((c) => [c.name, c.access])).toEqual([
      ['id', 'visible'],
      ['region', 'visible'],
    ]);
    expect(b.hiddenColumns).toBe(4);
    expect(b.rowFilter).toBeUndefined();
    // The failed check names ssn: bob reads it without the name.
    expect(b.quality.failedChecks).toEqual([
      expect.objectContaining({
        check: 'not_null(<hidden column>)',
        message: '3 rows where <hidden column> IS NULL',
      }),
    ]);
    const shown = `${bob.text}\n${JSON.stringify(bob.structured)}`;
    for (const hidden of ['email', 'ssn', 'balance', 'pii', 'Social security'])
      expect(shown).not.toContain(hidden);
    expect(bob.text).toContain('4 more hidden from bob');

    // The failed error check of crm.orders, as the caller reads it.
    const orders = await tool('bob', 'describe_dataset', { table: 'crm.orders' });
    const o = orders.structured as typeof d;
    expect(o.quality.status).toBe('failing');
    expect(o.quality.failedChecks).toEqual([
      expect.objectContaining({
        check: 'amount_positive',
        severity: 'error',
        message: '2 rows with amount <= 0',
      }),
    ]);
    expect(o.rowFilter).toBe('(qty > 2)');
  });

  it('describe_dataset refuses a table the caller may not read as if it did not exist (tool error)', async () => {
    for (const table of ['hr.salaries', 'hr.nothing_here']) {
      const r = await tool('alice', 'describe_dataset', { table });
      expect(r.isError).toBe(true);
      expect(r.text).toBe(`denied: table ${table} does not exist or alice may not read it`);
    }
    const audit = await w.catalog.governance.listAudit({ actor: 'alice', action: 'mcp.forbidden' });
    expect(audit.map((a) => a.target)).toEqual(expect.arrayContaining(['table:hr.salaries']));
  });

  it('run_sql answers within the grants: the row filter and masked values, as the engine answers', async () => {
    const sql = 'SELECT id, email, region, ssn FROM crm.accounts ORDER BY id';
    const r = await tool('alice', 'run_sql', { sql, limit: 5 });
    expect(r.isError).toBe(false);
    const s = r.structured as {
      columns: { name: string }[];
      rows: unknown[][];
      truncated: boolean;
      receipt: string;
    };
    const raw = await w.raw.all(
      "SELECT id, email FROM crm_accounts WHERE region = 'west' ORDER BY id LIMIT 5",
    );
    expect(s.rows.map((row) => row[0])).toEqual(raw.map((x) => Number(x['id'])));
    expect(s.rows.every((row) => row[2] === 'west' && row[3] === null)).toBe(true);
    for (const [i, row] of s.rows.entries()) {
      expect(typeof row[1]).toBe('string');
      expect(row[1]).not.toBe(raw[i]!['email']);
    }
    expect(s.truncated).toBe(true);
    const direct = await w.engine.query({ name: 'alice' }, sql, { limit: 5, record: false });
    expect(s.rows).toEqual(direct.rows);
    expect(s.receipt).toMatch(/^rcpt_[0-9a-f]{32}$/);
    const stored = await w.catalog.answers.getReceipt(s.receipt);
    expect(stored).toMatchObject({ principal: 'alice', result: { rowCount: 5, truncated: true } });
    // The text: a table an agent can read, the receipt and the cut.
    expect(r.text.split('\n').slice(0, 3)).toEqual([
      '| id | email | region | ssn |',
      '|---|---|---|---|',
      `| ${String(s.rows[0]![0])} | ${String(s.rows[0]![1])} | west | NULL |`,
    ]);
    expect(r.text).toContain(`Receipt: ${s.receipt}`);
    expect(r.text).toContain('cut at the limit of 5');
    // Without a limit an agent gets at most 200 rows.
    const all = await tool('admin', 'run_sql', { sql: 'SELECT id FROM crm.orders' });
    expect((all.structured!['rows'] as unknown[]).length).toBe(200);
    expect(all.structured!['truncated']).toBe(true);
  });

  it('run_sql warns about unhealthy inputs', async () => {
    const r = await tool('bob', 'run_sql', { sql: 'SELECT count(*) AS n FROM crm.orders' });
    expect(r.isError).toBe(false);
    const [n] = await w.raw.all('SELECT count(*) AS n FROM crm_orders WHERE qty > 2');
    expect(r.structured!['rows']).toEqual([[Number(n!['n'])]]);
    expect(r.structured!['warnings']).toEqual([
      'input crm.orders failed error check amount_positive: 2 rows with amount <= 0',
    ]);
    expect(r.text).toContain('Warnings: input crm.orders failed error check amount_positive');
    // Asked to answer from healthy inputs only, it refuses: a tool error naming the failed check.
    const strict = await tool('bob', 'run_sql', {
      sql: 'SELECT count(*) AS n FROM crm.orders',
      require_healthy: true,
    });
    expect(strict.isError).toBe(true);
    expect(strict.text).toBe(
      'unhealthy input: answer refused: unhealthy input (input crm.orders failed error check amount_positive: 2 rows with amount <= 0)',
    );
  });

  it('run_sql is refused beyond the grants, and bad SQL is invalid: tool errors with the reason', async () => {
    const cases: [Who, string, string][] = [
      [
        'alice',
        'SELECT * FROM hr.salaries',
        'denied: query refused: table hr.salaries does not exist or alice may not read it',
      ],
      [
        'carol',
        'SELECT count(*) FROM crm.accounts',
        'denied: query refused: table crm.accounts does not exist or carol may not read it',
      ],
      ['bob', 'SELECT ssn FROM crm.accounts', 'invalid: '],
      ['alice', 'DELETE FROM crm.accounts', 'denied: query refused: only SELECT queries can run here'],
      ['alice', "SELECT * FROM read_csv('/etc/passwd')", 'denied: '],
      ['alice', 'SELEC 1', 'invalid: '],
    ];
    for (const [who, sql, reason] of cases) {
      const r = await tool(who, 'run_sql', { sql });
      expect(r.isError, `${who}: ${sql}`).toBe(true);
      expect(r.text.startsWith(reason), `${who}: ${sql} → ${r.text}`).toBe(true);
      expect(r.structured!['error']).toEqual(expect.objectContaining({ message: expect.any(String) }));
    }
    // Arguments the schema refuses are tool errors too, not protocol errors.
    const bad = await tool('alice', 'run_sql', { sql: 'SELECT 1', limit: -1 });
    expect(bad.isError).toBe(true);
    expect(bad.text).toContain('limit');
    // Each refusal was audited by the engine as the caller.
    const denied = await w.catalog.governance.listAudit({
      actor: 'carol',
      action: 'query.run',
      outcome: 'denied',
    });
    expect(denied.length).toBeGreaterThan(0);
  });

  it('cancels the query of a client that goes away', async () => {
    const sql = 'SELECT sum(a.range * b.range) AS s FROM range(1000000000) a, range(1000000000) b';
    const abort = new AbortController();
    const started = Date.now();
    const sent = fetch(`${handle.url}/mcp`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${tokens.alice}`,
        'content-type': 'application/json',
        accept: 'application/json, text/event-stream',
      },
      body: JSON.stringify({
        jsonrpc: '2.0',
        id: 7,
        method: 'tools/call',
        params: { name: 'run_sql', arguments: { sql } },
      }),
      signal: abort.signal,
    });
    setTimeout(() => abort.abort(), 500);
    await expect(sent).rejects.toThrow();
    // The engine stops it (well before its 30 s time limit) and audits it as cancelled.
    let cancelled: unknown[] = [];
    for (let i = 0; i < 100 && cancelled.length === 0; i++) {
      await new Promise((r) => setTimeout(r, 100));
      cancelled = (
        await w.catalog.governance.listAudit({ actor: 'alice', action: 'query.run', outcome: 'error' })
      ).filter(
        (a) =>
          (a.detail as { code?: string }).code === 'cancelled' && (a.detail as { sql?: string }).sql === sql,
      );
    }
    expect(cancelled).toHaveLength(1);
    expect(Date.now() - started).toBeLessThan(15_000);
  });

  it('explain_answer explains the caller’s own receipt and refuses another’s', async () => {
    const r = await tool('alice', 'run_sql', {
      sql: 'SELECT region, count(*) AS n FROM crm.accounts GROUP BY region',
    });
    const id = String(r.structured!['receipt']);
    const own = await tool('alice', 'explain_answer', { receipt: id });
    expect(own.isError).toBe(false);
    expect(own.text).toContain(`Answer ${id}: 1 row(s), asked by alice`);
    expect(own.text).toContain("Only rows where (region = 'west').");
    expect((own.structured!['receipt'] as { id: string }).id).toBe(id);
    const other = await tool('bob', 'explain_answer', { receipt: id });
    expect(other.isError).toBe(true);
    expect(other.text).toBe(
      `denied: receipt ${id} is not bob's: only the principal that asked, or MANAGE on the catalog, may read it`,
    );
    // MANAGE on the catalog reads every receipt.
    const admin = await tool('admin', 'explain_answer', { receipt: id });
    expect(admin.isError).toBe(false);
    expect(admin.text).toContain('asked by alice');
    const missing = await tool('alice', 'explain_answer', { receipt: `rcpt_${'0'.repeat(32)}` });
    expect(missing.isError).toBe(true);
    expect(missing.text).toBe(`not found: receipt rcpt_${'0'.repeat(32)} does not exist`);
    const malformed = await tool('alice', 'explain_answer', { receipt: 'nope' });
    expect(malformed.isError).toBe(true);
    expect(malformed.text).toContain('expected a receipt id');
  });

  it('list_metrics lists the metrics of the semantic models', async () => {
    const r = await tool('carol', 'list_metrics');
    expect(r.isError).toBe(false);
    const names = (r.structured!['metrics'] as { name: string }[]).map((m) => m.name).sort();
    expect(names).toEqual(metricExpectations.metricNames);
  });

  it('query_metrics answers within the caller’s grants and is refused beyond them', async () => {
    for (const c of metricExpectations.cases) {
      const r = await tool(c.who as Who, 'query_metrics', c.request);
      if (c.refused) {
        expect(r.isError, `${c.who}: ${r.text}`).toBe(true);
        expect(r.text).toMatch(c.refused);
        continue;
      }
      expect(r.isError, `${c.who}: ${r.text}`).toBe(false);
      const expected = (await w.raw.all(c.expectedSql!)).map((row) => Object.values(row).map(numeric));
      const s = r.structured as {
        columns: { name: string }[];
        rows: unknown[][];
        receipt: string;
        resolved: unknown;
      };
      expect(expected.length).toBeGreaterThan(0);
      expect(
        s.rows.map((row) => row.map(numeric)),
        JSON.stringify(c.request),
      ).toEqual(expected);
      expect(s.receipt).toMatch(/^rcpt_[0-9a-f]{32}$/);
      const stored = (await w.catalog.answers.getReceipt(s.receipt)) as {
        principal: string;
        context?: unknown;
      };
      expect(stored.principal).toBe(c.who);
      expect(r.text).toContain(`Receipt: ${s.receipt}`);
    }
  });

  it('a failing semantic model or engine is a tool error, never a crash', async () => {
    const broken = createServer({
      catalog: w.catalog,
      semantic: async () => {
        throw new UsageError('semantic/sales.yaml: metric total_revenue: unknown measure orders.nope');
      },
    });
    const h = await broken.listen({ port: 0, host: '127.0.0.1' });
    try {
      const c = await httpClient(h.url, tokens.alice);
      const r = await callTool(c, 'list_metrics');
      expect(r.isError).toBe(true);
      expect(r.text).toBe('invalid: semantic/sales.yaml: metric total_revenue: unknown measure orders.nope');
      // The other tools still answer.
      expect((await callTool(c, 'list_datasets')).isError).toBe(false);
      await c.close();
    } finally {
      await h.close();
    }
  });

  it('refuses a bad or missing token with 401, and GET with 405', async () => {
    const wrong = `${tokens.alice.slice(0, -1)}${tokens.alice.endsWith('A') ? 'B' : 'A'}`;
    await expect(httpClient(handle.url, wrong)).rejects.toThrow(/401/);
    await expect(httpClient(handle.url, 'not-a-token')).rejects.toThrow(/401/);
    const missing = await call(handle.url, 'POST', '/mcp', {
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(missing.status).toBe(401);
    expect(missing.body.code).toBe('unauthorized');
    const revoked = (await w.catalog.governance.issueToken(LOCAL_ADMIN, 'carol')).token;
    const id = /^lk_([A-Za-z0-9_-]{12})_/.exec(revoked)![1]!;
    await w.catalog.governance.revokeToken(LOCAL_ADMIN, id);
    const r = await call(handle.url, 'POST', '/mcp', {
      token: revoked,
      body: { jsonrpc: '2.0', id: 1, method: 'tools/list' },
      headers: { accept: 'application/json, text/event-stream' },
    });
    expect(r.status).toBe(401);
    expect(r.body.detail).toBe('the token was revoked');
    const get = await call(handle.url, 'GET', '/mcp', { token: tokens.alice });
    expect(get.status).toBe(405);
  });
});
