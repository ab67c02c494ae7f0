/**
 * Writes table data to Parquet with DuckDB: every column cast to its exact Iceberg type and tagged
 * with its field id, then per-column statistics read back from the file's footer and converted to
 * the spec's binary bounds. Remote warehouses get the file written locally and uploaded.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  DataError,
  type FileIO,
  type IcebergType,
  isPrimitive,
  type PrimitiveType,
  quoteIdent,
  quoteLiteral,
  toDuckDBType,
} from '@lakekit/core';
import { parseParquetStat, toBinary, truncateLowerBound, truncateUpperBound } from './conversions.js';
import type { Engine } from './duckdb-engine.js';
import { type DataFile, FileContent } from './manifest-model.js';
import { stripSlash } from './metadata-files.js';
import type { ResolvedPartitionField } from './partition-descriptors.js';
import { writePartitionedFiles } from './partitioned-writer.js';
import type { Schema } from './schema.js';

/** What to write: a SELECT whose columns are named after the table's columns. */
export interface WriteRequest {
  engine: Engine;
  io: FileIO;
  /** A SELECT text; its column names match table column names. Missing columns are written as NULL. */
  selectSql: string;
  /** Columns the SELECT provides (table names). */
  sourceColumns: readonly string[];
  schema: Schema;
  /** The table's location (URI). */
  tableLocation: string;
  /** Names the table in error messages. */
  tableName: string;
  /** Parquet compression codec (default snappy, DuckDB's fastest). */
  compression?: 'snappy' | 'zstd' | 'gzip' | 'uncompressed';
  /** The partition spec to write with (one file per partition); absent or empty: unpartitioned. */
  partitionSpec?: readonly ResolvedPartitionField[];
}

/** The SELECT list casting each table column of `src` to its exact type (NULL where not provided). */
export function castList(req: WriteRequest): string {
  const provided = new Set(req.sourceColumns);
  return req.schema.fields
    .map((f) => {
      const source = provided.has(f.name) ? `src.${quoteIdent(f.name)}` : 'NULL';
      return `CAST(${source} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`;
    })
    .join(', ');
}

