/**
 * Governance as code: the whole governance state of a catalog (principals without secrets, roles and
 * their members, grants, masks, row filters, tags, tag policies, annotations) as one YAML file.
 * `exportGovernance` writes it in a stable order, `planGovernance` lists what applying a file would
 * change, `applyGovernance` makes the catalog match it. The file is the whole truth: whatever the
 * catalog has and the file lacks is removed (tokens are never part of it and are kept).
 */
import { UsageError } from '@lakekit/core';
import { LineCounter, parseDocument, stringify } from 'yaml';
import * as z from 'zod';
import { normalizePredicate } from './predicate.js';
import type { Actor, GovernanceStore } from './store.js';
import type { Grantee, MaskSpec, Privilege, Securable } from './types.js';

const NAME = /^[a-z0-9][a-z0-9_.@-]*$/;

/** `catalog`, `namespace:crm`, `table:crm.accounts`, `column:crm.accounts.email`. */
export function parseSecurable(text: string): Securable {
  if (text === 'catalog') return { type: 'catalog' };
  const m = /^(namespace|table|column):(.+)$/.exec(text);
  if (m) {
    const [, type, name] = m as unknown as [string, string, string];
    if (type === 'namespace' && !name.includes('.')) return { type: 'namespace', name };
    if (type === 'table' && name.split('.').length === 2) return { type: 'table', name };
    const dot = name.lastIndexOf('.');
    if (type === 'column' && name.slice(0, dot).split('.').length === 2) {
      return { type: 'column', table: name.slice(0, dot), column: name.slice(dot + 1) };
    }
  }
  throw new UsageError(
    `securable ${JSON.stringify(text)}: expected catalog, namespace:<ns>, table:<ns.table> or column:<ns.table.column>`,
  );
}

/** The text form of a securable (inverse of parseSecurable). */
export function formatSecurable(s: Securable): string {
  switch (s.type) {
    case 'catalog':
      return 'catalog';
    case 'namespace':
      return `namespace:${s.name}`;
    case 'table':
      return `table:${s.name}`;
    case 'column':
      return `column:${s.table}.${s.column}`;
  }
}

/** `principal:ana` or `role:analyst`. */
export function parseGrantee(text: string): Grantee {
  const m = /^(principal|role):(.+)$/.exec(text);
  if (!m || !NAME.test(m[2]!)) {
    throw new UsageError(`grantee ${JSON.stringify(text)}: expected principal:<name> or role:<name>`);
  }
  return { type: m[1] as Grantee['type'], name: m[2]! };
}

export function formatGrantee(g: Grantee): string {
  return `${g.type}:${g.name}`;
}

const maskSchema = z.strictObject({
  kind: z
    .enum(['redact', 'hash', 'partial', 'null', 'sql'])
    .describe(
      'What members of the role see: `redact` a fixed placeholder, `hash` an HMAC-SHA-256 of the value, `partial` the first and last characters, `null` NULL, `sql` an expression',
    ),
  keep_last: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('`partial`: characters kept at the end. Default: `4`'),
  keep_first: z
    .number()
    .int()
    .min(0)
    .optional()
    .describe('`partial`: characters kept at the start. Default: `0`'),
  expression: z
    .string()
    .optional()
    .describe("`sql`: a DuckDB expression over the table's columns (the column itself by its name)"),
});

const securableText = z.string().refine(
  (s) => {
    try {
      parseSecurable(s);
      return true;
    } catch {
      return false;
    }
  },
  { message: 'expected catalog, namespace:<ns>, table:<ns.table> or column:<ns.table.column>' },
);
const granteeText = z.string().regex(/^(principal|role):[a-z0-9][a-z0-9_.@-]*$/, {
  message: 'expected principal:<name> or role:<name>',
});

