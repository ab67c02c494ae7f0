/**
 * The DuckDB SELECT that reads a snapshot: Parquet files read **by field id** through
 * `read_parquet(…, schema = MAP {id: {name, type, default_value}})`, so renamed columns keep reading
 * and dropped or added columns come back as they should. Remote files are fetched through FileIO.
 */
import {
  type FileIO,
  isPrimitive,
  quoteIdent,
  quoteLiteral,
  toDuckDBType,
  UnsupportedError,
} from '@lakekit/core';
import type { LiveFile } from './scan.js';
import type { Schema } from './schema.js';

/** The SELECT that returns the rows of these files under `schema`. */
export async function readSql(io: FileIO, schema: Schema, files: readonly LiveFile[]): Promise<string> {
  const columns = schema.fields.map((f) => quoteIdent(f.name)).join(', ');
  if (files.length === 0) {
    const nulls = schema.fields.map((f) => `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`);
    return `SELECT ${nulls.join(', ')} WHERE false`;
  }
  for (const f of files) {
    if (f.dataFile.fileFormat !== 'PARQUET') {
      throw new UnsupportedError(
        `data file ${f.dataFile.filePath} is ${f.dataFile.fileFormat}; only Parquet is read`,
        {
          context: { file: f.dataFile.filePath },
        },
      );
    }
  }
  const paths = await Promise.all(files.map((f) => io.localPath(f.dataFile.filePath)));
  const map = schema.fields
    .map((f) => {
      if (!isPrimitive(f.type))
        throw new UnsupportedError(`column ${f.name}: nested types are read from Foundation II on`);
      return `${f.id}: {name: ${quoteLiteral(f.name)}, type: ${quoteLiteral(toDuckDBType(f.type))}, default_value: NULL}`;
    })
    .join(', ');
  return `SELECT ${columns} FROM read_parquet([${paths.map(quoteLiteral).join(', ')}], schema = MAP {${map}})`;
}
