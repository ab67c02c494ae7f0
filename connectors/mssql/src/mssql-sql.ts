/**
 * Every SQL text the connector sends, as pure functions (unit-tested exactly, since no SQL Server
 * runs in this project's tests): identifier quoting, the discovery queries, the SELECT expression
 * that reads each type as its canonical text, the extract SELECT, and keyset chunk predicates
 * (`([c] > @p0 OR ([c] = @p0 AND [id] > @p1))`) with `TOP (n)` and `ORDER BY`.
 */
import { classifyMssqlType } from './map-mssql-type.js';

/** Quotes a SQL Server identifier: `[a]]b]`. */
export function quoteMssqlIdent(name: string): string {
  return `[${name.replaceAll(']', ']]')}]`;
}

/** Quotes a string literal: `N'it''s'`. */
export function mssqlString(value: string): string {
  return `N'${value.replaceAll("'", "''")}'`;
}

/** `[schema].[table]`. */
export function tableRef(schema: string, table: string): string {
  return `${quoteMssqlIdent(schema)}.${quoteMssqlIdent(table)}`;
}

/** Schemas SQL Server creates for itself, never listed. */
export const SYSTEM_SCHEMAS = [
  'sys',
  'INFORMATION_SCHEMA',
  'guest',
  'db_owner',
  'db_accessadmin',
  'db_securityadmin',
  'db_ddladmin',
  'db_backupoperator',
  'db_datareader',
  'db_datawriter',
  'db_denydatareader',
  'db_denydatawriter',
] as const;

function schemaFilter(
  column: string,
  schemas: readonly string[] | undefined,
  table?: string,
  tableColumn?: string,
) {
  const parts = [
    schemas
      ? `${column} IN (${schemas.map(mssqlString).join(', ')})`
      : `${column} NOT IN (${SYSTEM_SCHEMAS.map(mssqlString).join(', ')})`,
  ];
  if (table !== undefined && tableColumn) parts.push(`${tableColumn} = ${mssqlString(table)}`);
  return parts.join(' AND ');
}

/** The discovery queries over some schemas (default: all but the system ones), or one table. */
export function discoverySql(
  schemas: readonly string[] | undefined,
  table?: string,
): { tables: string; columns: string; keys: string; comments: string; rows: string } {
  return {
    tables:
      'SELECT TABLE_SCHEMA AS [schema], TABLE_NAME AS [table], TABLE_TYPE AS [kind] FROM INFORMATION_SCHEMA.TABLES ' +
      `WHERE ${schemaFilter('TABLE_SCHEMA', schemas, table, 'TABLE_NAME')} ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    columns:
      'SELECT TABLE_SCHEMA AS [schema], TABLE_NAME AS [table], COLUMN_NAME AS [column], DATA_TYPE AS [type], ' +
      'CHARACTER_MAXIMUM_LENGTH AS [length], NUMERIC_PRECISION AS [precision], NUMERIC_SCALE AS [scale], ' +
      'DATETIME_PRECISION AS [datetime_precision], IS_NULLABLE AS [nullable] FROM INFORMATION_SCHEMA.COLUMNS ' +
      `WHERE ${schemaFilter('TABLE_SCHEMA', schemas, table, 'TABLE_NAME')} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    keys:
      'SELECT s.name AS [schema], o.name AS [table], c.name AS [column] FROM sys.indexes AS i ' +
      'JOIN sys.index_columns AS ic ON ic.object_id = i.object_id AND ic.index_id = i.index_id ' +
      'JOIN sys.columns AS c ON c.object_id = ic.object_id AND c.column_id = ic.column_id ' +
      'JOIN sys.objects AS o ON o.object_id = i.object_id JOIN sys.schemas AS s ON s.schema_id = o.schema_id ' +
      `WHERE i.is_primary_key = 1 AND ${schemaFilter('s.name', schemas, table, 'o.name')} ORDER BY s.name, o.name, ic.key_ordinal`,
    comments:
      'SELECT s.name AS [schema], o.name AS [table], c.name AS [column], CAST(ep.value AS nvarchar(4000)) AS [comment] ' +
      'FROM sys.extended_properties AS ep JOIN sys.objects AS o ON o.object_id = ep.major_id ' +
      'JOIN sys.schemas AS s ON s.schema_id = o.schema_id ' +
      'JOIN sys.columns AS c ON c.object_id = ep.major_id AND c.column_id = ep.minor_id ' +
      `WHERE ep.class = 1 AND ep.name = N'MS_Description' AND ${schemaFilter('s.name', schemas, table, 'o.name')}`,
    rows:
      'SELECT s.name AS [schema], o.name AS [table], SUM(p.rows) AS [rows] FROM sys.partitions AS p ' +
      'JOIN sys.objects AS o ON o.object_id = p.object_id JOIN sys.schemas AS s ON s.schema_id = o.schema_id ' +
      `WHERE p.index_id IN (0, 1) AND ${schemaFilter('s.name', schemas, table, 'o.name')} GROUP BY s.name, o.name`,
  };
}

