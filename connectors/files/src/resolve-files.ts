/** Paths and globs to the absolute, existing, non-empty files they name (globs sorted, no duplicates). */
import { stat } from 'node:fs/promises';
import { resolve } from 'node:path';
import type { DuckDBConnection } from '@duckdb/node-api';
import { DataError, NotFoundError, quoteLiteral } from '@lakekit/core';
import { query } from './query.js';

const GLOB = /[*?[]/;

/** Expands globs (DuckDB's `glob()`, `**` included) and checks every file exists and is not empty. */
export async function resolveFiles(
  conn: DuckDBConnection,
  paths: string | readonly string[],
): Promise<string[]> {
  const list = typeof paths === 'string' ? [paths] : paths;
  if (list.length === 0) throw new DataError('no input files given');
  const files = new Set<string>();
  for (const p of list) {
    const abs = resolve(p);
    if (!GLOB.test(p)) {
      files.add(abs);
      continue;
    }
    const rows = await query(conn, `SELECT file FROM glob(${quoteLiteral(abs)}) ORDER BY file`);
    if (rows.length === 0) {
      throw new NotFoundError('file', `no files match ${p}`, { context: { file: p } });
    }
    for (const r of rows) files.add(String(r['file']));
  }
  const resolved = [...files];
  for (const file of resolved) {
    const info = await stat(file).catch(() => undefined);
    if (!info) throw new NotFoundError('file', `file not found: ${file}`, { context: { file } });
    if (info.isDirectory()) {
      throw new DataError(`${file} is a directory; name its files or use a glob such as ${file}/*.csv`, {
        context: { file },
      });
    }
    if (info.size === 0) throw new DataError(`${file} is empty`, { context: { file } });
  }
  return resolved;
}
