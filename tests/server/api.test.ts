/**
 * Every endpoint of the governance API over real HTTP, on SQLite and on PostgreSQL: what each answers
 * for a caller allowed to use it, and that changes made over HTTP are what the store then holds.
 */
import { LOCAL_ADMIN } from '@lakekit/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, call, startWorld, type World } from './fixture.js';

describe.each(backends())('governance API on %s', (backend) => {
  let w: World;
  const as = (who: keyof World['tokens']) => ({
    get: (path: string, headers?: Record<string, string>) =>
      call(w.base, 'GET', path, { token: w.tokens[who], ...(headers ? { headers } : {}) }),
    post: (path: string, body?: unknown) => call(w.base, 'POST', path, { token: w.tokens[who], body }),
    put: (path: string, body?: unknown) => call(w.base, 'PUT', path, { token: w.tokens[who], body }),
    patch: (path: string, body?: unknown) => call(w.base, 'PATCH', path, { token: w.tokens[who], body }),
    del: (path: string) => call(w.base, 'DELETE', path, { token: w.tokens[who] }),
  });
  beforeAll(async () => {
    w = await startWorld(backend);
  });
  afterAll(async () => w?.close());

  it('answers /health without a token, with the catalog reachable', async () => {
    const r = await call(w.base, 'GET', '/health');
    expect(r.status).toBe(200);
    expect(r.body).toEqual({ status: 'ok', catalog: { name: 'lakekit', reachable: true } });
  });

  it('serves an OpenAPI 3.1 document generated from the route table, with bearer security', async () => {
    const r = await as('reader').get('/api/openapi.json');
    expect(r.status).toBe(200);
    expect(r.body.openapi).toBe('3.1.0');
    expect(r.body.components.securitySchemes.bearer).toEqual(
      expect.objectContaining({ type: 'http', scheme: 'bearer' }),
    );
    const grants = r.body.paths['/api/v1/grants'];
    expect(Object.keys(grants).sort()).toEqual(['get', 'post']);
    expect(grants.post.requestBody.content['application/json'].schema.additionalProperties).toBe(false);
    expect(
      r.body.paths['/api/v1/tables/{table}/access'].get.parameters.map(
        (p: { name: string; in: string }) => `${p.in}:${p.name}`,
      ),
    ).toEqual(['path:table', 'query:principal']);
    expect(r.body.paths['/health'].get.security).toEqual([]);
    expect(Object.keys(r.body.paths).length).toBeGreaterThan(30);
  });

  it('GET /api/v1/me and the caller’s tokens', async () => {
    const me = await as('reader').get('/api/v1/me');
    expect(me.status).toBe(200);
    expect(me.body.principal).toEqual(
      expect.objectContaining({ name: 'reader', roles: ['analyst'], attributes: { region: 'west' } }),
    );
    const issued = await as('reader').post('/api/v1/me/tokens', { name: 'laptop', ttlSeconds: 3600 });
    expect(issued.status).toBe(201);
    expect(issued.body.token).toMatch(/^lk_/);
    const withIt = await call(w.base, 'GET', '/api/v1/me', { token: issued.body.token });
    expect(withIt.body.token.id).toBe(issued.body.id);
    const list = await as('reader').get('/api/v1/me/tokens');
    expect(list.body.map((t: { id: string }) => t.id)).toContain(issued.body.id);
    expect(JSON.stringify(list.body)).not.toContain(issued.body.token);
    const rotated = await as('reader').post(`/api/v1/tokens/${issued.body.id}/rotate`, { graceSeconds: 0 });
    expect(rotated.status).toBe(201);
    expect((await call(w.base, 'GET', '/api/v1/me', { token: rotated.body.token })).status).toBe(200);
    const old = await call(w.base, 'GET', '/api/v1/me', { token: issued.body.token });
    expect(old.status).toBe(401);
    expect(old.body.reason).toBe('expired');
    expect((await as('reader').del(`/api/v1/tokens/${rotated.body.id}`)).status).toBe(204);
    const revoked = await call(w.base, 'GET', '/api/v1/me', { token: rotated.body.token });
    expect(revoked.body.reason).toBe('revoked');
  });

  it('principals: create, read, update attributes, disable, delete', async () => {
    const created = await as('admin').post('/api/v1/principals', {
      name: 'ana',
      kind: 'user',
      attributes: { region: 'east' },
    });
    expect(created.status).toBe(201);
    expect(created.body).toEqual(expect.objectContaining({ name: 'ana', kind: 'user', disabled: false }));
    expect((await as('admin').post('/api/v1/principals', { name: 'ana', kind: 'user' })).status).toBe(409);
    expect((await as('admin').get('/api/v1/principals/ana')).body.attributes).toEqual({ region: 'east' });
    const put = await as('admin').put('/api/v1/principals/ana/attributes', { region: 'north', team: 'bi' });
    expect(put.body.attributes).toEqual({ region: 'north', team: 'bi' });
    const token = await as('admin').post('/api/v1/principals/ana/tokens', {});
    expect(token.status).toBe(201);
    expect((await as('admin').get('/api/v1/principals/ana/tokens')).body).toHaveLength(1);
    const disabled = await as('admin').patch('/api/v1/principals/ana', { disabled: true });
    expect(disabled.body.disabled).toBe(true);
    const refused = await call(w.base, 'GET', '/api/v1/me', { token: token.body.token });
    expect([refused.status, refused.body.reason]).toEqual([401, 'disabled']);
    expect((await as('admin').get('/api/v1/principals')).body.map((p: { name: string }) => p.name)).toContain(
      'ana',
    );
    expect((await as('admin').del('/api/v1/principals/ana')).status).toBe(204);
    expect((await as('admin').get('/api/v1/principals/ana')).status).toBe(404);
    expect(await w.catalog.governance.getPrincipal('ana')).toBeUndefined();
  });

  it('roles and members', async () => {
    expect((await as('admin').post('/api/v1/roles', { name: 'finance', description: 'money' })).status).toBe(
      201,
    );
    expect((await as('admin').put('/api/v1/roles/finance/members/nobody')).status).toBe(204);
    expect((await as('admin').get('/api/v1/roles/finance')).body.members).toEqual(['nobody']);
    expect((await as('nobody').get('/api/v1/roles')).body.map((r: { name: string }) => r.name)).toEqual([
      'finance',
    ]);
    expect((await as('admin').del('/api/v1/roles/finance/members/nobody')).status).toBe(204);
    expect((await as('admin').del('/api/v1/roles/finance')).status).toBe(204);
    expect(await w.catalog.governance.getRole('finance')).toBeUndefined();
    expect((await as('admin').get('/api/v1/roles/finance')).status).toBe(404);
  });

  it('grants: create (idempotent), list with filters, revoke by id', async () => {
    const body = {
      privilege: 'SELECT',
      securable: { type: 'table', name: 'crm.orders' },
      grantee: { type: 'role', name: 'analyst' },
    };
    const g = await as('admin').post('/api/v1/grants', body);
    expect(g.status).toBe(201);
    expect((await as('admin').post('/api/v1/grants', body)).body.id).toBe(g.body.id);
    const listed = await as('admin').get('/api/v1/grants?securable=table:crm.orders&grantee=role:analyst');
    expect(listed.body.map((x: { id: string }) => x.id)).toEqual([g.body.id]);
    // reader holds role analyst: it sees the grant to its role; nobody does not.
    expect((await as('reader').get('/api/v1/grants')).body.map((x: { id: string }) => x.id)).toContain(
      g.body.id,
    );
    expect((await as('nobody').get('/api/v1/grants')).body).toEqual([]);
    expect((await as('admin').del(`/api/v1/grants/${g.body.id}`)).status).toBe(204);
    expect(
      (await w.catalog.governance.listGrants({ securable: { type: 'table', name: 'crm.orders' } })).length,
    ).toBe(0);
    expect((await as('admin').del(`/api/v1/grants/${g.body.id}`)).status).toBe(404);
  });

  it('masks, row filters, tags and tag policies, as the table owner', async () => {
    const mask = await as('owner').put('/api/v1/tables/crm.accounts/columns/email/masks/analyst', {
      kind: 'partial',
      keepLast: 4,
    });
    expect(mask.status).toBe(200);
    expect(mask.body).toEqual(
      expect.objectContaining({ table: 'crm.accounts', column: 'email', role: 'analyst', kind: 'partial' }),
    );
    expect((await as('owner').get('/api/v1/masks?table=crm.accounts')).body).toHaveLength(1);
    const filter = await as('owner').put('/api/v1/tables/crm.accounts/row-filters/analyst', {
      predicate: 'region = principal.region',
    });
    expect(filter.status).toBe(200);
    expect((await as('reader').get('/api/v1/row-filters')).body.map((f: { role: string }) => f.role)).toEqual(
      ['analyst'],
    );
    const access = await as('reader').get('/api/v1/tables/crm.accounts/access');
    expect(access.status).toBe(200);
    expect(access.body.canSelect).toBe(true);
    expect(access.body.rowFilter.predicate).toContain("'west'");
    expect(access.body.columns.find((c: { name: string }) => c.name === 'email').access).toBe('masked');
    expect((await as('owner').put('/api/v1/tables/crm.accounts/columns/email/tags/pii.email')).status).toBe(
      204,
    );
    expect((await as('owner').put('/api/v1/tables/crm.accounts/tags/gold')).status).toBe(204);
    expect((await as('reader').get('/api/v1/tags?table=crm.accounts')).body).toEqual(
      expect.arrayContaining([
        { table: 'crm.accounts', column: 'email', tag: 'pii.email' },
        { table: 'crm.accounts', tag: 'gold' },
      ]),
    );
    const policy = await as('admin').put('/api/v1/tag-policies/pii-hash', {
      tag: 'pii',
      role: 'analyst',
      mask: { kind: 'hash' },
    });
    expect(policy.status).toBe(200);
    expect(
      (await as('reader').get('/api/v1/tag-policies')).body.map((p: { name: string }) => p.name),
    ).toEqual(['pii-hash']);
    expect((await as('nobody').get('/api/v1/tag-policies')).body).toEqual([]);
    const listed = await as('reader').get('/api/v1/tables');
    expect(listed.body).toEqual([
      expect.objectContaining({ name: 'crm.accounts', tags: ['gold'], description: 'Customer accounts' }),
    ]);
    const described = await as('reader').get('/api/v1/tables/crm.accounts');
    expect(described.body.columns.find((c: { name: string }) => c.name === 'email')).toEqual(
      expect.objectContaining({ access: 'masked', tags: ['pii.email'] }),
    );
    for (const path of [
      '/api/v1/tag-policies/pii-hash',
      '/api/v1/tables/crm.accounts/tags/gold',
      '/api/v1/tables/crm.accounts/columns/email/tags/pii.email',
      '/api/v1/tables/crm.accounts/row-filters/analyst',
      '/api/v1/tables/crm.accounts/columns/email/masks/analyst',
    ]) {
      expect((await as(path.includes('tag-policies') ? 'admin' : 'owner').del(path)).status, path).toBe(204);
    }
    expect(await w.catalog.governance.listMasks()).toEqual([]);
    expect(await w.catalog.governance.listRowFilters()).toEqual([]);
    expect(await w.catalog.governance.listTags()).toEqual([]);
  });

  it('annotations on tables and columns', async () => {
    const t = await as('owner').patch('/api/v1/tables/crm.accounts/annotations', {
      description: 'All customer accounts',
      terms: ['customer'],
    });
    expect(t.status).toBe(200);
    expect(t.body).toEqual(
      expect.objectContaining({
        description: 'All customer accounts',
        terms: ['customer'],
        owner: { type: 'principal', name: 'owner' },
      }),
    );
    const c = await as('owner').patch('/api/v1/tables/crm.accounts/columns/email/annotations', {
      description: 'Work e-mail',
    });
    expect(c.body).toEqual(expect.objectContaining({ column: 'email', description: 'Work e-mail' }));
    const listed = await as('reader').get('/api/v1/annotations?table=crm.accounts');
    expect(listed.body).toHaveLength(2);
    expect((await as('nobody').get('/api/v1/annotations')).body).toEqual([]);
    const described = await as('reader').get('/api/v1/tables/crm.accounts');
    expect(described.body.description).toBe('All customer accounts');
    expect(described.body.columns.find((x: { name: string }) => x.name === 'email').description).toBe(
      'Work e-mail',
    );
  });

  it('access requests: ask, list, deny, approve (grants SELECT)', async () => {
    const r1 = await as('nobody').post('/api/v1/access-requests', {
      table: 'crm.accounts',
      reason: 'churn report',
    });
    expect(r1.status).toBe(201);
    expect(r1.body.status).toBe('pending');
    expect((await as('nobody').post(`/api/v1/access-requests/${r1.body.id}/approve`)).status).toBe(403);
    expect(
      (await as('owner').get('/api/v1/access-requests?status=pending')).body.map((r: { id: string }) => r.id),
    ).toContain(r1.body.id);
    expect((await as('reader').get('/api/v1/access-requests')).body).toEqual([]);
    const denied = await as('owner').post(`/api/v1/access-requests/${r1.body.id}/deny`, {
      comment: 'use the aggregate',
    });
    expect(denied.body).toEqual(
      expect.objectContaining({ status: 'denied', decidedBy: 'owner', comment: 'use the aggregate' }),
    );
    const r2 = await as('nobody').post('/api/v1/access-requests', { table: 'crm.accounts', reason: 'again' });
    const approved = await as('owner').post(`/api/v1/access-requests/${r2.body.id}/approve`);
    expect(approved.body.status).toBe('approved');
    expect(
      await w.catalog.governance.can({ name: 'nobody' }, 'SELECT', { type: 'table', name: 'crm.accounts' }),
    ).toBe((await w.catalog.governance.effectiveAccess('nobody', 'crm.accounts')).canSelect);
    const grants = await w.catalog.governance.listGrants({ grantee: { type: 'principal', name: 'nobody' } });
    expect(grants.map((g) => `${g.privilege} ${JSON.stringify(g.securable)}`)).toContain(
      'SELECT {"type":"table","name":"crm.accounts"}',
    );
    for (const g of grants) await w.catalog.governance.revoke(LOCAL_ADMIN, g);
  });

  it('effective access: about oneself, and about anyone for MANAGE holders', async () => {
    const self = await as('reader').get('/api/v1/tables/crm.accounts/access');
    expect(self.body).toEqual(
      expect.objectContaining({
        principal: 'reader',
        table: 'crm.accounts',
        canSelect: true,
        canManage: false,
      }),
    );
    const byOwner = await as('owner').get('/api/v1/tables/crm.accounts/access?principal=reader');
    expect(byOwner.status).toBe(200);
    expect(byOwner.body.principal).toBe('reader');
    expect((await as('reader').get('/api/v1/tables/crm.accounts/access?principal=owner')).status).toBe(403);
    const none = await as('admin').get('/api/v1/tables/hr.salaries/access?principal=reader');
    expect(none.body.canSelect).toBe(false);
    expect((await as('admin').get('/api/v1/tables/crm.nothing/access')).status).toBe(404);
  });

  it('quality history and health, runs', async () => {
    const ops = w.catalog.operations;
    await ops.startRun({ id: 'run-q1', pipeline: 'crm_sync', trigger: 'manual' });
    await ops.updateRun('run-q1', {
      status: 'warned',
      detail: { streams: [{ stream: 'public.accounts', target: 'crm.accounts' }] },
      ended: true,
    });
    await ops.startRun({ id: 'run-hr', pipeline: 'hr_sync', trigger: 'manual' });
    await ops.updateRun('run-hr', {
      status: 'succeeded',
      detail: { streams: [{ stream: 'x', target: 'hr.salaries' }] },
      ended: true,
    });
    const base = { table: 'crm.accounts', kind: 'not_null', failingRows: 0, message: 'ok' };
    await ops.recordQuality([
      {
        ...base,
        runId: 'run-q1',
        check: 'ids',
        severity: 'error',
        status: 'failed',
        checkedAt: '2026-11-01T00:00:00Z',
      },
      {
        ...base,
        runId: 'run-q1',
        check: 'ids',
        severity: 'error',
        status: 'passed',
        checkedAt: '2026-11-02T00:00:00Z',
      },
      {
        ...base,
        runId: 'run-q1',
        check: 'region',
        severity: 'warn',
        status: 'failed',
        checkedAt: '2026-11-02T00:00:00Z',
      },
    ]);
    const q = await as('reader').get('/api/v1/tables/crm.accounts/quality');
    expect(q.status).toBe(200);
    expect(q.body.health).toBe('warning');
    expect(q.body.latest).toHaveLength(2);
    expect(q.body.history).toHaveLength(3);
    expect((await as('reader').get('/api/v1/tables/crm.accounts')).body.health).toBe('warning');
    expect((await as('reader').get('/api/v1/runs')).body.map((r: { id: string }) => r.id)).toEqual([
      'run-q1',
    ]);
    expect(
      (await as('admin').get('/api/v1/runs?pipeline=hr_sync')).body.map((r: { id: string }) => r.id),
    ).toEqual(['run-hr']);
    const one = await as('reader').get('/api/v1/runs/run-q1');
    expect(one.body.quality).toHaveLength(3);
    expect((await as('reader').get('/api/v1/runs/run-hr')).status).toBe(403);
    expect((await as('reader').get('/api/v1/runs/nope')).status).toBe(404);
  });

  it('lineage: accepts OpenLineage events and answers upstream/downstream with column edges', async () => {
    const ev = (
      job: string,
      input: { namespace: string; name: string },
      output: { namespace: string; name: string },
      cols: string[],
    ) => ({
      eventType: 'COMPLETE',
      eventTime: new Date().toISOString(),
      producer: 'https://example.com/dbt',
      schemaURL: 'https://openlineage.io/spec/2-0-2/OpenLineage.json#/definitions/RunEvent',
      run: { runId: `0193b5e1-${job}` },
      job: { namespace: 'dbt', name: job },
      inputs: [input],
      outputs: [
        {
          ...output,
          facets: {
            columnLineage: {
              fields: Object.fromEntries(
                cols.map((c) => [
                  c,
                  { inputFields: [{ ...input, field: c }], transformationType: 'IDENTITY' },
                ]),
              ),
            },
          },
        },
      ],
    });
    const wh = 'file:///warehouse';
    const src = { namespace: 'postgres://crm:5432/crm', name: 'public.accounts' };
    const accounts = { namespace: wh, name: 'crm.accounts' };
    const orders = { namespace: wh, name: 'crm.orders' };
    expect(
      (await as('admin').post('/api/v1/lineage', ev('load', src, accounts, ['id', 'email']))).status,
    ).toBe(201);
    expect((await as('admin').post('/api/v1/lineage', ev('derive', accounts, orders, ['id']))).status).toBe(
      201,
    );
    const up = await as('reader').get('/api/v1/lineage/crm.accounts?direction=upstream');
    expect(up.status).toBe(200);
    expect(up.body.nodes.map((n: { name: string }) => n.name).sort()).toEqual([
      'crm.accounts',
      'public.accounts',
    ]);
    expect(up.body.edges[0].columns.map((c: { column: string }) => c.column).sort()).toEqual(['email', 'id']);
    // reader may not see crm.orders: downstream hides it.
    const down = await as('reader').get('/api/v1/lineage/crm.accounts?direction=downstream');
    expect(down.body.nodes.map((n: { name: string }) => n.name)).toEqual(['crm.accounts']);
    const all = await as('admin').get('/api/v1/lineage/crm.accounts?depth=1');
    expect(all.body.nodes.map((n: { name: string }) => n.name).sort()).toEqual([
      'crm.accounts',
      'crm.orders',
      'public.accounts',
    ]);
    expect(all.body.nodes.find((n: { name: string }) => n.name === 'crm.orders').table).toBe(true);
    // MODIFY on an output table is needed to record lineage about it.
    expect((await as('reader').post('/api/v1/lineage', ev('x', src, accounts, []))).status).toBe(403);
  });

  it('audit: filters, JSON lines export, verification (MANAGE on the catalog)', async () => {
    const denied = await as('admin').get('/api/v1/audit?outcome=denied&limit=5');
    expect(denied.status).toBe(200);
    expect(denied.body.length).toBeGreaterThan(0);
    expect(denied.body.every((r: { outcome: string }) => r.outcome === 'denied')).toBe(true);
    const unauthorized = await as('admin').get('/api/v1/audit?action=http.unauthorized');
    expect(unauthorized.body.length).toBeGreaterThan(0);
    expect(unauthorized.body[0].detail.reason).toMatch(/expired|revoked|disabled|missing|malformed|unknown/);
    const lines = await as('admin').get('/api/v1/audit?target=principal:', {
      accept: 'application/x-ndjson',
    });
    expect(lines.type).toContain('application/x-ndjson');
    const records = lines.text
      .trimEnd()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(records.length).toBeGreaterThan(3);
    expect(records.every((r: { target: string }) => r.target.startsWith('principal:'))).toBe(true);
    const v = await as('admin').get('/api/v1/audit/verify');
    expect(v.body.problems).toEqual([]);
    expect(v.body.records).toBeGreaterThan(10);
  });

  it('logs each request as one JSON object with method, path, status, ms and principal', async () => {
    await as('reader').get('/api/v1/me');
    const line = w.logs.findLast((l) => (l as { path?: string }).path === '/api/v1/me') as Record<
      string,
      unknown
    >;
    expect(line).toEqual(
      expect.objectContaining({ method: 'GET', path: '/api/v1/me', status: 200, principal: 'reader' }),
    );
    expect(typeof line['ms']).toBe('number');
  });

  it('reports an unreachable catalog on /health, and internal errors without their insides (last: closes the catalog)', async () => {
    await w.catalog.close();
    const health = await call(w.base, 'GET', '/health');
    expect(health.status).toBe(503);
    expect(health.body.catalog.reachable).toBe(false);
    const r = await call(w.base, 'GET', '/api/v1/me', { token: w.tokens.reader });
    expect(r.status).toBe(500);
    expect(r.type).toContain('application/problem+json');
    expect(r.body.code).toBe('internal');
    expect(r.text).not.toMatch(/\.(ts|js):\d+|knex|pool/i);
    expect(w.logs).toContainEqual(expect.objectContaining({ path: '/api/v1/me', err: expect.any(String) }));
  });
});
