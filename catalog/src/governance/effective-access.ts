/**
 * Access decisions from governance data already loaded (no database here): whether a principal
 * holds a privilege on a securable, and what it sees of a table — columns visible, masked or hidden,
 * the combined row filter — each with the grants, ownership, masks and policies that caused it.
 * The semantics are those of types.ts (securable tree, USAGE chain, MANAGE and ownership, masks).
 */
import { parseTableIdentifier } from '@lakekit/core';
import { substituteAttributes } from './predicate.js';
import type {
  Because,
  ColumnMask,
  EffectiveAccess,
  EffectiveColumn,
  Grant,
  Grantee,
  MaskKind,
  MaskSpec,
  Principal,
  Privilege,
  RowFilter,
  Securable,
  TableColumn,
  TagAssignment,
  TagPolicy,
} from './types.js';

/** Who is asking: a principal and its roles. */
export interface Holder {
  principal: string;
  roles: readonly string[];
}

/** The namespace of `ns.table` (`a.b` for `a.b.t`). */
export function tableNamespace(table: string): string {
  return parseTableIdentifier(table).namespace.join('.');
}

function withinNamespace(ns: string, candidate: string): boolean {
  return candidate === ns || candidate.startsWith(`${ns}.`);
}

/** Whether a grant on `on` covers `target` (a grant covers everything below its securable). */
export function covers(on: Securable, target: Securable): boolean {
  switch (on.type) {
    case 'catalog':
      return true;
    case 'namespace':
      if (target.type === 'catalog') return false;
      if (target.type === 'namespace') return withinNamespace(on.name, target.name);
      return withinNamespace(on.name, tableNamespace(target.type === 'table' ? target.name : target.table));
    case 'table':
      return (
        (target.type === 'table' && target.name === on.name) ||
        (target.type === 'column' && target.table === on.name)
      );
    case 'column':
      return target.type === 'column' && target.table === on.table && target.column === on.column;
  }
}

function sameSecurable(a: Securable, b: Securable): boolean {
  return describeSecurable(a) === describeSecurable(b);
}

/** `catalog`, `namespace crm`, `table crm.accounts`, `column crm.accounts.email`. */
export function describeSecurable(s: Securable): string {
  switch (s.type) {
    case 'catalog':
      return 'catalog';
    case 'namespace':
      return `namespace ${s.name}`;
    case 'table':
      return `table ${s.name}`;
    case 'column':
      return `column ${s.table}.${s.column}`;
  }
}

/** `principal ana`, `role analyst`. */
export function describeGrantee(g: Grantee): string {
  return `${g.type} ${g.name}`;
}

/** `SELECT on namespace crm to role analyst`. */
export function describeGrant(g: Pick<Grant, 'privilege' | 'securable' | 'grantee'>): string {
  return `${g.privilege} on ${describeSecurable(g.securable)} to ${describeGrantee(g.grantee)}`;
}

function heldBy(g: Grantee, holder: Holder): boolean {
  return g.type === 'principal' ? g.name === holder.principal : holder.roles.includes(g.name);
}

/** The table a table or column securable belongs to. */
function tableOf(s: Securable): string | undefined {
  return s.type === 'table' ? s.name : s.type === 'column' ? s.table : undefined;
}

/**
 * What gives `holder` `privilege` on `target` (MANAGE implies every privilege; a table's owner holds
 * MANAGE on it): the grants and ownership found, empty when none does. No USAGE check here.
 * USAGE itself is not inherited, as in Unity Catalog: USAGE on the catalog opens the catalog only,
 * each namespace needs its own (or MANAGE at or above it), else the namespace gate would mean nothing.
 */
export function reasonsFor(
  privilege: Privilege,
  target: Securable,
  grants: readonly Grant[],
  owner: Grantee | undefined,
  holder: Holder,
): Because[] {
  const out: Because[] = grants
    .filter(
      (g) =>
        heldBy(g.grantee, holder) &&
        ((g.privilege === 'MANAGE' && covers(g.securable, target)) ||
          (g.privilege === privilege &&
            (privilege === 'USAGE' ? sameSecurable(g.securable, target) : covers(g.securable, target)))),
    )
    .map((g) => ({ kind: 'grant', text: describeGrant(g) }));
  const table = tableOf(target);
  if (table !== undefined && owner && heldBy(owner, holder)) {
    out.push({ kind: 'owner', text: `owner of table ${table} (${describeGrantee(owner)})` });
  }
  return out;
}

