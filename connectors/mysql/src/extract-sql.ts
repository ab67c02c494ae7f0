/**
 * The SQL text of extracts, as pure functions so each shape is unit-tested exactly: the full read,
 * the incremental read past a cursor value, and its keyset chunks ordered by (cursor, key). Keyset
 * predicates are spelled out as `c > v OR (c = v AND k > w)` rather than row comparisons, which
 * MariaDB does not turn into index ranges.
 */
import { DataError, UnsupportedError } from '@lakekit/core';
import { escape as escapeValue, type SqlValue } from 'mysql2';
import { type ColumnPlan, quoteMysqlIdent } from './column-plan.js';
import { classifyMysqlType } from './map-mysql-type.js';
import { instantToWallClock, isUtcZone } from './zone-offset.js';

/** A SELECT over one table. */
export interface SelectSpec {
  readonly database: string;
  readonly table: string;
  /** SELECT expressions, already quoted (`col`, `HEX(col)`, `x AS y`). */
  readonly select: readonly string[];
  readonly where?: readonly string[];
  readonly orderBy?: readonly string[];
  readonly limit?: number;
}

/** `db`.`table`. */
export function tableRef(database: string, table: string): string {
  return `${quoteMysqlIdent(database)}.${quoteMysqlIdent(table)}`;
}

/** The SELECT statement of a spec. */
export function selectSql(spec: SelectSpec): string {
  let sql = `SELECT ${spec.select.join(', ')} FROM ${tableRef(spec.database, spec.table)}`;
  if (spec.where && spec.where.length > 0) sql += ` WHERE ${spec.where.map((w) => `(${w})`).join(' AND ')}`;
  if (spec.orderBy && spec.orderBy.length > 0) sql += ` ORDER BY ${spec.orderBy.join(', ')}`;
  if (spec.limit !== undefined) sql += ` LIMIT ${spec.limit}`;
  return sql;
}

/** The SELECT list of an extract: the planned columns. */
export function selectList(columns: readonly ColumnPlan[]): string[] {
  return columns.map((c) => `${c.select} AS ${quoteMysqlIdent(c.name)}`);
}

/**
 * Rows strictly after a keyset position: `(a > ?) OR (a = ? AND (b > ?))` over the key columns in
 * order. `refs` are quoted column references, `literals` SQL literals of the same length.
 */
export function keysetPredicate(refs: readonly string[], literals: readonly string[]): string {
  if (refs.length === 0 || refs.length !== literals.length) {
    throw new Error(`keyset of ${refs.length} columns with ${literals.length} values`);
  }
  const [ref, lit] = [refs[0]!, literals[0]!];
  if (refs.length === 1) return `${ref} > ${lit}`;
  return `${ref} > ${lit} OR (${ref} = ${lit} AND (${keysetPredicate(refs.slice(1), literals.slice(1))}))`;
}

/** The predicate of an incremental read: `c > v` (or `>=`) for the cursor's last value. */
export function cursorPredicate(ref: string, literal: string, inclusive: boolean): string {
  return `${ref} ${inclusive ? '>=' : '>'} ${literal}`;
}

/** A value as a MySQL literal (strings quoted with backslash escapes; the session's sql_mode allows them). */
export function sqlLiteral(value: unknown): string {
  return escapeValue(value as SqlValue);
}

const NUMBER = /^-?\d+(\.\d+)?$/;
const NUMERIC_TEXT = /^-?\d+(\.\d+)?(e[+-]?\d+)?$/i;

/**
 * The expression a keyset column is read with (after the extracted columns): its value as stored,
 * FLOAT widened to DOUBLE and BIT as a number so the text compares back exactly.
 */
export function keysetExpr(sourceType: string, ref: string): string {
  const kind = classifyMysqlType(sourceType).kind;
  if (kind === 'float') return `(${ref} + 0E0)`;
  if (kind === 'bit') return `CAST(${ref} AS UNSIGNED)`;
  return ref;
}

/** A keyset value as read (the server's text bytes, see `keysetExpr`) → the SQL literal to compare with. */
export function keysetLiteral(sourceType: string, raw: Uint8Array | string | number | bigint | null): string {
  if (raw === null) return 'NULL';
  const kind = classifyMysqlType(sourceType).kind;
  const bytes =
    raw instanceof Uint8Array ? Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength) : undefined;
  if (kind === 'binary')
    return `X'${bytes ? bytes.toString('hex') : Buffer.from(String(raw)).toString('hex')}'`;
  const text = bytes ? bytes.toString('utf8') : String(raw);
  const numeric = ['integer', 'decimal', 'double', 'float', 'bit', 'boolean'].includes(kind);
  if (numeric && NUMERIC_TEXT.test(text)) return text;
  return sqlLiteral(text);
}
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^-?\d{1,3}:\d{2}:\d{2}(\.\d{1,6})?$/;
const WALL = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?)$/;

/**
 * The SQL literal of a cursor's last value (canonical text of the column's Iceberg type) for
 * comparing with the column as stored: timestamptz text becomes the wall-clock time the column holds
 * (UTC for TIMESTAMP, read in a `+00:00` session; the source's zone for DATETIME). A value that is
 * not of the column's type is a DataError naming stream and column.
 */
export function cursorLiteral(
  stream: string,
  column: string,
  sourceType: string,
  after: string,
  timezone: string,
): string {
  const kind = classifyMysqlType(sourceType).kind;
  const bad = () =>
    new DataError(
      `stream ${stream}, cursor column ${column}: '${after}' is not a valid ${sourceType} value`,
      {
        context: { stream, column, value: after },
      },
    );
  const text = after.trim();
  switch (kind) {
    case 'integer':
    case 'decimal':
    case 'double':
    case 'float':
    case 'bit':
      if (!NUMBER.test(text)) throw bad();
      return text;
    case 'boolean':
      if (!/^(t|f|true|false|0|1)$/i.test(text)) throw bad();
      return /^(t|true|1)$/i.test(text) ? '1' : '0';
    case 'date':
      if (!DATE.test(text)) throw bad();
      return sqlLiteral(text);
    case 'time':
      if (!TIME.test(text)) throw bad();
      return sqlLiteral(text);
    case 'datetime':
    case 'timestamp': {
      const plain = WALL.exec(text);
      // A zone-less DATETIME (source zone UTC) compares wall-clock text as it is.
      if (plain && kind === 'datetime' && isUtcZone(timezone)) return sqlLiteral(`${plain[1]} ${plain[2]}`);
      const wall = instantToWallClock(text, kind === 'timestamp' ? 'UTC' : timezone);
      if (wall === undefined) throw bad();
      return sqlLiteral(wall);
    }
    case 'string':
    case 'uuid':
      return sqlLiteral(after);
    case 'binary':
      if (!/^([0-9a-f]{2})*$/i.test(text)) throw bad();
      return `X'${text}'`;
    case 'unsupported':
      throw new UnsupportedError(`stream ${stream}: column ${column} (${sourceType}) cannot be a cursor`, {
        context: { stream, column },
      });
  }
}
