/**
 * The governance tables of a catalog held in memory: loaded in one pass, reused while nothing changed.
 * Every governance change appends an audit record in its own transaction and stamps its seq on the
 * audit head (`change_seq`; queries, refusals and pipeline runs append records without it), so that is
 * a version stamp: one indexed query per check tells whether the snapshot is current, for changes made
 * by this process, by other servers on the same PostgreSQL catalog and by the CLI on a SQLite file.
 */
import type { Knex } from 'knex';
import { isPostgres } from './audit.js';
import { Coalescer } from './coalesce.js';
import type { Holder } from './effective-access.js';
import {
  type Row,
  toAnnotation,
  toGrant,
  toMask,
  toPrincipal,
  toRowFilter,
  toTag,
  toTagPolicy,
  toTokenInfo,
} from './rows.js';
import type {
  Annotation,
  ColumnMask,
  Grant,
  Grantee,
  Principal,
  RowFilter,
  TagAssignment,
  TagPolicy,
  TokenInfo,
} from './types.js';

/** A token as kept in the snapshot: what may be shown, and the hash its secret is checked against. */
export interface StoredToken {
  info: TokenInfo;
  hash: string;
}

function groupBy<T>(items: readonly T[], key: (item: T) => string): Map<string, T[]> {
  const out = new Map<string, T[]>();
  for (const item of items) {
    const k = key(item);
    const list = out.get(k);
    if (list) list.push(item);
    else out.set(k, [item]);
  }
  return out;
}

const NONE: readonly never[] = Object.freeze([]);

/**
 * The governance data of one catalog as of audit record `seq`. Lists keep the order of the store's
 * list queries (each is loaded with the same ORDER BY), so answers from here equal the database's.
 * Callers must not modify what they get.
 */
export class GovernanceSnapshot {
  readonly grants: readonly Grant[];
  readonly annotations: readonly Annotation[];
  readonly tags: readonly TagAssignment[];
  readonly masks: readonly ColumnMask[];
  readonly rowFilters: readonly RowFilter[];
  readonly tagPolicies: readonly TagPolicy[];
  private readonly principals: Map<string, Principal>;
  private readonly tokens: Map<string, StoredToken>;
  private readonly grantsByGrantee: Map<string, Grant[]>;
  private readonly annotationsByTable: Map<string, Annotation[]>;
  private readonly masksByTable: Map<string, ColumnMask[]>;
  private readonly rowFiltersByTable: Map<string, RowFilter[]>;
  private readonly tagsByTable: Map<string, TagAssignment[]>;

  constructor(
    readonly seq: number,
    data: {
      principals: Principal[];
      tokens: StoredToken[];
      grants: Grant[];
      annotations: Annotation[];
      masks: ColumnMask[];
      rowFilters: RowFilter[];
      tags: TagAssignment[];
      tagPolicies: TagPolicy[];
    },
  ) {
    this.grants = data.grants;
    this.annotations = data.annotations;
    this.tags = data.tags;
    this.masks = data.masks;
    this.rowFilters = data.rowFilters;
    this.tagPolicies = data.tagPolicies;
    this.principals = new Map(data.principals.map((p) => [p.name, p]));
    this.tokens = new Map(data.tokens.map((t) => [t.info.id, t]));
    this.grantsByGrantee = groupBy(data.grants, (g) => `${g.grantee.type}:${g.grantee.name}`);
    this.annotationsByTable = groupBy(data.annotations, (a) => a.table);
    this.masksByTable = groupBy(data.masks, (m) => m.table);
    this.rowFiltersByTable = groupBy(data.rowFilters, (f) => f.table);
    this.tagsByTable = groupBy(data.tags, (t) => t.table);
  }

  principal(name: string): Principal | undefined {
    return this.principals.get(name);
  }

  token(id: string): StoredToken | undefined {
    return this.tokens.get(id);
  }

  /** An enabled principal as a rights holder (undefined: unknown or disabled, holding nothing). */
  holder(name: string): Holder | undefined {
    const p = this.principals.get(name);
    return p && !p.disabled ? { principal: p.name, roles: p.roles } : undefined;
  }

  /** Grants to the holder directly and through its roles. */
  grantsOf(holder: Holder): Grant[] {
    const out = [...(this.grantsByGrantee.get(`principal:${holder.principal}`) ?? NONE)];
    for (const role of holder.roles) out.push(...(this.grantsByGrantee.get(`role:${role}`) ?? NONE));
    return out;
  }

  /** The owner recorded in a table's annotation. */
  ownerOf(table: string): Grantee | undefined {
    return this.annotationsByTable.get(table)?.find((a) => a.column === undefined)?.owner;
  }

