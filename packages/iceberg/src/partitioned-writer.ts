/**
 * Writes partitioned data: each row's partition tuple is computed once in DuckDB (bucket through a
 * JS scalar function: DuckDB has no murmur3), the distinct tuples are numbered, and one COPY with
 * `PARTITION_BY (partition number)` writes a Parquet file per partition with field ids. Each file
 * then moves to `data/<field>=<value>/…` and carries its partition tuple into the manifest.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { DataError, quoteIdent, quoteLiteral } from '@lakekit/core';
import { parseParquetStat } from './conversions.js';
import type { Engine } from './duckdb-engine.js';
import type { DataFile } from './manifest-model.js';
import { stripSlash } from './metadata-files.js';
import {
  castList,
  describeParquet,
  explainWriteError,
  fieldIds,
  type WriteRequest,
} from './parquet-writer.js';
import type { ResolvedPartitionField } from './partition-descriptors.js';
import { applyTransform, parseTransform, transformToSql } from './partitioning/transforms.js';

const registered = new WeakSet<Engine>();
let counter = 0;

/** Registers `lakekit_bucket(n, kind, text)` on an engine once: the spec's bucket of a value printed as text. */
async function registerBucket(engine: Engine): Promise<void> {
  if (registered.has(engine)) return;
  const { DuckDBScalarFunction, INTEGER, VARCHAR } = (await import('@duckdb/node-api')).default;
  engine.conn.registerScalarFunction(
    DuckDBScalarFunction.create({
      name: 'lakekit_bucket',
      returnType: INTEGER,
      parameterTypes: [INTEGER, VARCHAR, VARCHAR],
      specialHandling: true,
      mainFunction: (info, input, output) => {
        const ns = input.getColumnVector(0);
        const types = input.getColumnVector(1);
        const texts = input.getColumnVector(2);
        for (let i = 0; i < input.rowCount; i++) {
          const text = texts.getItem(i) as string | null;
          if (text === null) {
            output.setItem(i, null);
            continue;
          }
          const type = JSON.parse(types.getItem(i) as string);
          const n = Number(ns.getItem(i));
          const value =
            type.kind === 'binary' || type.kind === 'fixed'
              ? Buffer.from(text, 'hex')
              : parseParquetStat(type, text);
          if (value === undefined) {
            info.setError(`cannot bucket value ${text} of type ${type.kind}`);
            return;
          }
          output.setItem(i, applyTransform({ kind: 'bucket', numBuckets: n }, type, value) as number);
        }
        output.flush();
      },
    }),
  );
  registered.add(engine);
}

/** The DuckDB expression of a partition field over the cast column. */
function partitionSql(f: ResolvedPartitionField, column: string): string {
  const t = parseTransform(f.transform);
  const sql = transformToSql(t, f.sourceType, column);
  if (sql !== undefined) return sql;
  // bucket: hashed in JS from the value's text (hex for binary), exactly as applyTransform hashes it.
  const text =
    f.sourceType.kind === 'binary' || f.sourceType.kind === 'fixed'
      ? `hex(${column})`
      : `CAST(${column} AS VARCHAR)`;
  const n = (t as { numBuckets: number }).numBuckets;
  return `lakekit_bucket(${n}, ${quoteLiteral(JSON.stringify(f.sourceType))}, ${text})`;
}

/** A partition value as written in a path (`day` as a date, others as printed). */
function pathValue(f: ResolvedPartitionField, value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (f.resultType.kind === 'date' && typeof value === 'number') {
    return new Date(value * 86_400_000).toISOString().slice(0, 10);
  }
  return encodeURIComponent(String(value));
}

/** Parses a partition value printed by DuckDB into the JS convention of its result type. */
function partitionValue(f: ResolvedPartitionField, text: unknown): unknown {
  if (text === null || text === undefined) return null;
  // year/month/hour are ints; day is a date whose SQL value is a day count.
  if (f.resultType.kind === 'int' || (f.resultType.kind === 'date' && /^-?\d+$/.test(String(text))))
    return Number(text);
  const v = parseParquetStat(f.resultType, String(text));
  if (v === undefined)
    throw new DataError(`partition ${f.name}: value ${String(text)} cannot be a partition value`);
  return v;
}

