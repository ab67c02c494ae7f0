/**
 * The DuckDB SELECT that reads a snapshot: Parquet files read **by field id** through
 * `read_parquet(…, schema = MAP {id: {name, type, default_value}})`, so renamed columns keep reading
 * and dropped or added columns come back as they should; nested fields are matched by id too, files
 * grouped by their nested field names (read-groups.ts). Remote files are fetched through FileIO.
 */
import { type FileIO, quoteIdent, toDuckDBType, UnsupportedError } from '@lakekit/core';
import { deleteAwareSql } from './apply-deletes.js';
import type { Engine } from './duckdb-engine.js';
import { type ParquetNode, parquetTrees } from './parquet-trees.js';
import { readGroups, readGroupsFrom } from './read-groups.js';
import type { LiveFile, ScanPlan } from './scan.js';
import type { Schema } from './schema.js';

/** Whether any leaf of a Parquet schema tree carries a field id. */
function hasFieldIds(node: ParquetNode): boolean {
  return node.children.length === 0 ? node.fieldId !== undefined : node.children.some(hasFieldIds);
}

/**
 * Fails when a data file carries no Iceberg field ids: DuckDB would read its columns as NULL without
 * a word. (Files added from elsewhere need the table's name mapping, not applied yet.) Uses the same
 * cached schema trees the grouping of reads does, so each file's footer is read once per process.
 */
async function requireFieldIds(
  engine: Engine,
  paths: readonly string[],
  locations: readonly string[],
): Promise<void> {
  const trees = await parquetTrees(engine, paths);
  paths.forEach((p, i) => {
    const root = trees.get(p);
    if (!root?.children.some(hasFieldIds)) {
      throw new UnsupportedError(
        `data file ${locations[i]} has no Iceberg field ids; reading it needs the table's name mapping, which this Lakekit version does not apply yet (refusing to return its columns as NULL)`,
        { context: { file: locations[i] } },
      );
    }
  });
}

export { parquetSchemaMap } from './read-groups.js';

/** Options of a read. */
export interface ReadOptions {
  /**
   * A predicate over the data rows (columns qualified by `d.`), applied before delete files: a
   * selective filter (a merge's keys) then shrinks the rows the deletes are anti-joined with.
   */
  dataFilter?: string;
  /** Also return each row's data file URI and position in it (columns ROW_FILE and ROW_POS). */
  withPositions?: boolean;
}

/** Column names of a row's data file and position when read `withPositions`. */
export const ROW_FILE = '__lk_file';
export const ROW_POS = '__lk_pos';

/** Local paths of Parquet files, checked to carry field ids. */
async function localParquet(engine: Engine, io: FileIO, files: readonly LiveFile[]): Promise<string[]> {
  for (const f of files) {
    if (f.dataFile.fileFormat !== 'PARQUET') {
      throw new UnsupportedError(
        `file ${f.dataFile.filePath} is ${f.dataFile.fileFormat}; only Parquet is read`,
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
  return paths;
}

/**
 * The SELECT that returns the rows of a scan under `schema`: its data files read by field id, minus
 * the rows its delete files remove (see apply-deletes.ts).
 */
export async function readSql(
  engine: Engine,
  io: FileIO,
  schema: Schema,
  scan: readonly LiveFile[] | ScanPlan,
  options: ReadOptions = {},
): Promise<string> {
  const plan: ScanPlan = Array.isArray(scan) ? { data: scan as LiveFile[], deletes: [] } : (scan as ScanPlan);
  const files = plan.data;
  const columns = schema.fields.map((f) => quoteIdent(f.name)).join(', ');
  if (files.length === 0) {
    const nulls = schema.fields.map((f) => `CAST(NULL AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`);
    if (options.withPositions)
      nulls.push(`CAST(NULL AS VARCHAR) AS ${ROW_FILE}`, `CAST(NULL AS BIGINT) AS ${ROW_POS}`);
    return `SELECT ${nulls.join(', ')} WHERE false`;
  }
  const paths = await localParquet(engine, io, files);
  const groups = await readGroups(
    engine,
    paths,
    files.map((f) => f.dataFile.filePath),
    schema,
  );
  if (plan.deletes.length === 0 && !options.withPositions) {
    return `SELECT ${columns} FROM ${readGroupsFrom(groups)}`;
  }
  const deletePaths = await localParquet(engine, io, plan.deletes);
  return deleteAwareSql({
    schema,
    columns: options.withPositions
      ? `${columns}, __lk_uri AS ${ROW_FILE}, file_row_number AS ${ROW_POS}`
      : columns,
    groups,
    data: files,
    dataPaths: paths,
    deletes: plan.deletes,
    deletePaths,
    ...(options.dataFilter ? { dataFilter: options.dataFilter } : {}),
  });
}