/** The governance file, as validated. */
export const governanceDocumentSchema = z.strictObject({
  version: z.literal(1).describe('Version of the file format'),
  principals: z
    .array(
      z.strictObject({
        name: z.string().describe('Name: lower-case letters, digits and `_ . @ -`'),
        kind: z
          .enum(['user', 'service'])
          .describe(
            'A user or a service account; changing it recreates the principal (its tokens are revoked)',
          ),
        attributes: z
          .record(z.string(), z.string())
          .optional()
          .describe('Attributes (`region: west`) that row filters read as `principal.<attribute>`'),
        disabled: z.boolean().optional().describe("A disabled principal's tokens are refused"),
      }),
    )
    .default([])
    .describe('Users and service accounts (never their tokens)'),
  roles: z
    .array(
      z.strictObject({
        name: z.string().describe('Name of the role'),
        description: z
          .string()
          .optional()
          .describe(
            'What the role is for; changing it recreates the role (apply re-adds what the file gives it)',
          ),
        members: z.array(z.string()).optional().describe('Names of the principals in the role'),
      }),
    )
    .default([])
    .describe('Roles group principals (roles do not nest)'),
  grants: z
    .array(
      z.strictObject({
        privilege: z.enum(['USAGE', 'SELECT', 'MODIFY', 'MANAGE']).describe('The privilege granted'),
        on: securableText.describe(
          'Securable: `catalog`, `namespace:<ns>`, `table:<ns.table>` or `column:<ns.table.column>`; the grant covers everything below it',
        ),
        to: granteeText.describe('Grantee: `principal:<name>` or `role:<name>`'),
      }),
    )
    .default([])
    .describe('Privileges on securables'),
  masks: z
    .array(
      z.strictObject({
        table: z.string().describe('The table, `ns.table`'),
        column: z.string().describe('The column masked'),
        role: z.string().describe('The role whose members see the mask'),
        ...maskSchema.shape,
      }),
    )
    .default([])
    .describe("Column masks: a column's values replaced for the members of one role"),
  row_filters: z
    .array(
      z.strictObject({
        table: z.string().describe('The table, `ns.table`'),
        role: z.string().describe('The role whose members are filtered'),
        predicate: z
          .string()
          .describe("Boolean SQL expression over the table's columns and `principal.<attribute>`"),
      }),
    )
    .default([])
    .describe('Row filters: the rows the members of one role see'),
  tags: z
    .array(
      z.strictObject({
        table: z.string().describe('The table, `ns.table`'),
        column: z.string().optional().describe('The column tagged. Default: the table itself'),
        tag: z.string().describe('Dotted tag name (`pii.email`)'),
      }),
    )
    .default([])
    .describe('Tags on tables and columns'),
  tag_policies: z
    .array(
      z.strictObject({
        name: z.string().describe('Name of the policy'),
        tag: z
          .string()
          .describe('Columns with this tag (or one below it: `pii` covers `pii.email`) are masked'),
        role: z.string().describe('The role whose members see the mask'),
        mask: maskSchema.describe('The mask'),
      }),
    )
    .default([])
    .describe('Tag policies: a mask, for one role, of every column carrying a tag'),
  annotations: z
    .array(
      z.strictObject({
        table: z.string().describe('The table, `ns.table`'),
        column: z.string().optional().describe('The column annotated. Default: the table itself'),
        description: z.string().optional().describe('Description'),
        owner: granteeText
          .optional()
          .describe('Owner of the table (holds MANAGE on it): `principal:<name>` or `role:<name>`'),
        terms: z.array(z.string()).optional().describe('Glossary terms'),
      }),
    )
    .default([])
    .describe('Descriptions, owners and glossary terms of tables and columns'),
});

/** A governance file: every list sorted by its key, optional fields only when set. */
export type GovernanceDocument = z.infer<typeof governanceDocumentSchema>;
type MaskYaml = z.infer<typeof maskSchema>;

/** One difference between the catalog and a governance file. */
export interface GovernanceChange {
  op: 'add' | 'remove' | 'change';
  kind:
    | 'principal'
    | 'role'
    | 'member'
    | 'grant'
    | 'mask'
    | 'row_filter'
    | 'tag'
    | 'tag_policy'
    | 'annotation';
  /** What it is about, e.g. `principal:ana`, `SELECT on table:crm.accounts to role:analyst`. */
  target: string;
  /** One line for people: `+ grant SELECT on table:crm.accounts to role:analyst`. */
  text: string;
}

/**
 * Parses and validates a governance file; errors name `file:line` and the key path
 * (`governance.yaml:12: grants[2].on: expected …`).
 */
