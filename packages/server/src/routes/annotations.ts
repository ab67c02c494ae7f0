/** Descriptions, owners and glossary terms of tables and columns. */
import * as z from 'zod';
import { route } from '../route.js';
import { Annotation, ColumnName, Grantee, TableName } from '../schemas.js';

const tags = ['annotations'];
const Description = z.string().max(8192).nullable();
const Terms = z.array(z.string().min(1).max(256)).max(100);

export const annotationRoutes = [
  route({
    method: 'get',
    path: '/api/v1/annotations',
    summary: 'Annotations of the tables the caller may see',
    tags,
    query: z.object({ table: TableName.optional() }).strict(),
    response: z.array(Annotation),
    handler: async ({ gov, access, query }) => {
      const all = await gov.listAnnotations(query.table);
      const keep = await Promise.all(all.map((a) => access.canSeeTable(a.table)));
      return all.filter((_, i) => keep[i]);
    },
  }),
  route({
    method: 'patch',
    path: '/api/v1/tables/{table}/annotations',
    summary: "Set a table's description, owner and/or terms (null clears)",
    tags,
    params: z.object({ table: TableName }).strict(),
    body: z
      .object({
        description: Description.optional(),
        owner: Grantee.nullable().optional(),
        terms: Terms.optional(),
      })
      .strict(),
    response: Annotation,
    handler: ({ gov, actor, params, body }) => gov.annotate(actor, { table: params.table, ...body }),
  }),
  route({
    method: 'patch',
    path: '/api/v1/tables/{table}/columns/{column}/annotations',
    summary: "Set a column's description and/or terms (null clears)",
    tags,
    params: z.object({ table: TableName, column: ColumnName }).strict(),
    body: z.object({ description: Description.optional(), terms: Terms.optional() }).strict(),
    response: Annotation,
    handler: ({ gov, actor, params, body }) => gov.annotate(actor, { ...params, ...body }),
  }),
];
