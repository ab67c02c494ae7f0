/** Principals (users and service accounts), their attributes, and `GET /api/v1/me`. */
import { NotFoundError } from '@lakekit/core';
import * as z from 'zod';
import { route } from '../route.js';
import { Attributes, Name, Principal, TokenInfo } from '../schemas.js';

const ByName = z.object({ name: Name }).strict();
const tags = ['principals'];

export const principalRoutes = [
  route({
    method: 'get',
    path: '/api/v1/me',
    summary: 'The calling principal and the token it used',
    tags,
    response: z.object({ principal: Principal, token: TokenInfo }),
    handler: async ({ principal, token }) => ({ principal, token }),
  }),
  route({
    method: 'get',
    path: '/api/v1/principals',
    summary: 'Principals (all of them for MANAGE on the catalog, else only the caller)',
    tags,
    response: z.array(Principal),
    handler: async ({ gov, access, principal }) =>
      (await access.isAdmin())
        ? gov.listPrincipals()
        : [(await gov.getPrincipal(principal.name)) ?? principal],
  }),
  route({
    method: 'post',
    path: '/api/v1/principals',
    summary: 'Create a principal (MANAGE on the catalog)',
    tags,
    status: 201,
    body: z
      .object({ name: Name, kind: z.enum(['user', 'service']), attributes: Attributes.optional() })
      .strict(),
    response: Principal,
    handler: ({ gov, actor, body }) =>
      gov.createPrincipal(actor, {
        name: body.name,
        kind: body.kind,
        ...(body.attributes ? { attributes: body.attributes } : {}),
      }),
  }),
  route({
    method: 'get',
    path: '/api/v1/principals/{name}',
    summary: 'One principal (itself, or anyone for MANAGE on the catalog)',
    tags,
    params: ByName,
    response: Principal,
    handler: async ({ gov, access, principal, params }) => {
      if (params.name !== principal.name) {
        await access.requireAdmin(`reading principal ${params.name}`, `principal:${params.name}`);
      }
      const p = await gov.getPrincipal(params.name);
      if (!p) throw notFound(params.name);
      return p;
    },
  }),
  route({
    method: 'patch',
    path: '/api/v1/principals/{name}',
    summary: 'Replace attributes and/or enable or disable a principal (MANAGE on the catalog)',
    tags,
    params: ByName,
    body: z.object({ attributes: Attributes.optional(), disabled: z.boolean().optional() }).strict(),
    response: Principal,
    handler: ({ gov, actor, params, body }) =>
      gov.updatePrincipal(actor, params.name, {
        ...(body.attributes ? { attributes: body.attributes } : {}),
        ...(body.disabled !== undefined ? { disabled: body.disabled } : {}),
      }),
  }),
  route({
    method: 'put',
    path: '/api/v1/principals/{name}/attributes',
    summary: "Replace a principal's attributes (used by row filters as principal.<attribute>)",
    tags,
    params: ByName,
    body: Attributes,
    response: Principal,
    handler: ({ gov, actor, params, body }) => gov.updatePrincipal(actor, params.name, { attributes: body }),
  }),
  route({
    method: 'delete',
    path: '/api/v1/principals/{name}',
    summary: 'Delete a principal with its tokens, memberships and direct grants (MANAGE on the catalog)',
    tags,
    params: ByName,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.deletePrincipal(actor, params.name);
    },
  }),
];

function notFound(name: string) {
  return new NotFoundError('principal', `principal ${name} does not exist`, { context: { principal: name } });
}