export function parseGovernanceFile(text: string, file = 'governance.yaml'): GovernanceDocument {
  const lines = new LineCounter();
  const doc = parseDocument(text, { lineCounter: lines, prettyErrors: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0]!;
    const line = e.linePos?.[0].line ?? lines.linePos(e.pos[0]).line;
    throw new UsageError(`${file}:${line}: ${e.message.split('\n')[0]}`, { context: { file, line } });
  }
  const parsed = governanceDocumentSchema.safeParse(doc.toJS() ?? {});
  if (parsed.success) return parsed.data;
  const issue = parsed.error.issues[0]!;
  // The deepest node of the path that exists in the file gives the line.
  let line = 1;
  for (let n = issue.path.length; n > 0; n--) {
    const node = doc.getIn(issue.path.slice(0, n) as (string | number)[], true) as
      | { range?: number[] }
      | undefined;
    if (node?.range) {
      line = lines.linePos(node.range[0]!).line;
      break;
    }
  }
  const path = issue.path
    .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
    .join('')
    .replace(/^\./, '');
  throw new UsageError(`${file}:${line}: ${path || '(document)'}: ${issue.message}`, {
    context: { file, line, key: path },
  });
}

/** The YAML text of a governance document (stable: equal documents give equal text). */
export function stringifyGovernance(doc: GovernanceDocument): string {
  return stringify(doc, { lineWidth: 0, sortMapEntries: false });
}

function maskToYaml(m: MaskSpec): MaskYaml {
  return {
    kind: m.kind,
    ...(m.keepLast !== undefined ? { keep_last: m.keepLast } : {}),
    ...(m.keepFirst !== undefined ? { keep_first: m.keepFirst } : {}),
    ...(m.expression !== undefined ? { expression: m.expression } : {}),
  };
}

function maskFromYaml(m: MaskYaml): MaskSpec {
  return {
    kind: m.kind,
    ...(m.keep_last !== undefined ? { keepLast: m.keep_last } : {}),
    ...(m.keep_first !== undefined ? { keepFirst: m.keep_first } : {}),
    ...(m.expression !== undefined ? { expression: m.expression } : {}),
  };
}

const cmp = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
const by =
  <T>(key: (x: T) => string) =>
  (a: T, b: T) =>
    cmp(key(a), key(b));
const sortRecord = (r: Record<string, string>) =>
  Object.fromEntries(Object.entries(r).sort(([a], [b]) => cmp(a, b)));

/** Sorts every list of a document by its key (what export writes and plan compares). */
function canonical(doc: GovernanceDocument): GovernanceDocument {
  const col = (x: { table: string; column?: string | undefined }) => `${x.table}\u0000${x.column ?? ''}`;
  return {
    version: 1,
    principals: doc.principals
      .map((p) => ({
        name: p.name,
        kind: p.kind,
        ...(p.attributes && Object.keys(p.attributes).length > 0
          ? { attributes: sortRecord(p.attributes) }
          : {}),
        ...(p.disabled ? { disabled: true } : {}),
      }))
      .sort(by((p) => p.name)),
    roles: doc.roles
      .map((r) => ({
        name: r.name,
        ...(r.description !== undefined ? { description: r.description } : {}),
        ...(r.members && r.members.length > 0 ? { members: [...new Set(r.members)].sort(cmp) } : {}),
      }))
      .sort(by((r) => r.name)),
    grants: doc.grants
      .map((g) => ({ privilege: g.privilege, on: g.on, to: g.to }))
      .sort(by((g) => `${g.on}\u0000${g.to}\u0000${g.privilege}`)),
    masks: doc.masks
      .map((m) => ({ table: m.table, column: m.column, role: m.role, ...maskToYaml(maskFromYaml(m)) }))
      .sort(by((m) => `${col(m)}\u0000${m.role}`)),
    row_filters: doc.row_filters
      .map((f) => ({ table: f.table, role: f.role, predicate: f.predicate }))
      .sort(by((f) => `${f.table}\u0000${f.role}`)),
    tags: doc.tags
      .map((t) => ({ table: t.table, ...(t.column !== undefined ? { column: t.column } : {}), tag: t.tag }))
      .sort(by((t) => `${col(t)}\u0000${t.tag}`)),
    tag_policies: doc.tag_policies
      .map((p) => ({ name: p.name, tag: p.tag, role: p.role, mask: maskToYaml(maskFromYaml(p.mask)) }))
      .sort(by((p) => p.name)),
    annotations: doc.annotations
      .map((a) => ({
        table: a.table,
        ...(a.column !== undefined ? { column: a.column } : {}),
        ...(a.description !== undefined ? { description: a.description } : {}),
        ...(a.owner !== undefined ? { owner: a.owner } : {}),
        ...(a.terms && a.terms.length > 0 ? { terms: [...new Set(a.terms)].sort(cmp) } : {}),
      }))
      .filter((a) => a.description !== undefined || a.owner !== undefined || a.terms !== undefined)
      .sort(by(col)),
  };
}

