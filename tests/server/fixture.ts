/**
 * A governance server for tests: a real catalog (SQLite in a temporary folder, or a fresh
 * PostgreSQL database on LAKEKIT_TEST_POSTGRES_URL), a few tables, principals with and without
 * grants, and the server listening on a free loopback port. `call` sends real HTTP requests.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { createFileIO } from '@lakekit/storage';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';

export type Backend = 'sqlite' | 'postgres';

/** Which backends to run: both (PostgreSQL needs LAKEKIT_TEST_POSTGRES_URL). */
export function backends(): Backend[] {
  if (!process.env['LAKEKIT_TEST_POSTGRES_URL']) {
    throw new Error(
      'LAKEKIT_TEST_POSTGRES_URL is not set (run integration tests with: bash tests/run-all.sh)',
    );
  }
  return ['sqlite', 'postgres'];
}

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(join(import.meta.dirname, '..', '..', 'catalog', 'package.json'))('pg') as {
  Client: new (c: { connectionString: string }) => PgClient;
};

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env['LAKEKIT_TEST_POSTGRES_URL']! });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** A fresh catalog on the backend; `drop` removes its files or database. */
export async function freshCatalog(
  backend: Backend,
): Promise<{ catalog: Catalog; uri: string; dir: string; drop(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-server-'));
  let uri = `sqlite:${join(dir, 'catalog.db')}`;
  let database: string | undefined;
  if (backend === 'postgres') {
    database = `gov_h2_${randomBytes(5).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${database}`);
    const u = new URL(process.env['LAKEKIT_TEST_POSTGRES_URL']!);
    u.pathname = `/${database}`;
    uri = u.toString();
  }
  const catalog = await Catalog.open({
    uri,
    name: 'lakekit',
    warehouse: pathToFileURL(join(dir, 'warehouse')).href,
    io: createFileIO({}),
  });
  return {
    catalog,
    uri,
    dir,
    drop: async () => {
      await catalog.close().catch(() => undefined);
      if (database) await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** An HTTP answer: status, headers and the parsed body (JSON when it is JSON). */
export interface Answer {
  status: number;
  type: string;
  // biome-ignore lint/suspicious/noExplicitAny: tests read answers of many shapes
  body: any;
  text: string;
}

/** Sends a request; `body` objects are sent as JSON, strings as they are. */
export async function call(
  base: string,
  method: string,
  path: string,
  o: { token?: string; body?: unknown; headers?: Record<string, string> } = {},
): Promise<Answer> {
  const headers: Record<string, string> = { ...(o.token ? { authorization: `Bearer ${o.token}` } : {}) };
  let body: string | undefined;
  if (typeof o.body === 'string') body = o.body;
  else if (o.body !== undefined) {
    body = JSON.stringify(o.body);
    headers['content-type'] = 'application/json';
  }
  const res = await fetch(`${base}${path}`, { method, headers: { ...headers, ...o.headers }, body });
  const text = await res.text();
  const type = res.headers.get('content-type') ?? '';
  return {
    status: res.status,
    type,
    text,
    body: /^application\/([a-z.+-]*\+)?json(;|$)/.test(type) && text !== '' ? JSON.parse(text) : text,
  };
}

/** The world the tests share: tables, principals and their tokens. */
export interface World {
  backend: Backend;
  catalog: Catalog;
  handle: ServerHandle;
  base: string;
  logs: object[];
  tokens: { admin: string; reader: string; owner: string; nobody: string; expired: string };
  /** Everything the governance store holds (but the audit log), to compare before and after. */
  snapshot(): Promise<string>;
  close(): Promise<void>;
}

/**
 * Tables crm.accounts (id, name, email, region) and crm.orders, hr.salaries; principals:
 * `admin` (bootstrap, MANAGE on the catalog), `reader` (USAGE on catalog and crm, SELECT on
 * crm.accounts, role analyst), `owner` (owner of crm.accounts), `nobody` (no grants); and an expired
 * token of `reader`.
 */
export async function startWorld(backend: Backend): Promise<World> {
  const fresh = await freshCatalog(backend);
  const { catalog } = fresh;
  const gov = catalog.governance;
  await catalog.createNamespace(['crm']);
  await catalog.createNamespace(['hr']);
  const str = { kind: 'string' } as const;
  const long = { kind: 'long' } as const;
  await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, [
    { name: 'id', type: long, required: true },
    { name: 'name', type: str },
    { name: 'email', type: str },
    { name: 'region', type: str },
  ]);
  await catalog.createTable({ namespace: ['crm'], name: 'orders' }, [
    { name: 'id', type: long },
    { name: 'account_id', type: long },
  ]);
  await catalog.createTable({ namespace: ['hr'], name: 'salaries' }, [
    { name: 'id', type: long },
    { name: 'salary', type: long },
  ]);
  const boot = await gov.bootstrap();
  const A = LOCAL_ADMIN;
  await gov.createPrincipal(A, { name: 'reader', kind: 'user', attributes: { region: 'west' } });
  await gov.createPrincipal(A, { name: 'owner', kind: 'user' });
  await gov.createPrincipal(A, { name: 'nobody', kind: 'service' });
  await gov.createRole(A, { name: 'analyst', description: 'analysts' });
  await gov.addMember(A, 'analyst', 'reader');
  await gov.grant(A, {
    privilege: 'USAGE',
    securable: { type: 'catalog' },
    grantee: { type: 'principal', name: 'reader' },
  });
  await gov.grant(A, {
    privilege: 'USAGE',
    securable: { type: 'namespace', name: 'crm' },
    grantee: { type: 'principal', name: 'reader' },
  });
  await gov.grant(A, {
    privilege: 'SELECT',
    securable: { type: 'table', name: 'crm.accounts' },
    grantee: { type: 'principal', name: 'reader' },
  });
  await gov.annotate(A, {
    table: 'crm.accounts',
    owner: { type: 'principal', name: 'owner' },
    description: 'Customer accounts',
  });
  const expired = await gov.issueToken(A, 'reader', { name: 'short', ttlSeconds: 1 });
  const tokens = {
    admin: boot.token!.token,
    reader: (await gov.issueToken(A, 'reader')).token,
    owner: (await gov.issueToken(A, 'owner')).token,
    nobody: (await gov.issueToken(A, 'nobody')).token,
    expired: expired.token,
  };
  const logs: object[] = [];
  const log = {
    info: (o: object) => logs.push(o),
    warn: (o: object) => logs.push(o),
    error: (o: object) => logs.push(o),
  };
  const handle = await createServer({ catalog, log, validateResponses: true }).listen({
    port: 0,
    host: '127.0.0.1',
  });
  // Let the short token expire.
  await new Promise((r) => setTimeout(r, Math.max(0, Date.parse(expired.expiresAt!) - Date.now() + 50)));
  return {
    backend,
    catalog,
    handle,
    base: handle.url,
    logs,
    tokens,
    snapshot: async () => {
      const principals = await gov.listPrincipals();
      return JSON.stringify({
        principals,
        tokens: await Promise.all(
          principals.map((p) => gov.listTokens(p.name).then((ts) => ts.map(({ lastUsedAt: _, ...t }) => t))),
        ),
        roles: await gov.listRoles(),
        grants: await gov.listGrants(),
        masks: await gov.listMasks(),
        filters: await gov.listRowFilters(),
        tags: await gov.listTags(),
        policies: await gov.listTagPolicies(),
        annotations: await gov.listAnnotations(),
        requests: await gov.listAccessRequests(),
        lineage: await catalog.operations.listLineage(),
      });
    },
    close: async () => {
      await handle.close();
      await fresh.drop();
    },
  };
}
