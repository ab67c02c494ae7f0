/**
 * The governance store of a catalog: principals, tokens, roles, grants, annotations, masks, row
 * filters, tags, tag policies, access requests and the audit log, kept in the catalog database.
 * Authorization and auditing live here: every change checks the actor's rights and appends one audit
 * record in its own transaction; every refusal appends a `denied` record and throws ForbiddenError.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  AlreadyExistsError,
  ForbiddenError,
  formatTableIdentifier,
  NotFoundError,
  parseNamespace,
  parseTableIdentifier,
  stringifyJson,
  type TableIdentifier,
  UsageError,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import type { Knex } from 'knex';
import type { Catalog } from '../catalog.js';
import {
  appendAuditRecord,
  appendAuditRecords,
  listAuditRecords,
  lockAuditHead,
  verifyAuditChain,
} from './audit.js';
import { computeEffectiveAccess, describeSecurable, holds } from './effective-access.js';
import { validateRowFilterPredicate } from './predicate.js';
import {
  type Row,
  toAccessRequest,
  toAnnotation,
  toGrant,
  toMask,
  toPrincipal,
  toRole,
  toRowFilter,
  toTag,
  toTagPolicy,
  toTokenInfo,
} from './rows.js';
import { type GovernanceSnapshot, SnapshotCache } from './snapshot-cache.js';
import { type KnownTable, TableColumnsCache } from './table-columns.js';
import { newToken, parseToken, secretMatches } from './tokens.js';
import type {
  AccessRequest,
  AccessRequestStatus,
  Annotation,
  AuditEntry,
  AuditFilter,
  AuditRecord,
  AuditVerification,
  ColumnMask,
  EffectiveAccess,
  Grant,
  Grantee,
  IssuedToken,
  MaskSpec,
  Principal,
  PrincipalKind,
  Privilege,
  Role,
  RowFilter,
  Securable,
  TagAssignment,
  TagPolicy,
  TokenInfo,
} from './types.js';

/**
 * Who performs an operation. The local administrator (CLI without a token or --as) is
 * `{ name: 'local-admin', localAdmin: true }` and may do everything.
 */
export interface Actor {
  name: string;
  localAdmin?: boolean;
}

/** The local administrator. */
export const LOCAL_ADMIN: Actor = Object.freeze({ name: 'local-admin', localAdmin: true });

const NAME = /^[a-z0-9][a-z0-9_.@-]*$/;
const TAG = /^[a-z0-9_]+(\.[a-z0-9_]+)*$/;
const PRIVILEGES: readonly Privilege[] = ['USAGE', 'SELECT', 'MODIFY', 'MANAGE'];
const MASK_KINDS: readonly MaskSpec['kind'][] = ['redact', 'hash', 'partial', 'null', 'sql'];
/** `last_used_at` is written at most this often per token (authenticate runs on every request). */
const LAST_USED_INTERVAL_MS = 60_000;

const now = () => new Date().toISOString();

function checkName(what: 'principal' | 'role' | 'tag policy', name: string): void {
  if (typeof name !== 'string' || name.length > 128 || !NAME.test(name)) {
    throw new UsageError(
      `invalid ${what} name "${name}": expected [a-z0-9][a-z0-9_.@-]*, at most 128 characters`,
      { context: { [what]: name } },
    );
  }
}

function checkTag(tag: string): void {
  if (typeof tag !== 'string' || tag.length > 255 || !TAG.test(tag)) {
    throw new UsageError(`invalid tag "${tag}": expected dotted lower-case names like pii or pii.email`, {
      context: { tag },
    });
  }
}

function checkMaskSpec(m: MaskSpec, where: string): MaskSpec {
  if (!MASK_KINDS.includes(m.kind)) {
    throw new UsageError(`${where}: mask kind "${m.kind}" is not one of ${MASK_KINDS.join(', ')}`);
  }
  for (const key of ['keepFirst', 'keepLast'] as const) {
    const v = m[key];
    if (v !== undefined && (!Number.isInteger(v) || v < 0 || v > 1000)) {
      throw new UsageError(`${where}: ${key} must be a whole number from 0 to 1000 (got ${v})`);
    }
    if (v !== undefined && m.kind !== 'partial')
      throw new UsageError(`${where}: ${key} applies to partial masks only`);
  }
  if (m.kind === 'sql' && (typeof m.expression !== 'string' || m.expression.trim() === '')) {
    throw new UsageError(`${where}: an sql mask needs an expression`);
  }
  if (m.kind !== 'sql' && m.expression !== undefined)
    throw new UsageError(`${where}: expression applies to sql masks only`);
  return {
    kind: m.kind,
    ...(m.keepFirst !== undefined ? { keepFirst: m.keepFirst } : {}),
    ...(m.keepLast !== undefined ? { keepLast: m.keepLast } : {}),
    ...(m.expression !== undefined ? { expression: m.expression } : {}),
  };
}

/** The audit target of a securable: `catalog`, `namespace:crm`, `table:crm.accounts` (columns too). */
function securableTarget(s: Securable): string {
  if (s.type === 'catalog') return 'catalog';
  if (s.type === 'namespace') return `namespace:${s.name}`;
  return `table:${s.type === 'table' ? s.name : s.table}`;
}

/** Securable as stored: type, name ('' for the catalog), column ('' unless a column). */
function securableKey(s: Securable): {
  securable_type: string;
  securable_name: string;
  securable_column: string;
} {
  switch (s.type) {
    case 'catalog':
      return { securable_type: 'catalog', securable_name: '', securable_column: '' };
    case 'namespace':
      return { securable_type: 'namespace', securable_name: s.name, securable_column: '' };
    case 'table':
      return { securable_type: 'table', securable_name: s.name, securable_column: '' };
    case 'column':
      return { securable_type: 'column', securable_name: s.table, securable_column: s.column };
  }
}

/** The governance model of one catalog (obtained as `catalog.governance`). */
export class GovernanceStore {
  private engine?: Promise<Engine>;
  private secret?: Buffer;
  /** When this process last wrote each token's last_used_at (ms). */
  private readonly lastUsedWrites = new Map<string, number>();
  /** last_used_at updates under way (written after the answer; close() waits for them). */
  private readonly pendingWrites = new Set<Promise<void>>();
  private readonly snapshots: SnapshotCache;
  private readonly tables: TableColumnsCache;

  constructor(private readonly catalog: Catalog) {
    this.snapshots = new SnapshotCache(catalog.store.knex, catalog.name);
    this.tables = new TableColumnsCache(catalog);
  }

  private get knex(): Knex {
    return this.catalog.store.knex;
  }

  private get catalogName(): string {
    return this.catalog.name;
  }

  /** Waits for pending last_used_at writes and closes the DuckDB engine of row filters, if opened. */
  async close(): Promise<void> {
    await Promise.all(this.pendingWrites);
    const engine = this.engine;
    this.engine = undefined;
    if (engine) (await engine).close();
  }

