/**
 * Tables as governance staff and analysts see them: the list of tables the caller may see (with
 * descriptions and tags), a table's description (schema as the caller sees it, annotations, tags,
 * quality health, current snapshot), effective access, and quality history.
 */
import { type Annotation as AnnotationT, type TagAssignment, tableHealth } from '@lakekit/catalog';
import { parseTableIdentifier } from '@lakekit/core';
import * as z from 'zod';
import { route } from '../route.js';
import { EffectiveAccess, Grantee, Health, Name, QualityRecord, TableName } from '../schemas.js';

const tags = ['tables'];
const ByTable = z.object({ table: TableName }).strict();

const TableSummary = z.object({
  name: z.string(),
  description: z.string().optional(),
  owner: Grantee.optional(),
  terms: z.array(z.string()),
  tags: z.array(z.string()),
});

const Snapshot = z.object({
  id: z.string(),
  time: z.string(),
  operation: z.string(),
  summary: z.record(z.string(), z.string()),
});

const TableDescription = z.object({
  name: z.string(),
  description: z.string().optional(),
  owner: Grantee.optional(),
  terms: z.array(z.string()),
  tags: z.array(z.string()),
  columns: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      access: z.enum(['visible', 'masked', 'hidden']),
      description: z.string().optional(),
      terms: z.array(z.string()),
      tags: z.array(z.string()),
    }),
  ),
  health: Health,
  snapshot: Snapshot.nullable(),
});

function tableTags(all: readonly TagAssignment[], table: string, column?: string): string[] {
  return all
    .filter((t) => t.table === table && t.column === column)
    .map((t) => t.tag)
    .sort();
}

function tableAnnotation(all: readonly AnnotationT[], table: string, column?: string) {
  const a = all.find((x) => x.table === table && x.column === column);
  return {
    ...(a?.description !== undefined ? { description: a.description } : {}),
    ...(a?.owner !== undefined ? { owner: a.owner } : {}),
    terms: a?.terms ?? [],
  };
}

export const tableRoutes = [
  route({
    method: 'get',
    path: '/api/v1/tables',
    summary: 'The tables the caller may see, with descriptions and tags',
    tags,
    query: z.object({ namespace: z.string().max(512).optional() }).strict(),
    response: z.array(TableSummary),
    handler: async ({ catalog, access, query }) => {
      const tables = query.namespace
        ? await catalog.listTables(query.namespace.split('.'))
        : await catalog.listAllTables();
      const names = tables.map((t) => [...t.namespace, t.name].join('.')).sort();
      const flags = await Promise.all(names.map((n) => access.canSeeTable(n)));
      const visible = names.filter((_, i) => flags[i]);
      const { snapshot } = access;
      return visible.map((name) => ({
        name,
        ...tableAnnotation(snapshot.annotationsOf(name), name),
        tags: tableTags(snapshot.tagsOf(name), name),
      }));
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/tables/{table}',
    summary:
      'Describe a table: columns as the caller sees them, annotations, tags, quality health, current snapshot',
    tags,
    params: ByTable,
    response: TableDescription,
    handler: async ({ catalog, gov, access, principal, params }) => {
      await access.requireSeeTable(params.table);
      const [table, effective, annotations, tagList, quality, manages] = await Promise.all([
        catalog.loadTable(parseTableIdentifier(params.table)),
        gov.effectiveAccess(principal.name, params.table),
        gov.listAnnotations(params.table),
        gov.listTags(params.table),
        catalog.operations.listQuality({ table: params.table, limit: 1000 }),
        access.canManageTable(params.table),
      ]);
      const snap = table.currentSnapshot();
      return {
        name: params.table,
        ...tableAnnotation(annotations, params.table),
        tags: tableTags(tagList, params.table),
        columns: effective.columns
          .filter((c) => c.access !== 'hidden' || manages)
          .map((c) => {
            const a = tableAnnotation(annotations, params.table, c.name);
            return {
              name: c.name,
              type: c.type,
              access: c.access,
              ...(a.description !== undefined ? { description: a.description } : {}),
              terms: a.terms,
              tags: tableTags(tagList, params.table, c.name),
            };
          }),
        health: tableHealth(params.table, quality).status,
        snapshot: snap
          ? {
              id: snap['snapshot-id'].toString(),
              time: new Date(snap['timestamp-ms']).toISOString(),
              operation: snap.summary.operation,
              summary: { ...snap.summary },
            }
          : null,
      };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/tables/{table}/access',
    summary: "A principal's effective access to a table and why (itself, or anyone for MANAGE on the table)",
    tags,
    params: ByTable,
    query: z.object({ principal: Name.optional() }).strict(),
    response: EffectiveAccess,
    handler: async ({ gov, access, principal, params, query }) => {
      const who = query.principal ?? principal.name;
      const manages = await access.canManageTable(params.table);
      if (who !== principal.name && !manages) {
        await access.deny(
          `asking about the access of ${who} to ${params.table} needs MANAGE on the table`,
          `table:${params.table}`,
        );
      }
      const effective = await gov.effectiveAccess(who, params.table, access.snapshot);
      // Column names of a table one may not read are shown only to those who manage it.
      return manages
        ? effective
        : { ...effective, columns: effective.columns.filter((c) => c.access !== 'hidden') };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/tables/{table}/quality',
    summary: 'Quality-check history of a table (newest first) and its health',
    tags,
    params: ByTable,
    query: z.object({ limit: z.coerce.number().int().min(1).max(1000).optional() }).strict(),
    response: z.object({
      table: z.string(),
      health: Health,
      latest: z.array(QualityRecord),
      history: z.array(QualityRecord),
    }),
    handler: async ({ catalog, access, params, query }) => {
      await access.requireSeeTable(params.table);
      await catalog.loadTable(parseTableIdentifier(params.table));
      const all = await catalog.operations.listQuality({ table: params.table, limit: 1000 });
      const health = tableHealth(params.table, all);
      return {
        table: params.table,
        health: health.status,
        latest: health.checks.map((c) => c.latest),
        history: all.slice(0, query.limit ?? 100),
      };
    },
  }),
];
