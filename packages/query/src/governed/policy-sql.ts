/**
 * A caller's secure view of one table snapshot as DuckDB SQL: the snapshot's rows (its read SQL,
 * delete files applied) with the row filter applied to the raw values, then only the columns the
 * caller may see — each visible column as it is, each masked column replaced by its mask, hidden
 * columns left out. Masks keep the column's name (and, for `null` and `sql`, its type).
 */
import { createHash } from 'node:crypto';
import type { EffectiveAccess, EffectiveColumn } from '@lakekit/catalog';
import { type IcebergType, quoteIdent, quoteLiteral, toDuckDBType, UsageError } from '@lakekit/core';

/** The placeholder text of `redact` masks. */
export const REDACTED = '[REDACTED]';

/** A column of the snapshot being read: its name there and, when still in the table, its current name. */
export interface SnapshotColumn {
  name: string;
  type: IcebergType;
  /** The column's name in the table's current schema (same field id); absent when dropped since. */
  currentName?: string;
}

/** What the caller sees of one column of the snapshot. */
export interface ColumnPolicy {
  name: string;
  access: 'visible' | 'masked' | 'hidden';
  mask?: EffectiveColumn['mask'];
}

/** The per-column decisions for a snapshot's columns, by field id through the current names. */
export function columnPolicies(access: EffectiveAccess, columns: readonly SnapshotColumn[]): ColumnPolicy[] {
  const byName = new Map(access.columns.map((c) => [c.name, c]));
  return columns.map((c) => {
    const current = c.currentName === undefined ? undefined : byName.get(c.currentName);
    // A column dropped since (or unknown to the governance layer) is hidden: nobody granted it.
    if (!current || current.access === 'hidden') return { name: c.name, access: 'hidden' };
    if (current.access === 'masked')
      return { name: c.name, access: 'masked', ...(current.mask ? { mask: current.mask } : {}) };
    return { name: c.name, access: 'visible' };
  });
}

/** The HMAC-SHA-256 pads of a key, as DuckDB blob literals (`hash` masks). */
function hmacPads(secret: Buffer): { inner: string; outer: string } {
  const key = secret.length > 64 ? createHash('sha256').update(secret).digest() : secret;
  const block = Buffer.alloc(64);
  key.copy(block);
  const ipad = Buffer.from(block.map((b) => b ^ 0x36));
  const opad = Buffer.from(block.map((b) => b ^ 0x5c));
  return { inner: `unhex('${ipad.toString('hex')}')`, outer: `unhex('${opad.toString('hex')}')` };
}

/**
 * HMAC-SHA-256 of `text` (hex, lower case) with the secret of `secret`: computed by DuckDB from
 * `sha256` over blobs, equal to Node's `createHmac('sha256', secret).update(text).digest('hex')`.
 */
export function hmacSql(textSql: string, secret: Buffer): string {
  const { inner, outer } = hmacPads(secret);
  return `sha256(${outer} || unhex(sha256(${inner} || encode(${textSql}))))`;
}

/** The SQL of one masked column (over the raw column `name`). */
export function maskSql(
  column: SnapshotColumn,
  mask: NonNullable<ColumnPolicy['mask']>,
  secret: Buffer,
): string {
  const col = quoteIdent(column.name);
  const text = `CAST(${col} AS VARCHAR)`;
  switch (mask.kind) {
    case 'null':
      return `CAST(NULL AS ${toDuckDBType(column.type)})`;
    case 'redact':
      return `CASE WHEN ${col} IS NULL THEN NULL ELSE ${quoteLiteral(REDACTED)} END`;
    case 'hash':
      return `CASE WHEN ${col} IS NULL THEN NULL ELSE ${hmacSql(text, secret)} END`;
    case 'partial': {
      const first = mask.keepFirst ?? 0;
      const last = mask.keepLast ?? 4;
      // Too short to keep anything without showing it whole: every character is replaced.
      return (
        `CASE WHEN ${col} IS NULL THEN NULL WHEN length(${text}) <= ${first + last} THEN repeat('*', length(${text})) ` +
        `ELSE left(${text}, ${first}) || repeat('*', length(${text}) - ${first + last}) || right(${text}, ${last}) END`
      );
    }
    case 'sql':
      if (!mask.expression) throw new UsageError(`sql mask on column ${column.name} has no expression`);
      return `CAST((${mask.expression}) AS ${toDuckDBType(column.type)})`;
  }
}

/**
 * The secure SELECT over a snapshot's read SQL: row filter on the raw rows, then the projection.
 * Returns undefined columns list when the caller sees no column at all.
 */
export function secureSelect(options: {
  readSql: string;
  columns: readonly SnapshotColumn[];
  policies: readonly ColumnPolicy[];
  rowFilter?: string;
  secret: Buffer;
}): string {
  const items: string[] = [];
  options.columns.forEach((c, i) => {
    const p = options.policies[i]!;
    if (p.access === 'visible') items.push(quoteIdent(c.name));
    else if (p.access === 'masked' && p.mask)
      items.push(`${maskSql(c, p.mask, options.secret)} AS ${quoteIdent(c.name)}`);
  });
  if (items.length === 0) throw new UsageError('no visible columns');
  const where = options.rowFilter ? ` WHERE (${options.rowFilter})` : '';
  return `SELECT ${items.join(', ')} FROM (${options.readSql}) AS __lk_raw${where}`;
}
