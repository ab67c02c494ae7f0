/**
 * Rows of the governance tables as model objects (principals, tokens, grants, masks, row filters,
 * tags, tag policies, annotations, access requests, roles), shared by the store and its snapshot.
 */
import { parseJson } from '@lakekit/core';
import type {
  AccessRequest,
  AccessRequestStatus,
  Annotation,
  ColumnMask,
  Grant,
  Grantee,
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

/** A row as the database driver returns it. */
export type Row = Record<string, unknown>;

/** A securable from its stored columns. */
export function toSecurable(r: Row): Securable {
  const type = String(r['securable_type']);
  if (type === 'catalog') return { type: 'catalog' };
  if (type === 'namespace') return { type: 'namespace', name: String(r['securable_name']) };
  if (type === 'table') return { type: 'table', name: String(r['securable_name']) };
  return { type: 'column', table: String(r['securable_name']), column: String(r['securable_column']) };
}

/** A grant row. */
export function toGrant(r: Row): Grant {
  return {
    id: String(r['id']),
    privilege: String(r['privilege']) as Privilege,
    securable: toSecurable(r),
    grantee: { type: String(r['grantee_type']) as Grantee['type'], name: String(r['grantee_name']) },
    grantedBy: String(r['granted_by']),
    grantedAt: String(r['granted_at']),
  };
}

/** A token row without its hash. */
export function toTokenInfo(r: Row): TokenInfo {
  return {
    id: String(r['id']),
    principal: String(r['principal']),
    ...(r['name'] ? { name: String(r['name']) } : {}),
    createdAt: String(r['created_at']),
    ...(r['expires_at'] ? { expiresAt: String(r['expires_at']) } : {}),
    ...(r['revoked_at'] ? { revokedAt: String(r['revoked_at']) } : {}),
    ...(r['last_used_at'] ? { lastUsedAt: String(r['last_used_at']) } : {}),
  };
}

/** A column-mask row. */
export function toMask(r: Row): ColumnMask {
  return {
    ...(parseJson(String(r['spec'])) as MaskSpec),
    table: String(r['table_name']),
    column: String(r['column_name']),
    role: String(r['role']),
    createdBy: String(r['created_by']),
    createdAt: String(r['created_at']),
  };
}

/** A row-filter row. */
export function toRowFilter(r: Row): RowFilter {
  return {
    table: String(r['table_name']),
    role: String(r['role']),
    predicate: String(r['predicate']),
    createdBy: String(r['created_by']),
    createdAt: String(r['created_at']),
  };
}

/** A tag row (column absent for a table tag). */
export function toTag(r: Row): TagAssignment {
  const column = String(r['column_name']);
  return { table: String(r['table_name']), ...(column !== '' ? { column } : {}), tag: String(r['tag']) };
}

/** A tag-policy row. */
export function toTagPolicy(r: Row): TagPolicy {
  return {
    name: String(r['name']),
    tag: String(r['tag']),
    role: String(r['role']),
    mask: parseJson(String(r['mask'])) as MaskSpec,
    createdBy: String(r['created_by']),
    createdAt: String(r['created_at']),
  };
}

/** An annotation row (column absent for the table itself). */
export function toAnnotation(r: Row): Annotation {
  const column = String(r['column_name']);
  return {
    table: String(r['table_name']),
    ...(column !== '' ? { column } : {}),
    ...(r['description'] !== null && r['description'] !== undefined
      ? { description: String(r['description']) }
      : {}),
    ...(r['owner_type']
      ? { owner: { type: String(r['owner_type']) as Grantee['type'], name: String(r['owner_name']) } }
      : {}),
    terms: parseJson(String(r['terms'])) as string[],
  };
}

/** An access-request row. */
export function toAccessRequest(r: Row): AccessRequest {
  return {
    id: String(r['id']),
    principal: String(r['principal']),
    table: String(r['table_name']),
    privilege: 'SELECT',
    reason: String(r['reason']),
    status: String(r['status']) as AccessRequestStatus,
    createdAt: String(r['created_at']),
    ...(r['decided_by'] ? { decidedBy: String(r['decided_by']) } : {}),
    ...(r['decided_at'] ? { decidedAt: String(r['decided_at']) } : {}),
    ...(r['comment'] !== null && r['comment'] !== undefined ? { comment: String(r['comment']) } : {}),
  };
}

/** A principal row with its roles. */
export function toPrincipal(r: Row, roles: string[]): Principal {
  return {
    name: String(r['name']),
    kind: String(r['kind']) as PrincipalKind,
    attributes: parseJson(String(r['attributes'])) as Record<string, string>,
    roles,
    createdAt: String(r['created_at']),
    disabled: Boolean(r['disabled']),
  };
}

/** A role row with its members. */
export function toRole(r: Row, members: string[]): Role {
  return {
    name: String(r['name']),
    ...(r['description'] !== null && r['description'] !== undefined
      ? { description: String(r['description']) }
      : {}),
    members,
    createdAt: String(r['created_at']),
  };
}
