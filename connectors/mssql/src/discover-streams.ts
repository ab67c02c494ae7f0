/**
 * Streams from INFORMATION_SCHEMA (tables, views, columns) and the catalog views (primary keys from
 * sys.indexes, MS_Description comments, row counts from sys.partitions). `assembleStreams` is pure
 * and unit-tested; the queries are in `mssql-sql.ts`.
 */
import type { SourceColumn, SourceStream } from '@lakekit/core';
import { classifyMssqlType, mapMssqlType } from './map-mssql-type.js';
import { formatMssqlType, type MssqlColumnRow } from './mssql-sql.js';

/** A row of the tables query. */
export interface TableRow {
  schema: string;
  table: string;
  kind: string;
}
/** A row of the columns query. */
export interface ColumnRow extends MssqlColumnRow {
  schema: string;
  table: string;
  column: string;
  nullable: string;
}
/** A primary key column, in key order. */
export interface KeyRow {
  schema: string;
  table: string;
  column: string;
}
/** A column comment (MS_Description). */
export interface CommentRow {
  schema: string;
  table: string;
  column: string;
  comment: string | null;
}
/** Rows of a table (sys.partitions). */
export interface RowCountRow {
  schema: string;
  table: string;
  rows: number | string | null;
}

/** A discovered stream and where it lives. */
export interface MssqlStream extends SourceStream {
  readonly schema: string;
  readonly table: string;
}

/** Builds streams (`schema.table`) from the discovery queries' rows, tables in the order given. */
export function assembleStreams(
  tables: readonly TableRow[],
  columns: readonly ColumnRow[],
  keys: readonly KeyRow[],
  comments: readonly CommentRow[],
  rowCounts: readonly RowCountRow[],
): MssqlStream[] {
  const id = (schema: string, table: string) => `${schema}\u0000${table}`;
  const group = <T extends { schema: string; table: string }>(rows: readonly T[]) => {
    const m = new Map<string, T[]>();
    for (const r of rows) {
      const k = id(r.schema, r.table);
      const list = m.get(k);
      if (list) list.push(r);
      else m.set(k, [r]);
    }
    return m;
  };
  const colsOf = group(columns);
  const keysOf = group(keys);
  const commentOf = new Map(comments.map((c) => [`${id(c.schema, c.table)}\u0000${c.column}`, c.comment]));
  const rowsOf = new Map(rowCounts.map((r) => [id(r.schema, r.table), r.rows]));

  return tables.map((t) => {
    const k = id(t.schema, t.table);
    const cols: SourceColumn[] = (colsOf.get(k) ?? []).map((c) => {
      const sourceType = formatMssqlType(c);
      const mapped = mapMssqlType(sourceType);
      const comment = commentOf.get(`${k}\u0000${c.column}`);
      return {
        name: c.column,
        sourceType,
        ...(mapped.type ? { type: mapped.type } : { unsupported: mapped.unsupported! }),
        nullable: c.nullable === 'YES',
        ...(comment ? { description: comment } : {}),
      };
    });
    const primaryKey = (keysOf.get(k) ?? []).map((r) => r.column);
    const cursorCandidates = cols
      .filter((c) => {
        const kind = classifyMssqlType(c.sourceType).kind;
        if (['date', 'datetime2', 'datetime', 'smalldatetime', 'datetimeoffset'].includes(kind)) return true;
        // rowversion grows with every change of a row: the classic SQL Server change cursor.
        if (/^(rowversion|timestamp)$/i.test(c.sourceType)) return true;
        return kind === 'integer' && primaryKey.length === 1 && primaryKey[0] === c.name;
      })
      .map((c) => c.name);
    const rows = rowsOf.get(k);
    const estimated = t.kind === 'VIEW' || rows === null || rows === undefined ? undefined : Number(rows);
    return {
      name: `${t.schema}.${t.table}`,
      schema: t.schema,
      table: t.table,
      columns: cols,
      primaryKey,
      cursorCandidates,
      ...(estimated !== undefined && Number.isFinite(estimated) ? { estimatedRows: estimated } : {}),
    };
  });
}
