/**
 * Grants. Listing shows the grants to the caller and its roles, and the grants on securables the
 * caller manages; MANAGE on the catalog shows all.
 */
import type { Grantee as GranteeT, Grant as GrantT, Securable as SecurableT } from '@lakekit/catalog';
import { NotFoundError } from '@lakekit/core';
import * as z from 'zod';
import type { Access } from '../access.js';
import { route } from '../route.js';
import { Grant, Grantee, Name, Privilege, Securable, TableName } from '../schemas.js';

const tags = ['grants'];

/** `catalog`, `namespace:crm`, `table:crm.accounts`, `column:crm.accounts.email`. */
const SecurableText = z
  .string()
  .max(600)
  .transform((text, ctx): SecurableT => {
    if (text === 'catalog') return { type: 'catalog' };
    const [type, rest = ''] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
    if (type === 'namespace' && rest !== '') return { type: 'namespace', name: rest };
    if (type === 'table' && TableName.safeParse(rest).success) return { type: 'table', name: rest };
    const dot = rest.lastIndexOf('.');
    if (
      type === 'column' &&
      dot > 0 &&
      TableName.safeParse(rest.slice(0, dot)).success &&
      dot < rest.length - 1
    ) {
      return { type: 'column', table: rest.slice(0, dot), column: rest.slice(dot + 1) };
    }
    ctx.addIssue({
      code: 'custom',
      message: 'expected catalog, namespace:<ns>, table:<ns.table> or column:<ns.table.column>',
    });
    return z.NEVER;
  });

/** `principal:ana`, `role:analyst`. */
const GranteeText = z
  .string()
  .max(200)
  .transform((text, ctx): GranteeT => {
    const [type, name = ''] = [text.slice(0, text.indexOf(':')), text.slice(text.indexOf(':') + 1)];
    if ((type === 'principal' || type === 'role') && Name.safeParse(name).success) return { type, name };
    ctx.addIssue({ code: 'custom', message: 'expected principal:<name> or role:<name>' });
    return z.NEVER;
  });

/** Whether the caller may see a grant: its own, its roles', or on something it manages. */
async function visible(access: Access, g: GrantT): Promise<boolean> {
  const p = access.principal;
  if (g.grantee.type === 'principal' ? g.grantee.name === p.name : p.roles.includes(g.grantee.name))
    return true;
  const s = g.securable;
  if (s.type === 'catalog') return access.isAdmin();
  if (s.type === 'namespace') return access.can('MANAGE', s);
  return access.canManageTable(s.type === 'table' ? s.name : s.table);
}

export const grantRoutes = [
  route({
    method: 'get',
    path: '/api/v1/grants',
    summary: 'Grants, filtered by securable and/or grantee',
    tags,
    query: z
      .object({
        securable: SecurableText.optional().meta({
          description: 'catalog, namespace:<ns>, table:<ns.table> or column:<ns.table.column>',
        }),
        grantee: GranteeText.optional().meta({ description: 'principal:<name> or role:<name>' }),
      })
      .strict(),
    response: z.array(Grant),
    handler: async ({ gov, access, query }) => {
      const all = await gov.listGrants({
        ...(query.securable ? { securable: query.securable } : {}),
        ...(query.grantee ? { grantee: query.grantee } : {}),
      });
      if (await access.isAdmin()) return all;
      const keep = await Promise.all(all.map((g) => visible(access, g)));
      return all.filter((_, i) => keep[i]);
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/grants',
    summary: 'Grant a privilege (MANAGE on the securable or above, or ownership); idempotent',
    tags,
    status: 201,
    body: z.object({ privilege: Privilege, securable: Securable, grantee: Grantee }).strict(),
    response: Grant,
    handler: ({ gov, actor, body }) => gov.grant(actor, body),
  }),
  route({
    method: 'delete',
    path: '/api/v1/grants/{id}',
    summary: 'Revoke a grant by id',
    tags,
    params: z.object({ id: z.string().min(1).max(128) }).strict(),
    status: 204,
    response: z.void(),
    handler: async ({ gov, actor, params }) => {
      const g = (await gov.listGrants()).find((x) => x.id === params.id);
      // A grant that exists but is not the caller's to revoke reaches the store, which refuses and audits.
      if (!g) {
        throw new NotFoundError('grant', `grant ${params.id} does not exist`, {
          context: { grant: params.id },
        });
      }
      await gov.revoke(actor, { privilege: g.privilege, securable: g.securable, grantee: g.grantee });
    },
  }),
];
