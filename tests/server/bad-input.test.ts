/**
 * Bad input over real HTTP: malformed JSON, unknown fields, a 2 MiB body, the wrong content type,
 * invalid names, and row-filter predicates that try to escape their expression. Each is a 4xx
 * problem+json and leaves the governance store as it was. On SQLite and PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, call, startWorld, type World } from './fixture.js';

describe.each(backends())('bad input on %s', (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld(backend);
  });
  afterAll(async () => w?.close());

  /** Sends as admin; asserts the status, problem+json, and that nothing changed. */
  async function refused(
    status: number,
    method: string,
    path: string,
    body?: unknown,
    headers?: Record<string, string>,
  ): Promise<Record<string, unknown>> {
    const before = await w.snapshot();
    const r = await call(w.base, method, path, {
      token: w.tokens.admin,
      body,
      ...(headers ? { headers } : {}),
    });
    expect(r.status, r.text).toBe(status);
    expect(r.type).toContain('application/problem+json');
    expect(r.body).toEqual(
      expect.objectContaining({
        status,
        type: expect.any(String),
        title: expect.any(String),
        detail: expect.any(String),
        code: expect.any(String),
      }),
    );
    expect(r.text).not.toMatch(/\bat .*\.(ts|js):\d+/);
    expect(await w.snapshot()).toBe(before);
    return r.body;
  }

  it('malformed JSON is a 400', async () => {
    const p = await refused(400, 'POST', '/api/v1/principals', '{"name": "x", "kind": ', {
      'content-type': 'application/json',
    });
    expect(p['code']).toBe('invalid_json');
  });

  it('unknown fields are a 400 naming the field', async () => {
    const p = await refused(400, 'POST', '/api/v1/principals', { name: 'eve', kind: 'user', admin: true });
    expect(p['code']).toBe('invalid_request');
    expect(p['detail']).toContain('admin');
    await refused(400, 'POST', '/api/v1/grants', {
      privilege: 'SELECT',
      securable: { type: 'table', name: 'crm.accounts', extra: 1 },
      grantee: { type: 'principal', name: 'nobody' },
    });
    await refused(400, 'GET', '/api/v1/grants?bogus=1');
    await refused(400, 'GET', '/api/v1/principals?name=reader');
  });

  it('a body over 1 MiB is a 413', async () => {
    const big = JSON.stringify({
      name: 'big',
      kind: 'user',
      attributes: { blob: 'x'.repeat(2 * 1024 * 1024) },
    });
    const p = await refused(413, 'POST', '/api/v1/principals', big, { 'content-type': 'application/json' });
    expect(p['code']).toBe('body_too_large');
  });

  it('a streamed body (no Content-Length) over 1 MiB is a 413 too', async () => {
    const before = await w.snapshot();
    const chunk = new TextEncoder().encode('x'.repeat(64 * 1024));
    let sent = 0;
    const body = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent === 0)
          controller.enqueue(new TextEncoder().encode('{"name":"big","kind":"user","attributes":{"blob":"'));
        if (sent >= 2 * 1024 * 1024) {
          controller.enqueue(new TextEncoder().encode('"}}'));
          controller.close();
          return;
        }
        controller.enqueue(chunk);
        sent += chunk.length;
      },
    });
    const res = await fetch(`${w.base}/api/v1/principals`, {
      method: 'POST',
      headers: { authorization: `Bearer ${w.tokens.admin}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(res.headers.get('content-type')).toContain('application/problem+json');
    expect(await w.snapshot()).toBe(before);
  });

  it('a body that is not JSON by content type is a 415', async () => {
    const p = await refused(415, 'POST', '/api/v1/roles', JSON.stringify({ name: 'r' }), {
      'content-type': 'text/plain',
    });
    expect(p['code']).toBe('unsupported_media_type');
    await refused(415, 'POST', '/api/v1/roles', 'name=r', {
      'content-type': 'application/x-www-form-urlencoded',
    });
  });

  it('invalid names are 400s; unknown ones 404s', async () => {
    await refused(400, 'POST', '/api/v1/principals', { name: 'Robert"); DROP TABLE x;--', kind: 'user' });
    await refused(400, 'POST', '/api/v1/principals', { name: 'a'.repeat(129), kind: 'user' });
    await refused(400, 'POST', '/api/v1/principals', { name: 'ok', kind: 'robot' });
    await refused(400, 'GET', '/api/v1/tables/not-a-table');
    await refused(400, 'GET', `/api/v1/tables/${encodeURIComponent("crm.accounts'; drop table x")}`);
    await refused(400, 'PUT', '/api/v1/tables/crm.accounts/tags/PII!');
    await refused(400, 'GET', '/api/v1/grants?securable=table:nope');
    await refused(400, 'GET', '/api/v1/audit?since=yesterday');
    await refused(404, 'PUT', '/api/v1/tables/crm.nothing/tags/pii');
    await refused(404, 'PUT', '/api/v1/tables/crm.accounts/columns/nothing/tags/pii');
    await refused(404, 'PUT', '/api/v1/roles/nothing/members/reader');
    await refused(404, 'GET', '/api/v1/no/such/route');
  });

  it.each([
    ['1=1) or (true', 'closes the expression'],
    ["region = 'west') OR (1=1", 'closes the expression with a literal'],
    ['id IN (SELECT id FROM crm.orders)', 'a subquery'],
    ['EXISTS (SELECT 1)', 'EXISTS subquery'],
    ["region = 'west'; DROP TABLE x", 'a second statement'],
    ["region = 'west' -- ' OR true", 'a comment hiding text'],
    ["read_csv('/etc/passwd') IS NOT NULL", 'a table function'],
    ['nope = 1', 'an unknown column'],
  ])('a row-filter predicate that tries to escape is refused: %s (%s)', async (predicate) => {
    const p = await refused(400, 'PUT', '/api/v1/tables/crm.accounts/row-filters/analyst', { predicate });
    expect(p['code']).not.toBe('internal');
  });

  it('an OpenLineage event without the minimal shape is a 400', async () => {
    const ok = {
      eventType: 'COMPLETE',
      eventTime: '2026-11-29T10:00:00Z',
      producer: 'https://example.com/tool',
      run: { runId: 'r1' },
      job: { namespace: 'ext', name: 'job' },
    };
    const { run: _, ...noRun } = ok;
    await refused(400, 'POST', '/api/v1/lineage', noRun);
    await refused(400, 'POST', '/api/v1/lineage', { ...ok, eventTime: 'yesterday' });
    await refused(400, 'POST', '/api/v1/lineage', { ...ok, eventType: 'EXPLODE' });
    await refused(400, 'POST', '/api/v1/lineage', { ...ok, run: { runId: 'x'.repeat(65) } });
    await refused(400, 'POST', '/api/v1/lineage', { ...ok, outputs: [{ namespace: 'ext' }] });
  });

  it('a valid predicate is accepted (the validator is not refusing everything)', async () => {
    const r = await call(w.base, 'PUT', '/api/v1/tables/crm.accounts/row-filters/analyst', {
      token: w.tokens.admin,
      body: { predicate: 'region = principal.region AND id > 0' },
    });
    expect(r.status, r.text).toBe(200);
    expect((await w.catalog.governance.listRowFilters('crm.accounts')).length).toBe(1);
  });

  it('an unauthenticated request is refused before its body is read, with an audit record', async () => {
    const before = await w.catalog.governance.listAudit({ action: 'http.unauthorized' });
    const r = await call(w.base, 'POST', '/api/v1/principals', {
      body: { name: 'x', kind: 'user' },
      token: 'lk_nonsense',
    });
    expect(r.status).toBe(401);
    expect(r.body.reason).toBe('malformed');
    const wrong = await call(w.base, 'GET', '/api/v1/me', {
      headers: { authorization: 'Basic YWRtaW46YWRtaW4=' },
    });
    expect(wrong.body.reason).toBe('malformed');
    const unknown = await call(w.base, 'GET', '/api/v1/me', {
      token: `lk_${'A'.repeat(12)}_${'B'.repeat(43)}`,
    });
    expect(unknown.body.reason).toBe('unknown');
    const after = await w.catalog.governance.listAudit({ action: 'http.unauthorized' });
    expect(after.length).toBe(before.length + 3);
    expect(after.at(-1)).toEqual(
      expect.objectContaining({ actor: 'anonymous', outcome: 'denied', target: 'http:GET /api/v1/me' }),
    );
  });
});
