/**
 * Table routes: list (paged), create (and staged create), register (with overwrite), load, exists,
 * commit, drop (with purge), rename, and multi-table transactions.
 */
import { formatTableIdentifier, isLakeError, stringifyJson, type TableIdentifier } from '@lakekit/core';
import {
  applyUpdates,
  checkRequirements,
  commitRestUpdates,
  createTableMetadata,
  emptyMetadata,
  nextMetadataLocation,
  RequirementFailedError,
  readMetadata,
  type Table,
  type TableMetadata,
  type TableRequirement,
  type TableUpdate,
  writeMetadata,
} from '@lakekit/iceberg';
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
import {
  alreadyExists,
  badRequest,
  errorOf,
  illegalArgument,
  json,
  noSuchNamespace,
  noSuchTable,
  nsName,
  RestError,
} from './errors.js';
import { kindOf } from './views.js';

const notFoundCode = (e: unknown) => (isLakeError(e) ? e.code : undefined);

/** The answer to loading a table: `snapshots=refs` leaves out snapshots no branch or tag points at. */
function loadBody(location: string, md: TableMetadata, snapshots: string | undefined): string {
  let metadata = md;
  if (snapshots === 'refs') {
    const referenced = new Set(Object.values(md.refs).map((r) => r['snapshot-id']));
    metadata = { ...md, snapshots: md.snapshots.filter((s) => referenced.has(s['snapshot-id'])) };
  } else if (snapshots !== undefined && snapshots !== 'all') {
    throw illegalArgument(`Invalid snapshot mode: ${snapshots}`);
  }
  return stringifyJson({ 'metadata-location': location, metadata, config: {} });
}