/** DuckDB's FIELD_IDS for a column: its id, or `{__duckdb_field_id: id, child: …}` for nested types. */
function fieldIdOf(id: number, type: IcebergType): string {
  if (isPrimitive(type)) return String(id);
  const children =
    type.kind === 'struct'
      ? type.fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdOf(f.id, f.type)}`)
      : type.kind === 'list'
        ? [`element: ${fieldIdOf(type.elementId, type.element)}`]
        : [`key: ${fieldIdOf(type.keyId, type.key)}`, `value: ${fieldIdOf(type.valueId, type.value)}`];
  return `{__duckdb_field_id: ${id}, ${children.join(', ')}}`;
}

/** The FIELD_IDS option of a COPY: every column's Iceberg field id. */
export function fieldIds(schema: Schema): string {
  return `{${schema.fields.map((f) => `${quoteIdent(f.name)}: ${fieldIdOf(f.id, f.type)}`).join(', ')}}`;
}

/** Writes one Parquet data file (none when the SELECT returns no rows) and returns its DataFile. */
export async function writeDataFile(req: WriteRequest): Promise<DataFile[]> {
  if (req.partitionSpec && req.partitionSpec.length > 0) return writePartitionedFiles(req, req.partitionSpec);
  const name = `00000-0-${randomUUID()}.parquet`;
  const target = `${stripSlash(req.tableLocation)}/data/${name}`;
  const local = target.startsWith('file://') ? fileURLToPath(target) : join(tmpdir(), `lakekit-${name}`);
  await mkdir(join(local, '..'), { recursive: true });
  const sql = `COPY (SELECT ${castList(req)} FROM (${req.selectSql}) AS src) TO ${quoteLiteral(local)} (FORMAT parquet, COMPRESSION ${req.compression ?? 'snappy'}, FIELD_IDS ${fieldIds(req.schema)})`;
  try {
    try {
      await req.engine.run(sql);
    } catch (e) {
      throw await explainWriteError(req, e as Error);
    }
    const file = await describeParquet(req.engine, local, req.schema);
    if (file.recordCount === 0) {
      await rm(local, { force: true });
      return [];
    }
    if (!target.startsWith('file://')) await req.io.upload(local, target);
    return [{ ...file, filePath: target }];
  } catch (e) {
    await rm(local, { force: true });
    throw e;
  } finally {
    if (!target.startsWith('file://')) await rm(local, { force: true });
  }
}

/**
 * A failed cast names no column in DuckDB's message; find the column (and one offending value)
 * with TRY_CAST so the error names table, column and value.
 */
export async function explainWriteError(req: WriteRequest, e: Error): Promise<Error> {
  // Reader errors (a broken CSV line) already name file and line: the caller translates those.
  if (/CSV|JSON|Line: ?\d/i.test(e.message)) return e;
  if (!/Conversion Error|Could not convert|out of range|Invalid Input/i.test(e.message)) return e;
  const provided = new Set(req.sourceColumns);
  for (const f of req.schema.fields) {
    if (!provided.has(f.name)) continue;
    const col = `src.${quoteIdent(f.name)}`;
    const type = toDuckDBType(f.type);
    try {
      const rows = await req.engine.all(
        `SELECT CAST(${col} AS VARCHAR) AS v FROM (${req.selectSql}) AS src WHERE ${col} IS NOT NULL AND TRY_CAST(${col} AS ${type}) IS NULL LIMIT 1`,
      );
      if (rows.length > 0) {
        const value = String(rows[0]!['v']);
        return new DataError(
          `table ${req.tableName}, column ${f.name}: value '${value}' does not fit type ${type} (${e.message.split('\n')[0]})`,
          { context: { table: req.tableName, column: f.name, value }, cause: e },
        );
      }
    } catch {
      // the diagnostic query itself failed; fall through to the original error
    }
  }
  return new DataError(`table ${req.tableName}: ${e.message.split('\n')[0]}`, {
    context: { table: req.tableName },
    cause: e,
  });
}

interface ColumnChunkStats {
  min?: string | null;
  max?: string | null;
  nulls: number;
  values: number;
  size: number;
}

/** Reads a Parquet file's footer and builds the DataFile (without its final path). */
export async function describeParquet(engine: Engine, localPath: string, schema: Schema): Promise<DataFile> {
  const rows = await engine.all(
    `SELECT path_in_schema AS col, row_group_id AS rg, row_group_num_rows AS n, stats_min_value AS mn, stats_max_value AS mx, stats_null_count AS nulls, num_values AS vals, total_compressed_size AS size FROM parquet_metadata(${quoteLiteral(localPath)})`,
  );
  const byColumn = new Map<string, ColumnChunkStats[]>();
  const rowGroups = new Map<number, number>();
  for (const r of rows) {
    rowGroups.set(Number(r['rg']), Number(r['n']));
    const list = byColumn.get(String(r['col'])) ?? [];
    list.push({
      min: r['mn'] as string | null,
      max: r['mx'] as string | null,
      nulls: Number(r['nulls'] ?? Number.NaN),
      values: Number(r['vals']),
      size: Number(r['size']),
    });
    byColumn.set(String(r['col']), list);
  }
  const recordCount = [...rowGroups.values()].reduce((a, b) => a + b, 0);
  const dataFile: DataFile = {
    content: FileContent.DATA,
    filePath: '',
    fileFormat: 'PARQUET',
    partition: {},
    recordCount,
    fileSizeInBytes: (await stat(localPath)).size,
    columnSizes: new Map(),
    valueCounts: new Map(),
    nullValueCounts: new Map(),
    lowerBounds: new Map(),
    upperBounds: new Map(),
  };
  for (const f of schema.fields) {
    const chunks = byColumn.get(f.name);
    if (!chunks || !isPrimitive(f.type)) continue;
    dataFile.columnSizes!.set(
      f.id,
      chunks.reduce((a, c) => a + c.size, 0),
    );
    dataFile.valueCounts!.set(
      f.id,
      chunks.reduce((a, c) => a + c.values, 0),
    );
    const nulls = chunks.reduce((a, c) => a + c.nulls, 0);
    if (Number.isFinite(nulls)) dataFile.nullValueCounts!.set(f.id, nulls);
    const bounds = columnBounds(f.type, chunks);
    if (bounds) {
      dataFile.lowerBounds!.set(f.id, bounds.lower);
      dataFile.upperBounds!.set(f.id, bounds.upper);
    }
  }
  return dataFile;
}

function compare(a: unknown, b: unknown): number {
  if (typeof a === 'string' && typeof b === 'string') return Buffer.compare(Buffer.from(a), Buffer.from(b));
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a as bigint);
    const y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}

function decimalCompare(a: string, b: string): number {
  const x = BigInt(a.replace('.', ''));
  const y = BigInt(b.replace('.', ''));
  return x < y ? -1 : x > y ? 1 : 0;
}

/** Lower and upper bounds over all row groups, or undefined when any row group lacks them. */
function columnBounds(
  type: PrimitiveType,
  chunks: ColumnChunkStats[],
): { lower: Uint8Array; upper: Uint8Array } | undefined {
  // Binary min/max are printed with escapes and float stats may hide NaN: leave those without bounds.
  if (type.kind === 'binary' || type.kind === 'fixed' || type.kind === 'float' || type.kind === 'double') {
    return undefined;
  }
  const cmp =
    type.kind === 'decimal' ? (a: unknown, b: unknown) => decimalCompare(String(a), String(b)) : compare;
  let lo: unknown;
  let hi: unknown;
  for (const c of chunks) {
    if (c.nulls === c.values) continue; // all-null chunk: no stats, and none needed
    if (c.min === null || c.min === undefined || c.max === null || c.max === undefined) return undefined;
    const mn = parseParquetStat(type, c.min);
    const mx = parseParquetStat(type, c.max);
    if (mn === undefined || mx === undefined) return undefined;
    if (lo === undefined || cmp(mn, lo) < 0) lo = mn;
    if (hi === undefined || cmp(mx, hi) > 0) hi = mx;
  }
  if (lo === undefined || hi === undefined) return undefined;
  if (type.kind === 'string') {
    lo = truncateLowerBound(type, lo);
    hi = truncateUpperBound(type, hi);
    if (lo === undefined || hi === undefined) return undefined;
  }
  return { lower: toBinary(type, lo), upper: toBinary(type, hi) };
}
