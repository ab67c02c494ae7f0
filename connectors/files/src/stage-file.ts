/**
 * One source file → one staged Parquet file with the stream's columns cast to the stream's types,
 * written by DuckDB (one converter for CSV, JSON Lines and Parquet sources alike). The file is read
 * with its own strict dialect from `describeFile`; in CSV, a quoted empty field (`""`) is an empty
 * string and only an unquoted empty field is NULL, as in the staged CSV contract. A value that does
 * not fit its column fails with the stream, file, column and value.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  type CursorRange,
  DataError,
  type ExtractColumn,
  NotFoundError,
  quoteIdent,
  quoteLiteral,
  toDuckDBType,
  typeToString,
} from '@lakekit/core';
import {
  describeSourceFile,
  type FilesColumn,
  type FilesStream,
  isNestedDuckType,
  renameFile,
} from './describe-stream.js';
import type { DescribeFileOptions } from './file-description.js';
import type { SourceFile } from './list-source-files.js';
import { query } from './query.js';
import { readError } from './read-error.js';

/** What staging one file needs. */
export interface StageFileRequest {
  readonly file: SourceFile;
  /** A local path holding the file's bytes. */
  readonly localPath: string;
  readonly stream: FilesStream;
  readonly columns: readonly ExtractColumn[];
  readonly cursor?: CursorRange;
  readonly options: DescribeFileOptions;
  /** The staged Parquet file to write. */
  readonly target: string;
  /** `source x, stream y`, for errors. */
  readonly where: string;
}

/** Makes a CSV read treat `""` as an empty string (DuckDB's default reads it as NULL). */
export function withQuotedEmptyStrings(readSql: string): string {
  if (!/^SELECT \* FROM read_csv\(.*\)$/s.test(readSql)) return readSql;
  return `${readSql.slice(0, -1)}, allow_quoted_nulls=false)`;
}

/** Writes the staged Parquet file and returns its row count. */
export async function stageFile(conn: DuckDBConnection, req: StageFileRequest): Promise<number> {
  const { file, stream, where } = req;
  const at = `${where}, file ${file.name}`;
  const desc = await describeSourceFile(conn, file, req.localPath, req.options, where);
  const read = desc.format === 'csv' ? withQuotedEmptyStrings(desc.readSql) : desc.readSql;
  const inFile = new Map(desc.columns.map((c) => [c.name.toLowerCase(), c]));
  const casts: Array<{ column: FilesColumn; ref: string; target: string }> = [];
  const select = req.columns.map((want) => {
    const column = columnOf(stream, want.name, where);
    const src = inFile.get(column.name.toLowerCase());
    const alias = quoteIdent(column.name);
    const target = want.asText ? 'VARCHAR' : column.type ? toDuckDBType(column.type) : undefined;
    if (target === undefined) {
      throw new DataError(
        `${at}, column ${column.name}: ${column.unsupported ?? 'no Iceberg type'}; extract it as text`,
        {
          context: { stream: stream.name, column: column.name },
        },
      );
    }
    if (!src) return `CAST(NULL AS ${target}) AS ${alias}`;
    const ref = `s.${quoteIdent(src.name)}`;
    if (target === 'VARCHAR' && isNestedDuckType(src.duckdbType))
      return `CAST(to_json(${ref}) AS VARCHAR) AS ${alias}`;
    casts.push({ column, ref, target });
    return `CAST(${ref} AS ${target}) AS ${alias}`;
  });
  let filter = '';
  if (req.cursor?.after !== undefined) {
    const column = columnOf(stream, req.cursor.column, where);
    const src = inFile.get(column.name.toLowerCase());
    const type = column.type ? toDuckDBType(column.type) : 'VARCHAR';
    filter = src
      ? ` WHERE CAST(s.${quoteIdent(src.name)} AS ${type}) ${req.cursor.inclusive ? '>=' : '>'} CAST(${quoteLiteral(req.cursor.after)} AS ${type})`
      : ' WHERE false';
  }
  const sql = `COPY (SELECT ${select.join(', ')} FROM (${read}) AS s${filter}) TO ${quoteLiteral(req.target)} (FORMAT parquet)`;
  try {
    const rows = await query(conn, sql);
    return Number(rows[0]?.['Count'] ?? 0);
  } catch (e) {
    for (const c of casts) {
      const bad = await query(
        conn,
        `SELECT CAST(${c.ref} AS VARCHAR) AS v FROM (${read}) AS s WHERE ${c.ref} IS NOT NULL AND TRY_CAST(${c.ref} AS ${c.target}) IS NULL LIMIT 1`,
      ).catch(() => []);
      if (bad.length > 0) {
        const value = String(bad[0]!['v']);
        const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
        throw new DataError(
          `${at}, column ${c.column.name}: value '${shown}' does not fit type ${c.column.type ? typeToString(c.column.type) : c.target}`,
          {
            context: { stream: stream.name, file: file.location, column: c.column.name, value: shown },
            cause: e,
          },
        );
      }
    }
    throw renameFile(readError(e, req.localPath), req.localPath, file.location, where);
  }
}

function columnOf(stream: FilesStream, name: string, where: string): FilesColumn {
  const c =
    stream.columns.find((x) => x.name === name) ??
    stream.columns.find((x) => x.name.toLowerCase() === name.toLowerCase());
  if (!c) {
    throw new NotFoundError(
      'column',
      `${where}: no column ${name} (columns: ${stream.columns.map((x) => x.name).join(', ')})`,
      {
        context: { stream: stream.name, column: name },
      },
    );
  }
  return c;
}