/** Writes one data file per partition of the rows (see module comment). */
export async function writePartitionedFiles(
  req: WriteRequest,
  spec: readonly ResolvedPartitionField[],
): Promise<DataFile[]> {
  const { engine } = req;
  if (spec.some((f) => f.transform.startsWith('bucket'))) await registerBucket(engine);
  const n = ++counter;
  const rows = `__lk_w${n}`;
  const parts = `__lk_wp${n}`;
  const pcols = spec.map((_f, i) => `__lk_p${i}`);
  const byId = new Map(req.schema.fields.map((f) => [f.id, f]));
  const exprs = spec.map((f, i) => {
    const source = byId.get(f.sourceId);
    if (!source)
      throw new DataError(
        `partition field ${f.name}: source column ${f.sourceId} is not in the table's schema`,
      );
    return `${partitionSql(f, `w.${quoteIdent(source.name)}`)} AS ${pcols[i]}`;
  });
  // Stage next to the table's data on local disk (so files move by rename), else in the temp dir.
  const staging = req.tableLocation.startsWith('file://')
    ? join(fileURLToPath(req.tableLocation), 'data', `.lk-staging-${randomUUID()}`)
    : join(tmpdir(), `lakekit-part-${randomUUID()}`);
  await mkdir(dirname(staging), { recursive: true });
  try {
    try {
      await engine.run(
        `CREATE TEMP TABLE ${rows} AS SELECT w.*, ${exprs.join(', ')} FROM (SELECT ${castList(req)} FROM (${req.selectSql}) AS src) AS w`,
      );
    } catch (e) {
      throw await explainWriteError(req, e as Error);
    }
    await engine.run(
      `CREATE TEMP TABLE ${parts} AS SELECT (row_number() OVER ()) - 1 AS __lk_pid, * FROM (SELECT DISTINCT ${pcols.join(', ')} FROM ${rows})`,
    );
    const tuples = await engine.all(
      `SELECT __lk_pid, ${pcols.map((c) => `CAST(${c} AS VARCHAR) AS ${c}`).join(', ')} FROM ${parts}`,
    );
    const columns = req.schema.fields.map((f) => `r.${quoteIdent(f.name)}`).join(', ');
    const join_ = pcols.map((c) => `r.${c} IS NOT DISTINCT FROM p.${c}`).join(' AND ');
    const written = await engine.all(
      `COPY (SELECT ${columns}, p.__lk_pid FROM ${rows} r JOIN ${parts} p ON ${join_}) TO ${quoteLiteral(staging)} (FORMAT parquet, COMPRESSION ${req.compression ?? 'snappy'}, PARTITION_BY (__lk_pid), FIELD_IDS ${fieldIds(req.schema)}, FILENAME_PATTERN '{uuid}', RETURN_FILES true)`,
    );
    const files = (written[0]?.['Files'] as string[] | undefined) ?? [];
    const tupleOf = new Map(tuples.map((t) => [String(t['__lk_pid']), t]));
    const out: DataFile[] = [];
    for (const local of files) {
      const pid = /__lk_pid=(\d+)/.exec(local)?.[1];
      const tuple = pid === undefined ? undefined : tupleOf.get(pid);
      if (!tuple) throw new DataError(`partitioned write produced an unexpected file ${local}`);
      const partition: Record<string, unknown> = {};
      spec.forEach((f, i) => {
        partition[f.name] = partitionValue(f, tuple[pcols[i]!]);
      });
      const file = await describeParquet(engine, local, req.schema);
      if (file.recordCount === 0) continue;
      const dir = spec
        .map((f) => `${encodeURIComponent(f.name)}=${pathValue(f, partition[f.name])}`)
        .join('/');
      const target = `${stripSlash(req.tableLocation)}/data/${dir}/00000-${out.length}-${randomUUID()}.parquet`;
      if (target.startsWith('file://')) {
        const path = fileURLToPath(target);
        await mkdir(dirname(path), { recursive: true });
        await rename(local, path);
      } else {
        await req.io.upload(local, target);
      }
      out.push({ ...file, filePath: target, partition });
    }
    return out;
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${rows}`).catch(() => undefined);
    await engine.run(`DROP TABLE IF EXISTS ${parts}`).catch(() => undefined);
    await rm(staging, { recursive: true, force: true });
  }
}
