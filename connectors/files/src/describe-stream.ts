/**
 * A files stream's columns: each of a sample of its files (the first and the last ten by name) is
 * described with `describeFile`, the columns are united by name in order of first appearance and
 * their types widened, then mapped to Iceberg types. Nested DuckDB types without an Iceberg mapping
 * here (STRUCT, MAP from JSON objects) become strings holding JSON.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import {
  fromDuckDBType,
  isLakeError,
  NotFoundError,
  type SourceColumn,
  type SourceStream,
} from '@lakekit/core';
import { describeFile } from './describe-file.js';
import type { DescribeFileOptions, FileDescription } from './file-description.js';
import type { SourceFile } from './list-source-files.js';
import { widenType } from './widen-type.js';

/** How many files from each end of the sorted list are sampled. */
const SAMPLE_EACH_END = 10;

/** A column of a files stream, with the DuckDB type it was read as. */
export interface FilesColumn extends SourceColumn {
  readonly duckdbType: string;
}

/** A files stream: its columns keep their DuckDB types. */
export interface FilesStream extends SourceStream {
  readonly columns: readonly FilesColumn[];
}

/** Whether a DuckDB type is nested (read as JSON text when the stream column is a string). */
export function isNestedDuckType(duck: string): boolean {
  return /^(STRUCT|MAP|UNION)\b/i.test(duck) || duck.endsWith(']');
}

/** Maps a DuckDB type to a stream column (see the module comment). */
export function filesColumn(name: string, duckdbType: string): FilesColumn {
  try {
    return {
      name,
      sourceType: duckdbType,
      duckdbType,
      type: fromDuckDBType(duckdbType, counter()),
      nullable: true,
    };
  } catch (e) {
    if (isNestedDuckType(duckdbType)) {
      return { name, sourceType: duckdbType, duckdbType, type: { kind: 'string' }, nullable: true };
    }
    return { name, sourceType: duckdbType, duckdbType, unsupported: (e as Error).message, nullable: true };
  }
}

function counter(): () => number {
  let n = 0;
  return () => ++n;
}

/**
 * Describes `path` (a local copy of `file`), naming the file by its source location in errors (an
 * S3 object rather than its cached copy).
 */
export async function describeSourceFile(
  conn: DuckDBConnection,
  file: SourceFile,
  path: string,
  opts: DescribeFileOptions,
  where: string,
): Promise<FileDescription> {
  try {
    return await describeFile(conn, path, opts);
  } catch (e) {
    throw renameFile(e, path, file.location, where);
  }
}

/** The error with `local` replaced by `location` in its message, prefixed by `where`. */
export function renameFile(e: unknown, local: string, location: string, where: string): unknown {
  if (!isLakeError(e)) return e;
  const message = `${where}: ${e.message.replaceAll(local, location)}`;
  Object.defineProperty(e, 'message', { value: message, writable: true, configurable: true });
  return e;
}

/** The stream `name` of `files` (see the module comment); `localPath` fetches remote files. */
export async function describeStream(
  conn: DuckDBConnection,
  name: string,
  files: readonly SourceFile[],
  opts: DescribeFileOptions,
  where: string,
  localPath: (file: SourceFile) => Promise<string>,
): Promise<FilesStream> {
  const nonEmpty = files.filter((f) => f.size > 0);
  if (nonEmpty.length === 0) {
    throw new NotFoundError('file', `${where}: no files (or only empty ones) to describe the stream from`, {
      context: { stream: name },
    });
  }
  const sample =
    nonEmpty.length <= 2 * SAMPLE_EACH_END
      ? nonEmpty
      : [...nonEmpty.slice(0, SAMPLE_EACH_END), ...nonEmpty.slice(-SAMPLE_EACH_END)];
  const types = new Map<string, string>();
  for (const file of sample) {
    const desc = await describeSourceFile(conn, file, await localPath(file), opts, where);
    for (const c of desc.columns) {
      const seen = types.get(c.name);
      types.set(c.name, seen === undefined ? c.duckdbType : widenType(seen, c.duckdbType));
    }
  }
  const columns = [...types].map(([col, duck]) => filesColumn(col, duck));
  return {
    name,
    columns,
    primaryKey: [],
    cursorCandidates: columns
      .filter(
        (c) => c.type?.kind === 'date' || c.type?.kind === 'timestamp' || c.type?.kind === 'timestamptz',
      )
      .map((c) => c.name),
  };
}