export function tableRoutes(app: Hono<Env>, ctx: RestContext): void {
  const { catalog } = ctx;
  const nsRoute = '/v1/namespaces/:namespace';
  const tableRoute = `${nsRoute}/tables/:table`;
  const tableId = (c: Ctx): TableIdentifier => ({
    namespace: parseNamespace(c.req.param('namespace')!),
    name: c.req.param('table')!,
  });
  const nsTarget = (c: Ctx) => `namespace:${nsName(parseNamespace(c.req.param('namespace')!))}`;
  const tableTarget = (c: Ctx) => `table:${formatTableIdentifier(tableId(c))}`;

  /** A table to change, or 404 `Table does not exist`. */
  const loadTable = async (id: TableIdentifier): Promise<Table> => {
    try {
      return await catalog.loadTable(id);
    } catch (e) {
      if (notFoundCode(e) === 'table_not_found') throw noSuchTable(id);
      if (notFoundCode(e) === 'file_not_found')
        throw new RestError(
          404,
          'NotFoundException',
          `Failed to open input stream for file: ${(await catalog.store.loadPointer(id)) ?? ''}`,
        );
      throw e;
    }
  };

  /** A new table's pointer; a name taken by a table or view in the meantime is a conflict. */
  const createPointer = async (id: TableIdentifier, location: string, conflict: () => Error) => {
    try {
      await catalog.store.createPointer(id, location);
    } catch (e) {
      await catalog.io.delete(location).catch(() => undefined);
      if (notFoundCode(e) === 'namespace_not_found') throw noSuchNamespace(id.namespace);
      if (notFoundCode(e) === 'table_already_exists') {
        if ((await kindOf(catalog, id)) === 'VIEW')
          throw alreadyExists(`View with same name already exists: ${formatTableIdentifier(id)}`);
        throw conflict();
      }
      throw e;
    }
  };

  app.get(
    `${nsRoute}/tables`,
    ctx.op('table.list', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await ctx.requireNamespace(ns);
      const visible: TableIdentifier[] = [];
      for (const id of await catalog.listTables(ns)) {
        const s = { type: 'table', name: formatTableIdentifier(id) } as const;
        if ((await ctx.can(caller, 'SELECT', s)) || (await ctx.can(caller, 'MANAGE', s))) visible.push(id);
      }
      const p = page(c, visible, (id) => id.name);
      return json({
        identifiers: p.items.map((id) => ({ namespace: id.namespace, name: id.name })),
        ...(p.next ? { 'next-page-token': p.next } : {}),
      });
    }),
  );

  app.post(
    `${nsRoute}/tables`,
    ctx.op('table.create', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      const b = await body(c);
      if (typeof b['name'] !== 'string' || b['name'] === '') throw badRequest('name is required');
      const id = { namespace: ns, name: b['name'] };
      const name = formatTableIdentifier(id);
      await ctx.requireCreateIn(caller, ns, `creating table ${name}`);
      await ctx.requireNamespace(ns);
      const kind = await kindOf(catalog, id);
      if (kind === 'TABLE') throw alreadyExists(`Table already exists: ${name}`);
      if (kind === 'VIEW') throw alreadyExists(`View with same name already exists: ${name}`);
      const schema = b['schema'];
      if (schema === null || typeof schema !== 'object' || Array.isArray(schema))
        throw badRequest('schema is required');
      const location =
        typeof b['location'] === 'string' && b['location'] !== ''
          ? b['location'].replace(/\/+$/, '')
          : catalog.defaultLocation(id);
      ctx.warehouseCheck(location, 'table location');
      const properties = (b['properties'] ?? {}) as Record<string, string>;
      const md = createTableMetadata({
        schema: schema as Record<string, unknown>,
        spec: b['partition-spec'] as Record<string, unknown> | undefined,
        writeOrder: b['write-order'] as Record<string, unknown> | undefined,
        location,
        properties,
      });
      if (b['stage-create'] === true) return json({ metadata: md, config: {} });
      const metadataLocation = nextMetadataLocation(location);
      await writeMetadata(catalog.io, metadataLocation, md);
      await createPointer(id, metadataLocation, () => alreadyExists(`Table already exists: ${name}`));
      await ctx.setOwner(caller, id);
      return json({ 'metadata-location': metadataLocation, metadata: md, config: {} });
    }),
  );

  app.post(
    `${nsRoute}/register`,
    ctx.op('table.register', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      const b = await body(c);
      if (typeof b['name'] !== 'string' || b['name'] === '') throw badRequest('name is required');
      if (typeof b['metadata-location'] !== 'string' || b['metadata-location'] === '')
        throw badRequest('metadata-location is required');
      const overwrite = b['overwrite'] === true;
      const id = { namespace: ns, name: b['name'] };
      const name = formatTableIdentifier(id);
      await ctx.requireCreateIn(caller, ns, `registering table ${name}`);
      await ctx.requireNamespace(ns);
      const kind = await kindOf(catalog, id);
      if (kind === 'VIEW') throw alreadyExists(`View with same name already exists: ${name}`);
      if (kind === 'TABLE' && !overwrite) throw alreadyExists(`Table already exists: ${name}`);
      // Replacing a table's metadata is as much as dropping it: MANAGE on it (its owner).
      if (kind === 'TABLE')
        await ctx.require(caller, 'MANAGE', { type: 'table', name }, `registering over table ${name}`);
      const location = b['metadata-location'];
      ctx.warehouseCheck(location, 'metadata location');
      let md: TableMetadata;
      try {
        md = await readMetadata(catalog.io, location);
      } catch (e) {
        throw badRequest(`cannot read metadata file ${location}: ${(e as Error).message}`);
      }
      ctx.warehouseCheck(md.location, 'table location');
      if (kind === 'TABLE') {
        const previous = await catalog.store.loadPointer(id);
        if (previous === undefined || !(await catalog.store.swapPointer(id, previous, location)))
          throw new RestError(
            409,
            'CommitFailedException',
            `table ${name} changed while it was registered over`,
          );
      } else {
        await createPointer(id, location, () => alreadyExists(`Table already exists: ${name}`));
        await ctx.setOwner(caller, id);
      }
      return json({ 'metadata-location': location, metadata: md, config: {} });
    }),
  );

  const headTable = ctx.op('table.exists', tableTarget, async (c, caller) => {
    const id = tableId(c);
    const name = formatTableIdentifier(id);
    await ctx.requireEither(caller, 'SELECT', 'MANAGE', { type: 'table', name }, `table ${name}`);
    return new Response(null, { status: (await catalog.tableExists(id)) ? 204 : 404 });
  });
  // A metadata file never changes once written: its load answer is kept by location (one pointer
  // query per load, then a cached text), at most 256 of them.
  const loadBodies = new Map<string, string>();
  const getTable = ctx.op('table.load', tableTarget, async (c, caller) => {
    const id = tableId(c);
    const snapshots = c.req.query('snapshots');
    const location = await catalog.store.loadPointer(id);
    if (location === undefined) throw noSuchTable(id);
    await ctx.requireFullSelect(caller, formatTableIdentifier(id));
    if (snapshots !== undefined && snapshots !== 'all') {
      const table = await loadTable(id);
      return new Response(loadBody(table.metadataLocation, table.metadata, snapshots), {
        headers: { 'content-type': 'application/json' },
      });
    }
    let text = loadBodies.get(location);
    if (text === undefined) {
      const table = await loadTable(id);
      text = loadBody(table.metadataLocation, table.metadata, undefined);
      loadBodies.set(table.metadataLocation, text);
      if (loadBodies.size > 256) loadBodies.delete(loadBodies.keys().next().value!);
    }
    return new Response(text, { headers: { 'content-type': 'application/json' } });
  });
  // Hono answers HEAD with the GET route: dispatch on the method.
  app.get(tableRoute, (c) => (c.req.method === 'HEAD' ? headTable(c) : getTable(c)));

  app.delete(
    tableRoute,
    ctx.op('table.drop', tableTarget, async (c, caller) => {
      const id = tableId(c);
      const name = formatTableIdentifier(id);
      await ctx.require(caller, 'MANAGE', { type: 'table', name }, `dropping table ${name}`);
      // Purge deletes what the table's metadata reaches, not everything under its location (see
      // Catalog.dropTable); the pointer and the table's governance go in one transaction.
      let dropped: { notDeleted: string[]; unreadable?: string };
      try {
        dropped = await catalog.dropTable(id, {
          purge: c.req.query('purgeRequested') === 'true',
          actor: { name: caller.principal.name },
        });
      } catch (e) {
        if (notFoundCode(e) === 'table_not_found') throw noSuchTable(id);
        throw e;
      }
      if (dropped.unreadable)
        ctx.log.error(
          { table: name, err: dropped.unreadable },
          'purge: a manifest could not be read; deleted the metadata files only',
        );
      if (dropped.notDeleted.length > 0)
        ctx.log.error({ table: name, files: dropped.notDeleted }, 'purge: files not deleted');
      return new Response(null, { status: 204 });
    }),
  );

  app.post(
    tableRoute,
    ctx.op('table.commit', tableTarget, async (c, caller) => {
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
    if (requirements.some((r) => r?.type === 'assert-create')) {
      const others = requirements.filter((r) => r?.type !== 'assert-create');
      if (others.length > 0)
        throw illegalArgument(`Invalid create requirements: ${others.map((r) => r.type).join(', ')}`);
      await ctx.requireCreateIn(caller, id.namespace, `creating table ${name}`);
      await ctx.requireNamespace(id.namespace);
      const kind = await kindOf(catalog, id);
      if (kind === 'VIEW') throw alreadyExists(`View with same name already exists: ${name}`);
      checkRequirements(kind === 'TABLE' ? emptyMetadata() : undefined, requirements);
      const version = updates.find((u) => u?.action === 'upgrade-format-version')?.['format-version'];
      const md = applyUpdates(emptyMetadata(version === undefined ? 2 : Number(version)), updates);
      ctx.warehouseCheck(md.location, 'table location');
      const location = nextMetadataLocation(md.location);
      await writeMetadata(catalog.io, location, md);
      await createPointer(
        id,
        location,
        () => new RequirementFailedError('Requirement failed: table already exists'),
      );
      await ctx.setOwner(caller, id);
      return { location, metadata: md };
    }
    await ctx.require(caller, 'MODIFY', { type: 'table', name }, `committing to table ${name}`);
    const table = await loadTable(id);
    const previous = table.metadataLocation;
    const md = await commitRestUpdates(table, requirements, updates);
    if (md.location !== table.metadata.location) ctx.warehouseCheck(md.location, 'table location');
    return { location: table.metadataLocation, metadata: md, previous };
  }

  app.post(
    '/v1/tables/rename',
    ctx.op(
      'table.rename',
      () => 'catalog',
      async (c, caller) => {
        const b = await body(c);
        const from = identifierOf(b['source'], 'source');
        const to = identifierOf(b['destination'], 'destination');
        const fromName = formatTableIdentifier(from);
        const toName = formatTableIdentifier(to);
        await ctx.require(caller, 'MANAGE', { type: 'table', name: fromName }, `renaming table ${fromName}`);
        await ctx.requireCreateIn(caller, to.namespace, `renaming into namespace ${nsName(to.namespace)}`);
        if (fromName === toName) return new Response(null, { status: 204 });
        if (!(await catalog.tableExists(from))) throw noSuchTable(from);
        if (!(await catalog.namespaceExists(to.namespace))) throw noSuchNamespace(to.namespace);
        const kind = await kindOf(catalog, to);
        if (kind === 'VIEW')
          throw alreadyExists(`Cannot rename ${fromName} to ${toName}. View already exists`);
        if (kind === 'TABLE') throw alreadyExists(`Table already exists: ${toName}`);
        // The pointer and the table's governance (grants, owner, masks, tags…) move in one transaction.
        try {
          await catalog.renameTable(from, to, { name: caller.principal.name });
        } catch (e) {
          const code = notFoundCode(e);
          if (code === 'table_not_found') throw noSuchTable(from);
          if (code === 'namespace_not_found') throw noSuchNamespace(to.namespace);
          if (code === 'table_already_exists') {
            if ((await kindOf(catalog, to)) === 'VIEW')
              throw alreadyExists(`Cannot rename ${fromName} to ${toName}. View already exists`);
            throw alreadyExists(`Table already exists: ${toName}`);
          }
          throw e;
        }
        return new Response(null, { status: 204 });
      },
    ),
  );

  app.post(
    '/v1/transactions/commit',
    ctx.op(
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
          if (((p.body['requirements'] as TableRequirement[]) ?? []).some((r) => r?.type === 'assert-create'))
            throw badRequest(`table ${name}: a transaction commits to existing tables (no assert-create)`);
          await ctx.require(caller, 'MODIFY', { type: 'table', name }, `committing to table ${name}`);
          const table = await loadTable(p.id);
          checkRequirements(table.metadata, (p.body['requirements'] as TableRequirement[]) ?? []);
          applyUpdates(table.metadata, (p.body['updates'] as TableUpdate[]) ?? []);
        }
        // Then one compare-and-swap per table; on a failure the tables already committed are swapped
        // back when nobody committed on top of them since (best effort: see docs/iceberg-rest.md).
        const done: { id: TableIdentifier; previous: string; location: string }[] = [];
        try {
          for (const p of parsed) {
            const r = await commitOne(caller, p.id, p.body);
            if (r.location !== r.previous)
              done.push({ id: p.id, previous: r.previous!, location: r.location });
          }
        } catch (e) {
          const stuck: string[] = [];
          for (const d of done.reverse()) {
            const back = await catalog.store.swapPointer(d.id, d.location, d.previous).catch(() => false);
            if (!back) stuck.push(formatTableIdentifier(d.id));
          }
          if (stuck.length > 0) {
            ctx.log.error({ tables: stuck }, 'iceberg transaction partially committed');
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
}
