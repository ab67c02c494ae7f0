/**
 * What every Iceberg REST route shares: the caller, one audit record per call (`op`), governance
 * checks with Iceberg errors, request parsing (namespaces in paths, bodies, identifiers), paging, and
 * the warehouse rule for locations.
 */
import type { Catalog, GovernanceSnapshot, Principal } from '@lakekit/catalog';
import { formatTableIdentifier, parseJson, type TableIdentifier } from '@lakekit/core';
import type { Context } from 'hono';
import type { ServerLog } from '../log.js';
import { badRequest, errorOf, errorResponse, forbidden, noSuchNamespace, nsName } from './errors.js';

export interface Caller {
  principal: Principal;
  snapshot: GovernanceSnapshot;
}
export type Env = { Variables: { caller?: Caller } };
export type Ctx = Context<Env>;

/** The namespace separator in paths (PyIceberg's and Java's default: the unit separator, %1F). */
export const SEP = '\x1f';

type Privilege = 'USAGE' | 'SELECT' | 'MODIFY' | 'MANAGE';
type Securable = { type: 'catalog' } | { type: 'namespace'; name: string } | { type: 'table'; name: string };

export function parseNamespace(text: string): string[] {
  const parts = text.split(SEP);
  if (parts.some((p) => p === '')) throw badRequest(`invalid namespace "${text}"`);
  return parts;
}

/** A request's JSON object body (`{}` when empty). */
export async function body(c: Ctx): Promise<Record<string, unknown>> {
  const text = await c.req.text();
  if (text.trim() === '') return {};
  let v: unknown;
  try {
    v = parseJson(text);
  } catch (e) {
    throw badRequest(`request body is not valid JSON: ${(e as Error).message}`);
  }
  if (v === null || typeof v !== 'object' || Array.isArray(v))
    throw badRequest('request body must be a JSON object');
  return v as Record<string, unknown>;
}

/** A `TableIdentifier` of a body (`{"namespace": [...], "name": "..."}`). */
export function identifierOf(v: unknown, what: string): TableIdentifier {
  const o = v as { namespace?: unknown; name?: unknown } | undefined;
  if (
    !o ||
    !Array.isArray(o.namespace) ||
    o.namespace.length === 0 ||
    typeof o.name !== 'string' ||
    o.name === ''
  )
    throw badRequest(`${what} must be {"namespace": [...], "name": "..."}`);
  return { namespace: o.namespace.map(String), name: o.name };
}

/** A namespace given in a body: non-empty levels without dots (Lakekit stores `a.b`). */
export function namespaceOf(v: unknown): string[] {
  if (!Array.isArray(v) || v.length === 0) throw badRequest('namespace must be a non-empty array');
  const ns = v.map(String);
  if (ns.some((p) => p === '' || p.includes('.')))
    throw badRequest(`invalid namespace ${JSON.stringify(ns)}: levels must be non-empty and without dots`);
  return ns;
}

/**
 * One page of `items` (sorted by `key`) for the `pageToken` and `pageSize` query parameters; the token
 * is the key of the last item handed out, so pages stay right when items are added or removed between
 * calls. Without `pageSize` the rest is one page.
 */
export function page<T>(c: Ctx, items: readonly T[], key: (t: T) => string): { items: T[]; next?: string } {
  const token = c.req.query('pageToken');
  const sizeText = c.req.query('pageSize');
  let size = Number.POSITIVE_INFINITY;
  if (sizeText !== undefined) {
    size = Number(sizeText);
    if (!Number.isInteger(size) || size < 1)
      throw badRequest(`invalid pageSize ${sizeText}: a positive integer`);
  }
  const sorted = [...items].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
  let start = 0;
  if (token !== undefined && token !== '') {
    let after: string;
    try {
      after = Buffer.from(token, 'base64url').toString('utf8');
    } catch {
      throw badRequest(`invalid pageToken ${token}`);
    }
    start = sorted.findIndex((t) => key(t) > after);
    if (start < 0) start = sorted.length;
  }
  const chosen = sorted.slice(start, start + size);
  const more = start + size < sorted.length;
  return more
    ? { items: chosen, next: Buffer.from(key(chosen[chosen.length - 1]!), 'utf8').toString('base64url') }
    : { items: chosen };
}

/** A location in a canonical form for comparisons (`file:/a`, `file://localhost/a` → `file:///a`). */
function canonicalLocation(location: string): string {
  const m = /^file:(?:\/\/(?:localhost)?)?(\/.*)$/.exec(location);
  return (m ? `file://${m[1]}` : location).replace(/\/+$/, '');
}

/** The shared part of the routes, bound to one catalog. */
export class RestContext {
  constructor(
    readonly catalog: Catalog,
    readonly log: ServerLog,
  ) {}

  get gov() {
    return this.catalog.governance;
  }

