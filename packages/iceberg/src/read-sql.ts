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
import type { Engine } from './duckdb-engine.js';
import type { LiveFile } from './scan.js';
import type { Schema } from './schema.js';

/** Field-id checks already done in this process (data files are immutable). */
const verified = new Set<string>();

/**
 * Fails when a data file carries no Iceberg field ids: DuckDB would read its columns as NULL without
 * a word. (Files added from elsewhere need the table's name mapping, applied from Foundation II on.)
 */
async function requireFieldIds(
  engine: Engine,
  paths: readonly string[],
  locations: readonly string[],
): Promise<void> {
  const todo = paths.map((p, i) => [p, locations[i]!] as const).filter(([p]) => !verified.has(p));
  if (todo.length === 0) return;
  const rows = await engine.all(
    `SELECT file_name, count(field_id) AS ids FROM parquet_schema([${todo.map(([p]) => quoteLiteral(p)).join(', ')}]) WHERE num_children IS NULL OR num_children = 0 GROUP BY file_name`,
  );
  const withIds = new Set(rows.filter((r) => Number(r['ids']) > 0).map((r) => String(r['file_name'])));
  for (const [p, location] of todo) {
    if (!withIds.has(p)) {
      throw new UnsupportedError(
        `data file ${location} has no Iceberg field ids; reading it needs the table's name mapping, which this Lakekit version does not apply yet (refusing to return its columns as NULL)`,
        { context: { file: location } },
      );
    }
    verified.add(p);
  }
}

/** The SELECT that returns the rows of these files under `schema`. */
export async function readSql(
  engine: Engine,
  io: FileIO,
  schema: Schema,
  files: readonly LiveFile[],
): Promise<string> {
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
  await requireFieldIds(
    engine,
    paths,
    files.map((f) => f.dataFile.filePath),
  );
  const map = schema.fields
    .map((f) => {
      if (!isPrimitive(f.type))
        throw new UnsupportedError(`column ${f.name}: nested types are read from Foundation II on`);
      return `${f.id}: {name: ${quoteLiteral(f.name)}, type: ${quoteLiteral(toDuckDBType(f.type))}, default_value: NULL}`;
    })
    .join(', ');
  return `SELECT ${columns} FROM read_parquet([${paths.map(quoteLiteral).join(', ')}], schema = MAP {${map}})`;
}