  private rows(table: string, trx: Knex | Knex.Transaction = this.knex): Knex.QueryBuilder {
    return trx(table).where({ catalog_name: this.catalogName });
  }

  /** Runs `fn` and appends its audit record (outcome ok) in one transaction. */
  private async change<T>(
    actor: Actor,
    action: string,
    target: string,
    fn: (trx: Knex.Transaction) => Promise<{ result: T; detail?: unknown }>,
  ): Promise<T> {
    return this.knex.transaction(async (trx) => {
      // Head first: the transaction holds the write lock (or row lock) before it reads anything.
      await lockAuditHead(trx, this.catalogName);
      const { result, detail } = await fn(trx);
      await appendAuditRecord(
        trx,
        this.catalogName,
        { actor: actor.name, action, target, outcome: 'ok', detail },
        { change: true },
      );
      return result;
    });
  }

  /** Appends a `denied` record and throws ForbiddenError naming what was missing. */
  private async deny(actor: Actor, action: string, target: string, missing: string): Promise<never> {
    await this.appendAudit({ actor: actor.name, action, target, outcome: 'denied', detail: { missing } });
    throw new ForbiddenError(`${actor.name} may not ${action} on ${target}: needs ${missing}`, {
      context: { actor: actor.name, action, target },
    });
  }

  /**
   * The governance data as of now: every change committed before the call is in it (one query for the
   * audit head; the tables are read again only when it moved). Reuse it within one request.
   */
  snapshot(): Promise<GovernanceSnapshot> {
    return this.snapshots.current();
  }

  private async actorHolds(
    actor: Actor,
    privilege: Privilege,
    securable: Securable,
    snap?: GovernanceSnapshot,
  ): Promise<boolean> {
    if (actor.localAdmin) return true;
    const s = snap ?? (await this.snapshot());
    const holder = s.holder(actor.name);
    if (!holder) return false;
    const table =
      securable.type === 'table' ? securable.name : securable.type === 'column' ? securable.table : undefined;
    const owner = table === undefined ? undefined : s.ownerOf(table);
    return holds(privilege, securable, s.grantsOf(holder), owner, holder);
  }

  /** Throws (after a denied record) unless the actor holds MANAGE on the securable. */
  private async requireManage(
    actor: Actor,
    securable: Securable,
    action: string,
    target: string,
  ): Promise<void> {
    if (await this.actorHolds(actor, 'MANAGE', securable)) return;
    const what = `MANAGE on ${describeSecurable(securable)}`;
    await this.deny(actor, action, target, securable.type === 'table' ? `${what} or its ownership` : what);
  }

  /** The actor itself, or MANAGE on the catalog (tokens of others). */
  private async requireSelfOrAdmin(actor: Actor, principal: string, action: string): Promise<void> {
    if (!actor.localAdmin && actor.name === principal) return;
    await this.requireManage(actor, { type: 'catalog' }, action, `principal:${principal}`);
  }

  /** An existing table by `ns.table` with its current columns (NotFoundError names it). */
  private requireTable(text: string): Promise<KnownTable> {
    return this.tables.require(text);
  }

  private requireColumn(table: KnownTable, column: string): void {
    if (!table.columns.some((c) => c.name === column)) {
      throw new NotFoundError('column', `table ${table.name} has no column ${column}`, {
        context: { table: table.name, column },
      });
    }
  }

  private async requirePrincipalRow(name: string, trx: Knex | Knex.Transaction = this.knex): Promise<Row> {
    const row = await this.rows('lakekit_principals', trx).andWhere({ name }).first();
    if (!row)
      throw new NotFoundError('principal', `principal ${name} does not exist`, {
        context: { principal: name },
      });
    return row;
  }

  private async requireRole(name: string): Promise<void> {
    if (!(await this.rows('lakekit_roles').andWhere({ name }).first())) {
      throw new NotFoundError('role', `role ${name} does not exist`, { context: { role: name } });
    }
  }

  private async requireGrantee(g: Grantee): Promise<void> {
    if (g.type === 'principal') await this.requirePrincipalRow(g.name);
    else if (g.type === 'role') await this.requireRole(g.name);
    else throw new UsageError(`grantee type "${(g as Grantee).type}" must be principal or role`);
  }

  /** A securable in canonical form, checked to exist. */
  private async requireSecurable(s: Securable): Promise<Securable> {
    switch (s.type) {
      case 'catalog':
        return { type: 'catalog' };
      case 'namespace': {
        const ns = parseNamespace(s.name);
        if (!(await this.catalog.namespaceExists(ns))) {
          throw new NotFoundError('namespace', `namespace ${s.name} does not exist`, {
            context: { namespace: s.name },
          });
        }
        return { type: 'namespace', name: ns.join('.') };
      }
      case 'table':
        return { type: 'table', name: (await this.requireTable(s.name)).name };
      case 'column': {
        const t = await this.requireTable(s.table);
        this.requireColumn(t, s.column);
        return { type: 'column', table: t.name, column: s.column };
      }
      default:
        throw new UsageError(
          `securable type "${(s as Securable).type}" must be catalog, namespace, table or column`,
        );
    }
  }

  // Principals

  async createPrincipal(
    actor: Actor,
    p: { name: string; kind: PrincipalKind; attributes?: Record<string, string> },
  ): Promise<Principal> {
    checkName('principal', p.name);
    if (p.kind !== 'user' && p.kind !== 'service') {
      throw new UsageError(`principal ${p.name}: kind "${p.kind}" must be user or service`);
    }
    const attributes = checkAttributes(p.name, p.attributes ?? {});
    await this.requireManage(actor, { type: 'catalog' }, 'principal.create', `principal:${p.name}`);
    if (await this.getPrincipal(p.name)) {
      throw new AlreadyExistsError('principal', `principal ${p.name} already exists`, {
        context: { principal: p.name },
      });
    }
    const principal: Principal = {
      name: p.name,
      kind: p.kind,
      attributes,
      roles: [],
      createdAt: now(),
      disabled: false,
    };
    return this.change(actor, 'principal.create', `principal:${p.name}`, async (trx) => {
      await trx('lakekit_principals').insert({
        catalog_name: this.catalogName,
        name: principal.name,
        kind: principal.kind,
        attributes: stringifyJson(attributes),
        disabled: false,
        created_at: principal.createdAt,
      });
      return { result: principal, detail: { kind: p.kind, attributes } };
    });
  }

  async updatePrincipal(
    actor: Actor,
    name: string,
    change: { attributes?: Record<string, string>; disabled?: boolean },
  ): Promise<Principal> {
    const attributes = change.attributes === undefined ? undefined : checkAttributes(name, change.attributes);
    await this.requireManage(actor, { type: 'catalog' }, 'principal.update', `principal:${name}`);
    await this.requirePrincipalRow(name);
    await this.change(actor, 'principal.update', `principal:${name}`, async (trx) => {
      await this.rows('lakekit_principals', trx)
        .andWhere({ name })
        .update({
          ...(attributes !== undefined ? { attributes: stringifyJson(attributes) } : {}),
          ...(change.disabled !== undefined ? { disabled: change.disabled } : {}),
        });
      return { result: undefined, detail: { attributes, disabled: change.disabled } };
    });
    return (await this.getPrincipal(name))!;
  }

