/**
 * The governance model of a Lakekit catalog: principals (users and service accounts) with attributes
 * and hashed API tokens, roles, grants, table owners, column masks, row filters, tags and tag
 * policies, descriptions and glossary terms, access requests, and a hash-chained audit log.
 *
 * Semantics (docs/governance.md says the same for governance staff):
 * - Securables form a tree: the catalog, its namespaces, their tables, a table's columns. A grant on
 *   a securable covers everything below it, present and future (SELECT on namespace `crm` = SELECT on
 *   every table in `crm`). SELECT on a column makes only the granted columns of that table visible.
 * - Reaching a table needs USAGE on the catalog and on its namespace (granted, or implied by MANAGE
 *   or ownership at or above them), as in Unity Catalog.
 * - MANAGE implies every privilege on the securable and below, and allows changing its grants, masks,
 *   row filters, tags, descriptions and owner. A table's owner (principal or role) holds MANAGE on it.
 *   MANAGE on the catalog is the administrator's privilege.
 * - Grantees are principals or roles; a principal holds what it is granted directly and through each
 *   of its roles. Roles do not nest.
 * - Column masks and row filters are per role and apply to principals holding the role. A principal
 *   without any of those roles is not masked / filtered by them.
 * - Several masks on one column for one principal: an explicit column mask beats a tag policy; among
 *   the rest the strongest kind wins, in the order null > redact > hash > partial > sql, then the role
 *   name (deterministic).
 * - Several row filters on one table for one principal are combined with AND (a principal in two
 *   filtered roles sees the rows both allow); `principal.<attribute>` in a predicate is replaced by the
 *   principal's attribute value as a SQL string literal, and a missing attribute is NULL (no rows).
 * - Tags are dotted names: a tag policy on `pii` applies to columns tagged `pii` and `pii.*`.
 * - Times are ISO-8601 UTC strings.
 */

export type PrincipalKind = 'user' | 'service';

export interface Principal {
  /** `[a-z0-9][a-z0-9_.@-]*`, at most 128 characters; unique in the catalog. */
  name: string;
  kind: PrincipalKind;
  attributes: Record<string, string>;
  /** Role names, sorted. */
  roles: string[];
  createdAt: string;
  /** A disabled principal's tokens are refused. */
  disabled: boolean;
}

export interface TokenInfo {
  /** Public id (the part of the token before the secret). */
  id: string;
  principal: string;
  name?: string;
  createdAt: string;
  expiresAt?: string;
  revokedAt?: string;
  lastUsedAt?: string;
}

/** A newly issued token: `secret` is shown once and stored only as a hash. */
export interface IssuedToken extends TokenInfo {
  /** The bearer token: `lk_<id>_<secret>`. */
  token: string;
}

export interface Role {
  name: string;
  description?: string;
  members: string[];
  createdAt: string;
}

export type Privilege = 'USAGE' | 'SELECT' | 'MODIFY' | 'MANAGE';

export type Securable =
  | { type: 'catalog' }
  | { type: 'namespace'; name: string }
  | { type: 'table'; name: string }
  | { type: 'column'; table: string; column: string };

export interface Grantee {
  type: 'principal' | 'role';
  name: string;
}

export interface Grant {
  id: string;
  privilege: Privilege;
  securable: Securable;
  grantee: Grantee;
  grantedBy: string;
  grantedAt: string;
}

export type MaskKind = 'redact' | 'hash' | 'partial' | 'null' | 'sql';

export interface MaskSpec {
  kind: MaskKind;
  /** partial: characters kept at the end (default 4). */
  keepLast?: number;
  /** partial: characters kept at the start (default 0). */
  keepFirst?: number;
  /** sql: a DuckDB scalar expression over the table's columns (the column itself by name). */
  expression?: string;
}

export interface ColumnMask extends MaskSpec {
  table: string;
  column: string;
  role: string;
  createdBy: string;
  createdAt: string;
}