  /** Runs one operation: governance inside `fn`, Iceberg errors, one audit record `iceberg.<name>`. */
  op(name: string, target: (c: Ctx) => string, fn: (c: Ctx, caller: Caller) => Promise<Response>) {
    return async (c: Ctx): Promise<Response> => {
      const caller = c.get('caller')!;
      let res: Response;
      let tgt = 'iceberg';
      try {
        tgt = target(c);
        res = await fn(c, caller);
      } catch (e) {
        const err = errorOf(e);
        if (err.unexpected)
          this.log.error(
            { method: c.req.method, path: c.req.path, err: e instanceof Error ? e.stack : String(e) },
            'iceberg request failed',
          );
        res = errorResponse(err.status, err.type, err.message);
      }
      const outcome = res.status === 403 ? 'denied' : res.status >= 400 ? 'error' : 'ok';
      // Batched with the records of concurrent requests into one transaction, before answering.
      await this.gov.appendAuditBatched({
        actor: caller.principal.name,
        action: `iceberg.${name}`,
        target: tgt,
        outcome,
        detail: { method: c.req.method, status: res.status },
      });
      return res;
    };
  }

  can(caller: Caller, privilege: Privilege, securable: Securable): Promise<boolean> {
    return this.gov.can({ name: caller.principal.name }, privilege, securable, caller.snapshot);
  }

  async require(caller: Caller, privilege: Privilege, securable: Securable, why: string): Promise<void> {
    if (await this.can(caller, privilege, securable)) return;
    const what = securable.type === 'catalog' ? 'the catalog' : `${securable.type} ${securable.name}`;
    throw forbidden(`${why} needs ${privilege} on ${what}`);
  }

  /** Either of two privileges on a securable. */
  async requireEither(caller: Caller, a: Privilege, b: Privilege, securable: Securable, why: string) {
    if ((await this.can(caller, a, securable)) || (await this.can(caller, b, securable))) return;
    const what = securable.type === 'catalog' ? 'the catalog' : `${securable.type} ${securable.name}`;
    throw forbidden(`${why} needs ${a} or ${b} on ${what}`);
  }

  /** Creating in a namespace: MODIFY on it (MANAGE covers it); a top-level namespace: MODIFY on the catalog. */
  requireCreateIn(caller: Caller, ns: readonly string[], why: string): Promise<void> {
    return ns.length === 0
      ? this.require(caller, 'MODIFY', { type: 'catalog' }, why)
      : this.require(caller, 'MODIFY', { type: 'namespace', name: nsName(ns) }, why);
  }

  async requireNamespace(ns: readonly string[]): Promise<void> {
    if (!(await this.catalog.namespaceExists(ns))) throw noSuchNamespace(ns);
  }

  /** Only principals with unmasked, unfiltered SELECT on the whole table may have its metadata (file paths). */
  async requireFullSelect(caller: Caller, table: string): Promise<void> {
    const access = await this.gov.effectiveAccess(caller.principal.name, table, caller.snapshot);
    const reasons: string[] = [];
    if (!access.canSelect) reasons.push(`no SELECT on table ${table}`);
    const hidden = access.columns.filter((c) => c.access === 'hidden').map((c) => c.name);
    const masked = access.columns.filter((c) => c.access === 'masked').map((c) => c.name);
    if (access.canSelect && hidden.length > 0) reasons.push(`columns not granted: ${hidden.join(', ')}`);
    if (masked.length > 0) reasons.push(`masked columns: ${masked.join(', ')}`);
    if (access.rowFilter) reasons.push(`a row filter applies (${access.rowFilter.predicate})`);
    if (reasons.length > 0)
      throw forbidden(
        `loading table ${table} hands out its file paths, which needs unmasked, unfiltered SELECT on the whole table: ${reasons.join('; ')}; query it through the governed layer (POST /api/v1/query) instead`,
      );
  }

  /**
   * Table and view locations stay inside the catalog's warehouse: the governed query layer reads
   * only there, and the server writes metadata files there (never elsewhere on its disk or bucket).
   */
  warehouseCheck(location: string, what: string): void {
    const loc = canonicalLocation(location);
    const wh = canonicalLocation(this.catalog.warehouse);
    if (/(^|\/)\.\.?(\/|$)/.test(loc.replace(/^[a-z0-9+.-]+:\/\//i, '')))
      throw badRequest(`${what} ${location} must not contain . or .. segments`);
    if (!(loc === wh || loc.startsWith(`${wh}/`)))
      throw badRequest(`${what} ${location} is outside the catalog's warehouse ${this.catalog.warehouse}`);
  }

  /**
   * Makes the caller the owner of a table it just created or registered (as MANAGE would; the
   * annotation is audited as theirs). A failure is logged, not answered: the table exists by then.
   */
  async setOwner(caller: Caller, id: TableIdentifier): Promise<void> {
    const name = formatTableIdentifier(id);
    try {
      await this.gov.annotate(
        // Creating the table (MODIFY on its namespace, checked) is what entitles the caller to own it.
        { name: caller.principal.name, localAdmin: true },
        { table: name, owner: { type: 'principal', name: caller.principal.name } },
      );
    } catch (e) {
      this.log.error({ table: name, err: e instanceof Error ? e.stack : String(e) }, 'could not set owner');
    }
  }
}