  /** Deletes a principal with its tokens, memberships and direct grants. */
  async deletePrincipal(actor: Actor, name: string): Promise<void> {
    await this.requireManage(actor, { type: 'catalog' }, 'principal.delete', `principal:${name}`);
    await this.requirePrincipalRow(name);
    await this.change(actor, 'principal.delete', `principal:${name}`, async (trx) => {
      const tokens = await this.rows('lakekit_tokens', trx).andWhere({ principal: name }).delete();
      const roles = await this.rows('lakekit_role_members', trx).andWhere({ principal: name }).delete();
      const grants = await this.rows('lakekit_grants', trx)
        .andWhere({ grantee_type: 'principal', grantee_name: name })
        .delete();
      await this.rows('lakekit_principals', trx).andWhere({ name }).delete();
      return { result: undefined, detail: { tokens, memberships: roles, grants } };
    });
  }

  async getPrincipal(name: string, snap?: GovernanceSnapshot): Promise<Principal | undefined> {
    const p = (snap ?? (await this.snapshot())).principal(name);
    return p ? { ...p, attributes: { ...p.attributes }, roles: [...p.roles] } : undefined;
  }

  /** Every principal, sorted by name. */
  async listPrincipals(): Promise<Principal[]> {
    const rows = await this.rows('lakekit_principals').orderBy('name');
    const members = await this.rows('lakekit_role_members').orderBy('role');
    return rows.map((r: Row) =>
      toPrincipal(
        r,
        members.filter((m: Row) => m['principal'] === r['name']).map((m: Row) => String(m['role'])),
      ),
    );
  }

  // Tokens

  async issueToken(
    actor: Actor,
    principal: string,
    o: { name?: string; expiresAt?: string; ttlSeconds?: number } = {},
  ): Promise<IssuedToken> {
    const expiresAt = expiryOf(o);
    await this.requireSelfOrAdmin(actor, principal, 'principal.token.issue');
    await this.requirePrincipalRow(principal);
    return this.change(actor, 'principal.token.issue', `principal:${principal}`, async (trx) => {
      const issued = await this.insertToken(trx, principal, o.name, expiresAt);
      return { result: issued, detail: { id: issued.id, name: o.name, expiresAt } };
    });
  }

  private async insertToken(
    trx: Knex.Transaction,
    principal: string,
    name: string | undefined,
    expiresAt: string | undefined,
  ): Promise<IssuedToken> {
    const t = newToken();
    const createdAt = now();
    await trx('lakekit_tokens').insert({
      catalog_name: this.catalogName,
      id: t.id,
      principal,
      name: name ?? null,
      hash: t.hash,
      created_at: createdAt,
      expires_at: expiresAt ?? null,
    });
    return {
      id: t.id,
      principal,
      ...(name !== undefined ? { name } : {}),
      createdAt,
      ...(expiresAt !== undefined ? { expiresAt } : {}),
      token: t.token,
    };
  }

  /** A principal's tokens (never their secrets), oldest first. */
  async listTokens(principal: string): Promise<TokenInfo[]> {
    // This process's own last_used_at writes are part of what it has seen.
    await Promise.all(this.pendingWrites);
    const rows = await this.rows('lakekit_tokens')
      .andWhere({ principal })
      .orderBy('created_at')
      .orderBy('id');
    return rows.map(toTokenInfo);
  }

  private async requireToken(id: string): Promise<TokenInfo> {
    const row = await this.rows('lakekit_tokens').andWhere({ id }).first();
    if (!row) throw new NotFoundError('token', `token ${id} does not exist`, { context: { token: id } });
    return toTokenInfo(row);
  }

  async revokeToken(actor: Actor, id: string): Promise<void> {
    const token = await this.requireToken(id);
    await this.requireSelfOrAdmin(actor, token.principal, 'principal.token.revoke');
    if (token.revokedAt) return;
    await this.change(actor, 'principal.token.revoke', `principal:${token.principal}`, async (trx) => {
      await this.rows('lakekit_tokens', trx).andWhere({ id }).update({ revoked_at: now() });
      return { result: undefined, detail: { id } };
    });
  }

  /**
   * Issues a new token for the same principal (same name and lifetime) and lets the old one expire
   * after `graceSeconds` (default 0: at once).
   */
  async rotateToken(actor: Actor, id: string, o: { graceSeconds?: number } = {}): Promise<IssuedToken> {
    const grace = o.graceSeconds ?? 0;
    if (!Number.isFinite(grace) || grace < 0)
      throw new UsageError(`graceSeconds must be 0 or more (got ${grace})`);
    const old = await this.requireToken(id);
    await this.requireSelfOrAdmin(actor, old.principal, 'principal.token.rotate');
    if (old.revokedAt)
      throw new UsageError(`token ${id} was revoked at ${old.revokedAt}: issue a new one instead`);
    const at = Date.now();
    const lifetime = old.expiresAt ? Date.parse(old.expiresAt) - Date.parse(old.createdAt) : undefined;
    const expiresAt = lifetime === undefined ? undefined : new Date(at + lifetime).toISOString();
    let oldExpiry = new Date(at + grace * 1000).toISOString();
    if (old.expiresAt && old.expiresAt < oldExpiry) oldExpiry = old.expiresAt;
    return this.change(actor, 'principal.token.rotate', `principal:${old.principal}`, async (trx) => {
      const issued = await this.insertToken(trx, old.principal, old.name, expiresAt);
      await this.rows('lakekit_tokens', trx).andWhere({ id }).update({ expires_at: oldExpiry });
      return { result: issued, detail: { id, newId: issued.id, oldExpiresAt: oldExpiry } };
    });
  }

  /**
   * Checks a bearer token (`lk_<id>_<secret>`): the principal and token, or why it is refused. Pass
   * the request's snapshot to decide from it. `last_used_at` is written at most once a minute per
   * token, after the answer.
   */
  async authenticate(
    bearer: string,
    snap?: GovernanceSnapshot,
  ): Promise<
    | { ok: true; principal: Principal; token: TokenInfo }
    | { ok: false; reason: 'malformed' | 'unknown' | 'expired' | 'revoked' | 'disabled' }
  > {
    const parsed = parseToken(bearer);
    if (!parsed) return { ok: false, reason: 'malformed' };
    const s = snap ?? (await this.snapshot());
    const stored = s.token(parsed.id);
    if (!stored || !secretMatches(parsed.secret, stored.hash)) return { ok: false, reason: 'unknown' };
    const token = { ...stored.info };
    if (token.revokedAt) return { ok: false, reason: 'revoked' };
    const at = Date.now();
    if (token.expiresAt && Date.parse(token.expiresAt) <= at) return { ok: false, reason: 'expired' };
    const principal = await this.getPrincipal(token.principal, s);
    if (!principal) return { ok: false, reason: 'unknown' };
    if (principal.disabled) return { ok: false, reason: 'disabled' };
    const written = Math.max(
      this.lastUsedWrites.get(token.id) ?? 0,
      token.lastUsedAt ? Date.parse(token.lastUsedAt) : 0,
    );
    const due = at - written >= LAST_USED_INTERVAL_MS;
    if (due) this.touchToken(token.id, at);
    token.lastUsedAt = new Date(due ? at : written).toISOString();
    return { ok: true, principal, token };
  }

