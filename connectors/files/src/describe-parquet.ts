/** Parquet carries its own schema; several files must have the same column names. */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DataError, quoteLiteral } from '@lakekit/core';
import { fileList } from './columns-clause.js';
import type { FileColumn, FileDescription } from './file-description.js';
import { query } from './query.js';
import { readError } from './read-error.js';

/** Describes Parquet files with the same columns (types may widen across files). */
export async function describeParquet(
  conn: DuckDBConnection,
  files: readonly string[],
): Promise<FileDescription> {
  let firstNames: string | undefined;
  for (const file of files) {
    const names = (await describeSql(conn, `SELECT * FROM read_parquet(${quoteLiteral(file)})`, file))
      .map((c) => c.name)
      .sort()
      .join(', ');
    if (firstNames === undefined) firstNames = names;
    else if (names !== firstNames) {
      throw new DataError(`${file}: columns (${names}) differ from those of ${files[0]} (${firstNames})`, {
        context: { file },
      });
    }
  }
  const readSql = `SELECT * FROM read_parquet(${fileList(files)}${files.length > 1 ? ', union_by_name=true' : ''})`;
  return { format: 'parquet', files, columns: await describeSql(conn, readSql, files), readSql };
}

async function describeSql(
  conn: DuckDBConnection,
  sql: string,
  files: string | readonly string[],
): Promise<FileColumn[]> {
  try {
    const rows = await query(conn, `DESCRIBE ${sql}`);
    return rows.map((r) => ({ name: String(r['column_name']), duckdbType: String(r['column_type']) }));
  } catch (e) {
    throw readError(e, files);
  }
}
