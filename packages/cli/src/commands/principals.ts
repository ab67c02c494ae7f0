/**
 * `lake principal …`, `lake principal token …` and `lake role …`: who can use the catalog. Tokens are
 * printed once, when issued or rotated; only their hashes are stored.
 */
import {
  formatSecurable,
  type IssuedToken,
  type Principal,
  type PrincipalKind,
  type TokenInfo,
} from '@lakekit/catalog';
import { NotFoundError, UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { durationSeconds, governance, keyValues } from './governance-context.js';

const attributesText = (a: Record<string, string>) =>
  Object.entries(a)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');

function printPrincipals(ctx: CommandContext, principals: Principal[]): void {
  if (ctx.options.json) printJson({ principals });
  else
    printTable(
      ['name', 'kind', 'roles', 'attributes', 'disabled', 'created'],
      principals.map((p) => [
        p.name,
        p.kind,
        p.roles.join(', '),
        attributesText(p.attributes),
        p.disabled ? 'yes' : '',
        p.createdAt,
      ]),
    );
}

/** `lake principal create <name> [--kind user|service] [--attr k=v]…` */
export async function principalCreate(
  ctx: CommandContext,
  name: string,
  opts: { kind?: string; attr?: string[] },
): Promise<number> {
  const kind = (opts.kind ?? 'user') as PrincipalKind;
  if (kind !== 'user' && kind !== 'service')
    throw new UsageError(`--kind ${opts.kind}: expected user or service`);
  const { gov, actor } = await governance(ctx);
  const p = await gov.createPrincipal(actor, { name, kind, attributes: keyValues(opts.attr) });
  if (ctx.options.json) printJson(p);
  else info(`principal ${p.name} (${p.kind}) created`);
  return 0;
}

/** `lake principal list` */
export async function principalList(ctx: CommandContext): Promise<number> {
  const { gov } = await governance(ctx);
  printPrincipals(ctx, await gov.listPrincipals());
  return 0;
}

/** `lake principal show <name>`: the principal, its tokens and its direct grants. */
export async function principalShow(ctx: CommandContext, name: string): Promise<number> {
  const { gov } = await governance(ctx);
  const p = await gov.getPrincipal(name);
  if (!p)
    throw new NotFoundError('principal', `no principal named ${name}`, { context: { principal: name } });
  const [tokens, grants] = await Promise.all([
    gov.listTokens(name),
    gov.listGrants({ grantee: { type: 'principal', name } }),
  ]);
  if (ctx.options.json) {
    printJson({ ...p, tokens, grants });
    return 0;
  }
  printPrincipals(ctx, [p]);
  if (tokens.length > 0) {
    process.stdout.write('\n');
    printTokens(tokens);
  }
  if (grants.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['privilege', 'on', 'granted by', 'granted'],
      grants.map((g) => [g.privilege, formatSecurable(g.securable), g.grantedBy, g.grantedAt]),
    );
  }
  return 0;
}

/** `lake principal update <name> [--attr k=v]… [--unset-attr k]… [--disable|--enable]` */
export async function principalUpdate(
  ctx: CommandContext,
  name: string,
  opts: { attr?: string[]; unsetAttr?: string[]; disable?: boolean; enable?: boolean },
): Promise<number> {
  if (opts.disable && opts.enable) throw new UsageError('--disable and --enable exclude each other');
  const { gov, actor } = await governance(ctx);
  const current = await gov.getPrincipal(name);
  if (!current)
    throw new NotFoundError('principal', `no principal named ${name}`, { context: { principal: name } });
  const changesAttributes = (opts.attr?.length ?? 0) > 0 || (opts.unsetAttr?.length ?? 0) > 0;
  const attributes = { ...current.attributes, ...keyValues(opts.attr) };
  for (const k of opts.unsetAttr ?? []) delete attributes[k];
  const p = await gov.updatePrincipal(actor, name, {
    ...(changesAttributes ? { attributes } : {}),
    ...(opts.disable ? { disabled: true } : opts.enable ? { disabled: false } : {}),
  });
  if (ctx.options.json) printJson(p);
  else info(`principal ${p.name} updated`);
  return 0;
}

/** `lake principal delete <name>` (also its tokens, memberships and direct grants) */
export async function principalDelete(ctx: CommandContext, name: string): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.deletePrincipal(actor, name);
  if (ctx.options.json) printJson({ deleted: name });
  else info(`principal ${name} deleted with its tokens, memberships and direct grants`);
  return 0;
}