/** A row of the columns query. */
export interface MssqlColumnRow {
  readonly type: string;
  readonly length: number | null;
  readonly precision: number | null;
  readonly scale: number | null;
  readonly datetime_precision: number | null;
}

/** The type text of an INFORMATION_SCHEMA.COLUMNS row: `nvarchar(max)`, `decimal(12,2)`, `datetime2(7)`. */
export function formatMssqlType(r: MssqlColumnRow): string {
  const type = r.type.toLowerCase();
  switch (type) {
    case 'char':
    case 'varchar':
    case 'nchar':
    case 'nvarchar':
    case 'binary':
    case 'varbinary':
      return `${type}(${r.length === -1 ? 'max' : r.length})`;
    case 'decimal':
    case 'numeric':
      return `${type}(${r.precision},${r.scale})`;
    case 'float':
      return `float(${r.precision})`;
    case 'time':
    case 'datetime2':
    case 'datetimeoffset':
      return `${type}(${r.datetime_precision})`;
    default:
      return type;
  }
}

/**
 * The SELECT expression reading a column as its canonical text (see `@lakekit/core`'s connector
 * module). Numbers, strings, bits, uuids arrive exactly as driver values; everything the driver
 * would round or shift (decimals become JS numbers, dates become JS Dates) is converted to text by
 * the server. Fractions beyond microseconds (time(7), datetime2(7), datetimeoffset(7)) are cut off:
 * Iceberg keeps microseconds.
 */
export function selectExpr(sourceType: string, ref: string): string | undefined {
  switch (classifyMssqlType(sourceType).kind) {
    case 'bit':
    case 'integer':
    case 'float':
    case 'string':
    case 'varchar':
    case 'uuid':
      return ref;
    case 'decimal':
      return `CONVERT(varchar(41), ${ref})`;
    case 'money':
      return `CONVERT(varchar(30), ${ref}, 2)`;
    case 'date':
      return `CONVERT(char(10), ${ref}, 23)`;
    case 'time':
      return `LEFT(CAST(${ref} AS varchar(16)), 15)`;
    case 'datetime2':
      return `LEFT(CONVERT(varchar(33), ${ref}, 126), 26)`;
    case 'datetime':
      return `CONVERT(varchar(23), ${ref}, 126)`;
    case 'smalldatetime':
      return `CONVERT(varchar(19), ${ref}, 126)`;
    case 'datetimeoffset':
      // In UTC, without the offset (canonical timestamptz text without an offset is UTC).
      return `LEFT(CONVERT(varchar(33), CAST(SWITCHOFFSET(${ref}, '+00:00') AS datetime2(7)), 126), 26)`;
    case 'binary':
      return `CONVERT(varchar(max), ${ref}, 2)`;
    case 'image':
      return `CONVERT(varchar(max), CAST(${ref} AS varbinary(max)), 2)`;
    case 'xml':
      return `CAST(${ref} AS nvarchar(max))`;
    case 'unsupported':
      return undefined;
  }
}

/** The SELECT expression of a column extracted as text (types without a mapping). */
export function asTextExpr(sourceType: string, ref: string): string {
  const base = sourceType.trim().toLowerCase();
  if (base === 'hierarchyid') return `${ref}.ToString()`;
  if (base === 'geography' || base === 'geometry') return `${ref}.STAsText()`;
  return `CAST(${ref} AS nvarchar(max))`;
}

/**
 * The expression a keyset column is read with (after the extracted columns): text that converts
 * back to exactly the stored value when compared with the column (all fractional digits, the
 * offset of a datetimeoffset, 17 digits of a float), or the driver value where that is exact.
 */
