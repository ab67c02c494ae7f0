/**
 * Column masks, row filters, tags and tag policies. Masks and filters are listed for tables the
 * caller manages, and those of the caller's own roles on tables it may see; tags on tables it may
 * see; tag policies all for MANAGE on the catalog, else those of the caller's roles.
 */
import * as z from 'zod';
import type { Access } from '../access.js';
import { route } from '../route.js';
import {
  ColumnMask,
  ColumnName,
  MaskSpec,
  Name,
  RowFilter,
  TableName,
  TagAssignment,
  TagName,
  TagPolicy,
} from '../schemas.js';

const TableQuery = z.object({ table: TableName.optional() }).strict();
const MaskKey = z.object({ table: TableName, column: ColumnName, role: Name }).strict();
const FilterKey = z.object({ table: TableName, role: Name }).strict();
const TableTag = z.object({ table: TableName, tag: TagName }).strict();
const ColumnTag = z.object({ table: TableName, column: ColumnName, tag: TagName }).strict();

async function filterAsync<T>(items: T[], keep: (t: T) => Promise<boolean>): Promise<T[]> {
  const flags = await Promise.all(items.map(keep));
  return items.filter((_, i) => flags[i]);
}

/** A mask or filter is shown to whoever manages its table, and to holders of its role who see the table. */
async function policyVisible(access: Access, p: { table: string; role: string }): Promise<boolean> {
  if (await access.canManageTable(p.table)) return true;
  return access.principal.roles.includes(p.role) && access.canSeeTable(p.table);
}

export const policyRoutes = [
  route({
    method: 'get',
    path: '/api/v1/masks',
    summary: 'Column masks',
    tags: ['masks'],
    query: TableQuery,
    response: z.array(ColumnMask),
    handler: async ({ gov, access, query }) =>
      filterAsync(await gov.listMasks(query.table), (m) => policyVisible(access, m)),
  }),
  route({
    method: 'put',
    path: '/api/v1/tables/{table}/columns/{column}/masks/{role}',
    summary: 'Set the mask of a column for a role',
    tags: ['masks'],
    params: MaskKey,
    body: MaskSpec,
    response: ColumnMask,
    handler: ({ gov, actor, params, body }) => gov.setMask(actor, { ...params, ...body }),
  }),
  route({
    method: 'delete',
    path: '/api/v1/tables/{table}/columns/{column}/masks/{role}',
    summary: 'Drop the mask of a column for a role',
    tags: ['masks'],
    params: MaskKey,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.dropMask(actor, params);
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/row-filters',
    summary: 'Row filters',
    tags: ['row filters'],
    query: TableQuery,
    response: z.array(RowFilter),
    handler: async ({ gov, access, query }) =>
      filterAsync(await gov.listRowFilters(query.table), (f) => policyVisible(access, f)),
  }),
  route({
    method: 'put',
    path: '/api/v1/tables/{table}/row-filters/{role}',
    summary:
      'Set the row filter of a table for a role (one boolean SQL expression; principal.<attribute> allowed)',
    tags: ['row filters'],
    params: FilterKey,
    body: z.object({ predicate: z.string().min(1).max(8192) }).strict(),
    response: RowFilter,
    handler: ({ gov, actor, params, body }) =>
      gov.setRowFilter(actor, { ...params, predicate: body.predicate }),
  }),
  route({
    method: 'delete',
    path: '/api/v1/tables/{table}/row-filters/{role}',
    summary: 'Drop the row filter of a table for a role',
    tags: ['row filters'],
    params: FilterKey,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.dropRowFilter(actor, params);
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/tags',
    summary: 'Tag assignments on tables the caller may see',
    tags: ['tags'],
    query: TableQuery,
    response: z.array(TagAssignment),
    handler: async ({ gov, access, query }) =>
      filterAsync(await gov.listTags(query.table), (t) => access.canSeeTable(t.table)),
  }),
  route({
    method: 'put',
    path: '/api/v1/tables/{table}/tags/{tag}',
    summary: 'Tag a table',
    tags: ['tags'],
    params: TableTag,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.addTag(actor, params);
    },
  }),
  route({
    method: 'delete',
    path: '/api/v1/tables/{table}/tags/{tag}',
    summary: 'Remove a table tag',
    tags: ['tags'],
    params: TableTag,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.removeTag(actor, params);
    },
  }),
  route({
    method: 'put',
    path: '/api/v1/tables/{table}/columns/{column}/tags/{tag}',
    summary: 'Tag a column',
    tags: ['tags'],
    params: ColumnTag,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.addTag(actor, params);
    },
  }),
  route({
    method: 'delete',
    path: '/api/v1/tables/{table}/columns/{column}/tags/{tag}',
    summary: 'Remove a column tag',
    tags: ['tags'],
    params: ColumnTag,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.removeTag(actor, params);
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/tag-policies',
    summary: "Tag policies (all for MANAGE on the catalog, else those of the caller's roles)",
    tags: ['tag policies'],
    response: z.array(TagPolicy),
    handler: async ({ gov, access }) => {
      const all = await gov.listTagPolicies();
      return (await access.isAdmin()) ? all : all.filter((p) => access.principal.roles.includes(p.role));
    },
  }),
  route({
    method: 'put',
    path: '/api/v1/tag-policies/{name}',
    summary: 'Create or replace a tag policy: mask columns carrying a tag for a role (MANAGE on the catalog)',
    tags: ['tag policies'],
    params: z.object({ name: Name }).strict(),
    body: z.object({ tag: TagName, role: Name, mask: MaskSpec }).strict(),
    response: TagPolicy,
    handler: ({ gov, actor, params, body }) => gov.setTagPolicy(actor, { name: params.name, ...body }),
  }),
  route({
    method: 'delete',
    path: '/api/v1/tag-policies/{name}',
    summary: 'Drop a tag policy',
    tags: ['tag policies'],
    params: z.object({ name: Name }).strict(),
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.dropTagPolicy(actor, params.name);
    },
  }),
];
