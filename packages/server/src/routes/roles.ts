/** Roles and their members (changes need MANAGE on the catalog). */
import { NotFoundError } from '@lakekit/core';
import * as z from 'zod';
import { route } from '../route.js';
import { Name, Role } from '../schemas.js';

const tags = ['roles'];
const ByName = z.object({ name: Name }).strict();
const Member = z.object({ name: Name, principal: Name }).strict();

export const roleRoutes = [
  route({
    method: 'get',
    path: '/api/v1/roles',
    summary: 'Roles (all for MANAGE on the catalog, else those the caller holds)',
    tags,
    response: z.array(Role),
    handler: async ({ gov, access, principal }) => {
      const roles = await gov.listRoles();
      return (await access.isAdmin()) ? roles : roles.filter((r) => principal.roles.includes(r.name));
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/roles',
    summary: 'Create a role',
    tags,
    status: 201,
    body: z.object({ name: Name, description: z.string().max(1024).optional() }).strict(),
    response: Role,
    handler: ({ gov, actor, body }) =>
      gov.createRole(actor, {
        name: body.name,
        ...(body.description !== undefined ? { description: body.description } : {}),
      }),
  }),
  route({
    method: 'get',
    path: '/api/v1/roles/{name}',
    summary: 'One role with its members (a member, or MANAGE on the catalog)',
    tags,
    params: ByName,
    response: Role,
    handler: async ({ gov, access, principal, params }) => {
      if (!principal.roles.includes(params.name)) {
        await access.requireAdmin(`reading role ${params.name}`, `role:${params.name}`);
      }
      const role = await gov.getRole(params.name);
      if (!role)
        throw new NotFoundError('role', `role ${params.name} does not exist`, {
          context: { role: params.name },
        });
      return role;
    },
  }),
  route({
    method: 'delete',
    path: '/api/v1/roles/{name}',
    summary: 'Delete a role',
    tags,
    params: ByName,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.deleteRole(actor, params.name);
    },
  }),
  route({
    method: 'put',
    path: '/api/v1/roles/{name}/members/{principal}',
    summary: 'Add a principal to a role',
    tags,
    params: Member,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.addMember(actor, params.name, params.principal);
    },
  }),
  route({
    method: 'delete',
    path: '/api/v1/roles/{name}/members/{principal}',
    summary: 'Remove a principal from a role',
    tags,
    params: Member,
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      await gov.removeMember(actor, params.name, params.principal);
    },
  }),
];