  /** Writes a token's last_used_at off the request path; a failed write is retried by a later use. */
  private touchToken(id: string, at: number): void {
    this.lastUsedWrites.set(id, at);
    const write = this.rows('lakekit_tokens')
      .andWhere({ id })
      .update({ last_used_at: new Date(at).toISOString() })
      .then(
        () => undefined,
        () => {
          if (this.lastUsedWrites.get(id) === at) this.lastUsedWrites.delete(id);
        },
      )
      .finally(() => this.pendingWrites.delete(write));
    this.pendingWrites.add(write);
  }

  // Tables: a table's governance follows it

  /**
   * Renames a table with its governance, in one transaction with the pointer: grants on the table and
   * its columns, owner and annotations, masks, row filters, tags, pending access requests and the
   * snapshots answer receipts keep. Needs MANAGE on the table (its owner). Quality results and lineage
   * stay under the old name: they are history.
   */
  async renameTable(actor: Actor, from: TableIdentifier, to: TableIdentifier): Promise<void> {
    const f = formatTableIdentifier(from);
    const t = formatTableIdentifier(to);
    await this.requireManage(actor, { type: 'table', name: f }, 'table.rename', `table:${f}`);
    await this.change(actor, 'table.rename', `table:${f}`, async (trx) => {
      await this.catalog.store.renamePointer(from, to, trx);
      const moved: Record<string, number> = {};
      moved['grants'] = await this.rows('lakekit_grants', trx)
        .andWhere({ securable_name: f })
        .whereIn('securable_type', ['table', 'column'])
        .update({ securable_name: t });
      for (const table of [
        'lakekit_annotations',
        'lakekit_masks',
        'lakekit_row_filters',
        'lakekit_tags',
        'lakekit_receipt_snapshots',
      ]) {
        moved[table.replace('lakekit_', '')] = await this.rows(table, trx)
          .andWhere({ table_name: f })
          .update({ table_name: t });
      }
      moved['access_requests'] = await this.rows('lakekit_access_requests', trx)
        .andWhere({ table_name: f, status: 'pending' })
        .update({ table_name: t });
      return { result: undefined, detail: { to: t, moved } };
    });
  }

  /**
   * Drops a table's pointer and its governance in one transaction: grants on the table and its
   * columns, owner and annotations, masks, row filters and tags (a table created later under the
   * same name starts with none of them). Needs MANAGE on the table. Returns the last metadata
   * location.
   */
  async dropTable(actor: Actor, id: TableIdentifier): Promise<string> {
    const name = formatTableIdentifier(id);
    await this.requireManage(actor, { type: 'table', name }, 'table.drop', `table:${name}`);
    return this.change(actor, 'table.drop', `table:${name}`, async (trx) => {
      const location = await this.catalog.store.dropPointer(id, trx);
      const removed: Record<string, number> = {};
      removed['grants'] = await this.rows('lakekit_grants', trx)
        .andWhere({ securable_name: name })
        .whereIn('securable_type', ['table', 'column'])
        .delete();
      for (const table of ['lakekit_annotations', 'lakekit_masks', 'lakekit_row_filters', 'lakekit_tags']) {
        removed[table.replace('lakekit_', '')] = await this.rows(table, trx)
          .andWhere({ table_name: name })
          .delete();
      }
      return { result: location, detail: { metadataLocation: location, removed } };
    });
  }

  // Roles

  async createRole(actor: Actor, r: { name: string; description?: string }): Promise<Role> {
    checkName('role', r.name);
    await this.requireManage(actor, { type: 'catalog' }, 'role.create', `role:${r.name}`);
    if (await this.getRole(r.name)) {
      throw new AlreadyExistsError('role', `role ${r.name} already exists`, { context: { role: r.name } });
    }
    const role: Role = {
      name: r.name,
      ...(r.description !== undefined ? { description: r.description } : {}),
      members: [],
      createdAt: now(),
    };
    return this.change(actor, 'role.create', `role:${r.name}`, async (trx) => {
      await trx('lakekit_roles').insert({
        catalog_name: this.catalogName,
        name: role.name,
        description: r.description ?? null,
        created_at: role.createdAt,
      });
      return { result: role, detail: { description: r.description } };
    });
  }

  /** Deletes a role with its memberships, grants, masks, row filters and tag policies. */
  async deleteRole(actor: Actor, name: string): Promise<void> {
    await this.requireManage(actor, { type: 'catalog' }, 'role.delete', `role:${name}`);
    await this.requireRole(name);
    await this.change(actor, 'role.delete', `role:${name}`, async (trx) => {
      const detail = {
        members: await this.rows('lakekit_role_members', trx).andWhere({ role: name }).delete(),
        grants: await this.rows('lakekit_grants', trx)
          .andWhere({ grantee_type: 'role', grantee_name: name })
          .delete(),
        masks: await this.rows('lakekit_masks', trx).andWhere({ role: name }).delete(),
        rowFilters: await this.rows('lakekit_row_filters', trx).andWhere({ role: name }).delete(),
        tagPolicies: await this.rows('lakekit_tag_policies', trx).andWhere({ role: name }).delete(),
      };
      await this.rows('lakekit_roles', trx).andWhere({ name }).delete();
      return { result: undefined, detail };
    });
  }

  async getRole(name: string): Promise<Role | undefined> {
    const row = await this.rows('lakekit_roles').andWhere({ name }).first();
    if (!row) return undefined;
    const members = await this.rows('lakekit_role_members').andWhere({ role: name }).orderBy('principal');
    return toRole(
      row,
      members.map((m: Row) => String(m['principal'])),
    );
  }

  /** Every role, sorted by name. */
  async listRoles(): Promise<Role[]> {
    const rows = await this.rows('lakekit_roles').orderBy('name');
    const members = await this.rows('lakekit_role_members').orderBy('principal');
    return rows.map((r: Row) =>
      toRole(
        r,
        members.filter((m: Row) => m['role'] === r['name']).map((m: Row) => String(m['principal'])),
      ),
    );
  }

