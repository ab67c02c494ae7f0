/**
 * The governed query API over real HTTP, on SQLite and on PostgreSQL: answers in JSON and as Arrow
 * IPC streams with the caller's masks and row filters, refusals, bad bodies, time limits, clients
 * that go away, receipts (read, explain, verify) readable by their principal only, and flags that
 * notify the owners through a webhook (a real HTTP server on 127.0.0.1 here) with the lineage.
 */
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { LOCAL_ADMIN } from '@lakekit/catalog';
import { appendFiles } from '@lakekit/iceberg';
import { flagAnswer } from '@lakekit/query';
import { type Field, Type, tableFromIPC } from 'apache-arrow';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type LakeServer, type ServerHandle } from '../../packages/server/src/index.js';
import { type QueryWorld, startQueryWorld } from '../query/fixture.js';
import { type Answer, backends, call } from './fixture.js';

const ARROW = 'application/vnd.apache.arrow.stream';
/** A query that runs until it is stopped: a cross join of two billion-row series. */
const ENDLESS = 'SELECT sum(a.range * b.range) AS s FROM range(1000000000) a, range(1000000000) b';
const SOURCE = { namespace: 'postgres://crm:5432/crm', name: 'public.accounts' };

interface Hook {
  url: string;
  received: { path: string; type: string; body: Record<string, unknown> }[];
  close(): Promise<void>;
}