/** The catalog's governance state as a document, in a stable order. */
export async function exportGovernance(store: GovernanceStore): Promise<GovernanceDocument> {
  const [principals, roles, grants, masks, filters, tags, policies, annotations] = await Promise.all([
    store.listPrincipals(),
    store.listRoles(),
    store.listGrants(),
    store.listMasks(),
    store.listRowFilters(),
    store.listTags(),
    store.listTagPolicies(),
    store.listAnnotations(),
  ]);
  return canonical({
    version: 1,
    principals: principals.map((p) => ({
      name: p.name,
      kind: p.kind,
      attributes: p.attributes,
      ...(p.disabled ? { disabled: true } : {}),
    })),
    roles: roles.map((r) => ({
      name: r.name,
      ...(r.description ? { description: r.description } : {}),
      members: r.members,
    })),
    grants: grants.map((g) => ({
      privilege: g.privilege,
      on: formatSecurable(g.securable),
      to: formatGrantee(g.grantee),
    })),
    masks: masks.map((m) => ({ table: m.table, column: m.column, role: m.role, ...maskToYaml(m) })),
    row_filters: filters.map((f) => ({ table: f.table, role: f.role, predicate: f.predicate })),
    tags: tags.map((t) => ({
      table: t.table,
      ...(t.column !== undefined ? { column: t.column } : {}),
      tag: t.tag,
    })),
    tag_policies: policies.map((p) => ({ name: p.name, tag: p.tag, role: p.role, mask: maskToYaml(p.mask) })),
    annotations: annotations.map((a) => ({
      table: a.table,
      ...(a.column !== undefined ? { column: a.column } : {}),
      ...(a.description !== undefined ? { description: a.description } : {}),
      ...(a.owner !== undefined ? { owner: formatGrantee(a.owner) } : {}),
      terms: a.terms,
    })),
  });
}

/** A change with the store calls that make it. */
interface Step {
  change: GovernanceChange;
  /** Removals run before additions (0 first); within a phase, in dependency order. */
  phase: number;
  run: (store: GovernanceStore, actor: Actor) => Promise<void>;
}

/** Compares keyed lists: what to add, remove and change. */
function diffBy<T>(have: readonly T[], want: readonly T[], key: (x: T) => string) {
  const h = new Map(have.map((x) => [key(x), x]));
  const w = new Map(want.map((x) => [key(x), x]));
  const same = (a: T, b: T) => JSON.stringify(a) === JSON.stringify(b);
  return {
    added: [...w].filter(([k]) => !h.has(k)).map(([, x]) => x),
    removed: [...h].filter(([k]) => !w.has(k)).map(([, x]) => x),
    changed: [...w]
      .filter(([k, x]) => h.has(k) && !same(h.get(k)!, x))
      .map(([k, x]) => ({ from: h.get(k)!, to: x })),
  };
}

function maskText(m: MaskYaml): string {
  const parts: string[] = [m.kind];
  if (m.keep_first !== undefined) parts.push(`keep_first=${m.keep_first}`);
  if (m.keep_last !== undefined) parts.push(`keep_last=${m.keep_last}`);
  if (m.expression !== undefined) parts.push(`expression=${JSON.stringify(m.expression)}`);
  return parts.join(' ');
}

