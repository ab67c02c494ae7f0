/** Namespace routes: list (paged), create, load, exists, drop, update properties. */
import type { Hono } from 'hono';
import {
  body,
  type Ctx,
  type Env,
  namespaceOf,
  page,
  parseNamespace,
  type RestContext,
  SEP,
} from './context.js';
import { alreadyExists, errorResponse, json, noSuchNamespace, nsName, RestError } from './errors.js';
import { listViews } from './views.js';

export function namespaceRoutes(app: Hono<Env>, ctx: RestContext): void {
  const { catalog } = ctx;
  const nsTarget = (c: Ctx) => `namespace:${nsName(parseNamespace(c.req.param('namespace')!))}`;

  app.get(
    '/v1/namespaces',
    ctx.op(
      'namespace.list',
      () => 'catalog',
      async (c, caller) => {
        const parentText = c.req.query('parent');
        const parent = parentText ? parseNamespace(parentText) : [];
        if (parent.length > 0) await ctx.requireNamespace(parent);
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
          if ((await ctx.can(caller, 'USAGE', s)) || (await ctx.can(caller, 'MODIFY', s))) visible.push(ns);
        }
        const p = page(c, visible, (ns) => ns.join(SEP));
        return json({ namespaces: p.items, ...(p.next ? { 'next-page-token': p.next } : {}) });
      },
    ),
  );

  app.post(
    '/v1/namespaces',
    ctx.op(
      'namespace.create',
      () => 'catalog',
      async (c, caller) => {
        const b = await body(c);
        const ns = namespaceOf(b['namespace']);
        await ctx.requireCreateIn(caller, ns.slice(0, -1), `creating namespace ${nsName(ns)}`);
        const props = (b['properties'] ?? {}) as Record<string, unknown>;
        if (props === null || typeof props !== 'object' || Array.isArray(props))
          throw new RestError(400, 'BadRequestException', 'properties must be an object');
        for (const [k, v] of Object.entries(props))
          if (v === null || v === undefined)
            throw new RestError(400, 'BadRequestException', `property ${k} has no value`);
        const properties = Object.fromEntries(Object.entries(props).map(([k, v]) => [k, String(v)]));
        if (await catalog.namespaceExists(ns)) throw alreadyExists(`Namespace already exists: ${nsName(ns)}`);
        try {
          await catalog.createNamespace(ns, properties);
        } catch (e) {
          if ((e as { code?: string }).code === 'namespace_already_exists')
            throw alreadyExists(`Namespace already exists: ${nsName(ns)}`);
          throw e;
        }
        return json({ namespace: ns, properties: await catalog.store.namespaceProperties(ns) });
      },
    ),
  );

  const nsRoute = '/v1/namespaces/:namespace';
  const headNs = ctx.op('namespace.exists', nsTarget, async (c, caller) => {
    const ns = parseNamespace(c.req.param('namespace')!);
    await ctx.requireEither(
      caller,
      'USAGE',
      'MODIFY',
      { type: 'namespace', name: nsName(ns) },
      `namespace ${nsName(ns)}`,
    );
    return new Response(null, { status: (await catalog.namespaceExists(ns)) ? 204 : 404 });
  });
  const getNs = ctx.op('namespace.load', nsTarget, async (c, caller) => {
    const ns = parseNamespace(c.req.param('namespace')!);
    await ctx.requireEither(
      caller,
      'USAGE',
      'MODIFY',
      { type: 'namespace', name: nsName(ns) },
      `loading namespace ${nsName(ns)}`,
    );
    await ctx.requireNamespace(ns);
    return json({ namespace: ns, properties: await catalog.store.namespaceProperties(ns) });
  });
  // Hono answers HEAD with the GET route: dispatch on the method.
  app.get(nsRoute, (c) => (c.req.method === 'HEAD' ? headNs(c) : getNs(c)));

  app.delete(
    nsRoute,
    ctx.op('namespace.drop', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await ctx.require(
        caller,
        'MANAGE',
        { type: 'namespace', name: nsName(ns) },
        `dropping namespace ${nsName(ns)}`,
      );
      await ctx.requireNamespace(ns);
      // Views are not tables to the catalog store: a namespace holding one is not empty either.
      const views = await listViews(catalog, ns);
      if (views.length > 0)
        return errorResponse(
          409,
          'NamespaceNotEmptyException',
          `Namespace ${nsName(ns)} is not empty: it holds ${views.length} view(s), e.g. ${nsName([...ns, views[0]!.name])}`,
        );
      try {
        await catalog.dropNamespace(ns);
      } catch (e) {
        if ((e as { code?: string }).code === 'namespace_not_found') throw noSuchNamespace(ns);
        // The store says "namespace x is not empty: it holds …"; the reference capitalizes it.
        if ((e as { code?: string }).code === 'namespace_not_empty')
          throw new RestError(
            409,
            'NamespaceNotEmptyException',
            (e as Error).message.replace(/^namespace /, 'Namespace '),
          );
        throw e;
      }
      return new Response(null, { status: 204 });
    }),
  );

  app.post(
    `${nsRoute}/properties`,
    ctx.op('namespace.properties', nsTarget, async (c, caller) => {
      const ns = parseNamespace(c.req.param('namespace')!);
      await ctx.require(
        caller,
        'MANAGE',
        { type: 'namespace', name: nsName(ns) },
        `updating properties of namespace ${nsName(ns)}`,
      );
      await ctx.requireNamespace(ns);
      const b = await body(c);
      const rawRemovals = b['removals'] ?? [];
      const rawUpdates = b['updates'] ?? {};
      if (!Array.isArray(rawRemovals))
        throw new RestError(400, 'BadRequestException', 'removals must be an array');
      if (rawUpdates === null || typeof rawUpdates !== 'object' || Array.isArray(rawUpdates))
        throw new RestError(400, 'BadRequestException', 'updates must be an object');
      const removals = [...new Set(rawRemovals.map(String))];
      const updates = Object.fromEntries(
        Object.entries(rawUpdates as Record<string, unknown>).map(([k, v]) => [k, String(v)]),
      );
      const both = removals.filter((k) => k in updates);
      if (both.length > 0)
        throw new RestError(
          422,
          'UnprocessableEntityException',
          `Invalid namespace update, cannot simultaneously set and remove keys: [${both.join(', ')}]`,
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
}
