/**
 * View routes: list (paged), create, load, exists, commit (replace, properties, location), drop,
 * rename and register. A view is a row of the catalog's `iceberg_tables` with `iceberg_type = 'VIEW'`
 * (the Iceberg JDBC catalog's layout, which Lakekit's own table listings skip) pointing at a view
 * metadata file in the warehouse, swapped by compare-and-swap like a table's.
 *
 * Governance: views carry SQL text, no data, and have no grants of their own; they are governed by
 * their namespace — USAGE (or MODIFY) to list, load and test them, MODIFY to create, replace and
 * register, MANAGE to drop or rename (rename also MODIFY on the target namespace).
 */
import type { Catalog } from '@lakekit/catalog';
import { formatTableIdentifier, type TableIdentifier } from '@lakekit/core';
import { RequirementFailedError, type TableUpdate } from '@lakekit/iceberg';
import type { Hono } from 'hono';
import {
  body,
  type Caller,
  type Ctx,
  type Env,
  identifierOf,
  page,
  parseNamespace,
  type RestContext,
} from './context.js';
import { alreadyExists, badRequest, json, noSuchNamespace, noSuchView, nsName, RestError } from './errors.js';
import {
  checkViewRequirements,
  readViewMetadata,
  ViewBuilder,
  type ViewMetadata,
  viewMetadataDir,
  writeViewMetadata,
} from './view-metadata.js';

const key = (catalog: Catalog, id: TableIdentifier) => ({
  catalog_name: catalog.name,
  table_namespace: nsName(id.namespace),
  table_name: id.name,
});

/** What holds a name in a namespace: a table, a view, or nothing. */
export async function kindOf(catalog: Catalog, id: TableIdentifier): Promise<'TABLE' | 'VIEW' | undefined> {
  const row = await catalog.store
    .knex('iceberg_tables')
    .select('iceberg_type')
    .where(key(catalog, id))
    .first();
  if (!row) return undefined;
  return row.iceberg_type === 'VIEW' ? 'VIEW' : 'TABLE';
}

export async function loadViewPointer(catalog: Catalog, id: TableIdentifier): Promise<string | undefined> {
  const row = await catalog.store
    .knex('iceberg_tables')
    .select('metadata_location')
    .where({ ...key(catalog, id), iceberg_type: 'VIEW' })
    .first();
  return row?.metadata_location ?? undefined;
}

