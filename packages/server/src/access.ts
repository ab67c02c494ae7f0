/**
 * Authorization decisions of one request, all taken on the governance snapshot read when it began:
 * `can` answers cached (a listing asks about many tables), what "may see a table" means, and refusals
 * that are audited before they are thrown.
 */
import type {
  Actor,
  GovernanceSnapshot,
  GovernanceStore,
  Principal,
  Privilege,
  Securable,
} from '@lakekit/catalog';
import { ForbiddenError } from '@lakekit/core';

const CATALOG: Securable = { type: 'catalog' };

function key(privilege: Privilege, s: Securable): string {
  switch (s.type) {
    case 'catalog':
      return `${privilege}:catalog`;
    case 'namespace':
      return `${privilege}:ns:${s.name}`;
    case 'table':
      return `${privilege}:table:${s.name}`;
    case 'column':
      return `${privilege}:column:${s.table}:${s.column}`;
  }
}

/** The caller's access, decided by the governance store and remembered for the request. */
export class Access {
  private readonly decisions = new Map<string, Promise<boolean>>();

  constructor(
    private readonly gov: GovernanceStore,
    readonly actor: Actor,
    readonly principal: Principal,
    /** The governance data of this request (grants, masks, tags, annotations…). */
    readonly snapshot: GovernanceSnapshot,
    private readonly where: { method: string; path: string },
  ) {}

  can(privilege: Privilege, securable: Securable): Promise<boolean> {
    const k = key(privilege, securable);
    let d = this.decisions.get(k);
    if (!d) {
      d = this.gov.can(this.actor, privilege, securable, this.snapshot);
      this.decisions.set(k, d);
    }
    return d;
  }

  /** MANAGE on the catalog: the administrator's privilege. */
  isAdmin(): Promise<boolean> {
    return this.can('MANAGE', CATALOG);
  }

  canManageTable(table: string): Promise<boolean> {
    return this.can('MANAGE', { type: 'table', name: table });
  }

  /**
   * Whether the caller may see a table: SELECT on it (granted or implied, with USAGE on the way, as
   * the store decides), MANAGE on it (its owner governs it even without USAGE above it), or SELECT on
   * one of its columns plus USAGE on the catalog and the namespace.
   */
  async canSeeTable(table: string): Promise<boolean> {
    if (await this.can('SELECT', { type: 'table', name: table })) return true;
    if (await this.canManageTable(table)) return true;
    const mine = this.snapshot.grants.some(
      (g) =>
        g.securable.type === 'column' &&
        g.securable.table === table &&
        (g.privilege === 'SELECT' || g.privilege === 'MANAGE') &&
        ((g.grantee.type === 'principal' && g.grantee.name === this.principal.name) ||
          (g.grantee.type === 'role' && this.principal.roles.includes(g.grantee.name))),
    );
    if (!mine) return false;
    const ns = table.slice(0, table.lastIndexOf('.'));
    return (await this.can('USAGE', CATALOG)) && (await this.can('USAGE', { type: 'namespace', name: ns }));
  }

  /** Appends a `denied` audit record for this request, then throws ForbiddenError with `message`. */
  async deny(message: string, target: string): Promise<never> {
    await this.gov.appendAudit({
      actor: this.actor.name,
      action: 'http.forbidden',
      target,
      outcome: 'denied',
      detail: { method: this.where.method, path: this.where.path, reason: message },
    });
    throw new ForbiddenError(message, { context: { principal: this.principal.name } });
  }

  /** Refuses unless the caller holds MANAGE on the catalog. */
  async requireAdmin(what: string, target: string): Promise<void> {
    if (!(await this.isAdmin())) await this.deny(`${what} needs MANAGE on the catalog`, target);
  }

  /** Refuses a table the caller may not see, as if it did not exist to them. */
  async requireSeeTable(table: string): Promise<void> {
    if (!(await this.canSeeTable(table))) {
      await this.deny(
        `principal ${this.principal.name} may not see table ${table} (no SELECT on it)`,
        `table:${table}`,
      );
    }
  }
}