  annotationsOf(table: string): readonly Annotation[] {
    return this.annotationsByTable.get(table) ?? NONE;
  }

  masksOf(table: string): readonly ColumnMask[] {
    return this.masksByTable.get(table) ?? NONE;
  }

  rowFiltersOf(table: string): readonly RowFilter[] {
    return this.rowFiltersByTable.get(table) ?? NONE;
  }

  tagsOf(table: string): readonly TagAssignment[] {
    return this.tagsByTable.get(table) ?? NONE;
  }
}

/** The seq of the last governance change (0 before the first): the version stamp of the governance data. */
async function headSeq(db: Knex | Knex.Transaction, catalogName: string): Promise<number> {
  const row = await db('lakekit_audit_head')
    .select('change_seq')
    .where({ catalog_name: catalogName })
    .first();
  return row ? Number(row.change_seq) : 0;
}

/** Reads every governance table of the catalog in one transaction (one consistent state). */
async function loadSnapshot(knex: Knex, catalogName: string): Promise<GovernanceSnapshot> {
  const read = async (trx: Knex.Transaction) => {
    const rows = (table: string, order: string[]): Promise<Row[]> =>
      trx(table).where({ catalog_name: catalogName }).orderBy(order);
    // The stamp first: data read after it is at least as new, so a reload is never missed.
    const seq = await headSeq(trx, catalogName);
    const principalRows = await rows('lakekit_principals', ['name']);
    const members = await rows('lakekit_role_members', ['role', 'principal']);
    const tokens = await rows('lakekit_tokens', ['created_at', 'id']);
    const grants = await rows('lakekit_grants', [
      'securable_type',
      'securable_name',
      'securable_column',
      'grantee_type',
      'grantee_name',
      'privilege',
    ]);
    const annotations = await rows('lakekit_annotations', ['table_name', 'column_name']);
    const masks = await rows('lakekit_masks', ['table_name', 'column_name', 'role']);
    const rowFilters = await rows('lakekit_row_filters', ['table_name', 'role']);
    const tags = await rows('lakekit_tags', ['table_name', 'column_name', 'tag']);
    const tagPolicies = await rows('lakekit_tag_policies', ['name']);
    const rolesOf = groupBy(members, (m) => String(m['principal']));
    return new GovernanceSnapshot(seq, {
      principals: principalRows.map((r) =>
        toPrincipal(
          r,
          (rolesOf.get(String(r['name'])) ?? []).map((m) => String(m['role'])),
        ),
      ),
      tokens: tokens.map((r) => ({ info: toTokenInfo(r), hash: String(r['hash']) })),
      grants: grants.map(toGrant),
      annotations: annotations.map(toAnnotation),
      masks: masks.map(toMask),
      rowFilters: rowFilters.map(toRowFilter),
      tags: tags.map(toTag),
      tagPolicies: tagPolicies.map(toTagPolicy),
    });
  };
  // PostgreSQL: one MVCC snapshot for every read; SQLite: a read transaction sees one state too.
  return isPostgres(knex)
    ? knex.transaction(read, { isolationLevel: 'repeatable read', readOnly: true })
    : knex.transaction(read);
}

/** The current governance snapshot of a catalog, reloaded when the audit head moved. */
export class SnapshotCache {
  private snapshot?: GovernanceSnapshot;
  private loading?: Promise<GovernanceSnapshot>;
  private readonly heads = new Coalescer<number>();

  constructor(
    private readonly knex: Knex,
    private readonly catalogName: string,
  ) {}

  /**
   * A snapshot holding every change committed before this call: one query for the head (shared by
   * the callers of one event-loop turn), plus a reload when it moved (shared by concurrent callers,
   * never older than the head they saw).
   */
  async current(): Promise<GovernanceSnapshot> {
    const seq = await this.heads.get('', () => headSeq(this.knex, this.catalogName));
    const cached = this.snapshot;
    if (cached && cached.seq >= seq) return cached;
    if (this.loading) {
      const loaded = await this.loading;
      if (loaded.seq >= seq) return loaded;
    }
    return this.reload();
  }

  private async reload(): Promise<GovernanceSnapshot> {
    // A load already under way may have read its head before the caller's: start one of our own.
    const loading = loadSnapshot(this.knex, this.catalogName);
    this.loading = loading;
    try {
      const loaded = await loading;
      if (!this.snapshot || loaded.seq >= this.snapshot.seq) this.snapshot = loaded;
      return loaded;
    } finally {
      if (this.loading === loading) this.loading = undefined;
    }
  }
}