export function keysetExpr(sourceType: string, ref: string): string {
  switch (classifyMssqlType(sourceType).kind) {
    case 'decimal':
      return `CONVERT(varchar(41), ${ref})`;
    case 'money':
      return `CONVERT(varchar(30), ${ref}, 2)`;
    case 'float':
      return `CONVERT(varchar(30), ${ref}, 3)`;
    case 'date':
      return `CONVERT(char(10), ${ref}, 23)`;
    case 'time':
      return `CAST(${ref} AS varchar(16))`;
    case 'datetime2':
      return `CONVERT(varchar(33), ${ref}, 126)`;
    case 'datetime':
      return `CONVERT(varchar(23), ${ref}, 126)`;
    case 'smalldatetime':
      return `CONVERT(varchar(19), ${ref}, 126)`;
    case 'datetimeoffset':
      return `CONVERT(varchar(34), ${ref}, 126)`;
    default:
      return ref;
  }
}

/** A SELECT over one table. */
export interface MssqlSelectSpec {
  readonly schema: string;
  readonly table: string;
  /** SELECT expressions, already aliased. */
  readonly select: readonly string[];
  readonly where?: readonly string[];
  readonly orderBy?: readonly string[];
  readonly top?: number;
}

/** The SELECT statement of a spec. */
export function selectSql(spec: MssqlSelectSpec): string {
  let sql = `SELECT ${spec.top === undefined ? '' : `TOP (${spec.top}) `}${spec.select.join(', ')} FROM ${tableRef(spec.schema, spec.table)}`;
  if (spec.where && spec.where.length > 0) sql += ` WHERE ${spec.where.join(' AND ')}`;
  if (spec.orderBy && spec.orderBy.length > 0) sql += ` ORDER BY ${spec.orderBy.join(', ')}`;
  return sql;
}

/**
 * Rows strictly after a keyset position over key columns in order:
 * `([a] > @p0 OR ([a] = @p0 AND [b] > @p1))`. `params` are parameter names of the same length.
 */
export function keysetPredicate(refs: readonly string[], params: readonly string[]): string {
  if (refs.length === 0 || refs.length !== params.length) {
    throw new Error(`keyset of ${refs.length} columns with ${params.length} parameters`);
  }
  const [ref, p] = [refs[0]!, params[0]!];
  if (refs.length === 1) return `${ref} > ${p}`;
  return `(${ref} > ${p} OR (${ref} = ${p} AND ${keysetPredicate(refs.slice(1), params.slice(1))}))`;
}

/** One keyset chunk of an incremental read. */
export interface KeysetChunkSpec {
  readonly schema: string;
  readonly table: string;
  /** The extract's SELECT list. */
  readonly select: readonly string[];
  /** Filters of every chunk (the cursor predicate, `[c] IS NOT NULL`). */
  readonly filter: readonly string[];
  /** The keyset columns in order (cursor first, then the primary key). */
  readonly keyset: readonly { readonly name: string; readonly sourceType: string }[];
  readonly batchRows: number;
  /** Whether the chunk starts after a position (parameters `@p0`, `@p1` …), or at the beginning. */
  readonly after: boolean;
}

/**
 * The SELECT of a keyset chunk: `TOP (n)`, the extracted columns, then the keyset values
 * (`[__lakekit_key0]` …, read with `keysetExpr`) from which the next chunk's parameters come.
 */
export function keysetChunkSql(c: KeysetChunkSpec): string {
  const order = c.keyset.map((k) => quoteMssqlIdent(k.name));
  const hidden = c.keyset.map((k, i) => `${keysetExpr(k.sourceType, order[i]!)} AS [__lakekit_key${i}]`);
  const past = c.after
    ? [
        keysetPredicate(
          order,
          order.map((_, i) => `@p${i}`),
        ),
      ]
    : [];
  return selectSql({
    schema: c.schema,
    table: c.table,
    select: [...c.select, ...hidden],
    where: [...c.filter, ...past],
    orderBy: order,
    top: c.batchRows,
  });
}

/** The predicate of an incremental read: `[c] > @after` (or `>=`). */
export function cursorPredicate(ref: string, param: string, inclusive: boolean): string {
  return `${ref} ${inclusive ? '>=' : '>'} ${param}`;
}

/** Statements opening a session: the database's snapshot setting decides the isolation level. */
export const SNAPSHOT_STATE_SQL =
  'SELECT snapshot_isolation_state AS [state] FROM sys.databases WHERE database_id = DB_ID()';