/** The steps that turn `have` into `want`. */
function steps(have: GovernanceDocument, want: GovernanceDocument): Step[] {
  const out: Step[] = [];
  const step = (
    phase: number,
    op: GovernanceChange['op'],
    kind: GovernanceChange['kind'],
    target: string,
    text: string,
    run: Step['run'],
  ) => {
    const sign = op === 'add' ? '+' : op === 'remove' ? '-' : '~';
    out.push({ phase, change: { op, kind, target, text: `${sign} ${text}` }, run });
  };
  // Removals: dependents first (phase 0–5); additions: dependencies first (phase 10–18).
  const colKey = (x: { table: string; column?: string | undefined }) =>
    x.column !== undefined ? `${x.table}.${x.column}` : x.table;

  const tp = diffBy(have.tag_policies, want.tag_policies, (p) => p.name);
  for (const p of tp.removed) {
    step(0, 'remove', 'tag_policy', `tag_policy:${p.name}`, `tag policy ${p.name}`, (s, a) =>
      s.dropTagPolicy(a, p.name),
    );
  }
  const rf = diffBy(have.row_filters, want.row_filters, (f) => `${f.table}\u0000${f.role}`);
  for (const f of rf.removed) {
    step(
      0,
      'remove',
      'row_filter',
      `table:${f.table}`,
      `row filter on ${f.table} for role ${f.role}`,
      (s, a) => s.dropRowFilter(a, { table: f.table, role: f.role }),
    );
  }
  const mk = diffBy(have.masks, want.masks, (m) => `${m.table}\u0000${m.column}\u0000${m.role}`);
  for (const m of mk.removed) {
    step(
      0,
      'remove',
      'mask',
      `column:${m.table}.${m.column}`,
      `mask on ${m.table}.${m.column} for role ${m.role}`,
      (s, a) => s.dropMask(a, { table: m.table, column: m.column, role: m.role }),
    );
  }
  const tg = diffBy(have.tags, want.tags, (t) => `${colKey(t)}\u0000${t.tag}`);
  for (const t of tg.removed) {
    step(
      0,
      'remove',
      'tag',
      `${t.column !== undefined ? 'column' : 'table'}:${colKey(t)}`,
      `tag ${t.tag} on ${colKey(t)}`,
      (s, a) => s.removeTag(a, t),
    );
  }
  const gr = diffBy(have.grants, want.grants, (g) => `${g.privilege} on ${g.on} to ${g.to}`);
  for (const g of gr.removed) {
    step(1, 'remove', 'grant', g.on, `grant ${g.privilege} on ${g.on} to ${g.to}`, (s, a) =>
      s.revoke(a, {
        privilege: g.privilege as Privilege,
        securable: parseSecurable(g.on),
        grantee: parseGrantee(g.to),
      }),
    );
  }
  const an = diffBy(have.annotations, want.annotations, colKey);
  for (const x of an.removed) {
    step(1, 'remove', 'annotation', colKey(x), `annotation of ${colKey(x)}`, (s, a) =>
      s
        .annotate(a, {
          table: x.table,
          ...(x.column !== undefined ? { column: x.column } : {}),
          description: null,
          ...(x.column === undefined ? { owner: null } : {}),
          terms: [],
        })
        .then(() => undefined),
    );
  }
  const members = (d: GovernanceDocument) =>
    d.roles.flatMap((r) => (r.members ?? []).map((m) => ({ role: r.name, member: m })));
  const mb = diffBy(members(have), members(want), (m) => `${m.role}\u0000${m.member}`);
  for (const m of mb.removed) {
    step(2, 'remove', 'member', `role:${m.role}`, `member ${m.member} of role ${m.role}`, (s, a) =>
      s.removeMember(a, m.role, m.member),
    );
  }
  const roleOf = (r: GovernanceDocument['roles'][number]) => ({ name: r.name, description: r.description });
  const rl = diffBy(have.roles.map(roleOf), want.roles.map(roleOf), (r) => r.name);
  for (const r of rl.removed) {
    step(3, 'remove', 'role', `role:${r.name}`, `role ${r.name}`, (s, a) => s.deleteRole(a, r.name));
  }
  // A role's description cannot be changed in place: the role is recreated (its grants, members,
  // masks and filters follow from the rest of the file on the next pass).
  for (const { to: r } of rl.changed) {
    step(
      3,
      'change',
      'role',
      `role:${r.name}`,
      `role ${r.name} (description: ${JSON.stringify(r.description ?? '')}; recreated)`,
      async (s, a) => {
        await s.deleteRole(a, r.name);
        await s.createRole(a, {
          name: r.name,
          ...(r.description !== undefined ? { description: r.description } : {}),
        });
      },
    );
  }
  const pr = diffBy(have.principals, want.principals, (p) => p.name);
  for (const p of pr.removed) {
    step(4, 'remove', 'principal', `principal:${p.name}`, `principal ${p.name} (and its tokens)`, (s, a) =>
      s.deletePrincipal(a, p.name),
    );
  }
  for (const { from, to: p } of pr.changed) {
    if (from.kind !== p.kind) {
      step(
        4,
        'change',
        'principal',
        `principal:${p.name}`,
        `principal ${p.name} kind ${from.kind} → ${p.kind} (recreated; its tokens are revoked)`,
        async (s, a) => {
          await s.deletePrincipal(a, p.name);
          await s.createPrincipal(a, { name: p.name, kind: p.kind, attributes: p.attributes ?? {} });
          if (p.disabled) await s.updatePrincipal(a, p.name, { disabled: true });
        },
      );
    } else {
      step(
        10,
        'change',
        'principal',
        `principal:${p.name}`,
        `principal ${p.name} attributes ${JSON.stringify(p.attributes ?? {})}${p.disabled ? ', disabled' : from.disabled ? ', enabled' : ''}`,
        (s, a) =>
          s
            .updatePrincipal(a, p.name, { attributes: p.attributes ?? {}, disabled: p.disabled ?? false })
            .then(() => undefined),
      );
    }
  }

  for (const p of pr.added) {
    step(10, 'add', 'principal', `principal:${p.name}`, `principal ${p.name} (${p.kind})`, async (s, a) => {
      await s.createPrincipal(a, { name: p.name, kind: p.kind, attributes: p.attributes ?? {} });
      if (p.disabled) await s.updatePrincipal(a, p.name, { disabled: true });
    });
  }
  for (const r of rl.added) {
    step(11, 'add', 'role', `role:${r.name}`, `role ${r.name}`, (s, a) =>
      s
        .createRole(a, {
          name: r.name,
          ...(r.description !== undefined ? { description: r.description } : {}),
        })
        .then(() => undefined),
    );
  }
  for (const m of mb.added) {
    step(12, 'add', 'member', `role:${m.role}`, `member ${m.member} of role ${m.role}`, (s, a) =>
      s.addMember(a, m.role, m.member),
    );
  }
  for (const g of gr.added) {
    step(13, 'add', 'grant', g.on, `grant ${g.privilege} on ${g.on} to ${g.to}`, (s, a) =>
      s
        .grant(a, {
          privilege: g.privilege as Privilege,
          securable: parseSecurable(g.on),
          grantee: parseGrantee(g.to),
        })
        .then(() => undefined),
    );
  }
  const annotate = (x: GovernanceDocument['annotations'][number]) => (s: GovernanceStore, a: Actor) =>
    s
      .annotate(a, {
        table: x.table,
        ...(x.column !== undefined ? { column: x.column } : {}),
        description: x.description ?? null,
        ...(x.column === undefined ? { owner: x.owner !== undefined ? parseGrantee(x.owner) : null } : {}),
        terms: x.terms ?? [],
      })
      .then(() => undefined);
  for (const x of an.added)
    step(14, 'add', 'annotation', colKey(x), `annotation of ${colKey(x)}`, annotate(x));
  for (const { to: x } of an.changed)
    step(14, 'change', 'annotation', colKey(x), `annotation of ${colKey(x)}`, annotate(x));
  for (const t of tg.added) {
    step(
      15,
      'add',
      'tag',
      `${t.column !== undefined ? 'column' : 'table'}:${colKey(t)}`,
      `tag ${t.tag} on ${colKey(t)}`,
      (s, a) => s.addTag(a, t),
    );
  }
  const setMask = (m: GovernanceDocument['masks'][number]) => (s: GovernanceStore, a: Actor) =>
    s
      .setMask(a, { table: m.table, column: m.column, role: m.role, ...maskFromYaml(m) })
      .then(() => undefined);
  for (const m of mk.added) {
    step(
      16,
      'add',
      'mask',
      `column:${m.table}.${m.column}`,
      `mask ${maskText(m)} on ${m.table}.${m.column} for role ${m.role}`,
      setMask(m),
    );
  }
  for (const { to: m } of mk.changed) {
    step(
      16,
      'change',
      'mask',
      `column:${m.table}.${m.column}`,
      `mask ${maskText(m)} on ${m.table}.${m.column} for role ${m.role}`,
      setMask(m),
    );
  }
  const setFilter = (f: GovernanceDocument['row_filters'][number]) => (s: GovernanceStore, a: Actor) =>
    s.setRowFilter(a, f).then(() => undefined);
  for (const f of rf.added) {
    step(
      17,
      'add',
      'row_filter',
      `table:${f.table}`,
      `row filter on ${f.table} for role ${f.role}: ${f.predicate}`,
      setFilter(f),
    );
  }
  for (const { to: f } of rf.changed) {
    step(
      17,
      'change',
      'row_filter',
      `table:${f.table}`,
      `row filter on ${f.table} for role ${f.role}: ${f.predicate}`,
      setFilter(f),
    );
  }
  const setPolicy = (p: GovernanceDocument['tag_policies'][number]) => (s: GovernanceStore, a: Actor) =>
    s
      .setTagPolicy(a, { name: p.name, tag: p.tag, role: p.role, mask: maskFromYaml(p.mask) })
      .then(() => undefined);
  for (const p of tp.added) {
    step(
      18,
      'add',
      'tag_policy',
      `tag_policy:${p.name}`,
      `tag policy ${p.name}: ${maskText(p.mask)} on tag ${p.tag} for role ${p.role}`,
      setPolicy(p),
    );
  }
  for (const { to: p } of tp.changed) {
    step(
      18,
      'change',
      'tag_policy',
      `tag_policy:${p.name}`,
      `tag policy ${p.name}: ${maskText(p.mask)} on tag ${p.tag} for role ${p.role}`,
      setPolicy(p),
    );
  }
  return out.sort((a, b) => a.phase - b.phase);
}

