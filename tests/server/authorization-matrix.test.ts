/**
 * The authorization matrix: every endpoint × {no token, expired token, principal without grants,
 * principal with a grant (SELECT on crm.accounts, role analyst), the table's owner, MANAGE on the
 * catalog}. Asserts the status of each, that a refusal changed nothing the governance store holds,
 * and that every refusal left a `denied` audit record. On SQLite and PostgreSQL.
 */
import { type GovernanceStore, LOCAL_ADMIN } from '@lakekit/catalog';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { backends, call, startWorld, type World } from './fixture.js';

type Who = 'nobody' | 'reader' | 'owner' | 'admin';
const WHO: Who[] = ['nobody', 'reader', 'owner', 'admin'];
const A = LOCAL_ADMIN;

interface Row {
  /** Prepares what the request needs; returns the path (and body) to send. */
  request(gov: GovernanceStore, w: World): Promise<{ method: string; path: string; body?: unknown }>;
  /** Expected status for nobody, reader, owner, admin. */
  expect: [number, number, number, number];
  /** Runs after every attempt (success or not): puts the world back. */
  cleanup?(gov: GovernanceStore, w: World): Promise<void>;
}

const quiet = async (p: Promise<unknown>) => {
  await p.catch(() => undefined);
};
const fixed =
  (method: string, path: string, body?: unknown): Row['request'] =>
  async () => ({ method, path, body });
const ALL_OK = (s: number): [number, number, number, number] => [s, s, s, s];
const ADMIN_ONLY = (s: number): [number, number, number, number] => [403, 403, 403, s];
const MANAGERS = (s: number): [number, number, number, number] => [403, 403, s, s];
const SEERS = (s: number): [number, number, number, number] => [403, s, s, s];
const emailMask = { table: 'crm.accounts', column: 'email', role: 'analyst' };
const filterKey = { table: 'crm.accounts', role: 'analyst' };
const nobodyGrant = {
  privilege: 'SELECT' as const,
  securable: { type: 'column' as const, table: 'crm.accounts', column: 'name' },
  grantee: { type: 'principal' as const, name: 'nobody' },
};
const revokeNobody = async (gov: GovernanceStore) => {
  for (const g of await gov.listGrants({ grantee: { type: 'principal', name: 'nobody' } }))
    await gov.revoke(A, g);
};
const lineageEvent = {
  eventType: 'COMPLETE',
  eventTime: '2026-11-29T10:00:00Z',
  producer: 'https://example.com/tool',
  run: { runId: 'matrix-run' },
  job: { namespace: 'ext', name: 'job' },
  inputs: [{ namespace: 'ext', name: 'source' }],
  outputs: [{ namespace: 'file:///wh', name: 'crm.accounts' }],
};