/** A webhook receiver on 127.0.0.1: records each POST; `/fail` answers 500, the rest 204. */
async function startHook(): Promise<Hook> {
  const received: Hook['received'] = [];
  const server = createHttpServer((req, res) => {
    let text = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => {
      text += c;
    });
    req.on('end', () => {
      received.push({
        path: req.url ?? '',
        type: req.headers['content-type'] ?? '',
        body: JSON.parse(text) as Record<string, unknown>,
      });
      res.statusCode = req.url === '/fail' ? 500 : 204;
      res.end();
    });
  });
  const port = await listenOn(server);
  return {
    url: `http://127.0.0.1:${port}/hook`,
    received,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

function listenOn(server: Server): Promise<number> {
  return new Promise((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve((server.address() as AddressInfo).port)),
  );
}

/** A loopback port nothing listens on (it was just closed). */
async function deadPort(): Promise<number> {
  const s = createHttpServer();
  const port = await listenOn(s);
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

describe.each(backends())('governed query API on %s', (backend) => {
  let w: QueryWorld;
  let hook: Hook;
  let server: LakeServer;
  let handle: ServerHandle;
  const tokens: Record<'admin' | 'alice' | 'bob' | 'carol', string> = {
    admin: '',
    alice: '',
    bob: '',
    carol: '',
  };
  const runId = '0193c000-0000-7000-8000-00000000abcd';
  let ordersSnapshot = '';
  const post = (who: keyof typeof tokens, path: string, body?: unknown, headers?: Record<string, string>) =>
    call(handle.url, 'POST', path, { token: tokens[who], body, ...(headers ? { headers } : {}) });
  const get = (who: keyof typeof tokens, path: string) =>
    call(handle.url, 'GET', path, { token: tokens[who] });
  const query = (who: keyof typeof tokens, body: unknown) => post(who, '/api/v1/query', body);

  beforeAll(async () => {
    hook = await startHook();
    w = await startQueryWorld(backend);
    const gov = w.catalog.governance;
    const A = LOCAL_ADMIN;
    tokens.admin = (await gov.bootstrap()).token!.token;
    for (const p of ['alice', 'bob', 'carol'] as const) tokens[p] = (await gov.issueToken(A, p)).token;
    await gov.annotate(A, { table: 'crm.accounts', owner: { type: 'principal', name: 'dave' } });
    await gov.annotate(A, { table: 'crm.orders', owner: { type: 'role', name: 'auditor' } });
    // crm.orders: a snapshot written by a pipeline run, and an error check it failed.
    await w.catalog.operations.startRun({ id: runId, pipeline: 'orders_sync', trigger: 'test' });
    await w.catalog.operations.updateRun(runId, { status: 'succeeded', ended: true });
    const orders = await w.catalog.loadTable({ namespace: ['crm'], name: 'orders' });
    const snap = await appendFiles(orders, [], {
      summary: { 'lakekit.run-id': runId, 'lakekit.pipeline': 'orders_sync' },
    });
    ordersSnapshot = String(snap['snapshot-id']);
    await w.catalog.operations.recordQuality([
      {
        runId,
        table: 'crm.orders',
        snapshotId: ordersSnapshot,
        check: 'amount_positive',
        kind: 'expression',
        severity: 'error',
        status: 'failed',
        failingRows: 2,
        message: '2 rows with amount <= 0',
        checkedAt: new Date().toISOString(),
      },
    ]);
    server = createServer({ catalog: w.catalog, validateResponses: true, query: { webhookUrl: hook.url } });
    handle = await server.listen({ port: 0, host: '127.0.0.1' });
    // crm.accounts comes from the CRM database (OpenLineage, recorded over the API).
    const lineage = await post('admin', '/api/v1/lineage', {
      eventType: 'COMPLETE',
      eventTime: new Date().toISOString(),
      producer: 'https://example.com/loader',
      run: { runId: '0193c000-0000-7000-8000-000000000001' },
      job: { namespace: 'loader', name: 'accounts_load' },
      inputs: [SOURCE],
      outputs: [{ namespace: w.catalog.warehouse, name: 'crm.accounts' }],
    });
    expect(lineage.status).toBe(201);
  });
  afterAll(async () => {
    await handle?.close().catch(() => undefined);
    await w?.close();
    await hook?.close();
  });

  it('answers JSON with the caller’s row filter and masks, as the engine itself answers', async () => {
    const sql = 'SELECT id, email, region, ssn FROM crm.accounts ORDER BY id';
    const r = await query('alice', { sql });
    expect(r.status).toBe(200);
    expect(r.type).toMatch(/^application\/json/);
    const raw = await w.raw.all('SELECT id, email, region FROM crm_accounts ORDER BY id');
    const west = raw.filter((x) => x['region'] === 'west');
    expect(r.body.columns).toEqual([
      { name: 'id', type: 'BIGINT' },
      { name: 'email', type: 'VARCHAR' },
      { name: 'region', type: 'VARCHAR' },
      { name: 'ssn', type: 'VARCHAR' },
    ]);
    // The row filter region = principal.region (alice: west).
    expect(r.body.rows.map((row: unknown[]) => row[0])).toEqual(west.map((x) => Number(x['id'])));
    expect(new Set(r.body.rows.map((row: unknown[]) => row[2]))).toEqual(new Set(['west']));
    // ssn: null mask; email: hashed by the tag policy (never the real address).
    expect(r.body.rows.every((row: unknown[]) => row[3] === null)).toBe(true);
    const emails = new Set(raw.map((x) => x['email']));
    for (const row of r.body.rows as unknown[][]) {
      expect(typeof row[1]).toBe('string');
      expect(emails.has(row[1])).toBe(false);
    }
    expect(r.body.truncated).toBe(false);
    const receipt = r.body.receipt;
    expect(receipt.id).toMatch(/^rcpt_[0-9a-f]{32}$/);
    expect(receipt.principal).toBe('alice');
    expect(receipt.result.rowCount).toBe(west.length);
    expect(receipt.tables[0].policies.rowFilter).toContain('west');
    expect(receipt.tables[0].policies.maskedColumns.map((m: { column: string }) => m.column).sort()).toEqual([
      'email',
      'ssn',
    ]);
    const direct = await w.engine.query({ name: 'alice' }, sql);
    expect(r.body.rows).toEqual(direct.rows);
    expect(receipt.result.hash).toBe(direct.receipt.result.hash);
    // The limit cuts the answer and says so.
    const cut = await query('alice', { sql, limit: 3 });
    expect(cut.status).toBe(200);
    expect(cut.body.rows).toEqual(r.body.rows.slice(0, 3));
    expect(cut.body.truncated).toBe(true);
  });

  it('answers an Arrow IPC stream holding the same rows, with the receipt in headers', async () => {
    const sql = `SELECT o.id, o.amount, o.qty, o.price, o.ordered_at, a.email, a.ssn, o.qty > 3 AS big,
        CAST(o.ordered_at AS TIMESTAMP) + INTERVAL 90 MINUTE AS ts, CAST(o.ordered_at AS TIMESTAMPTZ) AS tstz,
        o.id::HUGEINT AS huge
      FROM crm.orders o JOIN crm.accounts a ON a.id = o.account_id WHERE o.id < 400 ORDER BY o.id`;
    const json = await query('alice', { sql });
    expect(json.status).toBe(200);
    const res = await fetch(`${handle.url}/api/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json', accept: ARROW },
      body: JSON.stringify({ sql }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe(ARROW);
    const receiptId = res.headers.get('lakekit-receipt');
    expect(receiptId).toMatch(/^rcpt_[0-9a-f]{32}$/);
    // Same snapshots, same rows: the same result hash as the JSON answer's.
    expect(res.headers.get('lakekit-result-hash')).toBe(json.body.receipt.result.hash);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.schema.metadata.get('lakekit.receipt')).toBe(receiptId);
    expect(table.numRows).toBe(json.body.rows.length);
    expect(table.numRows).toBeGreaterThan(0);
    const fields = table.schema.fields as Field[];
    expect(fields.map((f) => f.name)).toEqual(json.body.columns.map((c: { name: string }) => c.name));
    expect(fields.map((f) => f.metadata.get('lakekit.duckdb_type'))).toEqual(
      json.body.columns.map((c: { type: string }) => c.type),
    );
    const typeOf = (name: string) => fields.find((f) => f.name === name)!.type;
    expect(typeOf('id').typeId).toBe(Type.Int);
    expect((typeOf('id') as unknown as { bitWidth: number }).bitWidth).toBe(64);
    expect((typeOf('qty') as unknown as { bitWidth: number }).bitWidth).toBe(32);
    expect(typeOf('price').typeId).toBe(Type.Float);
    expect(typeOf('amount').typeId).toBe(Type.Decimal);
    expect(typeOf('amount')).toEqual(expect.objectContaining({ precision: 12, scale: 2 }));
    expect(typeOf('ordered_at').typeId).toBe(Type.Date);
    expect(typeOf('big').typeId).toBe(Type.Bool);
    expect(typeOf('ts').typeId).toBe(Type.Timestamp);
    expect((typeOf('ts') as unknown as { timezone: string | null }).timezone).toBeNull();
    expect((typeOf('tstz') as unknown as { timezone: string | null }).timezone).toBe('UTC');
    expect(typeOf('huge').typeId).toBe(Type.Utf8);

    // Each Arrow value read back into the JSON answer's form, column by column.
    const types: string[] = json.body.columns.map((c: { type: string }) => c.type);
    const decoded: unknown[][] = Array.from({ length: table.numRows }, () => []);
    fields.forEach((_f, col) => {
      const vector = table.getChildAt(col)!;
      const data = vector.data[0]!;
      for (let i = 0; i < table.numRows; i++) {
        let v: unknown = vector.get(i);
        if (v === null) {
          decoded[i]!.push(null);
          continue;
        }
        switch (types[col]) {
          case 'BIGINT':
            v = Number(v as bigint);
            break;
          case 'DECIMAL(12,2)': {
            const words = (data.values as Uint32Array).subarray(i * 4, i * 4 + 4);
            let u = 0n;
            for (let k = 3; k >= 0; k--) u = (u << 32n) | BigInt(words[k]!);
            const s = BigInt.asIntN(128, u);
            const abs = (s < 0n ? -s : s).toString().padStart(3, '0');
            v = `${s < 0n ? '-' : ''}${abs.slice(0, -2)}.${abs.slice(-2)}`;
            break;
          }
          case 'DATE':
            v = new Date(v as number).toISOString().slice(0, 10);
            break;
          case 'TIMESTAMP':
          case 'TIMESTAMP WITH TIME ZONE': {
            const micros = (data.values as BigInt64Array)[i]!;
            v = new Date(Number(micros / 1000n)).toISOString();
            break;
          }
        }
        decoded[i]!.push(v);
      }
    });
    const expected = (json.body.rows as unknown[][]).map((row) =>
      row.map((v, col) =>
        v === null
          ? null
          : types[col] === 'TIMESTAMP'
            ? new Date(`${String(v).replace(' ', 'T')}Z`).toISOString()
            : types[col] === 'TIMESTAMP WITH TIME ZONE'
              ? new Date(String(v).replace(' ', 'T').replace(/\+00$/, 'Z')).toISOString()
              : types[col] === 'HUGEINT'
                ? String(v)
                : v,
      ),
    );
    expect(decoded).toEqual(expected);
    // The masks hold in Arrow too: no ssn, no real email.
    expect(decoded.every((row) => row[6] === null)).toBe(true);
    const emails = new Set((await w.raw.all('SELECT email FROM crm_accounts')).map((x) => x['email']));
    expect(decoded.some((row) => emails.has(row[5]))).toBe(false);
  });

  it('answers an empty result as an Arrow stream with its schema', async () => {
    const res = await fetch(`${handle.url}/api/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json', accept: ARROW },
      body: JSON.stringify({ sql: 'SELECT id, balance FROM crm.accounts WHERE id < 0' }),
    });
    expect(res.status).toBe(200);
    const table = tableFromIPC(new Uint8Array(await res.arrayBuffer()));
    expect(table.numRows).toBe(0);
    expect(table.schema.fields.map((f) => [f.name, f.type.typeId])).toEqual([
      ['id', Type.Int],
      ['balance', Type.Float],
    ]);
    // JSON preferred by quality: JSON it is.
    const json = await post(
      'alice',
      '/api/v1/query',
      { sql: 'SELECT 1 AS one' },
      { accept: `application/json, ${ARROW};q=0.5` },
    );
    expect(json.type).toMatch(/^application\/json/);
    expect(json.body.rows).toEqual([[1]]);
  });

  it('refuses with 403 problem+json that gives the reason', async () => {
    const hidden = await query('carol', { sql: 'SELECT * FROM crm.accounts' });
    expect(hidden.status).toBe(403);
    expect(hidden.type).toMatch(/^application\/problem\+json/);
    expect(hidden.body).toEqual(
      expect.objectContaining({
        status: 403,
        code: 'forbidden',
        reason: 'not_visible',
        table: 'crm.accounts',
      }),
    );
    expect(hidden.body.detail).toContain('crm.accounts');
    const file = await query('alice', { sql: "SELECT * FROM read_csv('/etc/passwd')" });
    expect(file.status).toBe(403);
    expect(file.body.code).toBe('forbidden');
    expect(typeof file.body.reason).toBe('string');
    expect(file.body.detail).toMatch(/^query refused/);
    const write = await query('alice', { sql: 'DELETE FROM crm.accounts' });
    expect(write.status).toBe(403);
    expect(write.body.detail).toMatch(/^query refused/);
  });

  it('rejects bad bodies with 400', async () => {
    const cases: [unknown, string][] = [
      [{ sql: 'SELECT 1', extra: true }, 'invalid_request'],
      [{ sql: 5 }, 'invalid_request'],
      [{}, 'invalid_request'],
      [{ sql: '' }, 'invalid_request'],
      [{ sql: 'SELECT 1', limit: -1 }, 'invalid_request'],
      [{ sql: 'SELECT 1', limit: 1.5 }, 'invalid_request'],
      [{ sql: 'SELECT 1', timeoutMs: 0 }, 'invalid_request'],
      [{ sql: 'SELECT 1', requireHealthy: 'yes' }, 'invalid_request'],
      [{ sql: 'SELECT 1', timeout_ms: 100 }, 'invalid_request'],
      // Valid JSON, but past the engine's limits, or SQL that does not parse.
      [{ sql: 'SELECT 1', limit: 10_000_000 }, 'usage'],
      [{ sql: 'SELECT 1', timeoutMs: 3_600_000 }, 'usage'],
      [{ sql: 'SELEC 1' }, 'usage'],
    ];
    for (const [body, code] of cases) {
      const r = await query('alice', body);
      expect(r.status, JSON.stringify(body)).toBe(400);
      expect(r.type).toMatch(/^application\/problem\+json/);
      expect(r.body.code, JSON.stringify(body)).toBe(code);
    }
    const notJson = await post('alice', '/api/v1/query', '{"sql":', { 'content-type': 'application/json' });
    expect(notJson.status).toBe(400);
    expect(notJson.body.code).toBe('invalid_json');
    expect((await call(handle.url, 'POST', '/api/v1/query', { body: { sql: 'SELECT 1' } })).status).toBe(401);
  });

  it('refuses an answer over an unhealthy input with 409 when asked to, and warns otherwise', async () => {
    const sql = 'SELECT count(*) AS n FROM crm.orders';
    const strict = await query('alice', { sql, requireHealthy: true });
    expect(strict.status).toBe(409);
    expect(strict.body.code).toBe('unhealthy_input');
    expect(strict.body.detail).toContain('amount_positive');
    const lax = await query('alice', { sql });
    expect(lax.status).toBe(200);
    expect(lax.body.receipt.healthy).toBe(false);
    expect(lax.body.receipt.warnings.join(' ')).toContain('amount_positive');
    expect(
      (await query('alice', { sql: 'SELECT count(*) FROM crm.accounts', requireHealthy: true })).status,
    ).toBe(200);
  });

  it('stops a query at its time limit (408) and answers the next request', async () => {
    const started = performance.now();
    const r = await query('alice', { sql: ENDLESS, timeoutMs: 300 });
    const ms = performance.now() - started;
    expect(r.status).toBe(408);
    expect(r.type).toMatch(/^application\/problem\+json/);
    expect(r.body.code).toBe('timeout');
    expect(r.body.detail).toContain('300 ms');
    expect(ms).toBeLessThan(20_000);
    const next = await query('alice', { sql: 'SELECT 41 + 1 AS answer' });
    expect(next.status).toBe(200);
    expect(next.body.rows).toEqual([[42]]);
  });

  it('cancels the query of a client that goes away, and keeps serving', async () => {
    const controller = new AbortController();
    const pending = fetch(`${handle.url}/api/v1/query`, {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.bob}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: ENDLESS, timeoutMs: 120_000 }),
      signal: controller.signal,
    });
    await new Promise((r) => setTimeout(r, 700));
    controller.abort();
    await expect(pending).rejects.toThrow();
    // The engine records the cancellation (not a time-out: the limit was two minutes).
    let cancelled: unknown;
    for (let i = 0; i < 100 && !cancelled; i++) {
      const records = await w.catalog.governance.listAudit({ actor: 'bob', action: 'query.run' });
      cancelled = records.find((r) => (r.detail as { code?: string } | undefined)?.code === 'cancelled');
      if (!cancelled) await new Promise((r) => setTimeout(r, 100));
    }
    expect(cancelled).toEqual(expect.objectContaining({ outcome: 'error' }));
    // bob's row filter on crm.orders (role partial): qty > 2.
    const next = await query('bob', { sql: 'SELECT count(*) AS n FROM crm.orders' });
    expect(next.status).toBe(200);
    const expected = await w.raw.all('SELECT count(*)::INTEGER AS n FROM crm_orders WHERE qty > 2');
    expect(next.body.rows).toEqual([[Number(expected[0]!['n'])]]);
  });

  it('serves receipts, their explanation and verification to their principal only (and MANAGE)', async () => {
    const a = await query('alice', { sql: 'SELECT region, count(*) AS n FROM crm.accounts GROUP BY region' });
    expect(a.status).toBe(200);
    const id: string = a.body.receipt.id;
    const mine = await get('alice', `/api/v1/answers/${id}`);
    expect(mine.status).toBe(200);
    expect(mine.body).toEqual(a.body.receipt);
    const admin = await get('admin', `/api/v1/answers/${id}`);
    expect(admin.status).toBe(200);
    expect(admin.body.id).toBe(id);
    for (const path of [
      `/api/v1/answers/${id}`,
      `/api/v1/answers/${id}/explain`,
      `/api/v1/answers/${id}/flags`,
    ]) {
      const bob = await get('bob', path);
      expect(bob.status, path).toBe(403);
      expect(bob.body.code).toBe('forbidden');
    }
    const bobVerify = await post('bob', `/api/v1/answers/${id}/verify`);
    expect(bobVerify.status).toBe(403);
    const denied = await w.catalog.governance.listAudit({ actor: 'bob', action: 'http.forbidden' });
    expect(denied.some((r) => r.target === `receipt:${id}`)).toBe(true);
    const missing = await get('alice', `/api/v1/answers/rcpt_${'0'.repeat(32)}`);
    expect(missing.status).toBe(404);
    expect(missing.body.code).toBe('receipt_not_found');
    expect((await get('alice', '/api/v1/answers/not-a-receipt')).status).toBe(400);

    const explain = await get('alice', `/api/v1/answers/${id}/explain`);
    expect(explain.status).toBe(200);
    expect(explain.body.text).toContain(id);
    expect(explain.body.text).toContain(a.body.receipt.result.hash);
    expect(explain.body.text).toContain(a.body.receipt.tables[0].policies.rowFilter);

    const verify = await post('alice', `/api/v1/answers/${id}/verify`);
    expect(verify.status).toBe(200);
    expect(verify.body).toEqual({
      ok: true,
      expected: a.body.receipt.result.hash,
      actual: a.body.receipt.result.hash,
      rows: a.body.receipt.result.rowCount,
      policiesChanged: [],
    });
    const byAdmin = await post('admin', `/api/v1/answers/${id}/verify`);
    expect(byAdmin.status).toBe(200);
    expect(byAdmin.body.ok).toBe(true);
    const verifications = await w.catalog.governance.listAudit({
      action: 'answer.verify',
      target: `receipt:${id}`,
    });
    expect(verifications.map((r) => r.actor).sort()).toEqual(['admin', 'alice']);
  });

  it('flags an answer: owners get the webhook with the lineage to investigate', async () => {
    const a = await query('alice', {
      sql: 'SELECT a.region, sum(o.amount) AS total FROM crm.orders o JOIN crm.accounts a ON a.id = o.account_id GROUP BY a.region',
    });
    expect(a.status).toBe(200);
    const receipt = a.body.receipt;
    const before = hook.received.length;
    const reason = 'west total is twice last week’s';
    const r = await post('alice', `/api/v1/answers/${receipt.id}/flag`, { reason });
    expect(r.status).toBe(201);
    expect(r.body).toEqual(
      expect.objectContaining({ receiptId: receipt.id, principal: 'alice', reason, notification: 'sent' }),
    );
    expect(r.body.id).toMatch(/^flag_/);
    const owners = [...r.body.owners].sort((x: { name: string }, y: { name: string }) =>
      x.name.localeCompare(y.name),
    );
    expect(owners).toEqual([
      { type: 'role', name: 'auditor', tables: ['crm.orders'] },
      { type: 'principal', name: 'dave', tables: ['crm.accounts'] },
    ]);
    const byTable = (t: string) => r.body.lineage.find((l: { table: string }) => l.table === t);
    const snapshotOf = (t: string) => receipt.tables.find((x: { table: string }) => x.table === t).snapshotId;
    expect(byTable('crm.orders')).toEqual(
      expect.objectContaining({
        snapshotId: ordersSnapshot,
        owner: { type: 'role', name: 'auditor' },
        quality: 'failing',
        runs: [
          expect.objectContaining({
            runId,
            pipeline: 'orders_sync',
            snapshotId: ordersSnapshot,
            status: 'succeeded',
          }),
        ],
      }),
    );
    expect(byTable('crm.orders').failedChecks.map((c: { check: string }) => c.check)).toEqual([
      'amount_positive',
    ]);
    expect(byTable('crm.accounts').snapshotId).toBe(snapshotOf('crm.accounts'));
    expect(byTable('crm.accounts').upstream).toContain(`${SOURCE.namespace}/${SOURCE.name}`);

    // The webhook got one notification, the same facts.
    expect(hook.received.length).toBe(before + 1);
    const sent = hook.received.at(-1)!;
    expect(sent.path).toBe('/hook');
    expect(sent.type).toMatch(/^application\/json/);
    expect(sent.body).toEqual({
      type: 'lakekit.answer.flagged',
      flag: r.body.id,
      receiptId: receipt.id,
      owners: r.body.owners,
      lineage: r.body.lineage,
      reason,
      flaggedBy: 'alice',
      at: r.body.createdAt,
    });

    const listed = await get('alice', `/api/v1/answers/${receipt.id}/flags`);
    expect(listed.status).toBe(200);
    expect(listed.body).toEqual([r.body]);
    expect((await get('admin', `/api/v1/answers/${receipt.id}/flags`)).body).toEqual([r.body]);
    // Only who may read the receipt may flag it; reasons are 1 to 2000 characters.
    expect((await post('bob', `/api/v1/answers/${receipt.id}/flag`, { reason: 'x' })).status).toBe(403);
    expect((await post('alice', `/api/v1/answers/${receipt.id}/flag`, { reason: '' })).status).toBe(400);
    expect(
      (await post('alice', `/api/v1/answers/${receipt.id}/flag`, { reason: 'x'.repeat(2001) })).status,
    ).toBe(400);
    expect(
      (await post('alice', `/api/v1/answers/${receipt.id}/flag`, { reason: 'x', severity: 'high' })).status,
    ).toBe(400);
    expect(hook.received.length).toBe(before + 1);
  });

  it('records a failed notification when the webhook is down or answers an error', async () => {
    const a = await query('alice', { sql: 'SELECT count(*) AS n FROM crm.accounts' });
    const id: string = a.body.receipt.id;
    const down = createServer({
      catalog: w.catalog,
      validateResponses: true,
      query: { engine: w.engine, webhookUrl: `http://127.0.0.1:${await deadPort()}/hook` },
    });
    const h = await down.listen({ port: 0, host: '127.0.0.1' });
    try {
      const r = await call(h.url, 'POST', `/api/v1/answers/${id}/flag`, {
        token: tokens.alice,
        body: { reason: 'count looks low' },
      });
      expect(r.status).toBe(201);
      expect(r.body.notification).toMatch(/^failed: .*ECONNREFUSED/);
      expect(r.body.owners).toEqual([{ type: 'principal', name: 'dave', tables: ['crm.accounts'] }]);
      const listed = await get('alice', `/api/v1/answers/${id}/flags`);
      expect(listed.body[0]).toEqual(r.body);
    } finally {
      await h.close();
    }
    const before = hook.received.length;
    const failing = await flagAnswer({
      catalog: w.catalog,
      actor: { name: 'alice' },
      receiptId: id,
      reason: 'still low',
      webhookUrl: hook.url.replace(/\/hook$/, '/fail'),
    });
    expect(failing.notification).toBe('failed: the webhook answered HTTP 500');
    expect(hook.received.length).toBe(before + 1);
    const none = await flagAnswer({
      catalog: w.catalog,
      actor: { name: 'alice' },
      receiptId: id,
      reason: 'again',
    });
    expect(none.notification).toBe('not configured');
    await expect(
      flagAnswer({ catalog: w.catalog, actor: { name: 'bob' }, receiptId: id, reason: 'x' }),
    ).rejects.toThrow(/may not read receipt/);
    await expect(
      flagAnswer({
        catalog: w.catalog,
        actor: { name: 'alice' },
        receiptId: `rcpt_${'f'.repeat(32)}`,
        reason: 'x',
      }),
    ).rejects.toThrow(/does not exist/);
  });

  it('audits queries and flags', async () => {
    const runs = await get('admin', '/api/v1/audit?action=query.run&limit=1000');
    expect(runs.status).toBe(200);
    const records = runs.body as {
      actor: string;
      outcome: string;
      target: string;
      detail: Record<string, unknown>;
    }[];
    expect(
      records.some((r) => r.actor === 'alice' && r.outcome === 'ok' && r.target.startsWith('receipt:')),
    ).toBe(true);
    expect(records.some((r) => r.actor === 'carol' && r.outcome === 'denied')).toBe(true);
    expect(records.some((r) => r.actor === 'alice' && r.detail['code'] === 'timeout')).toBe(true);
    const flags = await get('admin', '/api/v1/audit?action=answer.flag&limit=1000');
    const outcomes = (
      flags.body as { actor: string; outcome: string; detail: Record<string, unknown> }[]
    ).map((r) => [r.actor, r.outcome, String(r.detail['notification'] ?? '')]);
    expect(outcomes).toEqual(
      expect.arrayContaining([
        ['alice', 'ok', 'sent'],
        ['alice', 'ok', expect.stringMatching(/^failed: .*ECONNREFUSED/)],
        ['alice', 'ok', 'failed: the webhook answered HTTP 500'],
        ['alice', 'ok', 'not configured'],
        ['bob', 'denied', ''],
      ]),
    );
    const sent = (flags.body as { detail: Record<string, unknown> }[]).find(
      (r) => r.detail['notification'] === 'sent',
    );
    expect(sent!.detail['owners']).toEqual(expect.arrayContaining(['principal:dave', 'role:auditor']));
    expect(typeof sent!.detail['reason']).toBe('string');
    expect((await get('admin', '/api/v1/audit/verify')).body.problems).toEqual([]);
  });

  it('lists the query and answer routes in the OpenAPI document', async () => {
    const r = await get('alice', '/api/openapi.json');
    expect(r.status).toBe(200);
    const paths = r.body.paths;
    const q = paths['/api/v1/query'].post;
    const body = q.requestBody.content['application/json'].schema;
    expect(body.additionalProperties).toBe(false);
    expect(Object.keys(body.properties).sort()).toEqual(['limit', 'requireHealthy', 'sql', 'timeoutMs']);
    expect(body.required).toEqual(['sql']);
    const ok = q.responses['200'];
    expect(Object.keys(ok.content).sort()).toEqual(['application/json', ARROW]);
    expect(Object.keys(ok.content['application/json'].schema.properties).sort()).toEqual([
      'columns',
      'receipt',
      'rows',
      'truncated',
    ]);
    expect(Object.keys(ok.headers)).toEqual(
      expect.arrayContaining(['Lakekit-Receipt', 'Lakekit-Result-Hash']),
    );
    expect(Object.keys(q.responses)).toEqual(expect.arrayContaining(['403', '408', '409', '499']));
    expect(Object.keys(paths['/api/v1/answers/{receipt}'])).toEqual(['get']);
    expect(Object.keys(paths['/api/v1/answers/{receipt}/explain'])).toEqual(['get']);
    expect(Object.keys(paths['/api/v1/answers/{receipt}/verify'])).toEqual(['post']);
    expect(Object.keys(paths['/api/v1/answers/{receipt}/flags'])).toEqual(['get']);
    const flag = paths['/api/v1/answers/{receipt}/flag'].post;
    expect(flag.requestBody.content['application/json'].schema.properties.reason).toEqual(
      expect.objectContaining({ minLength: 1, maxLength: 2000 }),
    );
    expect(Object.keys(flag.responses['201'].content['application/json'].schema.properties)).toEqual(
      expect.arrayContaining(['id', 'receiptId', 'owners', 'lineage', 'notification', 'createdAt']),
    );
  });

  it('closes the engine it opened when the server closes, refusing queries after', async () => {
    await handle.close();
    const r = await server.app.request('/api/v1/query', {
      method: 'POST',
      headers: { authorization: `Bearer ${tokens.alice}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sql: 'SELECT 1' }),
    });
    const answer: Pick<Answer, 'status' | 'body'> = { status: r.status, body: await r.json() };
    expect(answer.status).toBe(503);
    expect(answer.body.code).toBe('server_closing');
  });
});