/** USAGE on the catalog and on the table's namespace, with the reasons or what is missing. */
export function usageFor(
  table: string,
  grants: readonly Grant[],
  holder: Holder,
): { ok: boolean; because: Because[] } {
  const because: Because[] = [];
  let ok = true;
  for (const s of [{ type: 'catalog' }, { type: 'namespace', name: tableNamespace(table) }] as Securable[]) {
    const found = reasonsFor('USAGE', s, grants, undefined, holder);
    if (found.length === 0) {
      ok = false;
      because.push({ kind: 'missing_grant', text: `no USAGE on ${describeSecurable(s)}` });
    } else {
      because.push(...found);
    }
  }
  return { ok, because };
}

/**
 * Whether `holder` holds `privilege` on `securable`. SELECT and MODIFY on a table or column also need
 * the USAGE chain (they are about reaching data); USAGE and MANAGE are checked as held. SELECT on a
 * table means on the whole table; column grants answer for their columns only.
 */
export function holds(
  privilege: Privilege,
  securable: Securable,
  grants: readonly Grant[],
  owner: Grantee | undefined,
  holder: Holder,
): boolean {
  if (reasonsFor(privilege, securable, grants, owner, holder).length === 0) return false;
  const table = tableOf(securable);
  if (table === undefined || privilege === 'MANAGE' || privilege === 'USAGE') return true;
  return usageFor(table, grants, holder).ok;
}

/** Strongest first: null > redact > hash > partial > sql. */
const MASK_STRENGTH: readonly MaskKind[] = ['null', 'redact', 'hash', 'partial', 'sql'];

function maskSpecOf(m: MaskSpec): MaskSpec {
  return {
    kind: m.kind,
    ...(m.keepFirst !== undefined ? { keepFirst: m.keepFirst } : {}),
    ...(m.keepLast !== undefined ? { keepLast: m.keepLast } : {}),
    ...(m.expression !== undefined ? { expression: m.expression } : {}),
  };
}

/** Type of a masked value. */
function maskResultType(kind: MaskKind, columnType: string): string {
  if (kind === 'null') return columnType;
  // An sql mask's real type is whatever DuckDB infers for the expression; knowing it needs the engine,
  // so the column's own type is reported (the governed layer casts the expression to it).
  if (kind === 'sql') return columnType;
  return 'string';
}

interface MaskCandidate {
  spec: MaskSpec;
  role: string;
  source: 'column_mask' | 'tag_policy';
  policy?: string;
  because: Because;
}

function strongest(candidates: MaskCandidate[]): MaskCandidate | undefined {
  return [...candidates].sort(
    (a, b) =>
      MASK_STRENGTH.indexOf(a.spec.kind) - MASK_STRENGTH.indexOf(b.spec.kind) ||
      (a.role < b.role ? -1 : a.role > b.role ? 1 : 0) ||
      ((a.policy ?? '') < (b.policy ?? '') ? -1 : (a.policy ?? '') > (b.policy ?? '') ? 1 : 0),
  )[0];
}

/** Whether a policy on `policyTag` applies to a column tagged `tag` (dotted-prefix match). */
export function tagMatches(policyTag: string, tag: string): boolean {
  return tag === policyTag || tag.startsWith(`${policyTag}.`);
}

/** The mask that applies to one column for a principal holding `roles`, if any. */
export function maskFor(
  column: string,
  roles: readonly string[],
  masks: readonly ColumnMask[],
  policies: readonly TagPolicy[],
  tags: readonly TagAssignment[],
): MaskCandidate | undefined {
  const explicit: MaskCandidate[] = masks
    .filter((m) => m.column === column && roles.includes(m.role))
    .map((m) => ({
      spec: maskSpecOf(m),
      role: m.role,
      source: 'column_mask',
      because: { kind: 'mask', text: `${m.kind} mask on column ${m.table}.${m.column} for role ${m.role}` },
    }));
  const columnTags = tags.filter((t) => t.column === column).map((t) => t.tag);
  const viaPolicy: MaskCandidate[] = [];
  for (const p of policies) {
    if (!roles.includes(p.role)) continue;
    const tag = columnTags.find((t) => tagMatches(p.tag, t));
    if (tag === undefined) continue;
    viaPolicy.push({
      spec: maskSpecOf(p.mask),
      role: p.role,
      source: 'tag_policy',
      policy: p.name,
      because: {
        kind: 'tag_policy',
        text: `tag policy ${p.name} (${p.mask.kind} on tag ${p.tag} for role ${p.role}) via column tag ${tag}`,
      },
    });
  }
  const chosen = strongest(explicit.length > 0 ? explicit : viaPolicy);
  if (chosen && explicit.length > 0 && viaPolicy.length > 0) {
    const beaten = viaPolicy.map((c) => c.policy).join(', ');
    return {
      ...chosen,
      because: { ...chosen.because, text: `${chosen.because.text} (beats tag policy ${beaten})` },
    };
  }
  return chosen;
}

