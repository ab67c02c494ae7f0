/**
 * Access requests: anyone asks for SELECT on a table; the table's owner or a MANAGE holder decides
 * (never on their own request); approval grants SELECT. Listing shows the caller's own requests and
 * those on tables it manages (all for MANAGE on the catalog).
 */
import * as z from 'zod';
import { route } from '../route.js';
import { AccessRequest, Name, TableName } from '../schemas.js';

const tags = ['access requests'];
const ById = z.object({ id: z.string().min(1).max(128) }).strict();
const Decision = z.object({ comment: z.string().max(4096).optional() }).strict();

export const accessRequestRoutes = [
  route({
    method: 'post',
    path: '/api/v1/access-requests',
    summary: 'Ask for SELECT on a table',
    tags,
    status: 201,
    body: z.object({ table: TableName, reason: z.string().min(1).max(4096) }).strict(),
    response: AccessRequest,
    handler: ({ gov, actor, body }) => gov.requestAccess(actor, body),
  }),
  route({
    method: 'get',
    path: '/api/v1/access-requests',
    summary: 'Access requests the caller made or may decide',
    tags,
    query: z
      .object({
        status: z.enum(['pending', 'approved', 'denied']).optional(),
        table: TableName.optional(),
        principal: Name.optional(),
      })
      .strict(),
    response: z.array(AccessRequest),
    handler: async ({ gov, access, principal, query }) => {
      const all = await gov.listAccessRequests(query);
      if (await access.isAdmin()) return all;
      const keep = await Promise.all(
        all.map(async (r) => r.principal === principal.name || (await access.canManageTable(r.table))),
      );
      return all.filter((_, i) => keep[i]);
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/access-requests/{id}/approve',
    summary: 'Approve a request (grants SELECT on the table to the requester)',
    tags,
    params: ById,
    body: Decision,
    bodyOptional: true,
    response: AccessRequest,
    handler: ({ gov, actor, params, body }) =>
      gov.decideAccessRequest(actor, params.id, {
        approve: true,
        ...(body.comment ? { comment: body.comment } : {}),
      }),
  }),
  route({
    method: 'post',
    path: '/api/v1/access-requests/{id}/deny',
    summary: 'Deny a request',
    tags,
    params: ById,
    body: Decision,
    bodyOptional: true,
    response: AccessRequest,
    handler: ({ gov, actor, params, body }) =>
      gov.decideAccessRequest(actor, params.id, {
        approve: false,
        ...(body.comment ? { comment: body.comment } : {}),
      }),
  }),
];
