/**
 * Lineage: the upstream/downstream graph of a table (table and column level) from the OpenLineage
 * events in the catalog, and `POST /api/v1/lineage` for run events from other tools. Datasets that are
 * catalog tables the caller may not see are left out of the graph (and not walked through).
 */

import { type Catalog, type LineageGraph, lineageGraph } from '@lakekit/catalog';
import { parseTableIdentifier } from '@lakekit/core';
import * as z from 'zod';
import { route } from '../route.js';
import { TableName } from '../schemas.js';

const tags = ['lineage'];
const Ref = z.object({ namespace: z.string(), name: z.string() });

const InputField = z.looseObject({
  namespace: z.string().min(1).max(1024),
  name: z.string().min(1).max(1024),
  field: z.string().min(1).max(1024),
});
const Dataset = z.looseObject({
  namespace: z.string().min(1).max(1024),
  name: z.string().min(1).max(1024),
  facets: z
    .looseObject({
      columnLineage: z
        .looseObject({
          fields: z.record(z.string(), z.looseObject({ inputFields: z.array(InputField).max(1000) })),
        })
        .optional(),
    })
    .optional(),
});

/** The minimal shape of an OpenLineage RunEvent (extra fields and facets are kept as sent). */
const RunEvent = z.looseObject({
  eventType: z.enum(['START', 'RUNNING', 'COMPLETE', 'ABORT', 'FAIL', 'OTHER']).optional(),
  eventTime: z.iso.datetime({ offset: true }),
  producer: z.string().min(1).max(2048),
  schemaURL: z.string().max(2048).optional(),
  run: z.looseObject({ runId: z.string().min(1).max(64) }),
  job: z.looseObject({ namespace: z.string().min(1).max(1024), name: z.string().min(1).max(500) }),
  inputs: z.array(Dataset).max(1000).optional(),
  outputs: z.array(Dataset).max(1000).optional(),
});

/** Whether a dataset is a table of this catalog (by name). */
function catalogTable(catalog: Catalog): (name: string) => Promise<boolean> {
  const cache = new Map<string, Promise<boolean>>();
  return (name) => {
    let v = cache.get(name);
    if (!v) {
      v = TableName.safeParse(name).success
        ? catalog.tableExists(parseTableIdentifier(name))
        : Promise.resolve(false);
      cache.set(name, v);
    }
    return v;
  };
}

/** The graph in the API's shape: datasets by namespace and name; column edges on their table edge. */
function apiEdges(g: LineageGraph) {
  const node = new Map(g.nodes.map((n) => [n.id, { namespace: n.namespace, name: n.name }]));
  return g.edges.map((e) => {
    const columns = new Map<string, { column: string; from: string[]; transformationType?: string }>();
    for (const c of g.columns) {
      if (c.from !== e.from || c.to !== e.to) continue;
      const col = columns.get(c.toColumn) ?? {
        column: c.toColumn,
        from: [],
        ...(c.transformation ? { transformationType: c.transformation } : {}),
      };
      col.from.push(c.fromColumn);
      columns.set(c.toColumn, col);
    }
    return {
      from: node.get(e.from) ?? { namespace: '', name: e.from },
      to: node.get(e.to) ?? { namespace: '', name: e.to },
      jobs: e.jobs,
      columns: [...columns.values()],
    };
  });
}

export const lineageRoutes = [
  route({
    method: 'get',
    path: '/api/v1/lineage/{table}',
    summary: 'Upstream and/or downstream lineage of a table, with column-level edges where known',
    tags,
    params: z.object({ table: TableName }).strict(),
    query: z
      .object({
        depth: z.coerce.number().int().min(1).max(20).optional(),
        direction: z.enum(['upstream', 'downstream', 'both']).optional(),
      })
      .strict(),
    response: z.object({
      table: z.string(),
      direction: z.enum(['upstream', 'downstream', 'both']),
      depth: z.number(),
      nodes: z.array(Ref.extend({ depth: z.number(), table: z.boolean() })),
      edges: z.array(
        z.object({
          from: Ref,
          to: Ref,
          jobs: z.array(z.string()),
          columns: z.array(
            z.object({
              column: z.string(),
              from: z.array(z.string()),
              transformationType: z.string().optional(),
            }),
          ),
        }),
      ),
    }),
    handler: async ({ catalog, access, params, query }) => {
      await access.requireSeeTable(params.table);
      await catalog.loadTable(parseTableIdentifier(params.table));
      const isTable = catalogTable(catalog);
      const direction = query.direction ?? 'both';
      const depth = query.depth ?? 3;
      const graph = await lineageGraph(
        await catalog.operations.listLineage({ limit: 1_000_000 }),
        params.table,
        {
          depth,
          direction: direction === 'upstream' ? 'up' : direction === 'downstream' ? 'down' : 'both',
          warehouse: catalog.warehouse,
          allowed: async (n) => !(await isTable(n.name)) || access.canSeeTable(n.name),
        },
      );
      return {
        table: params.table,
        direction,
        depth,
        nodes: await Promise.all(
          graph.nodes.map(async (n) => ({
            namespace: n.namespace,
            name: n.name,
            depth: n.depth,
            table: await isTable(n.name),
          })),
        ),
        edges: apiEdges(graph),
      };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/lineage',
    summary:
      'Store an OpenLineage run event (MODIFY or MANAGE on every output that is a catalog table; MODIFY on the catalog when none is)',
    tags,
    status: 201,
    body: RunEvent,
    response: z.object({ stored: z.literal(true), runId: z.string() }),
    handler: async ({ catalog, gov, access, actor, body }) => {
      const isTable = catalogTable(catalog);
      const outputs = body.outputs ?? [];
      const tables: string[] = [];
      for (const o of outputs) if (await isTable(o.name)) tables.push(o.name);
      const job = `${body.job.namespace}/${body.job.name}`;
      if (tables.length === 0) {
        if (!(await access.can('MODIFY', { type: 'catalog' }))) {
          await access.deny(
            'lineage for datasets outside the catalog needs MODIFY on the catalog',
            `job:${job}`,
          );
        }
      }
      for (const t of tables) {
        if (!(await access.can('MODIFY', { type: 'table', name: t })) && !(await access.canManageTable(t))) {
          await access.deny(`lineage with output ${t} needs MODIFY (or MANAGE) on it`, `table:${t}`);
        }
      }
      await catalog.operations.recordLineage({
        runId: body.run.runId,
        eventType: body.eventType ?? 'OTHER',
        eventTime: body.eventTime,
        job: body.job.name,
        payload: body,
      });
      await gov.appendAudit({
        actor: actor.name,
        action: 'lineage.record',
        target: `job:${job}`,
        outcome: 'ok',
        detail: {
          runId: body.run.runId,
          eventType: body.eventType ?? 'OTHER',
          outputs: outputs.map((o) => o.name),
        },
      });
      return { stored: true as const, runId: body.run.runId };
    },
  }),
];
