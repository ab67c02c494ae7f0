/** A small helper: run SQL on a caller-owned DuckDB connection and get rows as JSON-safe objects. */
import type { DuckDBConnection, Json } from '@duckdb/node-api';

/** Runs `sql` and returns its rows (BIGINTs as strings, nested values as JSON). */
export async function query(conn: DuckDBConnection, sql: string): Promise<Record<string, Json>[]> {
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowObjectsJson();
}