function printTokens(tokens: TokenInfo[]): void {
  printTable(
    ['id', 'principal', 'name', 'created', 'expires', 'revoked', 'last used'],
    tokens.map((t) => [
      t.id,
      t.principal,
      t.name ?? '',
      t.createdAt,
      t.expiresAt ?? '',
      t.revokedAt ?? '',
      t.lastUsedAt ?? '',
    ]),
  );
}

function printIssued(ctx: CommandContext, t: IssuedToken): void {
  if (ctx.options.json) printJson(t);
  else {
    process.stdout.write(`${t.token}\n`);
    info(
      `token ${t.id} for ${t.principal}${t.expiresAt ? `, expires ${t.expiresAt}` : ''}: shown only now, store it safely`,
    );
  }
}

/** `lake principal token issue <principal> [--name n] [--ttl 30d | --expires-at iso]` */
export async function tokenIssue(
  ctx: CommandContext,
  principal: string,
  opts: { name?: string; ttl?: string; expiresAt?: string },
): Promise<number> {
  if (opts.ttl !== undefined && opts.expiresAt !== undefined) {
    throw new UsageError('--ttl and --expires-at exclude each other');
  }
  if (opts.expiresAt !== undefined && Number.isNaN(Date.parse(opts.expiresAt))) {
    throw new UsageError(`--expires-at ${opts.expiresAt}: expected an ISO-8601 time`);
  }
  const ttlSeconds = durationSeconds(opts.ttl, '--ttl');
  const { gov, actor } = await governance(ctx);
  const t = await gov.issueToken(actor, principal, {
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    ...(ttlSeconds !== undefined ? { ttlSeconds } : {}),
    ...(opts.expiresAt !== undefined ? { expiresAt: new Date(opts.expiresAt).toISOString() } : {}),
  });
  printIssued(ctx, t);
  return 0;
}

/** `lake principal token list <principal>` */
export async function tokenList(ctx: CommandContext, principal: string): Promise<number> {
  const { gov } = await governance(ctx);
  const tokens = await gov.listTokens(principal);
  if (ctx.options.json) printJson({ tokens });
  else printTokens(tokens);
  return 0;
}

/** `lake principal token revoke <id>` */
export async function tokenRevoke(ctx: CommandContext, id: string): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.revokeToken(actor, id);
  if (ctx.options.json) printJson({ revoked: id });
  else info(`token ${id} revoked`);
  return 0;
}

/** `lake principal token rotate <id> [--grace 1h]`: a new token; the old one expires after the grace. */
export async function tokenRotate(
  ctx: CommandContext,
  id: string,
  opts: { grace?: string },
): Promise<number> {
  const graceSeconds = durationSeconds(opts.grace, '--grace');
  const { gov, actor } = await governance(ctx);
  printIssued(ctx, await gov.rotateToken(actor, id, graceSeconds !== undefined ? { graceSeconds } : {}));
  return 0;
}

/** `lake role create <name> [--description d]` */
export async function roleCreate(
  ctx: CommandContext,
  name: string,
  opts: { description?: string },
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  const r = await gov.createRole(actor, {
    name,
    ...(opts.description !== undefined ? { description: opts.description } : {}),
  });
  if (ctx.options.json) printJson(r);
  else info(`role ${r.name} created`);
  return 0;
}

/** `lake role list` */
export async function roleList(ctx: CommandContext): Promise<number> {
  const { gov } = await governance(ctx);
  const roles = await gov.listRoles();
  if (ctx.options.json) printJson({ roles });
  else
    printTable(
      ['name', 'members', 'description', 'created'],
      roles.map((r) => [r.name, r.members.join(', '), r.description ?? '', r.createdAt]),
    );
  return 0;
}

/** `lake role delete <name>` (with its memberships, grants, masks, row filters and tag policies) */
export async function roleDelete(ctx: CommandContext, name: string): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.deleteRole(actor, name);
  if (ctx.options.json) printJson({ deleted: name });
  else info(`role ${name} deleted with its memberships, grants, masks, row filters and tag policies`);
  return 0;
}

/** `lake role add-member <role> <principal>` */
export async function roleAddMember(ctx: CommandContext, role: string, principal: string): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.addMember(actor, role, principal);
  if (ctx.options.json) printJson({ role, added: principal });
  else info(`${principal} is a member of ${role}`);
  return 0;
}

/** `lake role remove-member <role> <principal>` */
export async function roleRemoveMember(
  ctx: CommandContext,
  role: string,
  principal: string,
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.removeMember(actor, role, principal);
  if (ctx.options.json) printJson({ role, removed: principal });
  else info(`${principal} is no longer a member of ${role}`);
  return 0;
}
