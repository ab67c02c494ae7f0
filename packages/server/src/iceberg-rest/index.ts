/**
 * The Iceberg REST catalog protocol (apache/iceberg `open-api/rest-catalog-open-api.yaml`) under
 * `/iceberg`, for Spark, PyIceberg, Trino and the rest: config, namespaces, tables, commits with
 * requirements and updates, rename, register and multi-table transactions. Bodies follow the
 * Iceberg spec (kebab-case, Iceberg error objects), not Lakekit's API conventions, so these routes
 * are not in the route table nor in `/api/openapi.json` (docs/iceberg-rest.md).
 *
 * Authentication is the server's own (Lakekit bearer tokens, set on the context by create-server);
 * governance is checked here and every call is audited as `iceberg.<op>`.
 */
import type { Catalog, GovernanceSnapshot, Principal } from '@lakekit/catalog';
import {
  AlreadyExistsError,
  formatTableIdentifier,
  isLakeError,
  NotFoundError,
  parseJson,
  stringifyJson,
  type TableIdentifier,
} from '@lakekit/core';
import {
  applyUpdates,
  checkRequirements,
  commitRestUpdates,
  emptyMetadata,
  InvalidUpdateError,
  nextMetadataLocation,
  RequirementFailedError,
  readMetadata,
  type TableMetadata,
  type TableRequirement,
  type TableUpdate,
  writeMetadata,
} from '@lakekit/iceberg';
import type { Context } from 'hono';
import { Hono } from 'hono';
import type { ServerLog } from '../log.js';

interface Caller {
  principal: Principal;
  snapshot: GovernanceSnapshot;
}
type Env = { Variables: { caller?: Caller } };

/** The namespace separator in paths (PyIceberg's and Java's default: the unit separator, %1F). */
const SEP = '\x1f';

/** An error answered in the Iceberg error format. */
class RestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const forbidden = (m: string) => new RestError(403, 'ForbiddenException', m);
const badRequest = (m: string) => new RestError(400, 'BadRequestException', m);

/** The endpoints this server implements, as advertised in `GET /v1/config`. */
export const ICEBERG_ENDPOINTS = [
  'GET /v1/{prefix}/namespaces',
  'POST /v1/{prefix}/namespaces',
  'GET /v1/{prefix}/namespaces/{namespace}',
  'HEAD /v1/{prefix}/namespaces/{namespace}',
  'DELETE /v1/{prefix}/namespaces/{namespace}',
  'POST /v1/{prefix}/namespaces/{namespace}/properties',
  'GET /v1/{prefix}/namespaces/{namespace}/tables',
  'POST /v1/{prefix}/namespaces/{namespace}/tables',
  'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/register',
  'POST /v1/{prefix}/tables/rename',
  'POST /v1/{prefix}/transactions/commit',
];

function errorOf(e: unknown): { status: number; type: string; message: string; unexpected: boolean } {
  if (e instanceof RestError)
    return { status: e.status, type: e.type, message: e.message, unexpected: false };
  if (e instanceof RequirementFailedError)
    return { status: 409, type: 'CommitFailedException', message: e.message, unexpected: false };
  if (e instanceof InvalidUpdateError)
    return { status: 400, type: 'BadRequestException', message: e.message, unexpected: false };
  if (isLakeError(e)) {
    const c = e.code;
    if (c === 'namespace_not_found')
      return { status: 404, type: 'NoSuchNamespaceException', message: e.message, unexpected: false };
    if (c === 'table_not_found') {
      const noNs = /namespace .* does not exist/.test(e.message);
      return {
        status: 404,
        type: noNs ? 'NoSuchNamespaceException' : 'NoSuchTableException',
        message: e.message,
        unexpected: false,
      };
    }
    if (c.endsWith('_already_exists'))
      return { status: 409, type: 'AlreadyExistsException', message: e.message, unexpected: false };
    if (c === 'namespace_not_empty')
      return { status: 409, type: 'NamespaceNotEmptyException', message: e.message, unexpected: false };
    if (c === 'commit_conflict')
      return { status: 409, type: 'CommitFailedException', message: e.message, unexpected: false };
    if (c === 'forbidden')
      return { status: 403, type: 'ForbiddenException', message: e.message, unexpected: false };
    if (c === 'usage' || (c.endsWith('_invalid') && c !== 'metadata_invalid'))
      return { status: 400, type: 'BadRequestException', message: e.message, unexpected: false };
  }
  return {
    status: 500,
    type: 'ServerErrorException',
    message: 'internal server error (see the server log)',
    unexpected: true,
  };
}