const ROWS: Record<string, Row> = {
  'GET /api/openapi.json': { request: fixed('GET', '/api/openapi.json'), expect: ALL_OK(200) },
  'GET /me': { request: fixed('GET', '/api/v1/me'), expect: ALL_OK(200) },
  'GET /principals': { request: fixed('GET', '/api/v1/principals'), expect: ALL_OK(200) },
  'POST /principals': {
    request: fixed('POST', '/api/v1/principals', { name: 'm1', kind: 'user' }),
    expect: ADMIN_ONLY(201),
    cleanup: (gov) => quiet(gov.deletePrincipal(A, 'm1')),
  },
  'GET /principals/{name}': {
    request: fixed('GET', '/api/v1/principals/owner'),
    expect: [403, 403, 200, 200],
  },
  'PATCH /principals/{name}': {
    request: fixed('PATCH', '/api/v1/principals/nobody', { attributes: { team: 'x' } }),
    expect: ADMIN_ONLY(200),
    cleanup: (gov) => quiet(gov.updatePrincipal(A, 'nobody', { attributes: {} })),
  },
  'PUT /principals/{name}/attributes': {
    request: fixed('PUT', '/api/v1/principals/nobody/attributes', { team: 'y' }),
    expect: ADMIN_ONLY(200),
    cleanup: (gov) => quiet(gov.updatePrincipal(A, 'nobody', { attributes: {} })),
  },
  'DELETE /principals/{name}': {
    request: async (gov) => {
      if (!(await gov.getPrincipal('tmpdel'))) await gov.createPrincipal(A, { name: 'tmpdel', kind: 'user' });
      return { method: 'DELETE', path: '/api/v1/principals/tmpdel' };
    },
    expect: ADMIN_ONLY(204),
  },
  'GET /me/tokens': { request: fixed('GET', '/api/v1/me/tokens'), expect: ALL_OK(200) },
  'POST /me/tokens': { request: fixed('POST', '/api/v1/me/tokens', { name: 'm' }), expect: ALL_OK(201) },
  'GET /principals/{name}/tokens': {
    request: fixed('GET', '/api/v1/principals/reader/tokens'),
    expect: [403, 200, 403, 200],
  },
  'POST /principals/{name}/tokens': {
    request: fixed('POST', '/api/v1/principals/reader/tokens', {}),
    expect: [403, 201, 403, 201],
  },
  'DELETE /tokens/{id}': {
    request: async (gov) => ({
      method: 'DELETE',
      path: `/api/v1/tokens/${(await gov.issueToken(A, 'reader', { name: 'victim' })).id}`,
    }),
    expect: [403, 204, 403, 204],
  },
  'POST /tokens/{id}/rotate': {
    request: async (gov) => ({
      method: 'POST',
      path: `/api/v1/tokens/${(await gov.issueToken(A, 'reader', { name: 'rot' })).id}/rotate`,
      body: { graceSeconds: 60 },
    }),
    expect: [403, 201, 403, 201],
  },
  'GET /roles': { request: fixed('GET', '/api/v1/roles'), expect: ALL_OK(200) },
  'POST /roles': {
    request: fixed('POST', '/api/v1/roles', { name: 'r1' }),
    expect: ADMIN_ONLY(201),
    cleanup: (gov) => quiet(gov.deleteRole(A, 'r1')),
  },
  'GET /roles/{name}': { request: fixed('GET', '/api/v1/roles/analyst'), expect: [403, 200, 403, 200] },
  'DELETE /roles/{name}': {
    request: async (gov) => {
      if (!(await gov.getRole('tmprole'))) await gov.createRole(A, { name: 'tmprole' });
      return { method: 'DELETE', path: '/api/v1/roles/tmprole' };
    },
    expect: ADMIN_ONLY(204),
  },
  'PUT /roles/{name}/members/{principal}': {
    request: fixed('PUT', '/api/v1/roles/analyst/members/nobody'),
    expect: ADMIN_ONLY(204),
    cleanup: (gov) => quiet(gov.removeMember(A, 'analyst', 'nobody')),
  },
  'DELETE /roles/{name}/members/{principal}': {
    request: async (gov) => {
      if (!(await gov.getRole('tmpmembers'))) await gov.createRole(A, { name: 'tmpmembers' });
      await gov.addMember(A, 'tmpmembers', 'nobody');
      return { method: 'DELETE', path: '/api/v1/roles/tmpmembers/members/nobody' };
    },
    expect: ADMIN_ONLY(204),
    cleanup: (gov) => quiet(gov.deleteRole(A, 'tmpmembers')),
  },
  'GET /grants': { request: fixed('GET', '/api/v1/grants'), expect: ALL_OK(200) },
  'POST /grants': {
    request: fixed('POST', '/api/v1/grants', nobodyGrant),
    expect: MANAGERS(201),
    cleanup: revokeNobody,
  },
  'DELETE /grants/{id}': {
    request: async (gov) => ({
      method: 'DELETE',
      path: `/api/v1/grants/${(await gov.grant(A, nobodyGrant)).id}`,
    }),
    expect: MANAGERS(204),
    cleanup: revokeNobody,
  },
  'GET /masks': { request: fixed('GET', '/api/v1/masks'), expect: ALL_OK(200) },
  'PUT mask': {
    request: fixed('PUT', '/api/v1/tables/crm.accounts/columns/email/masks/analyst', { kind: 'redact' }),
    expect: MANAGERS(200),
    cleanup: (gov) => quiet(gov.dropMask(A, emailMask)),
  },
  'DELETE mask': {
    request: async (gov) => {
      await gov.setMask(A, { ...emailMask, kind: 'hash' });
      return { method: 'DELETE', path: '/api/v1/tables/crm.accounts/columns/email/masks/analyst' };
    },
    expect: MANAGERS(204),
    cleanup: (gov) => quiet(gov.dropMask(A, emailMask)),
  },
  'GET /row-filters': { request: fixed('GET', '/api/v1/row-filters'), expect: ALL_OK(200) },
  'PUT row filter': {
    request: fixed('PUT', '/api/v1/tables/crm.accounts/row-filters/analyst', {
      predicate: "region = 'west'",
    }),
    expect: MANAGERS(200),
    cleanup: (gov) => quiet(gov.dropRowFilter(A, filterKey)),
  },
  'DELETE row filter': {
    request: async (gov) => {
      await gov.setRowFilter(A, { ...filterKey, predicate: 'region = principal.region' });
      return { method: 'DELETE', path: '/api/v1/tables/crm.accounts/row-filters/analyst' };
    },
    expect: MANAGERS(204),
    cleanup: (gov) => quiet(gov.dropRowFilter(A, filterKey)),
  },
  'GET /tags': { request: fixed('GET', '/api/v1/tags'), expect: ALL_OK(200) },
  'PUT table tag': {
    request: fixed('PUT', '/api/v1/tables/crm.accounts/tags/gold'),
    expect: MANAGERS(204),
    cleanup: (gov) => quiet(gov.removeTag(A, { table: 'crm.accounts', tag: 'gold' })),
  },
  'DELETE table tag': {
    request: async (gov) => {
      await gov.addTag(A, { table: 'crm.accounts', tag: 'gold' });
      return { method: 'DELETE', path: '/api/v1/tables/crm.accounts/tags/gold' };
    },
    expect: MANAGERS(204),
    cleanup: (gov) => quiet(gov.removeTag(A, { table: 'crm.accounts', tag: 'gold' })),
  },
  'PUT column tag': {
    request: fixed('PUT', '/api/v1/tables/crm.accounts/columns/email/tags/pii'),
    expect: MANAGERS(204),
    cleanup: (gov) => quiet(gov.removeTag(A, { table: 'crm.accounts', column: 'email', tag: 'pii' })),
  },
  'DELETE column tag': {
    request: async (gov) => {
      await gov.addTag(A, { table: 'crm.accounts', column: 'email', tag: 'pii' });
      return { method: 'DELETE', path: '/api/v1/tables/crm.accounts/columns/email/tags/pii' };
    },
    expect: MANAGERS(204),
    cleanup: (gov) => quiet(gov.removeTag(A, { table: 'crm.accounts', column: 'email', tag: 'pii' })),
  },
  'GET /tag-policies': { request: fixed('GET', '/api/v1/tag-policies'), expect: ALL_OK(200) },
  'PUT tag policy': {
    request: fixed('PUT', '/api/v1/tag-policies/p1', { tag: 'pii', role: 'analyst', mask: { kind: 'null' } }),
    expect: ADMIN_ONLY(200),
    cleanup: (gov) => quiet(gov.dropTagPolicy(A, 'p1')),
  },
  'DELETE tag policy': {
    request: async (gov) => {
      await gov.setTagPolicy(A, { name: 'p2', tag: 'pii', role: 'analyst', mask: { kind: 'redact' } });
      return { method: 'DELETE', path: '/api/v1/tag-policies/p2' };
    },
    expect: ADMIN_ONLY(204),
    cleanup: (gov) => quiet(gov.dropTagPolicy(A, 'p2')),
  },
  'GET /annotations': { request: fixed('GET', '/api/v1/annotations'), expect: ALL_OK(200) },
  'PATCH table annotations': {
    request: fixed('PATCH', '/api/v1/tables/crm.accounts/annotations', { terms: ['customer'] }),
    expect: MANAGERS(200),
    cleanup: (gov) => quiet(gov.annotate(A, { table: 'crm.accounts', terms: [] })),
  },
  'PATCH column annotations': {
    request: fixed('PATCH', '/api/v1/tables/crm.accounts/columns/email/annotations', { description: 'mail' }),
    expect: MANAGERS(200),
    cleanup: (gov) => quiet(gov.annotate(A, { table: 'crm.accounts', column: 'email', description: null })),
  },
  'POST /access-requests': {
    request: fixed('POST', '/api/v1/access-requests', { table: 'crm.accounts', reason: 'report' }),
    expect: ALL_OK(201),
  },
  'GET /access-requests': { request: fixed('GET', '/api/v1/access-requests'), expect: ALL_OK(200) },
  'POST /access-requests/{id}/approve': {
    request: async (gov) => ({
      method: 'POST',
      path: `/api/v1/access-requests/${(await gov.requestAccess({ name: 'nobody' }, { table: 'crm.accounts', reason: 'r' })).id}/approve`,
    }),
    expect: MANAGERS(200),
    cleanup: revokeNobody,
  },
  'POST /access-requests/{id}/deny': {
    request: async (gov) => ({
      method: 'POST',
      path: `/api/v1/access-requests/${(await gov.requestAccess({ name: 'nobody' }, { table: 'crm.accounts', reason: 'r' })).id}/deny`,
      body: { comment: 'no' },
    }),
    expect: MANAGERS(200),
  },
  'GET /tables': { request: fixed('GET', '/api/v1/tables'), expect: ALL_OK(200) },
  'GET /tables/{table}': { request: fixed('GET', '/api/v1/tables/crm.accounts'), expect: SEERS(200) },
  'GET /tables/{table}/access (itself)': {
    request: fixed('GET', '/api/v1/tables/crm.accounts/access'),
    expect: ALL_OK(200),
  },
  'GET /tables/{table}/access?principal=reader': {
    request: fixed('GET', '/api/v1/tables/crm.accounts/access?principal=reader'),
    expect: SEERS(200),
  },
  'GET /tables/{table}/quality': {
    request: fixed('GET', '/api/v1/tables/crm.accounts/quality'),
    expect: SEERS(200),
  },
  'GET /runs': { request: fixed('GET', '/api/v1/runs'), expect: ALL_OK(200) },
  'GET /runs/{id}': {
    request: async (_gov, w) => {
      if (!(await w.catalog.operations.getRun('matrix-run'))) {
        await w.catalog.operations.startRun({ id: 'matrix-run', pipeline: 'p', trigger: 'manual' });
        await w.catalog.operations.updateRun('matrix-run', {
          detail: { streams: [{ target: 'crm.accounts' }] },
        });
      }
      return { method: 'GET', path: '/api/v1/runs/matrix-run' };
    },
    expect: SEERS(200),
  },
  'GET /audit': { request: fixed('GET', '/api/v1/audit?limit=5'), expect: ADMIN_ONLY(200) },
  'GET /audit/verify': { request: fixed('GET', '/api/v1/audit/verify'), expect: ADMIN_ONLY(200) },
  'GET /lineage/{table}': { request: fixed('GET', '/api/v1/lineage/crm.accounts'), expect: SEERS(200) },
  'POST /lineage': { request: fixed('POST', '/api/v1/lineage', lineageEvent), expect: MANAGERS(201) },
};