export interface RowFilter {
  table: string;
  role: string;
  /** One boolean SQL expression over the table's columns and `principal.<attribute>`. */
  predicate: string;
  createdBy: string;
  createdAt: string;
}

export interface TagAssignment {
  table: string;
  /** Absent: a table tag. */
  column?: string;
  tag: string;
}

export interface TagPolicy {
  /** Unique name, e.g. `pii-hash-analyst`. */
  name: string;
  tag: string;
  role: string;
  mask: MaskSpec;
  createdBy: string;
  createdAt: string;
}

/** Description, owner and glossary terms of a table or column. */
export interface Annotation {
  table: string;
  column?: string;
  description?: string;
  /** Tables only: the owning principal or role. */
  owner?: Grantee;
  terms: string[];
}

export type AccessRequestStatus = 'pending' | 'approved' | 'denied';

export interface AccessRequest {
  id: string;
  principal: string;
  table: string;
  privilege: 'SELECT';
  reason: string;
  status: AccessRequestStatus;
  createdAt: string;
  decidedBy?: string;
  decidedAt?: string;
  comment?: string;
}

export type AuditOutcome = 'ok' | 'denied' | 'error';

export interface AuditEntry {
  /** Who: a principal name, `local-admin` for local CLI use, `pipeline:<name>` for runs. */
  actor: string;
  /** Dotted verb, e.g. `grant.create`, `principal.token.issue`, `pipeline.run`, `http.denied`. */
  action: string;
  /** What it acted on, e.g. `table:crm.accounts`, `principal:ana`. */
  target: string;
  outcome: AuditOutcome;
  /** JSON details (never secrets). */
  detail?: unknown;
}

export interface AuditRecord extends AuditEntry {
  /** 1, 2, 3, … without gaps. */
  seq: number;
  time: string;
  /** Hash of the previous record ('' for the first). */
  prevHash: string;
  /** sha256 hex over prevHash and the canonical JSON of seq, time, actor, action, target, outcome, detail. */
  hash: string;
}

export interface AuditFilter {
  actor?: string;
  action?: string;
  /** Prefix match, e.g. `table:crm.`. */
  target?: string;
  outcome?: AuditOutcome;
  since?: string;
  until?: string;
  afterSeq?: number;
  limit?: number;
}

/** What `verifyAudit` found: empty `problems` means the chain is intact. */
export interface AuditVerification {
  records: number;
  lastSeq: number;
  problems: { seq: number; problem: 'edited' | 'deleted' | 'reordered' | 'head_mismatch'; message: string }[];
}

/** A column of a table as the governance layer sees it (from the table's current schema). */
export interface TableColumn {
  name: string;
  /** Iceberg type as text (`long`, `string`, `decimal(12,2)`, …). */
  type: string;
}

/** Why a principal has (or lacks) some access: a grant, ownership, a mask, a policy or a tag. */
export interface Because {
  kind: 'grant' | 'owner' | 'mask' | 'tag_policy' | 'row_filter' | 'missing_grant' | 'admin';
  /** Human-readable, e.g. `SELECT on namespace crm to role analyst`. */
  text: string;
}

export interface EffectiveColumn {
  name: string;
  type: string;
  access: 'visible' | 'masked' | 'hidden';
  mask?: MaskSpec & {
    /** Type of the masked value (hash/redact/partial: string; null and sql: as evaluated). */
    resultType: string;
    role: string;
    source: 'column_mask' | 'tag_policy';
    policy?: string;
  };
  because: Because[];
}

export interface EffectiveAccess {
  principal: string;
  table: string;
  /** USAGE on catalog and namespace plus SELECT on the table or on at least one column. */
  canSelect: boolean;
  canModify: boolean;
  canManage: boolean;
  columns: EffectiveColumn[];
  /** Absent: every row. The combined predicate with attributes substituted. */
  rowFilter?: { predicate: string; filters: { role: string; predicate: string }[] };
  because: Because[];
}