  async addMember(actor: Actor, role: string, principal: string): Promise<void> {
    await this.requireManage(actor, { type: 'catalog' }, 'role.member.add', `role:${role}`);
    await this.requireRole(role);
    await this.requirePrincipalRow(principal);
    if (await this.rows('lakekit_role_members').andWhere({ role, principal }).first()) return;
    await this.change(actor, 'role.member.add', `role:${role}`, async (trx) => {
      await trx('lakekit_role_members').insert({ catalog_name: this.catalogName, role, principal });
      return { result: undefined, detail: { principal } };
    });
  }

  async removeMember(actor: Actor, role: string, principal: string): Promise<void> {
    await this.requireManage(actor, { type: 'catalog' }, 'role.member.remove', `role:${role}`);
    await this.requireRole(role);
    if (!(await this.rows('lakekit_role_members').andWhere({ role, principal }).first())) {
      throw new NotFoundError('member', `principal ${principal} is not a member of role ${role}`, {
        context: { role, principal },
      });
    }
    await this.change(actor, 'role.member.remove', `role:${role}`, async (trx) => {
      await this.rows('lakekit_role_members', trx).andWhere({ role, principal }).delete();
      return { result: undefined, detail: { principal } };
    });
  }

  // Grants

  private checkPrivilege(privilege: Privilege, securable: Securable): void {
    if (!PRIVILEGES.includes(privilege)) {
      throw new UsageError(`privilege "${privilege}" must be one of ${PRIVILEGES.join(', ')}`);
    }
    if (privilege === 'USAGE' && securable.type !== 'catalog' && securable.type !== 'namespace') {
      throw new UsageError(`USAGE applies to the catalog and namespaces, not to a ${securable.type}`);
    }
    if (securable.type === 'column' && privilege !== 'SELECT') {
      throw new UsageError(`only SELECT can be granted on a column (got ${privilege})`);
    }
  }

  private async findGrant(g: {
    privilege: Privilege;
    securable: Securable;
    grantee: Grantee;
  }): Promise<Grant | undefined> {
    const row = await this.rows('lakekit_grants')
      .andWhere({
        privilege: g.privilege,
        ...securableKey(g.securable),
        grantee_type: g.grantee.type,
        grantee_name: g.grantee.name,
      })
      .first();
    return row ? toGrant(row) : undefined;
  }

  /** Grants a privilege (idempotent: an existing grant is returned as it is). */
  async grant(
    actor: Actor,
    g: { privilege: Privilege; securable: Securable; grantee: Grantee },
  ): Promise<Grant> {
    const securable = await this.requireSecurable(g.securable);
    this.checkPrivilege(g.privilege, securable);
    await this.requireGrantee(g.grantee);
    await this.requireManage(actor, manageTargetOf(securable), 'grant.create', securableTarget(securable));
    const existing = await this.findGrant({ ...g, securable });
    if (existing) return existing;
    const grant: Grant = {
      id: randomUUID(),
      privilege: g.privilege,
      securable,
      grantee: { type: g.grantee.type, name: g.grantee.name },
      grantedBy: actor.name,
      grantedAt: now(),
    };
    return this.change(actor, 'grant.create', securableTarget(securable), async (trx) => {
      await this.insertGrant(trx, grant);
      return {
        result: grant,
        detail: { id: grant.id, privilege: grant.privilege, securable, grantee: grant.grantee },
      };
    });
  }

  private async insertGrant(trx: Knex.Transaction, g: Grant): Promise<void> {
    await trx('lakekit_grants').insert({
      catalog_name: this.catalogName,
      id: g.id,
      privilege: g.privilege,
      ...securableKey(g.securable),
      grantee_type: g.grantee.type,
      grantee_name: g.grantee.name,
      granted_by: g.grantedBy,
      granted_at: g.grantedAt,
    });
  }

  async revoke(
    actor: Actor,
    g: { privilege: Privilege; securable: Securable; grantee: Grantee },
  ): Promise<void> {
    const existing = await this.findGrant(g);
    if (!existing) {
      throw new NotFoundError(
        'grant',
        `no grant of ${g.privilege} on ${describeSecurable(g.securable)} to ${g.grantee.type} ${g.grantee.name}`,
      );
    }
    const target = securableTarget(existing.securable);
    await this.requireManage(actor, manageTargetOf(existing.securable), 'grant.revoke', target);
    await this.change(actor, 'grant.revoke', target, async (trx) => {
      await this.rows('lakekit_grants', trx).andWhere({ id: existing.id }).delete();
      return {
        result: undefined,
        detail: {
          id: existing.id,
          privilege: existing.privilege,
          securable: existing.securable,
          grantee: existing.grantee,
        },
      };
    });
  }

  /** Grants on exactly `securable` and/or to exactly `grantee`. */
  async listGrants(f: { securable?: Securable; grantee?: Grantee } = {}): Promise<Grant[]> {
    const q = this.rows('lakekit_grants');
    if (f.securable) q.andWhere(securableKey(f.securable));
    if (f.grantee) q.andWhere({ grantee_type: f.grantee.type, grantee_name: f.grantee.name });
    const rows = await q.orderBy([
      'securable_type',
      'securable_name',
      'securable_column',
      'grantee_type',
      'grantee_name',
      'privilege',
    ]);
    return rows.map(toGrant);
  }

  // Annotations

  async annotate(
    actor: Actor,
    a: {
      table: string;
      column?: string;
      description?: string | null;
      owner?: Grantee | null;
      terms?: string[];
    },
  ): Promise<Annotation> {
    const table = await this.requireTable(a.table);
    if (a.column !== undefined) this.requireColumn(table, a.column);
    if (a.column !== undefined && a.owner !== undefined) {
      throw new UsageError(`column ${table.name}.${a.column}: owners are set on tables, not columns`);
    }
    if (a.owner) await this.requireGrantee(a.owner);
    if (
      a.terms !== undefined &&
      (!Array.isArray(a.terms) || a.terms.some((t) => typeof t !== 'string' || t.trim() === ''))
    ) {
      throw new UsageError(`terms of ${table.name}: expected a list of non-empty texts`);
    }
    await this.requireManage(
      actor,
      { type: 'table', name: table.name },
      'annotation.set',
      `table:${table.name}`,
    );
    const key = { table_name: table.name, column_name: a.column ?? '' };
    return this.change(actor, 'annotation.set', `table:${table.name}`, async (trx) => {
      const old = await this.rows('lakekit_annotations', trx).andWhere(key).first();
      const row = {
        catalog_name: this.catalogName,
        ...key,
        description: a.description !== undefined ? a.description : (old?.description ?? null),
        owner_type: a.owner !== undefined ? (a.owner?.type ?? null) : (old?.owner_type ?? null),
        owner_name: a.owner !== undefined ? (a.owner?.name ?? null) : (old?.owner_name ?? null),
        terms: a.terms !== undefined ? stringifyJson([...new Set(a.terms)].sort()) : (old?.terms ?? '[]'),
      };
      await trx('lakekit_annotations')
        .insert(row)
        .onConflict(['catalog_name', 'table_name', 'column_name'])
        .merge(['description', 'owner_type', 'owner_name', 'terms']);
      return {
        result: toAnnotation(row),
        detail: { column: a.column, description: a.description, owner: a.owner, terms: a.terms },
      };
    });
  }