describe.each(backends())('authorization matrix on %s', (backend) => {
  let w: World;
  beforeAll(async () => {
    w = await startWorld(backend);
  });
  afterAll(async () => w?.close());

  const denied = async () =>
    (await w.catalog.governance.listAudit({ outcome: 'denied', limit: 100_000 })).length;

  it.each(Object.keys(ROWS))('%s', async (name) => {
    const row = ROWS[name]!;
    const gov = w.catalog.governance;
    const callers: [string, string | undefined, number][] = [
      ['no token', undefined, 401],
      ['expired token', w.tokens.expired, 401],
      ...WHO.map((who, i): [string, string, number] => [who, w.tokens[who], row.expect[i]!]),
    ];
    for (const [label, token, expected] of callers) {
      const req = await row.request(gov, w);
      const before = await w.snapshot();
      const deniedBefore = await denied();
      const r = await call(w.base, req.method, req.path, { ...(token ? { token } : {}), body: req.body });
      expect(r.status, `${label}: ${r.text}`).toBe(expected);
      if (expected >= 400) {
        expect(r.type).toContain('application/problem+json');
        expect(await w.snapshot(), `${label} changed something`).toBe(before);
        expect(await denied(), `${label}: no denied audit record`).toBeGreaterThan(deniedBefore);
      }
      await row.cleanup?.(gov, w);
    }
  });
});