/**
 * The store keeps row-filter predicates as DuckDB prints them: a file's predicate that differs from
 * the stored one only in spelling (case, parentheses, spaces) is taken as the stored one.
 */
async function withStoredPredicates(
  have: GovernanceDocument,
  want: GovernanceDocument,
): Promise<GovernanceDocument> {
  const key = (f: { table: string; role: string }) => `${f.table}\u0000${f.role}`;
  const stored = new Map(have.row_filters.map((f) => [key(f), f.predicate]));
  const differs = (f: { table: string; role: string; predicate: string }) =>
    stored.has(key(f)) && stored.get(key(f)) !== f.predicate;
  if (!want.row_filters.some(differs)) return want;
  const { openEngine } = await import('@lakekit/iceberg');
  const engine = await openEngine({ threads: 1 });
  try {
    const rowFilters: GovernanceDocument['row_filters'] = [];
    for (const f of want.row_filters) {
      const same = differs(f) && (await normalizePredicate(engine, f.predicate)) === stored.get(key(f));
      rowFilters.push(same ? { ...f, predicate: stored.get(key(f))! } : f);
    }
    return { ...want, row_filters: rowFilters };
  } finally {
    engine.close();
  }
}

/** The steps from the catalog's state to `doc`. */
async function stepsTo(store: GovernanceStore, doc: GovernanceDocument): Promise<Step[]> {
  const have = await exportGovernance(store);
  return steps(have, await withStoredPredicates(have, doc));
}

/** What applying `doc` would change, in the order it would be done (empty: the catalog matches). */
export async function planGovernance(
  store: GovernanceStore,
  doc: GovernanceDocument,
): Promise<GovernanceChange[]> {
  return (await stepsTo(store, canonical(doc))).map((s) => s.change);
}

/**
 * Makes the catalog match `doc` as `actor` (each change authorised and audited by the store), and
 * returns the changes made. Recreating a role or principal drops what hung on it (grants, members,
 * masks), so after such a pass the plan is computed again and applied once more.
 */
export async function applyGovernance(
  store: GovernanceStore,
  actor: Actor,
  doc: GovernanceDocument,
): Promise<GovernanceChange[]> {
  const want = canonical(doc);
  const done: GovernanceChange[] = [];
  for (let pass = 0; pass < 2; pass++) {
    const todo = await stepsTo(store, want);
    for (const s of todo) {
      await s.run(store, actor);
      done.push(s.change);
    }
    const recreated = todo.some(
      (s) => s.change.op === 'change' && (s.change.kind === 'role' || s.phase === 4),
    );
    if (!recreated) break;
  }
  return done;
}