  async listAnnotations(table?: string): Promise<Annotation[]> {
    const q = this.rows('lakekit_annotations');
    if (table !== undefined) q.andWhere({ table_name: table });
    return (await q.orderBy(['table_name', 'column_name'])).map(toAnnotation);
  }

  // Masks

  async setMask(
    actor: Actor,
    m: { table: string; column: string; role: string } & MaskSpec,
  ): Promise<ColumnMask> {
    const table = await this.requireTable(m.table);
    this.requireColumn(table, m.column);
    const spec = checkMaskSpec(m, `mask on ${table.name}.${m.column}`);
    await this.requireRole(m.role);
    await this.requireManage(actor, { type: 'table', name: table.name }, 'mask.set', `table:${table.name}`);
    const mask: ColumnMask = {
      ...spec,
      table: table.name,
      column: m.column,
      role: m.role,
      createdBy: actor.name,
      createdAt: now(),
    };
    return this.change(actor, 'mask.set', `table:${table.name}`, async (trx) => {
      await trx('lakekit_masks')
        .insert({
          catalog_name: this.catalogName,
          table_name: table.name,
          column_name: m.column,
          role: m.role,
          spec: stringifyJson(spec),
          created_by: mask.createdBy,
          created_at: mask.createdAt,
        })
        .onConflict(['catalog_name', 'table_name', 'column_name', 'role'])
        .merge(['spec', 'created_by', 'created_at']);
      return { result: mask, detail: { column: m.column, role: m.role, mask: spec } };
    });
  }

  async dropMask(actor: Actor, k: { table: string; column: string; role: string }): Promise<void> {
    const table = parseTableIdentifier(k.table);
    const name = formatTableIdentifier(table);
    const key = { table_name: name, column_name: k.column, role: k.role };
    if (!(await this.rows('lakekit_masks').andWhere(key).first())) {
      throw new NotFoundError('mask', `no mask on column ${name}.${k.column} for role ${k.role}`, {
        context: { table: name, column: k.column, role: k.role },
      });
    }
    await this.requireManage(actor, { type: 'table', name }, 'mask.drop', `table:${name}`);
    await this.change(actor, 'mask.drop', `table:${name}`, async (trx) => {
      await this.rows('lakekit_masks', trx).andWhere(key).delete();
      return { result: undefined, detail: { column: k.column, role: k.role } };
    });
  }

  async listMasks(table?: string): Promise<ColumnMask[]> {
    const q = this.rows('lakekit_masks');
    if (table !== undefined) q.andWhere({ table_name: table });
    return (await q.orderBy(['table_name', 'column_name', 'role'])).map(toMask);
  }

  // Row filters

  /** Opens the DuckDB engine that validates predicates on first use (one per store). */
  private getEngine(): Promise<Engine> {
    this.engine ??= openEngine({ threads: 1 });
    return this.engine;
  }

  /** Sets a role's row filter on a table; the predicate is validated and stored normalised. */
  async setRowFilter(
    actor: Actor,
    f: { table: string; role: string; predicate: string },
  ): Promise<RowFilter> {
    const table = await this.requireTable(f.table);
    await this.requireRole(f.role);
    if (typeof f.predicate !== 'string' || f.predicate.trim() === '') {
      throw new UsageError(`row filter on ${table.name} for role ${f.role}: the predicate is empty`);
    }
    await this.requireManage(
      actor,
      { type: 'table', name: table.name },
      'row_filter.set',
      `table:${table.name}`,
    );
    const { normalized } = await validateRowFilterPredicate(
      await this.getEngine(),
      f.predicate,
      table.columns,
    );
    const filter: RowFilter = {
      table: table.name,
      role: f.role,
      predicate: normalized,
      createdBy: actor.name,
      createdAt: now(),
    };
    return this.change(actor, 'row_filter.set', `table:${table.name}`, async (trx) => {
      await trx('lakekit_row_filters')
        .insert({
          catalog_name: this.catalogName,
          table_name: table.name,
          role: f.role,
          predicate: normalized,
          created_by: filter.createdBy,
          created_at: filter.createdAt,
        })
        .onConflict(['catalog_name', 'table_name', 'role'])
        .merge(['predicate', 'created_by', 'created_at']);
      return { result: filter, detail: { role: f.role, predicate: normalized } };
    });
  }

  async dropRowFilter(actor: Actor, k: { table: string; role: string }): Promise<void> {
    const name = formatTableIdentifier(parseTableIdentifier(k.table));
    const key = { table_name: name, role: k.role };
    if (!(await this.rows('lakekit_row_filters').andWhere(key).first())) {
      throw new NotFoundError('row_filter', `no row filter on table ${name} for role ${k.role}`, {
        context: { table: name, role: k.role },
      });
    }
    await this.requireManage(actor, { type: 'table', name }, 'row_filter.drop', `table:${name}`);
    await this.change(actor, 'row_filter.drop', `table:${name}`, async (trx) => {
      await this.rows('lakekit_row_filters', trx).andWhere(key).delete();
      return { result: undefined, detail: { role: k.role } };
    });
  }

  async listRowFilters(table?: string): Promise<RowFilter[]> {
    const q = this.rows('lakekit_row_filters');
    if (table !== undefined) q.andWhere({ table_name: table });
    return (await q.orderBy(['table_name', 'role'])).map(toRowFilter);
  }

  // Tags and tag policies

  async addTag(actor: Actor, t: TagAssignment): Promise<void> {
    checkTag(t.tag);
    const table = await this.requireTable(t.table);
    if (t.column !== undefined) this.requireColumn(table, t.column);
    await this.requireManage(actor, { type: 'table', name: table.name }, 'tag.add', `table:${table.name}`);
    const key = { table_name: table.name, column_name: t.column ?? '', tag: t.tag };
    if (await this.rows('lakekit_tags').andWhere(key).first()) return;
    await this.change(actor, 'tag.add', `table:${table.name}`, async (trx) => {
      await trx('lakekit_tags').insert({ catalog_name: this.catalogName, ...key });
      return { result: undefined, detail: { column: t.column, tag: t.tag } };
    });
  }

  async removeTag(actor: Actor, t: TagAssignment): Promise<void> {
    const name = formatTableIdentifier(parseTableIdentifier(t.table));
    const key = { table_name: name, column_name: t.column ?? '', tag: t.tag };
    if (!(await this.rows('lakekit_tags').andWhere(key).first())) {
      const on = t.column !== undefined ? `column ${name}.${t.column}` : `table ${name}`;
      throw new NotFoundError('tag', `${on} has no tag ${t.tag}`, { context: { table: name, tag: t.tag } });
    }
    await this.requireManage(actor, { type: 'table', name }, 'tag.remove', `table:${name}`);
    await this.change(actor, 'tag.remove', `table:${name}`, async (trx) => {
      await this.rows('lakekit_tags', trx).andWhere(key).delete();
      return { result: undefined, detail: { column: t.column, tag: t.tag } };
    });
  }

