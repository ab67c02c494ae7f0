/**
 * Governance commands for governance staff: grants, masks, row filters, tags and tag policies,
 * descriptions and owners, access explanations and requests, and governance as code
 * (`lake governance plan|apply|export <file>`). Securables are written `catalog`, `namespace:crm`,
 * `table:crm.accounts`, `column:crm.accounts.email`; grantees `principal:ana` or `role:analyst`.
 */
import { readFile, writeFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import {
  type AccessRequestStatus,
  applyGovernance,
  type EffectiveColumn,
  exportGovernance,
  formatGrantee,
  formatSecurable,
  type Grant,
  type MaskKind,
  type MaskSpec,
  type Privilege,
  parseGovernanceFile,
  parseGrantee,
  parseSecurable,
  planGovernance,
  stringifyGovernance,
  type TagAssignment,
} from '@lakekit/catalog';
import { UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { governance, wholeNumber } from './governance-context.js';

const PRIVILEGES: readonly Privilege[] = ['USAGE', 'SELECT', 'MODIFY', 'MANAGE'];

function privilege(text: string): Privilege {
  const p = text.toUpperCase() as Privilege;
  if (!PRIVILEGES.includes(p))
    throw new UsageError(`privilege ${text}: expected one of ${PRIVILEGES.join(', ')}`);
  return p;
}

function printGrants(ctx: CommandContext, grants: Grant[]): void {
  if (ctx.options.json) printJson({ grants });
  else
    printTable(
      ['privilege', 'on', 'to', 'granted by', 'granted'],
      grants.map((g) => [
        g.privilege,
        formatSecurable(g.securable),
        formatGrantee(g.grantee),
        g.grantedBy,
        g.grantedAt,
      ]),
    );
}

/** `lake grant <privilege> <securable> <grantee>` */
export async function grantCommand(
  ctx: CommandContext,
  priv: string,
  on: string,
  to: string,
): Promise<number> {
  const g = { privilege: privilege(priv), securable: parseSecurable(on), grantee: parseGrantee(to) };
  const { gov, actor } = await governance(ctx);
  const grant = await gov.grant(actor, g);
  if (ctx.options.json) printJson(grant);
  else
    info(
      `granted ${grant.privilege} on ${formatSecurable(grant.securable)} to ${formatGrantee(grant.grantee)}`,
    );
  return 0;
}

/** `lake revoke <privilege> <securable> <grantee>` */
export async function revokeCommand(
  ctx: CommandContext,
  priv: string,
  on: string,
  to: string,
): Promise<number> {
  const g = { privilege: privilege(priv), securable: parseSecurable(on), grantee: parseGrantee(to) };
  const { gov, actor } = await governance(ctx);
  await gov.revoke(actor, g);
  if (ctx.options.json) printJson({ revoked: { privilege: g.privilege, on, to } });
  else info(`revoked ${g.privilege} on ${on} from ${to}`);
  return 0;
}

/** `lake grants [--on securable] [--to grantee]` */
export async function grantsList(ctx: CommandContext, opts: { on?: string; to?: string }): Promise<number> {
  const filter = {
    ...(opts.on !== undefined ? { securable: parseSecurable(opts.on) } : {}),
    ...(opts.to !== undefined ? { grantee: parseGrantee(opts.to) } : {}),
  };
  const { gov } = await governance(ctx);
  printGrants(ctx, await gov.listGrants(filter));
  return 0;
}

function maskSpec(opts: {
  kind: string;
  keepLast?: string;
  keepFirst?: string;
  expression?: string;
}): MaskSpec {
  const kinds: MaskKind[] = ['redact', 'hash', 'partial', 'null', 'sql'];
  if (!kinds.includes(opts.kind as MaskKind)) {
    throw new UsageError(`--kind ${opts.kind}: expected one of ${kinds.join(', ')}`);
  }
  const keepLast = wholeNumber(opts.keepLast, '--keep-last');
  const keepFirst = wholeNumber(opts.keepFirst, '--keep-first');
  return {
    kind: opts.kind as MaskKind,
    ...(keepLast !== undefined ? { keepLast } : {}),
    ...(keepFirst !== undefined ? { keepFirst } : {}),
    ...(opts.expression !== undefined ? { expression: opts.expression } : {}),
  };
}

function maskText(m: MaskSpec): string {
  if (m.kind === 'partial') return `partial(first ${m.keepFirst ?? 0}, last ${m.keepLast ?? 4})`;
  if (m.kind === 'sql') return `sql(${m.expression ?? ''})`;
  return m.kind;
}

/** `lake mask set <table> <column> --role r --kind k [--keep-last n] [--keep-first n] [--expression e]` */
export async function maskSet(
  ctx: CommandContext,
  table: string,
  column: string,
  opts: { role: string; kind: string; keepLast?: string; keepFirst?: string; expression?: string },
): Promise<number> {
  const spec = maskSpec(opts);
  const { gov, actor } = await governance(ctx);
  const mask = await gov.setMask(actor, { table, column, role: opts.role, ...spec });
  if (ctx.options.json) printJson(mask);
  else info(`mask ${maskText(mask)} on ${mask.table}.${mask.column} for role ${mask.role}`);
  return 0;
}

/** `lake mask drop <table> <column> --role r` */
export async function maskDrop(
  ctx: CommandContext,
  table: string,
  column: string,
  opts: { role: string },
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.dropMask(actor, { table, column, role: opts.role });
  if (ctx.options.json) printJson({ dropped: { table, column, role: opts.role } });
  else info(`mask on ${table}.${column} for role ${opts.role} dropped`);
  return 0;
}

/** `lake mask list [table]` */
export async function maskList(ctx: CommandContext, table: string | undefined): Promise<number> {
  const { gov } = await governance(ctx);
  const masks = await gov.listMasks(table);
  if (ctx.options.json) printJson({ masks });
  else
    printTable(
      ['table', 'column', 'role', 'mask', 'by', 'created'],
      masks.map((m) => [m.table, m.column, m.role, maskText(m), m.createdBy, m.createdAt]),
    );
  return 0;
}

/** `lake row-filter set <table> <predicate> --role r` */
export async function rowFilterSet(
  ctx: CommandContext,
  table: string,
  predicate: string,
  opts: { role: string },
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  const f = await gov.setRowFilter(actor, { table, role: opts.role, predicate });
  if (ctx.options.json) printJson(f);
  else info(`row filter on ${f.table} for role ${f.role}: ${f.predicate}`);
  return 0;
}

/** `lake row-filter drop <table> --role r` */
export async function rowFilterDrop(
  ctx: CommandContext,
  table: string,
  opts: { role: string },
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.dropRowFilter(actor, { table, role: opts.role });
  if (ctx.options.json) printJson({ dropped: { table, role: opts.role } });
  else info(`row filter on ${table} for role ${opts.role} dropped`);
  return 0;
}

/** `lake row-filter list [table]` */
export async function rowFilterList(ctx: CommandContext, table: string | undefined): Promise<number> {
  const { gov } = await governance(ctx);
  const filters = await gov.listRowFilters(table);
  if (ctx.options.json) printJson({ rowFilters: filters });
  else
    printTable(
      ['table', 'role', 'predicate', 'by', 'created'],
      filters.map((f) => [f.table, f.role, f.predicate, f.createdBy, f.createdAt]),
    );
  return 0;
}

/** `ns.table` or `ns.table.column` as a tag assignment. */
function tagTarget(target: string, tag: string): TagAssignment {
  const parts = target.split('.');
  if (parts.length === 2) return { table: target, tag };
  if (parts.length === 3) return { table: `${parts[0]}.${parts[1]}`, column: parts[2]!, tag };
  throw new UsageError(`${target}: expected ns.table or ns.table.column`);
}

const tagPlace = (t: TagAssignment) => (t.column !== undefined ? `${t.table}.${t.column}` : t.table);

/** `lake tag add <ns.table[.column]> <tag>` */
export async function tagAdd(ctx: CommandContext, target: string, tag: string): Promise<number> {
  const t = tagTarget(target, tag);
  const { gov, actor } = await governance(ctx);
  await gov.addTag(actor, t);
  if (ctx.options.json) printJson({ added: t });
  else info(`tagged ${tagPlace(t)} ${tag}`);
  return 0;
}

/** `lake tag remove <ns.table[.column]> <tag>` */
export async function tagRemove(ctx: CommandContext, target: string, tag: string): Promise<number> {
  const t = tagTarget(target, tag);
  const { gov, actor } = await governance(ctx);
  await gov.removeTag(actor, t);
  if (ctx.options.json) printJson({ removed: t });
  else info(`tag ${tag} removed from ${tagPlace(t)}`);
  return 0;
}

/** `lake tag list [table]` */
export async function tagList(ctx: CommandContext, table: string | undefined): Promise<number> {
  const { gov } = await governance(ctx);
  const tags = await gov.listTags(table);
  if (ctx.options.json) printJson({ tags });
  else
    printTable(
      ['table', 'column', 'tag'],
      tags.map((t) => [t.table, t.column ?? '', t.tag]),
    );
  return 0;
}

/** `lake policy set <name> --tag t --role r --kind k [--keep-last n] [--keep-first n] [--expression e]` */
export async function policySet(
  ctx: CommandContext,
  name: string,
  opts: {
    tag: string;
    role: string;
    kind: string;
    keepLast?: string;
    keepFirst?: string;
    expression?: string;
  },
): Promise<number> {
  const mask = maskSpec(opts);
  const { gov, actor } = await governance(ctx);
  const p = await gov.setTagPolicy(actor, { name, tag: opts.tag, role: opts.role, mask });
  if (ctx.options.json) printJson(p);
  else info(`tag policy ${p.name}: ${maskText(p.mask)} on columns tagged ${p.tag} for role ${p.role}`);
  return 0;
}

/** `lake policy drop <name>` */
export async function policyDrop(ctx: CommandContext, name: string): Promise<number> {
  const { gov, actor } = await governance(ctx);
  await gov.dropTagPolicy(actor, name);
  if (ctx.options.json) printJson({ dropped: name });
  else info(`tag policy ${name} dropped`);
  return 0;
}

/** `lake policy list` */
export async function policyList(ctx: CommandContext): Promise<number> {
  const { gov } = await governance(ctx);
  const policies = await gov.listTagPolicies();
  if (ctx.options.json) printJson({ tagPolicies: policies });
  else
    printTable(
      ['name', 'tag', 'role', 'mask', 'by', 'created'],
      policies.map((p) => [p.name, p.tag, p.role, maskText(p.mask), p.createdBy, p.createdAt]),
    );
  return 0;
}

/**
 * `lake describe <table> [--column c] [--description d] [--owner grantee] [--term t]…`: sets the
 * given annotations, then shows the table's (or column's) description, owner, terms and tags.
 */
export async function describeCommand(
  ctx: CommandContext,
  table: string,
  opts: { column?: string; description?: string; owner?: string; term?: string[] },
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  if (opts.owner !== undefined && opts.column !== undefined) {
    throw new UsageError('--owner applies to tables, not columns: drop --column');
  }
  const changes = opts.description !== undefined || opts.owner !== undefined || opts.term !== undefined;
  if (changes) {
    await gov.annotate(actor, {
      table,
      ...(opts.column !== undefined ? { column: opts.column } : {}),
      ...(opts.description !== undefined
        ? { description: opts.description === '' ? null : opts.description }
        : {}),
      ...(opts.owner !== undefined ? { owner: opts.owner === '' ? null : parseGrantee(opts.owner) } : {}),
      ...(opts.term !== undefined ? { terms: opts.term.filter((t) => t !== '') } : {}),
    });
  }
  const [annotations, tags] = await Promise.all([gov.listAnnotations(table), gov.listTags(table)]);
  const shown = annotations.filter((a) => opts.column === undefined || a.column === opts.column);
  const shownTags = tags.filter((t) => opts.column === undefined || t.column === opts.column);
  if (ctx.options.json) {
    printJson({ table, annotations: shown, tags: shownTags });
    return 0;
  }
  const places = [
    ...new Set([...shown.map((a) => a.column ?? ''), ...shownTags.map((t) => t.column ?? '')]),
  ].sort();
  printTable(
    ['column', 'description', 'owner', 'terms', 'tags'],
    places.map((c) => {
      const a = shown.find((x) => (x.column ?? '') === c);
      return [
        c === '' ? '(table)' : c,
        a?.description ?? '',
        a?.owner ? formatGrantee(a.owner) : '',
        (a?.terms ?? []).join(', '),
        shownTags
          .filter((t) => (t.column ?? '') === c)
          .map((t) => t.tag)
          .join(', '),
      ];
    }),
  );
  return 0;
}

function columnRow(c: EffectiveColumn): unknown[] {
  const mask = c.mask
    ? `${maskText(c.mask)} (${c.mask.source === 'tag_policy' ? `policy ${c.mask.policy}` : `role ${c.mask.role}`})`
    : '';
  return [c.name, c.type, c.access, mask, c.because.map((b) => b.text).join('; ')];
}

/** `lake access explain <table> --principal p`: what the principal sees of the table, and why. */
export async function accessExplain(
  ctx: CommandContext,
  table: string,
  opts: { principal: string },
): Promise<number> {
  const { gov } = await governance(ctx);
  const access = await gov.effectiveAccess(opts.principal, table);
  if (ctx.options.json) {
    printJson(access);
    return 0;
  }
  const yes = (b: boolean) => (b ? 'yes' : 'no');
  process.stdout.write(
    `${access.principal} on ${access.table}: select ${yes(access.canSelect)}, modify ${yes(access.canModify)}, manage ${yes(access.canManage)}\n`,
  );
  for (const b of access.because) process.stdout.write(`  because: ${b.text}\n`);
  process.stdout.write(
    `rows: ${access.rowFilter ? `only where ${access.rowFilter.predicate} (${access.rowFilter.filters.map((f) => `role ${f.role}`).join(', ')})` : 'all'}\n\n`,
  );
  printTable(['column', 'type', 'access', 'mask', 'because'], access.columns.map(columnRow));
  return 0;
}

/** `lake access request <table> --reason r` */
export async function accessRequest(
  ctx: CommandContext,
  table: string,
  opts: { reason: string },
): Promise<number> {
  const { gov, actor } = await governance(ctx);
  const r = await gov.requestAccess(actor, { table, reason: opts.reason });
  if (ctx.options.json) printJson(r);
  else info(`access request ${r.id}: ${r.principal} asks for SELECT on ${r.table} (pending)`);
  return 0;
}

async function decide(ctx: CommandContext, id: string, approve: boolean, comment?: string): Promise<number> {
  const { gov, actor } = await governance(ctx);
  const r = await gov.decideAccessRequest(actor, id, {
    approve,
    ...(comment !== undefined ? { comment } : {}),
  });
  if (ctx.options.json) printJson(r);
  else
    info(`access request ${r.id} ${r.status}${approve ? `: ${r.principal} may SELECT from ${r.table}` : ''}`);
  return 0;
}

/** `lake access approve <id> [--comment c]` (grants SELECT on the table to the requester) */
export function accessApprove(ctx: CommandContext, id: string, opts: { comment?: string }): Promise<number> {
  return decide(ctx, id, true, opts.comment);
}

/** `lake access deny <id> [--comment c]` */
export function accessDeny(ctx: CommandContext, id: string, opts: { comment?: string }): Promise<number> {
  return decide(ctx, id, false, opts.comment);
}

/** `lake access requests [--status s] [--table t] [--principal p]` */
export async function accessRequests(
  ctx: CommandContext,
  opts: { status?: string; table?: string; principal?: string },
): Promise<number> {
  const statuses: AccessRequestStatus[] = ['pending', 'approved', 'denied'];
  if (opts.status !== undefined && !statuses.includes(opts.status as AccessRequestStatus)) {
    throw new UsageError(`--status ${opts.status}: expected one of ${statuses.join(', ')}`);
  }
  const { gov } = await governance(ctx);
  const requests = await gov.listAccessRequests({
    ...(opts.status !== undefined ? { status: opts.status as AccessRequestStatus } : {}),
    ...(opts.table !== undefined ? { table: opts.table } : {}),
    ...(opts.principal !== undefined ? { principal: opts.principal } : {}),
  });
  if (ctx.options.json) printJson({ requests });
  else
    printTable(
      ['id', 'principal', 'table', 'status', 'reason', 'created', 'decided by', 'comment'],
      requests.map((r) => [
        r.id,
        r.principal,
        r.table,
        r.status,
        r.reason,
        r.createdAt,
        r.decidedBy ?? '',
        r.comment ?? '',
      ]),
    );
  return 0;
}

async function readGovernanceFile(file: string) {
  const path = resolve(process.cwd(), file);
  const text = await readFile(path, 'utf8').catch((e: NodeJS.ErrnoException) => {
    throw new UsageError(`${file}: ${e.code === 'ENOENT' ? 'no such file' : e.message}`, {
      context: { file },
    });
  });
  return parseGovernanceFile(text, file);
}

/** `lake governance plan <file>`: what apply would change (exit 0 either way). */
export async function governancePlan(
  ctx: CommandContext,
  file: string,
  opts: { exitCode?: boolean } = {},
): Promise<number> {
  const doc = await readGovernanceFile(file);
  const { gov } = await governance(ctx);
  const changes = await planGovernance(gov, doc);
  if (ctx.options.json) printJson({ changes });
  else if (changes.length === 0) info(`no changes: the catalog matches ${file}`);
  else {
    for (const c of changes) process.stdout.write(`${c.text}\n`);
    info(`${changes.length} changes`);
  }
  return opts.exitCode === true && changes.length > 0 ? 4 : 0;
}

/** `lake governance apply <file>`: makes the catalog match the file (the file is the whole truth). */
export async function governanceApply(ctx: CommandContext, file: string): Promise<number> {
  const doc = await readGovernanceFile(file);
  const { gov, actor } = await governance(ctx);
  const changes = await applyGovernance(gov, actor, doc);
  if (ctx.options.json) printJson({ changes });
  else {
    for (const c of changes) process.stdout.write(`${c.text}\n`);
    info(
      changes.length === 0 ? `no changes: the catalog matches ${file}` : `${changes.length} changes applied`,
    );
  }
  return 0;
}

/** `lake governance export <file>` (`-`: stdout) */
export async function governanceExport(ctx: CommandContext, file: string): Promise<number> {
  const { gov } = await governance(ctx);
  const doc = await exportGovernance(gov);
  const text = stringifyGovernance(doc);
  if (file === '-') {
    if (ctx.options.json) printJson(doc);
    else process.stdout.write(text);
    return 0;
  }
  await writeFile(resolve(process.cwd(), file), text);
  if (ctx.options.json) printJson({ file, ...doc });
  else info(`wrote the governance of catalog ${(await ctx.catalog()).name} to ${file}`);
  return 0;
}