/** Everything `computeEffectiveAccess` needs about one principal and one table. */
export interface AccessInput {
  principal: Principal;
  table: string;
  columns: readonly TableColumn[];
  /** Grants to the principal and to its roles (others are ignored anyway). */
  grants: readonly Grant[];
  owner?: Grantee;
  /** Masks, tags and row filters of this table; every tag policy. */
  masks: readonly ColumnMask[];
  tagPolicies: readonly TagPolicy[];
  tags: readonly TagAssignment[];
  rowFilters: readonly RowFilter[];
}

function unique(because: Because[]): Because[] {
  const seen = new Set<string>();
  return because.filter((b) => {
    const key = `${b.kind}\u0000${b.text}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

/** What a principal may do with a table and see of it, and why. */
export function computeEffectiveAccess(input: AccessInput): EffectiveAccess {
  const { principal, table, grants, owner } = input;
  const holder: Holder = { principal: principal.name, roles: principal.roles };
  const tableSecurable: Securable = { type: 'table', name: table };
  const usage = usageFor(table, grants, holder);
  const tableSelect = reasonsFor('SELECT', tableSecurable, grants, owner, holder);
  const modify = reasonsFor('MODIFY', tableSecurable, grants, owner, holder);
  const manage = reasonsFor('MANAGE', tableSecurable, grants, owner, holder);

  const columns: EffectiveColumn[] = input.columns.map((c) => {
    const select =
      tableSelect.length > 0
        ? tableSelect
        : reasonsFor('SELECT', { type: 'column', table, column: c.name }, grants, owner, holder);
    if (!usage.ok || select.length === 0) {
      const missing = usage.because.filter((b) => b.kind === 'missing_grant');
      if (select.length === 0)
        missing.push({ kind: 'missing_grant', text: `no SELECT on column ${table}.${c.name}` });
      return { name: c.name, type: c.type, access: 'hidden', because: missing };
    }
    const mask = maskFor(c.name, principal.roles, input.masks, input.tagPolicies, input.tags);
    if (!mask) return { name: c.name, type: c.type, access: 'visible', because: [...select] };
    return {
      name: c.name,
      type: c.type,
      access: 'masked',
      mask: {
        ...mask.spec,
        resultType: maskResultType(mask.spec.kind, c.type),
        role: mask.role,
        source: mask.source,
        ...(mask.policy !== undefined ? { policy: mask.policy } : {}),
      },
      because: [...select, mask.because],
    };
  });

  const canSelect = usage.ok && (tableSelect.length > 0 || columns.some((c) => c.access !== 'hidden'));
  const because: Because[] = [...usage.because];
  if (tableSelect.length > 0) because.push(...tableSelect);
  else if (canSelect) because.push({ kind: 'grant', text: `SELECT on some columns of table ${table}` });
  else because.push({ kind: 'missing_grant', text: `no SELECT on table ${table} or any of its columns` });
  because.push(...modify, ...manage);

  const filters = input.rowFilters
    .filter((f) => principal.roles.includes(f.role))
    .sort((a, b) => (a.role < b.role ? -1 : a.role > b.role ? 1 : 0))
    .map((f) => ({ role: f.role, predicate: f.predicate }));
  const substituted = filters.map((f) => substituteAttributes(f.predicate, principal.attributes));
  for (const f of filters) {
    because.push({ kind: 'row_filter', text: `row filter for role ${f.role}: ${f.predicate}` });
  }

  return {
    principal: principal.name,
    table,
    canSelect,
    canModify: usage.ok && modify.length > 0,
    canManage: manage.length > 0,
    columns,
    ...(filters.length > 0
      ? {
          rowFilter: {
            predicate:
              substituted.length === 1 ? substituted[0]! : substituted.map((p) => `(${p})`).join(' AND '),
            filters,
          },
        }
      : {}),
    because: unique(because),
  };
}