/** The views of a namespace, sorted by name. */
export async function listViews(catalog: Catalog, ns: readonly string[]): Promise<TableIdentifier[]> {
  const rows = await catalog.store
    .knex('iceberg_tables')
    .select('table_name')
    .where({ catalog_name: catalog.name, table_namespace: nsName(ns), iceberg_type: 'VIEW' });
  return rows
    .map((r: { table_name: string }) => ({ namespace: [...ns], name: r.table_name }))
    .sort((a: TableIdentifier, b: TableIdentifier) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The conflict answer for a name already taken by a view or a table. */
function taken(kind: 'TABLE' | 'VIEW', id: TableIdentifier): RestError {
  const name = formatTableIdentifier(id);
  return kind === 'VIEW'
    ? alreadyExists(`View already exists: ${name}`)
    : alreadyExists(`Table with same name already exists: ${name}`);
}

async function insertView(catalog: Catalog, id: TableIdentifier, location: string): Promise<void> {
  try {
    await catalog.store.knex('iceberg_tables').insert({
      ...key(catalog, id),
      metadata_location: location,
      previous_metadata_location: null,
      iceberg_type: 'VIEW',
    });
  } catch (e) {
    // A table or view took the name since the check.
    const kind = await kindOf(catalog, id);
    if (kind) throw taken(kind, id);
    throw e;
  }
}

const loadResult = (location: string, md: ViewMetadata) =>
  json({ 'metadata-location': location, metadata: md, config: {} });

export function viewRoutes(app: Hono<Env>, ctx: RestContext): void {
  const { catalog } = ctx;
  const nsRoute = '/v1/namespaces/:namespace';
  const viewRoute = `${nsRoute}/views/:view`;
  const viewId = (c: Ctx): TableIdentifier => ({
    namespace: parseNamespace(c.req.param('namespace')!),
    name: c.req.param('view')!,
  });
  const nsTarget = (c: Ctx) => `namespace:${nsName(parseNamespace(c.req.param('namespace')!))}`;
  const viewTarget = (c: Ctx) => `view:${formatTableIdentifier(viewId(c))}`;
  const requireRead = (caller: Caller, ns: readonly string[], why: string) =>
    ctx.requireEither(caller, 'USAGE', 'MODIFY', { type: 'namespace', name: nsName(ns) }, why);

  app.get(
    `${nsRoute}/views`,
    ctx.op('view.list', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await requireRead(caller, ns, `listing the views of namespace ${nsName(ns)}`);
      await ctx.requireNamespace(ns);
      const p = page(c, await listViews(catalog, ns), (id) => id.name);
      return json({
        identifiers: p.items.map((id) => ({ namespace: id.namespace, name: id.name })),
        ...(p.next ? { 'next-page-token': p.next } : {}),
      });
    }),
  );

  app.post(
    `${nsRoute}/views`,
    ctx.op('view.create', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      const b = await body(c);
      if (typeof b['name'] !== 'string' || b['name'] === '') throw badRequest('name is required');
      const id = { namespace: ns, name: b['name'] };
      await ctx.requireCreateIn(caller, ns, `creating view ${formatTableIdentifier(id)}`);
      await ctx.requireNamespace(ns);
      const kind = await kindOf(catalog, id);
      if (kind) throw taken(kind, id);
      const schema = b['schema'] as Record<string, unknown> | undefined;
      const version = b['view-version'] as Record<string, unknown> | undefined;
      if (!schema || typeof schema !== 'object') throw badRequest('schema is required');
      if (!version || typeof version !== 'object') throw badRequest('view-version is required');
      const representations = (version['representations'] as Record<string, unknown>[] | undefined) ?? [];
      const unsupported = [
        ...new Set(representations.filter((r) => r['type'] !== 'sql').map((r) => String(r['type']))),
      ];
      if (unsupported.length > 0)
        throw badRequest(`Found unsupported view representations: [${unsupported.join(', ')}]`);
      const location =
        typeof b['location'] === 'string' && b['location'] !== ''
          ? b['location'].replace(/\/+$/, '')
          : catalog.defaultLocation(id);
      ctx.warehouseCheck(location, 'view location');
      const builder = new ViewBuilder();
      builder.apply([
        { action: 'set-properties', updates: (b['properties'] as Record<string, unknown>) ?? {} },
        { action: 'set-location', location },
      ]);
      const schemaId = builder.addSchema(schema);
      builder.setCurrentVersion(builder.addVersion({ ...version, 'version-id': 1, 'schema-id': schemaId }));
      const md = builder.build()!;
      ctx.warehouseCheck(viewMetadataDir(md), 'view metadata path');
      const metadataLocation = await writeViewMetadata(catalog.io, md);
      try {
        await insertView(catalog, id, metadataLocation);
      } catch (e) {
        await catalog.io.delete(metadataLocation).catch(() => undefined);
        throw e;
      }
      return loadResult(metadataLocation, md);
    }),
  );

  const headView = ctx.op('view.exists', viewTarget, async (c, caller) => {
    const id = viewId(c);
    await requireRead(caller, id.namespace, `view ${formatTableIdentifier(id)}`);
    return new Response(null, { status: (await loadViewPointer(catalog, id)) ? 204 : 404 });
  });
  const getView = ctx.op('view.load', viewTarget, async (c, caller) => {
    const id = viewId(c);
    await requireRead(caller, id.namespace, `loading view ${formatTableIdentifier(id)}`);
    const location = await loadViewPointer(catalog, id);
    if (location === undefined) throw noSuchView(id);
    return loadResult(location, await readViewMetadata(catalog.io, location));
  });
  // Hono answers HEAD with the GET route: dispatch on the method.
  app.get(viewRoute, (c) => (c.req.method === 'HEAD' ? headView(c) : getView(c)));

  app.post(
    viewRoute,
    ctx.op('view.commit', viewTarget, async (c, caller) => {
      const id = viewId(c);
      await ctx.require(
        caller,
        'MODIFY',
        { type: 'namespace', name: nsName(id.namespace) },
        `changing view ${formatTableIdentifier(id)}`,
      );
      const b = await body(c);
      const requirements = (b['requirements'] as Record<string, unknown>[] | undefined) ?? [];
      const updates = (b['updates'] as TableUpdate[] | undefined) ?? [];
      if (!Array.isArray(requirements) || !Array.isArray(updates))
        throw badRequest('requirements and updates must be arrays');
      // Compare-and-swap on the pointer; a lost race is retried while the requirements still hold.
      for (let attempt = 0; attempt < 4; attempt++) {
        const previous = await loadViewPointer(catalog, id);
        if (previous === undefined) throw noSuchView(id);
        const base = await readViewMetadata(catalog.io, previous);
        checkViewRequirements(base, requirements);
        const md = new ViewBuilder(base).apply(updates).build();
        if (!md) return loadResult(previous, base);
        if (md.location !== base.location) ctx.warehouseCheck(md.location, 'view location');
        ctx.warehouseCheck(viewMetadataDir(md), 'view metadata path');
        const location = await writeViewMetadata(catalog.io, md, previous);
        const n = await catalog.store
          .knex('iceberg_tables')
          .where({ ...key(catalog, id), iceberg_type: 'VIEW', metadata_location: previous })
          .update({ metadata_location: location, previous_metadata_location: previous });
        if (n === 1) return loadResult(location, md);
        await catalog.io.delete(location).catch(() => undefined);
      }
      throw new RequirementFailedError(
        `view ${formatTableIdentifier(id)}: gave up after 4 commit attempts lost to other writers`,
      );
    }),
  );

  app.delete(
    viewRoute,
    ctx.op('view.drop', viewTarget, async (c, caller) => {
      const id = viewId(c);
      await ctx.require(
        caller,
        'MANAGE',
        { type: 'namespace', name: nsName(id.namespace) },
        `dropping view ${formatTableIdentifier(id)}`,
      );
      const n = await catalog.store
        .knex('iceberg_tables')
        .where({ ...key(catalog, id), iceberg_type: 'VIEW' })
        .delete();
      if (n !== 1) throw noSuchView(id);
      return new Response(null, { status: 204 });
    }),
  );

  app.post(
    '/v1/views/rename',
    ctx.op(
      'view.rename',
      () => 'catalog',
      async (c, caller) => {
        const b = await body(c);
        const from = identifierOf(b['source'], 'source');
        const to = identifierOf(b['destination'], 'destination');
        const fromName = formatTableIdentifier(from);
        const toName = formatTableIdentifier(to);
        await ctx.require(
          caller,
          'MANAGE',
          { type: 'namespace', name: nsName(from.namespace) },
          `renaming view ${fromName}`,
        );
        await ctx.requireCreateIn(caller, to.namespace, `renaming into namespace ${nsName(to.namespace)}`);
        if (fromName === toName) return new Response(null, { status: 204 });
        if (!(await catalog.namespaceExists(to.namespace))) throw noSuchNamespace(to.namespace);
        if ((await loadViewPointer(catalog, from)) === undefined)
          throw new RestError(404, 'NoSuchViewException', `View does not exist: ${fromName}`);
        const kind = await kindOf(catalog, to);
        if (kind === 'TABLE')
          throw alreadyExists(`Cannot rename ${fromName} to ${toName}. Table already exists`);
        if (kind === 'VIEW')
          throw alreadyExists(`Cannot rename ${fromName} to ${toName}. View already exists`);
        let n: number;
        try {
          n = await catalog.store
            .knex('iceberg_tables')
            .where({ ...key(catalog, from), iceberg_type: 'VIEW' })
            .update({ table_namespace: nsName(to.namespace), table_name: to.name });
        } catch (e) {
          if (await kindOf(catalog, to))
            throw alreadyExists(`Cannot rename ${fromName} to ${toName}. View already exists`);
          throw e;
        }
        if (n !== 1) throw noSuchView(from);
        return new Response(null, { status: 204 });
      },
    ),
  );

  app.post(
    `${nsRoute}/register-view`,
    ctx.op('view.register', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      const b = await body(c);
      if (typeof b['name'] !== 'string' || b['name'] === '') throw badRequest('name is required');
      if (typeof b['metadata-location'] !== 'string' || b['metadata-location'] === '')
        throw badRequest('Cannot register an empty metadata file location as a view');
      const id = { namespace: ns, name: b['name'] };
      await ctx.requireCreateIn(caller, ns, `registering view ${formatTableIdentifier(id)}`);
      await ctx.requireNamespace(ns);
      const kind = await kindOf(catalog, id);
      if (kind) throw taken(kind, id);
      const location = b['metadata-location'];
      ctx.warehouseCheck(location, 'metadata location');
      let md: ViewMetadata;
      try {
        md = await readViewMetadata(catalog.io, location);
      } catch (e) {
        throw badRequest(`cannot read view metadata file ${location}: ${(e as Error).message}`);
      }
      await insertView(catalog, id, location);
      return loadResult(location, md);
    }),
  );
}