  async listTags(table?: string): Promise<TagAssignment[]> {
    const q = this.rows('lakekit_tags');
    if (table !== undefined) q.andWhere({ table_name: table });
    return (await q.orderBy(['table_name', 'column_name', 'tag'])).map(toTag);
  }

  async setTagPolicy(
    actor: Actor,
    p: { name: string; tag: string; role: string; mask: MaskSpec },
  ): Promise<TagPolicy> {
    checkName('tag policy', p.name);
    checkTag(p.tag);
    const mask = checkMaskSpec(p.mask, `tag policy ${p.name}`);
    await this.requireRole(p.role);
    await this.requireManage(actor, { type: 'catalog' }, 'tag_policy.set', `tag_policy:${p.name}`);
    const policy: TagPolicy = {
      name: p.name,
      tag: p.tag,
      role: p.role,
      mask,
      createdBy: actor.name,
      createdAt: now(),
    };
    return this.change(actor, 'tag_policy.set', `tag_policy:${p.name}`, async (trx) => {
      await trx('lakekit_tag_policies')
        .insert({
          catalog_name: this.catalogName,
          name: p.name,
          tag: p.tag,
          role: p.role,
          mask: stringifyJson(mask),
          created_by: policy.createdBy,
          created_at: policy.createdAt,
        })
        .onConflict(['catalog_name', 'name'])
        .merge(['tag', 'role', 'mask', 'created_by', 'created_at']);
      return { result: policy, detail: { tag: p.tag, role: p.role, mask } };
    });
  }

  async dropTagPolicy(actor: Actor, name: string): Promise<void> {
    if (!(await this.rows('lakekit_tag_policies').andWhere({ name }).first())) {
      throw new NotFoundError('tag_policy', `tag policy ${name} does not exist`, {
        context: { policy: name },
      });
    }
    await this.requireManage(actor, { type: 'catalog' }, 'tag_policy.drop', `tag_policy:${name}`);
    await this.change(actor, 'tag_policy.drop', `tag_policy:${name}`, async (trx) => {
      await this.rows('lakekit_tag_policies', trx).andWhere({ name }).delete();
      return { result: undefined };
    });
  }

  async listTagPolicies(): Promise<TagPolicy[]> {
    return (await this.rows('lakekit_tag_policies').orderBy('name')).map(toTagPolicy);
  }

  // Access requests

  /** Anyone may ask for SELECT on a table. */
  async requestAccess(actor: Actor, r: { table: string; reason: string }): Promise<AccessRequest> {
    const table = await this.requireTable(r.table);
    if (typeof r.reason !== 'string' || r.reason.trim() === '') {
      throw new UsageError(`access request for ${table.name}: give a reason`);
    }
    const request: AccessRequest = {
      id: randomUUID(),
      principal: actor.name,
      table: table.name,
      privilege: 'SELECT',
      reason: r.reason,
      status: 'pending',
      createdAt: now(),
    };
    return this.change(actor, 'access_request.create', `table:${table.name}`, async (trx) => {
      await trx('lakekit_access_requests').insert({
        catalog_name: this.catalogName,
        id: request.id,
        principal: request.principal,
        table_name: request.table,
        privilege: request.privilege,
        reason: request.reason,
        status: request.status,
        created_at: request.createdAt,
      });
      return { result: request, detail: { id: request.id, reason: r.reason } };
    });
  }

  /**
   * Approves or denies a pending request. Deciders are the table's owner and MANAGE holders, never
   * the requester; approval grants SELECT on the table to the requester in the same transaction.
   */
  async decideAccessRequest(
    actor: Actor,
    id: string,
    d: { approve: boolean; comment?: string },
  ): Promise<AccessRequest> {
    const row = await this.rows('lakekit_access_requests').andWhere({ id }).first();
    if (!row)
      throw new NotFoundError('access_request', `access request ${id} does not exist`, {
        context: { request: id },
      });
    const request = toAccessRequest(row);
    const action = d.approve ? 'access_request.approve' : 'access_request.deny';
    const target = `table:${request.table}`;
    if (request.status !== 'pending') {
      throw new UsageError(`access request ${id} was already ${request.status} by ${request.decidedBy}`);
    }
    if (actor.name === request.principal)
      await this.deny(actor, action, target, 'someone else: nobody decides their own request');
    await this.requireManage(actor, { type: 'table', name: request.table }, action, target);
    const decided: AccessRequest = {
      ...request,
      status: d.approve ? 'approved' : 'denied',
      decidedBy: actor.name,
      decidedAt: now(),
      ...(d.comment !== undefined ? { comment: d.comment } : {}),
    };
    return this.change(actor, action, target, async (trx) => {
      const n = await this.rows('lakekit_access_requests', trx)
        .andWhere({ id, status: 'pending' })
        .update({
          status: decided.status,
          decided_by: decided.decidedBy,
          decided_at: decided.decidedAt,
          comment: d.comment ?? null,
        });
      if (n !== 1) throw new UsageError(`access request ${id} was decided by someone else meanwhile`);
      let grantId: string | undefined;
      if (d.approve) {
        const g = {
          privilege: 'SELECT' as const,
          securable: { type: 'table' as const, name: request.table },
          grantee: { type: 'principal' as const, name: request.principal },
        };
        const existing = await this.rows('lakekit_grants', trx)
          .andWhere({
            privilege: g.privilege,
            ...securableKey(g.securable),
            grantee_type: g.grantee.type,
            grantee_name: g.grantee.name,
          })
          .first();
        grantId = existing ? String(existing.id) : randomUUID();
        if (!existing)
          await this.insertGrant(trx, {
            ...g,
            id: grantId,
            grantedBy: actor.name,
            grantedAt: decided.decidedAt!,
          });
      }
      return { result: decided, detail: { id, principal: request.principal, comment: d.comment, grantId } };
    });
  }

  async listAccessRequests(
    f: { status?: AccessRequestStatus; principal?: string; table?: string } = {},
  ): Promise<AccessRequest[]> {
    const q = this.rows('lakekit_access_requests');
    if (f.status !== undefined) q.andWhere({ status: f.status });
    if (f.principal !== undefined) q.andWhere({ principal: f.principal });
    if (f.table !== undefined) q.andWhere({ table_name: f.table });
    return (await q.orderBy(['created_at', 'id'])).map(toAccessRequest);
  }

  // Decisions

  /**
   * Whether the actor holds `privilege` on `securable` (the local administrator always does). SELECT
   * and MODIFY on a table or column also need USAGE on the catalog and the table's namespace.
   */
  can(actor: Actor, privilege: Privilege, securable: Securable, snap?: GovernanceSnapshot): Promise<boolean> {
    return this.actorHolds(actor, privilege, securable, snap);
  }

