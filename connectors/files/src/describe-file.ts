/**
 * The entry point: what is in a file (or several, or a glob) and the SQL that reads it strictly.
 * Takes the caller's DuckDB connection, so the caller owns the engine and runs `readSql` on it.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DataError } from '@lakekit/core';
import { describeCsv } from './describe-csv.js';
import { describeJsonl } from './describe-jsonl.js';
import { describeParquet } from './describe-parquet.js';
import { detectFormat } from './detect-format.js';
import type { DescribeFileOptions, FileDescription } from './file-description.js';
import { resolveFiles } from './resolve-files.js';

/** Detects the format, columns and types of local files and returns a strict `readSql`. */
export async function describeFile(
  conn: DuckDBConnection,
  path: string | readonly string[],
  opts: DescribeFileOptions = {},
): Promise<FileDescription> {
  const files = await resolveFiles(conn, path);
  const format = opts.format ?? detectFormat(files[0]!);
  if (opts.format === undefined) {
    for (const file of files) {
      if (detectFormat(file) !== format) {
        throw new DataError(`${file}: is not ${format} like ${files[0]}; read one format at a time`, {
          context: { file },
        });
      }
    }
  }
  switch (format) {
    case 'csv':
      return describeCsv(conn, files, opts);
    case 'jsonl':
      return describeJsonl(conn, files, opts);
    case 'parquet':
      return describeParquet(conn, files);
  }
}
