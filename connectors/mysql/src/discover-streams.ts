/**
 * Streams from information_schema: tables and views with their columns (COLUMN_TYPE as the source
 * type, nullability, comments), primary keys, the InnoDB row estimate and cursor candidates. The
 * queries are fixed text with escaped literals; `assembleStreams` is pure and unit-tested.
 */
import type { SourceColumn, SourceStream } from '@lakekit/core';
import type { Connection } from 'mysql2';
import { columnType } from './column-plan.js';
import { sqlLiteral } from './extract-sql.js';
import { classifyMysqlType } from './map-mysql-type.js';
import { queryRows } from './mysql-client.js';

/** Schemas of the server itself, never listed. */
export const SYSTEM_DATABASES = ['mysql', 'information_schema', 'performance_schema', 'sys'] as const;

/** A table or view row of information_schema.TABLES. */
export interface TableRow {
  db: string;
  tbl: string;
  kind: string;
  est: number | string | null;
}
/** A row of information_schema.COLUMNS. */
export interface ColumnRow {
  db: string;
  tbl: string;
  col: string;
  col_type: string;
  nullable: string;
  comment: string | null;
}
/** A primary key column (information_schema.STATISTICS, index PRIMARY). */
export interface KeyRow {
  db: string;
  tbl: string;
  col: string;
}

/** A discovered stream and where it lives. */
export interface MysqlStream extends SourceStream {
  readonly database: string;
  readonly table: string;
}

/** `WHERE` of the metadata queries: the listed databases, and one table when given. */
function scope(databases: readonly string[], table?: string): string {
  const dbs = `TABLE_SCHEMA IN (${databases.map(sqlLiteral).join(', ')})`;
  return table === undefined ? dbs : `${dbs} AND TABLE_NAME = ${sqlLiteral(table)}`;
}

/** The three metadata queries (tables, columns, primary keys) over some databases or one table. */
export function discoverySql(
  databases: readonly string[],
  table?: string,
): { tables: string; columns: string; keys: string } {
  const where = scope(databases, table);
  return {
    tables:
      'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, TABLE_TYPE AS kind, TABLE_ROWS AS est FROM information_schema.TABLES ' +
      `WHERE ${where} AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME`,
    columns:
      'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col, COLUMN_TYPE AS col_type, IS_NULLABLE AS nullable, ' +
      `COLUMN_COMMENT AS comment FROM information_schema.COLUMNS WHERE ${where} ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION`,
    keys:
      'SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col FROM information_schema.STATISTICS ' +
      `WHERE ${where} AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX`,
  };
}

/** Builds streams from metadata rows (tables in the order given). */
export function assembleStreams(
  tables: readonly TableRow[],
  columns: readonly ColumnRow[],
  keys: readonly KeyRow[],
  timezone: string,
): MysqlStream[] {
  const id = (db: string, tbl: string) => `${db}\u0000${tbl}`;
  const colsOf = new Map<string, ColumnRow[]>();
  for (const c of columns) {
    const k = id(c.db, c.tbl);
    colsOf.set(k, [...(colsOf.get(k) ?? []), c]);
  }
  const keysOf = new Map<string, string[]>();
  for (const k of keys) keysOf.set(id(k.db, k.tbl), [...(keysOf.get(id(k.db, k.tbl)) ?? []), k.col]);

  return tables.map((t) => {
    const cols: SourceColumn[] = (colsOf.get(id(t.db, t.tbl)) ?? []).map((c) => {
      const mapped = columnType(c.col_type, timezone);
      return {
        name: c.col,
        sourceType: c.col_type,
        ...(mapped.type ? { type: mapped.type } : { unsupported: mapped.unsupported! }),
        nullable: c.nullable === 'YES',
        ...(c.comment ? { description: c.comment } : {}),
      };
    });
    const primaryKey = keysOf.get(id(t.db, t.tbl)) ?? [];
    const cursorCandidates = cols
      .filter((c) => {
        const kind = classifyMysqlType(c.sourceType).kind;
        if (kind === 'date' || kind === 'datetime' || kind === 'timestamp') return true;
        const integer = kind === 'integer' || (kind === 'decimal' && /^bigint/i.test(c.sourceType));
        return integer && primaryKey.length === 1 && primaryKey[0] === c.name;
      })
      .map((c) => c.name);
    const est = t.est === null || t.kind === 'VIEW' ? undefined : Number(t.est);
    return {
      name: `${t.db}.${t.tbl}`,
      database: t.db,
      table: t.tbl,
      columns: cols,
      primaryKey,
      cursorCandidates,
      ...(est !== undefined && Number.isFinite(est) ? { estimatedRows: est } : {}),
    };
  });
}

/** Reads the streams of some databases (or one table) through a connection. */
export async function discoverStreams(
  conn: Connection,
  databases: readonly string[],
  timezone: string,
  table?: string,
): Promise<MysqlStream[]> {
  if (databases.length === 0) return [];
  const sql = discoverySql(databases, table);
  const tables = await queryRows<TableRow>(conn, sql.tables);
  if (tables.length === 0) return [];
  const columns = await queryRows<ColumnRow>(conn, sql.columns);
  const keys = await queryRows<KeyRow>(conn, sql.keys);
  return assembleStreams(tables, columns, keys, timezone);
}

/** Every database but the server's own. */
export async function userDatabases(conn: Connection): Promise<string[]> {
  const rows = await queryRows<{ db: string }>(
    conn,
    `SELECT SCHEMA_NAME AS db FROM information_schema.SCHEMATA WHERE SCHEMA_NAME NOT IN (${SYSTEM_DATABASES.map(sqlLiteral).join(', ')}) ORDER BY SCHEMA_NAME`,
  );
  return rows.map((r) => r.db);
}
