/**
 * Runs the discovery queries (`discoverySql`) through whatever runs a query — a pool for
 * `discover()`, the session's transaction for `describe()` — and assembles the streams.
 */
import {
  assembleStreams,
  type ColumnRow,
  type CommentRow,
  type KeyRow,
  type RowCountRow,
  type TableRow,
} from './discover-streams.js';
import { discoverySql } from './mssql-sql.js';

export type { MssqlStream } from './discover-streams.js';

/** Something that runs a query and returns its rows (`recordset`). */
export type RunQuery = (sql: string) => Promise<{ recordset: unknown[] }>;

/** The streams of some schemas (all but the system ones when undefined), or of one table. */
export async function loadStreams(run: RunQuery, schemas: readonly string[] | undefined, table?: string) {
  const sql = discoverySql(schemas, table);
  const tables = (await run(sql.tables)).recordset as TableRow[];
  if (tables.length === 0) return [];
  const columns = (await run(sql.columns)).recordset as ColumnRow[];
  const keys = (await run(sql.keys)).recordset as KeyRow[];
  const comments = (await run(sql.comments)).recordset as CommentRow[];
  const rows = (await run(sql.rows)).recordset as RowCountRow[];
  return assembleStreams(tables, columns, keys, comments, rows);
}