function json(body: unknown, status = 200): Response {
  return new Response(stringifyJson(body), { status, headers: { 'content-type': 'application/json' } });
}

function parseNamespace(text: string): string[] {
  const parts = text.split(SEP);
  if (parts.some((p) => p === '')) throw badRequest(`invalid namespace "${text}"`);
  return parts;
}

const nsName = (ns: readonly string[]) => ns.join('.');

async function body(c: Context): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = parseJson(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest('request body must be a JSON object');
  return v as Record<string, unknown>;
}

function identifierOf(v: unknown, what: string): TableIdentifier {
  const o = v as { namespace?: unknown; name?: unknown } | undefined;
  if (
    !o ||
    !Array.isArray(o.namespace) ||
    o.namespace.length === 0 ||
    typeof o.name !== 'string' ||
    o.name === ''
  )
    throw badRequest(`${what} must be {"namespace": [...], "name": "..."}`);
  return { namespace: o.namespace.map(String), name: o.name };
}

/** Builds the Iceberg REST sub-app; mount it with `app.route('/iceberg', …)` after authentication. */
export function icebergRestApp(o: { catalog: Catalog; log: ServerLog }): Hono<Env> {
  const { catalog, log } = o;
  const gov = catalog.governance;
  const app = new Hono<Env>();

  /** Runs one operation: governance inside `fn`, Iceberg errors, one audit record. */
  const op =
    (
      name: string,
      target: (c: Context<Env>) => string,
      fn: (c: Context<Env>, caller: Caller) => Promise<Response>,
    ) =>
    async (c: Context<Env>): Promise<Response> => {
      const caller = c.get('caller')!;
      let res: Response;
      let tgt = 'iceberg';
      try {
        tgt = target(c);
        res = await fn(c, caller);
      } catch (e) {
        const err = errorOf(e);
        if (err.unexpected)
          log.error(
            { method: c.req.method, path: c.req.path, err: e instanceof Error ? e.stack : String(e) },
            'iceberg request failed',
          );
        res = json({ error: { message: err.message, type: err.type, code: err.status } }, err.status);
      }
      const outcome = res.status === 403 ? 'denied' : res.status >= 400 ? 'error' : 'ok';
      // Batched with the records of concurrent requests into one transaction, before answering.
      await gov.appendAuditBatched({
        actor: caller.principal.name,
        action: `iceberg.${name}`,
        target: tgt,
        outcome,
        detail: { method: c.req.method, status: res.status },
      });
      return res;
    };

  const actorOf = (caller: Caller) => ({ name: caller.principal.name });
  const require = async (
    caller: Caller,
    privilege: 'USAGE' | 'SELECT' | 'MODIFY' | 'MANAGE',
    securable: { type: 'catalog' } | { type: 'namespace'; name: string } | { type: 'table'; name: string },
    why: string,
  ) => {
    if (await gov.can(actorOf(caller), privilege, securable, caller.snapshot)) return;
    const what = securable.type === 'catalog' ? 'the catalog' : `${securable.type} ${securable.name}`;
    throw forbidden(`${why} needs ${privilege} on ${what}`);
  };
  /** Creating in a namespace: MODIFY on it (MANAGE covers it); a top-level namespace: MODIFY on the catalog. */
  const requireCreateIn = (caller: Caller, ns: readonly string[], why: string) =>
    ns.length === 0
      ? require(caller, 'MODIFY', { type: 'catalog' }, why)
      : require(caller, 'MODIFY', { type: 'namespace', name: nsName(ns) }, why);

  const requireNamespace = async (ns: readonly string[]) => {
    if (!(await catalog.namespaceExists(ns)))
      throw new RestError(404, 'NoSuchNamespaceException', `namespace ${nsName(ns)} does not exist`);
  };

  /** Only principals with unmasked, unfiltered SELECT on the whole table may have its metadata (file paths). */
  const requireFullSelect = async (caller: Caller, table: string) => {
    const access = await gov.effectiveAccess(caller.principal.name, table, caller.snapshot);
    const reasons: string[] = [];
    if (!access.canSelect) reasons.push(`no SELECT on table ${table}`);
    const hidden = access.columns.filter((c) => c.access === 'hidden').map((c) => c.name);
    const masked = access.columns.filter((c) => c.access === 'masked').map((c) => c.name);
    if (access.canSelect && hidden.length > 0) reasons.push(`columns not granted: ${hidden.join(', ')}`);
    if (masked.length > 0) reasons.push(`masked columns: ${masked.join(', ')}`);
    if (access.rowFilter) reasons.push(`a row filter applies (${access.rowFilter.predicate})`);
    if (reasons.length > 0)
      throw forbidden(
        `loading table ${table} hands out its file paths, which needs unmasked, unfiltered SELECT on the whole table: ${reasons.join('; ')}; query it through the governed layer (POST /api/v1/query) instead`,
      );
  };

  const warehouseCheck = (location: string, what: string) => {
    if (!(location === catalog.warehouse || location.startsWith(`${catalog.warehouse}/`)))
      throw badRequest(`${what} ${location} is outside the catalog's warehouse ${catalog.warehouse}`);
  };

  const loadResult = (location: string, md: TableMetadata) =>
    json({ 'metadata-location': location, metadata: md, config: {} });

  const tableId = (c: Context<Env>): TableIdentifier => ({
    namespace: parseNamespace(c.req.param('namespace')!),
    name: c.req.param('table')!,
  });
  const nsTarget = (c: Context<Env>) => `namespace:${nsName(parseNamespace(c.req.param('namespace')!))}`;
  const tableTarget = (c: Context<Env>) => `table:${formatTableIdentifier(tableId(c))}`;

  // Config

  app.get(
    '/v1/config',
    op(
      'config',
      () => 'catalog',
      async (c) => {
        const warehouse = c.req.query('warehouse');
        if (
          warehouse !== undefined &&
          warehouse !== '' &&
          warehouse !== catalog.name &&
          warehouse !== catalog.warehouse
        )
          throw new RestError(
            404,
            'NoSuchWarehouseException',
            `unknown warehouse ${warehouse}: this server serves ${catalog.name} (${catalog.warehouse})`,
          );
        return json({ defaults: {}, overrides: {}, endpoints: ICEBERG_ENDPOINTS });
      },
    ),
  );

  // Namespaces

  app.get(
    '/v1/namespaces',
    op(
      'namespace.list',
      () => 'catalog',
      async (c, caller) => {
        const parentText = c.req.query('parent');
        const parent = parentText ? parseNamespace(parentText) : [];
        if (parent.length > 0) await requireNamespace(parent);
        const all = await catalog.listNamespaces();
        const seen = new Map<string, string[]>();
        for (const ns of all) {
          if (ns.length <= parent.length || parent.some((p, i) => ns[i] !== p)) continue;
          const child = ns.slice(0, parent.length + 1);
          seen.set(child.join(SEP), child);
        }
        const visible: string[][] = [];
        for (const ns of seen.values()) {
          const s = { type: 'namespace', name: nsName(ns) } as const;
          if (
            (await gov.can(actorOf(caller), 'USAGE', s, caller.snapshot)) ||
            (await gov.can(actorOf(caller), 'MODIFY', s, caller.snapshot))
          )
            visible.push(ns);
        }
        return json({ namespaces: visible });
      },
    ),
  );

  app.post(
    '/v1/namespaces',
    op(
      'namespace.create',
      () => 'catalog',
      async (c, caller) => {
        const b = await body(c);
        if (!Array.isArray(b['namespace']) || b['namespace'].length === 0)
          throw badRequest('namespace must be a non-empty array');
        const ns = (b['namespace'] as unknown[]).map(String);
        if (ns.some((p) => p === '' || p.includes('.')))
          throw badRequest(
            `invalid namespace ${JSON.stringify(ns)}: levels must be non-empty and without dots`,
          );
        await requireCreateIn(caller, ns.slice(0, -1), `creating namespace ${nsName(ns)}`);
        const props = (b['properties'] ?? {}) as Record<string, unknown>;
        const properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));
        await catalog.createNamespace(ns, properties);
        return json({ namespace: ns, properties });
      },
    ),
  );

  const nsRoute = '/v1/namespaces/:namespace';
  const headNs = op('namespace.exists', nsTarget, async (c, caller) => {
    const ns = parseNamespace(c.req.param('namespace')!);
    await require(caller, 'USAGE', { type: 'namespace', name: nsName(ns) }, `namespace ${nsName(ns)}`);
    return new Response(null, { status: (await catalog.namespaceExists(ns)) ? 204 : 404 });
  });
  // Hono answers HEAD with the GET route: dispatch on the method.
  app.get(nsRoute, (c) => (c.req.method === 'HEAD' ? headNs(c) : headNsGet(c)));
  const headNsGet = op('namespace.load', nsTarget, async (c, caller) => {
    const ns = parseNamespace(c.req.param('namespace')!);
    await require(caller, 'USAGE', {
      type: 'namespace',
      name: nsName(ns),
    }, `loading namespace ${nsName(ns)}`);
    await requireNamespace(ns);
    return json({ namespace: ns, properties: await catalog.store.namespaceProperties(ns) });
  });
  app.delete(
    nsRoute,
    op('namespace.drop', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await require(caller, 'MANAGE', {
        type: 'namespace',
        name: nsName(ns),
      }, `dropping namespace ${nsName(ns)}`);
      await catalog.dropNamespace(ns);
      return new Response(null, { status: 204 });
    }),
  );
  app.post(
    `${nsRoute}/properties`,
    op('namespace.properties', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await require(caller, 'MANAGE', {
        type: 'namespace',
        name: nsName(ns),
      }, `updating properties of namespace ${nsName(ns)}`);
      await requireNamespace(ns);
      const b = await body(c);
      const removals = ((b['removals'] as unknown[] | undefined) ?? []).map(String);
      const updates = Object.fromEntries(
        Object.entries((b['updates'] ?? {}) as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
      const both = removals.filter((k) => k in updates);
      if (both.length > 0)
        throw new RestError(
          422,
          'UnprocessableEntityException',
          `keys both updated and removed: ${both.join(', ')}`,
        );
      const knex = catalog.store.knex;
      const where = { catalog_name: catalog.name, namespace: nsName(ns) };
      const result = await knex.transaction(async (trx) => {
        // Read in the transaction (SQLite has one connection: the store's own read would wait for it).
        const before = Object.fromEntries(
          (await trx('iceberg_namespace_properties').where(where)).map(
            (r: { property_key: string; property_value: string }) => [r.property_key, r.property_value],
          ),
        );
        const removed = removals.filter((k) => k in before);
        const missing = removals.filter((k) => !(k in before));
        if (removed.length > 0)
          await trx('iceberg_namespace_properties').where(where).whereIn('property_key', removed).delete();
        const keys = Object.keys(updates);
        if (keys.length > 0) {
          await trx('iceberg_namespace_properties').where(where).whereIn('property_key', keys).delete();
          await trx('iceberg_namespace_properties').insert(
            keys.map((k) => ({ ...where, property_key: k, property_value: updates[k] })),
          );
        }
        // A namespace exists while it has a property (PyIceberg's SQL-catalog rule): keep the marker.
        const left = await trx('iceberg_namespace_properties').where(where).first();
        if (!left)
          await trx('iceberg_namespace_properties').insert({
            ...where,
            property_key: 'exists',
            property_value: 'true',
          });
        return { updated: keys, removed, missing };
      });
      return json(result);
    }),
  );

  // Tables

  app.get(
    `${nsRoute}/tables`,
    op('table.list', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await requireNamespace(ns);
      const ids = await catalog.listTables(ns);
      const visible: TableIdentifier[] = [];
      for (const id of ids) {
        const s = { type: 'table', name: formatTableIdentifier(id) } as const;
        if (
          (await gov.can(actorOf(caller), 'SELECT', s, caller.snapshot)) ||
          (await gov.can(actorOf(caller), 'MANAGE', s, caller.snapshot))
        )
          visible.push(id);
      }
      return json({ identifiers: visible.map((id) => ({ namespace: id.namespace, name: id.name })) });
    }),
  );

  app.post(
    `${nsRoute}/tables`,
    op('table.create', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      const b = await body(c);
      if (typeof b['name'] !== 'string' || b['name'] === '') throw badRequest('name is required');
      const id = { namespace: ns, name: b['name'] };
      await requireCreateIn(caller, ns, `creating table ${formatTableIdentifier(id)}`);
      await requireNamespace(ns);
      if (b['schema'] === undefined) throw badRequest('schema is required');
      const location =
        typeof b['location'] === 'string' && b['location'] !== ''
          ? b['location'].replace(/\/$/, '')
          : catalog.defaultLocation(id);
      warehouseCheck(location, 'table location');
      const spec = (b['partition-spec'] as Record<string, unknown> | undefined) ?? {
        'spec-id': 0,
        fields: [],
      };
      const order = (b['write-order'] as Record<string, unknown> | undefined) ?? {
        'order-id': 0,
        fields: [],
      };
      const updates: TableUpdate[] = [
        { action: 'add-schema', schema: b['schema'] },
        { action: 'set-current-schema', 'schema-id': -1 },
        { action: 'add-spec', spec },
        { action: 'set-default-spec', 'spec-id': -1 },
        { action: 'add-sort-order', 'sort-order': order },
        { action: 'set-default-sort-order', 'sort-order-id': -1 },
        { action: 'set-location', location },
        { action: 'set-properties', updates: b['properties'] ?? {} },
      ];
      const md = applyUpdates(emptyMetadata(), updates);
      if (b['stage-create'] === true) {
        if (await catalog.tableExists(id))
          throw new AlreadyExistsError('table', `table ${formatTableIdentifier(id)} already exists`);
        return json({ metadata: md, config: {} });
      }
      const metadataLocation = nextMetadataLocation(location);
      await writeMetadata(catalog.io, metadataLocation, md);
      try {
        await catalog.store.createPointer(id, metadataLocation);
      } catch (e) {
        await catalog.io.delete(metadataLocation).catch(() => undefined);
        throw e;
      }
      return loadResult(metadataLocation, md);
    }),
  );

  app.post(
    `${nsRoute}/register`,
    op('table.register', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      const b = await body(c);
      if (typeof b['name'] !== 'string' || b['name'] === '') throw badRequest('name is required');
      if (typeof b['metadata-location'] !== 'string') throw badRequest('metadata-location is required');
      if (b['overwrite'] === true) throw badRequest('register with overwrite is not supported');
      const id = { namespace: ns, name: b['name'] };
      await requireCreateIn(caller, ns, `registering table ${formatTableIdentifier(id)}`);
      await requireNamespace(ns);
      const location = b['metadata-location'];
      warehouseCheck(location, 'metadata location');
      let md: TableMetadata;
      try {
        md = await readMetadata(catalog.io, location);
      } catch (e) {
        throw badRequest(`cannot read metadata file ${location}: ${(e as Error).message}`);
      }
      await catalog.store.createPointer(id, location);
      return loadResult(location, md);
    }),
  );

  const tableRoute = `${nsRoute}/tables/:table`;
  const headTable = op('table.exists', tableTarget, async (c, caller) => {
    const id = tableId(c);
    const name = formatTableIdentifier(id);
    const s = { type: 'table', name } as const;
    if (
      !(await gov.can(actorOf(caller), 'SELECT', s, caller.snapshot)) &&
      !(await gov.can(actorOf(caller), 'MANAGE', s, caller.snapshot))
    )
      throw forbidden(`table ${name} needs SELECT or MANAGE on it`);
    return new Response(null, { status: (await catalog.tableExists(id)) ? 204 : 404 });
  });
  // Hono answers HEAD with the GET route: dispatch on the method.
  app.get(tableRoute, (c) => (c.req.method === 'HEAD' ? headTable(c) : headTableGet(c)));
  // A metadata file never changes once written: its load answer is kept by location (one pointer
  // query per load, then a cached text), at most 256 of them.
  const loadBodies = new Map<string, string>();
  const headTableGet = op('table.load', tableTarget, async (c, caller) => {
    const id = tableId(c);
    const location = await catalog.store.loadPointer(id);
    let body = location === undefined ? undefined : loadBodies.get(location);
    if (body === undefined) {
      const table = await catalog.loadTable(id);
      await requireFullSelect(caller, table.name);
      body = stringifyJson({
        'metadata-location': table.metadataLocation,
        metadata: table.metadata,
        config: {},
      });
      loadBodies.set(table.metadataLocation, body);
      if (loadBodies.size > 256) loadBodies.delete(loadBodies.keys().next().value!);
    } else {
      await requireFullSelect(caller, formatTableIdentifier(id));
    }
    return new Response(body, { headers: { 'content-type': 'application/json' } });
  });
  app.delete(
    tableRoute,
    op('table.drop', tableTarget, async (c, caller) => {
      const id = tableId(c);
      const name = formatTableIdentifier(id);
      await require(caller, 'MANAGE', { type: 'table', name }, `dropping table ${name}`);
      await catalog.dropTable(id, { purge: c.req.query('purgeRequested') === 'true' });
      return new Response(null, { status: 204 });
    }),
  );
  app.post(
    tableRoute,
    op('table.commit', tableTarget, async (c, caller) => {
      const id = tableId(c);
      const b = await body(c);
      const committed = await commitOne(caller, id, b);
      return json({ 'metadata-location': committed.location, metadata: committed.metadata });
    }),
  );

  /** One table's change: governance, then requirements and updates through the compare-and-swap. */
  async function commitOne(
    caller: Caller,
    id: TableIdentifier,
    b: Record<string, unknown>,
  ): Promise<{ location: string; metadata: TableMetadata; previous?: string }> {
    const name = formatTableIdentifier(id);
    const requirements = (b['requirements'] as TableRequirement[] | undefined) ?? [];
    const updates = (b['updates'] as TableUpdate[] | undefined) ?? [];
    if (!Array.isArray(requirements) || !Array.isArray(updates))
      throw badRequest('requirements and updates must be arrays');
    if (requirements.some((r) => r.type === 'assert-create')) {
      await requireCreateIn(caller, id.namespace, `creating table ${name}`);
      await requireNamespace(id.namespace);
      const pointer = await catalog.store.loadPointer(id);
      checkRequirements(
        pointer === undefined ? undefined : await readMetadata(catalog.io, pointer),
        requirements,
      );
      const md = applyUpdates(emptyMetadata(), updates);
      warehouseCheck(md.location, 'table location');
      const location = nextMetadataLocation(md.location);
      await writeMetadata(catalog.io, location, md);
      try {
        await catalog.store.createPointer(id, location);
      } catch (e) {
        await catalog.io.delete(location).catch(() => undefined);
        if (isLakeError(e) && e.code === 'table_already_exists')
          throw new RequirementFailedError(`requirement failed: table ${name} was created concurrently`);
        throw e;
      }
      return { location, metadata: md };
    }
    await require(caller, 'MODIFY', { type: 'table', name }, `committing to table ${name}`);
    const table = await catalog.loadTable(id);
    const previous = table.metadataLocation;
    const md = await commitRestUpdates(table, requirements, updates);
    if (md.location !== table.metadata.location) warehouseCheck(md.location, 'table location');
    return { location: table.metadataLocation, metadata: md, previous };
  }

  app.post(
    '/v1/tables/rename',
    op(
      'table.rename',
      () => 'catalog',
      async (c, caller) => {
        const b = await body(c);
        const from = identifierOf(b['source'], 'source');
        const to = identifierOf(b['destination'], 'destination');
        const fromName = formatTableIdentifier(from);
        await require(caller, 'MANAGE', { type: 'table', name: fromName }, `renaming table ${fromName}`);
        await requireCreateIn(caller, to.namespace, `renaming into namespace ${nsName(to.namespace)}`);
        if (!(await catalog.tableExists(from)))
          throw new RestError(404, 'NoSuchTableException', `table ${fromName} does not exist`);
        await requireNamespace(to.namespace);
        if (await catalog.tableExists(to))
          throw new RestError(
            409,
            'AlreadyExistsException',
            `table ${formatTableIdentifier(to)} already exists`,
          );
        const key = (t: TableIdentifier) => ({
          catalog_name: catalog.name,
          table_namespace: nsName(t.namespace),
          table_name: t.name,
        });
        const n = await catalog.store
          .knex('iceberg_tables')
          .where(key(from))
          .update({ table_namespace: nsName(to.namespace), table_name: to.name });
        if (n !== 1) throw new NotFoundError('table', `table ${fromName} does not exist`);
        return new Response(null, { status: 204 });
      },
    ),
  );

  app.post(
    '/v1/transactions/commit',
    op(
      'transaction.commit',
      () => 'catalog',
      async (c, caller) => {
        const b = await body(c);
        const changes = b['table-changes'];
        if (!Array.isArray(changes) || changes.length === 0)
          throw badRequest('table-changes must be a non-empty array');
        const parsed = changes.map((ch: Record<string, unknown>) => ({
          id: identifierOf(ch['identifier'], 'identifier'),
          body: ch,
        }));
        const names = new Set(parsed.map((p) => formatTableIdentifier(p.id)));
        if (names.size !== parsed.length) throw badRequest('a table appears more than once in table-changes');
        // Governance and requirements of every table first, so most failures commit nothing.
        for (const p of parsed) {
          const name = formatTableIdentifier(p.id);
          await require(caller, 'MODIFY', { type: 'table', name }, `committing to table ${name}`);
          const table = await catalog.loadTable(p.id);
          checkRequirements(table.metadata, (p.body['requirements'] as TableRequirement[]) ?? []);
          applyUpdates(table.metadata, (p.body['updates'] as TableUpdate[]) ?? []);
        }
        // Then one compare-and-swap per table; on a failure the tables already committed are swapped
        // back when nobody committed on top of them since (best effort: see docs/iceberg-rest.md).
        const done: { id: TableIdentifier; previous: string; location: string }[] = [];
        try {
          for (const p of parsed) {
            const r = await commitOne(caller, p.id, p.body);
            done.push({ id: p.id, previous: r.previous!, location: r.location });
          }
        } catch (e) {
          const stuck: string[] = [];
          for (const d of done.reverse()) {
            const back = await catalog.store.swapPointer(d.id, d.location, d.previous).catch(() => false);
            if (!back) stuck.push(formatTableIdentifier(d.id));
          }
          if (stuck.length > 0) {
            log.error({ tables: stuck }, 'iceberg transaction partially committed');
            const err = errorOf(e);
            throw new RestError(
              err.status === 409 ? 409 : 500,
              err.status === 409 ? 'CommitFailedException' : 'CommitStateUnknownException',
              `${err.message}; tables already committed and not rolled back (changed since): ${stuck.join(', ')}`,
            );
          }
          throw e;
        }
        return new Response(null, { status: 204 });
      },
    ),
  );

  app.all('*', (c) =>
    json(
      {
        error: {
          message: `no such Iceberg REST route: ${c.req.method} ${c.req.path}`,
          type: 'NotFoundException',
          code: 404,
        },
      },
      404,
    ),
  );
  return app;
}