  /**
   * What `principal` may do with `table` and see of it (columns of the table's current schema),
   * decided from `snap` when given.
   */
  async effectiveAccess(
    principal: string,
    table: string,
    snap?: GovernanceSnapshot,
  ): Promise<EffectiveAccess> {
    const s = snap ?? (await this.snapshot());
    const p = s.principal(principal);
    if (!p)
      throw new NotFoundError('principal', `principal ${principal} does not exist`, {
        context: { principal },
      });
    const t = await this.requireTable(table);
    const owner = s.ownerOf(t.name);
    const access = computeEffectiveAccess({
      principal: p,
      table: t.name,
      columns: t.columns,
      grants: s.grantsOf({ principal: p.name, roles: p.roles }),
      ...(owner ? { owner } : {}),
      masks: s.masksOf(t.name),
      tagPolicies: s.tagPolicies,
      tags: s.tagsOf(t.name),
      rowFilters: s.rowFiltersOf(t.name),
    });
    // A disabled principal keeps its grants on paper but can do nothing.
    if (!p.disabled) return access;
    return {
      ...access,
      canSelect: false,
      canModify: false,
      canManage: false,
      columns: access.columns.map((c) => ({
        name: c.name,
        type: c.type,
        access: 'hidden',
        because: [{ kind: 'missing_grant', text: `principal ${p.name} is disabled` }],
      })),
      because: [{ kind: 'missing_grant', text: `principal ${p.name} is disabled` }, ...access.because],
    };
  }

  // Audit

  /** Appends one record in a transaction of its own. */
  appendAudit(e: AuditEntry): Promise<AuditRecord> {
    return this.knex.transaction((trx) => appendAuditRecord(trx, this.catalogName, e));
  }

  private readonly auditQueue: {
    entry: AuditEntry;
    resolve(r: AuditRecord): void;
    reject(e: unknown): void;
  }[] = [];
  private auditFlushing = false;

  /**
   * Appends one record together with the records other callers append at the same moment: one
   * transaction per batch (in arrival order, the chain unchanged), so a busy server does not queue
   * every request behind its own write transaction. Resolves once the batch is committed.
   */
  appendAuditBatched(e: AuditEntry): Promise<AuditRecord> {
    return new Promise((resolve, reject) => {
      this.auditQueue.push({ entry: e, resolve, reject });
      if (!this.auditFlushing) {
        this.auditFlushing = true;
        setImmediate(() => void this.flushAudit());
      }
    });
  }

  private async flushAudit(): Promise<void> {
    try {
      while (this.auditQueue.length > 0) {
        const batch = this.auditQueue.splice(0, 500);
        try {
          const records = await this.knex.transaction((trx) =>
            appendAuditRecords(
              trx,
              this.catalogName,
              batch.map((b) => b.entry),
            ),
          );
          for (const [i, b] of batch.entries()) b.resolve(records[i]!);
        } catch (err) {
          for (const b of batch) b.reject(err);
        }
      }
    } finally {
      this.auditFlushing = false;
    }
  }

  /** Records matching the filter, ascending seq. */
  listAudit(f?: AuditFilter): Promise<AuditRecord[]> {
    return listAuditRecords(this.knex, this.catalogName, f);
  }

  /** Recomputes the chain: edited, deleted and reordered records and a mismatched head, by seq. */
  verifyAudit(): Promise<AuditVerification> {
    return verifyAuditChain(this.knex, this.catalogName);
  }

  // Bootstrap and settings

  /**
   * Creates principal `admin` (user) with MANAGE on the catalog and issues it a token when it has no
   * live one. Idempotent: a second call creates nothing and issues no token while one is live.
   */
  async bootstrap(): Promise<{ created: boolean; token?: IssuedToken }> {
    let created = false;
    if (!(await this.getPrincipal('admin'))) {
      try {
        await this.createPrincipal(LOCAL_ADMIN, { name: 'admin', kind: 'user' });
        created = true;
      } catch (e) {
        // Another process bootstrapped at the same moment.
        if (!(e instanceof AlreadyExistsError) && !(await this.getPrincipal('admin'))) throw e;
      }
    }
    await this.grant(LOCAL_ADMIN, {
      privilege: 'MANAGE',
      securable: { type: 'catalog' },
      grantee: { type: 'principal', name: 'admin' },
    });
    const at = now();
    const live = (await this.listTokens('admin')).some(
      (t) => !t.revokedAt && (!t.expiresAt || t.expiresAt > at),
    );
    if (live) return { created };
    return { created, token: await this.issueToken(LOCAL_ADMIN, 'admin', { name: 'bootstrap' }) };
  }

  /** The per-catalog secret for hash masks (HMAC-SHA-256 key, 32 random bytes, created once). */
  async maskSecret(): Promise<Buffer> {
    if (this.secret) return this.secret;
    const key = { catalog_name: this.catalogName, key: 'mask_secret' };
    await this.knex('lakekit_governance_settings')
      .insert({ ...key, value: randomBytes(32).toString('base64') })
      .onConflict(['catalog_name', 'key'])
      .ignore();
    const row = await this.knex('lakekit_governance_settings').where(key).first();
    this.secret = Buffer.from(String(row.value), 'base64');
    return this.secret;
  }
}

/** The securable whose MANAGE allows changing grants on `s` (a column's table). */
function manageTargetOf(s: Securable): Securable {
  return s.type === 'column' ? { type: 'table', name: s.table } : s;
}

function checkAttributes(principal: string, attributes: Record<string, string>): Record<string, string> {
  if (typeof attributes !== 'object' || attributes === null || Array.isArray(attributes)) {
    throw new UsageError(`attributes of principal ${principal}: expected a map of names to texts`);
  }
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(attributes).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(k) || typeof v !== 'string') {
      throw new UsageError(
        `attribute ${k} of principal ${principal}: names are identifiers and values texts`,
      );
    }
    out[k] = v;
  }
  return out;
}

function expiryOf(o: { expiresAt?: string; ttlSeconds?: number }): string | undefined {
  if (o.expiresAt !== undefined && o.ttlSeconds !== undefined) {
    throw new UsageError('give expiresAt or ttlSeconds for a token, not both');
  }
  if (o.ttlSeconds !== undefined) {
    if (!Number.isFinite(o.ttlSeconds) || o.ttlSeconds <= 0) {
      throw new UsageError(`ttlSeconds must be more than 0 (got ${o.ttlSeconds})`);
    }
    return new Date(Date.now() + o.ttlSeconds * 1000).toISOString();
  }
  if (o.expiresAt !== undefined) {
    const ms = Date.parse(o.expiresAt);
    if (Number.isNaN(ms)) throw new UsageError(`expiresAt "${o.expiresAt}" is not an ISO-8601 time`);
    return new Date(ms).toISOString();
  }
  return undefined;
}
