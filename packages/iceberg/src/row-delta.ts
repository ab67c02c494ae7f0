/**
 * Row-level changes, merge-on-read: rows to delete are found with DuckDB over the current snapshot
 * (its delete files applied) and marked in **position delete files** — (file_path, pos) sorted, the
 * kind PyIceberg and Spark read — so changing 1% of a table does not rewrite it. A data file that
 * loses at least `copyOnWriteRatio` of its rows is rewritten without them instead (copy-on-write).
 * New rows are appended in the same snapshot. Conflicts: a concurrent commit that removed or
 * rewrote a file this change depends on, that added delete files against a file it rewrites, or that
 * added rows matching what this change replaces, fails the commit with a clear CommitConflictError.
 */
import { CommitConflictError, quoteIdent, quoteLiteral } from '@lakekit/core';
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from './apply-deletes.js';
import type { Engine } from './duckdb-engine.js';
import { type DataFile, EntryStatus, FileContent } from './manifest-model.js';
import { writeDataFile } from './parquet-writer.js';
import { resolvePartitionSpec } from './partition-descriptors.js';
import { ROW_FILE, ROW_POS, readSql } from './read-sql.js';
import { type LiveFile, planScan, readManifestEntries, readManifestList } from './scan.js';
import type { Schema } from './schema.js';
import { branchHead, type CommitOptions, commitSnapshot } from './snapshot-producer.js';
import type { Table } from './table.js';
import { type SnapshotJson, snapshotById, type TableMetadata } from './table-metadata.js';

/** A row-level change. */
export interface RowDelta extends CommitOptions {
  /** SQL predicate over the table's columns selecting the rows to remove (e.g. `region = 'west'`). */
  where?: string;
  /** Remove rows whose key columns equal those of a row of `rowsSql` (a merge / upsert by key), or of `keysSql`. */
  keyColumns?: readonly string[];
  /** A SELECT of key values (columns named as `keyColumns`) whose rows are deleted, when nothing is appended. */
  keysSql?: string;
  /** A SELECT of new rows (columns named after table columns) appended in the same snapshot. */
  rowsSql?: string;
  /** Columns `rowsSql` provides (default: all table columns). */
  rowsColumns?: readonly string[];
  /** Rewrite a data file instead of writing position deletes when this share of its rows goes (default 0.5). */
  copyOnWriteRatio?: number;
}

/** What a row-level change did. */
export interface RowDeltaResult {
  snapshot: SnapshotJson | undefined;
  deletedRows: number;
  addedRows: number;
  positionDeleteFiles: number;
  rewrittenFiles: number;
}

const POSITION_SCHEMA: Schema = {
  schemaId: 0,
  fields: [
    { id: POSITION_DELETE_FILE_PATH_ID, name: 'file_path', required: true, type: { kind: 'string' } },
    { id: POSITION_DELETE_POS_ID, name: 'pos', required: true, type: { kind: 'long' } },
  ],
};

let tempCounter = 0;

/** The predicate selecting replaced rows, over a relation aliased `t`. */
function matchSql(delta: RowDelta, keysTable: string | undefined, alias = 't'): string {
  const parts: string[] = [];
  if (delta.where) parts.push(`(${delta.where})`);
  if (delta.keyColumns && keysTable) {
    const cols = delta.keyColumns.map((c) => `${alias}.${quoteIdent(c)}`).join(', ');
    const keyCols = delta.keyColumns.map((c) => quoteIdent(c)).join(', ');
    parts.push(`(${cols}) IN (SELECT ${keyCols} FROM ${keysTable})`);
  }
  return parts.length > 0 ? parts.join(' OR ') : 'false';
}

/** Applies a row-level change as one snapshot (see module comment). */
export async function applyRowDelta(table: Table, engine: Engine, delta: RowDelta): Promise<RowDeltaResult> {
  const timing = process.env['LAKEKIT_TIMING']
    ? (phase: string) =>
        process.stderr.write(`timing: row-delta ${phase} ${performance.now().toFixed(0)} ms\n`)
    : () => undefined;
  timing('start');
  const branch = delta.branch ?? 'main';
  const schema = table.schema();
  const n = ++tempCounter;
  const hits = `__lk_hits_${n}`;
  const rows = delta.rowsSql ? `__lk_rows_${n}` : undefined;
  // The key values to match: the new rows' keys (merge), or a separate set (delete by keys).
  const keys = rows ?? (delta.keysSql ? `__lk_keys_${n}` : undefined);
  // A change that creates its branch starts from main's head.
  const headOf = (md: TableMetadata) =>
    delta.createBranch && md.refs[branch] === undefined ? 'main' : branch;
  const from = branchHead(table.metadata, headOf(table.metadata));
  const plan = await planScan(table.io, from);
  const cleanup: string[] = [];
  try {
    if (rows) await engine.run(`CREATE TEMP TABLE ${rows} AS ${delta.rowsSql}`);
    else if (keys) await engine.run(`CREATE TEMP TABLE ${keys} AS ${delta.keysSql}`);
    cleanup.push(`DROP TABLE IF EXISTS ${keys}`);
    timing('rows table');
    // A merge by key reads only the key columns to find the rows it replaces.
    const keyFields = delta.keyColumns?.map((k) => schema.fields.find((f) => f.name === k));
    const findSchema =
      !delta.where && keyFields && keyFields.every((f) => f !== undefined)
        ? { ...schema, fields: keyFields as Schema['fields'] }
        : schema;
    const source = await readSql(engine, table.io, findSchema, plan, {
      withPositions: true,
      // Keys are matched before the delete files are applied (far fewer rows to anti-join).
      ...(!delta.where && keys ? { dataFilter: matchSql(delta, keys, 'd') } : {}),
    });
    timing('read sql');
    await engine.run(
      `CREATE TEMP TABLE ${hits} AS SELECT t.${ROW_FILE} AS file_path, t.${ROW_POS} AS pos FROM (${source}) t WHERE ${matchSql(delta, keys)}`,
    );
    cleanup.push(`DROP TABLE IF EXISTS ${hits}`);
    timing('hits');
    const counts = await engine.all(`SELECT file_path, count(*) AS n FROM ${hits} GROUP BY 1`);
    const byFile = new Map(plan.data.map((f) => [f.dataFile.filePath, f]));
    const ratio = delta.copyOnWriteRatio ?? 0.5;
    const rewrite: LiveFile[] = [];
    const markOnly: string[] = [];
    let deletedRows = 0;
    for (const c of counts) {
      const file = byFile.get(String(c['file_path']))!;
      const hit = Number(c['n']);
      deletedRows += hit;
      if (hit >= ratio * file.dataFile.recordCount) rewrite.push(file);
      else markOnly.push(file.dataFile.filePath);
    }

    const added: DataFile[] = [];
    const removed: DataFile[] = [];
    try {
      // Copy-on-write: files that lose most of their rows are rewritten without them.
      for (const file of rewrite) {
        const fileScan = { data: [file], deletes: plan.deletes };
        const kept = await readSql(engine, table.io, schema, fileScan, { withPositions: true });
        const written = await writeDataFile({
          engine,
          io: table.io,
          selectSql: `SELECT * EXCLUDE (${ROW_FILE}, ${ROW_POS}) FROM (${kept}) t WHERE (t.${ROW_POS}) NOT IN (SELECT pos FROM ${hits} WHERE file_path = ${quoteLiteral(file.dataFile.filePath)})`,
          sourceColumns: schema.fields.map((f) => f.name),
          schema,
          tableLocation: table.metadata.location,
          tableName: table.name,
          partitionSpec: resolvePartitionSpec(table.metadata),
        });
        added.push(...written);
        removed.push(file.dataFile);
      }
      // Merge-on-read: a position delete file per partition of the rest, sorted by file and position
      // (a delete file applies only to data files of its own partition).
      const groups = new Map<string, LiveFile[]>();
      for (const path of markOnly) {
        const f = byFile.get(path)!;
        const key = JSON.stringify([f.manifest.partitionSpecId, f.dataFile.partition], (_k, v) =>
          typeof v === 'bigint' ? v.toString() : v,
        );
        groups.set(key, [...(groups.get(key) ?? []), f]);
      }
      for (const group of groups.values()) {
        const paths = group.map((f) => f.dataFile.filePath);
        const files = await writeDataFile({
          engine,
          io: table.io,
          selectSql: `SELECT file_path, pos FROM ${hits} WHERE file_path IN (${paths.map(quoteLiteral).join(', ')}) ORDER BY file_path, pos`,
          sourceColumns: ['file_path', 'pos'],
          schema: POSITION_SCHEMA,
          tableLocation: table.metadata.location,
          tableName: table.name,
        });
        for (const f of files) {
          added.push({
            ...f,
            content: FileContent.POSITION_DELETES,
            partition: group[0]!.dataFile.partition,
            specId: group[0]!.manifest.partitionSpecId,
            ...(paths.length === 1 ? { referencedDataFile: paths[0]! } : {}),
          });
        }
      }
      timing('deletes written');
      if (rows) {
        added.push(
          ...(await writeDataFile({
            engine,
            io: table.io,
            selectSql: `SELECT * FROM ${rows}`,
            sourceColumns: delta.rowsColumns ?? schema.fields.map((f) => f.name),
            schema,
            tableLocation: table.metadata.location,
            tableName: table.name,
            partitionSpec: resolvePartitionSpec(table.metadata),
          })),
        );
      }
    } catch (e) {
      await Promise.all(added.map((f) => table.io.delete(f.filePath).catch(() => undefined)));
      throw e;
    }
    const addedRows =
      added.filter((f) => f.content === FileContent.DATA).reduce((a, f) => a + f.recordCount, 0) - 0;
    if (added.length === 0 && removed.length === 0) {
      return { snapshot: undefined, deletedRows: 0, addedRows: 0, positionDeleteFiles: 0, rewrittenFiles: 0 };
    }
    timing('rows written');
    const referenced = new Set([...markOnly, ...rewrite.map((f) => f.dataFile.filePath)]);
    let snapshot: SnapshotJson;
    try {
      snapshot = await commitSnapshot(table, {
        ...delta,
        operation: rows ? 'overwrite' : 'delete',
        added,
        removed,
        validate: (base, start) =>
          validateRowDelta(
            table,
            engine,
            base,
            headOf(base),
            start,
            delta,
            keys,
            referenced,
            rewrite.length > 0,
          ),
      });
    } catch (e) {
      await Promise.all(added.map((f) => table.io.delete(f.filePath).catch(() => undefined)));
      throw e;
    }
    timing('committed');
    return {
      snapshot,
      deletedRows,
      addedRows: rows ? addedRows : 0,
      positionDeleteFiles: added.filter((f) => f.content === FileContent.POSITION_DELETES).length,
      rewrittenFiles: rewrite.length,
    };
  } finally {
    for (const sql of cleanup.reverse()) await engine.run(sql).catch(() => undefined);
  }
}

/** Snapshots committed to the branch after `from` (newest first). */
function snapshotsSince(base: TableMetadata, branch: string, from: SnapshotJson | undefined): SnapshotJson[] {
  const out: SnapshotJson[] = [];
  let s = branchHead(base, branch);
  while (s && s['snapshot-id'] !== from?.['snapshot-id']) {
    out.push(s);
    s = s['parent-snapshot-id'] === undefined ? undefined : snapshotById(base, s['parent-snapshot-id']);
  }
  return out;
}

async function validateRowDelta(
  table: Table,
  engine: Engine,
  base: TableMetadata,
  branch: string,
  from: SnapshotJson | undefined,
  delta: RowDelta,
  rowsTable: string | undefined,
  referenced: Set<string>,
  rewrites: boolean,
): Promise<void> {
  const since = snapshotsSince(base, branch, from);
  const addedData: LiveFile[] = [];
  for (const s of since) {
    for (const m of await readManifestList(table.io, s)) {
      if (m.addedSnapshotId !== s['snapshot-id']) continue;
      for (const e of await readManifestEntries(table.io, m)) {
        if (e.snapshotId !== s['snapshot-id']) continue;
        if (e.status === EntryStatus.DELETED && referenced.has(e.dataFile.filePath)) {
          throw new CommitConflictError(
            `table ${table.name}: a concurrent commit (snapshot ${s['snapshot-id']}) removed ${e.dataFile.filePath}, which this change depends on; nothing was changed — run it again`,
            { context: { table: table.name, file: e.dataFile.filePath } },
          );
        }
        if (e.status !== EntryStatus.ADDED) continue;
        if (e.dataFile.content !== FileContent.DATA && rewrites) {
          throw new CommitConflictError(
            `table ${table.name}: a concurrent commit (snapshot ${s['snapshot-id']}) deleted rows in files this change rewrites; nothing was changed — run it again`,
            { context: { table: table.name } },
          );
        }
        if (e.dataFile.content === FileContent.DATA) {
          addedData.push({
            dataFile: e.dataFile,
            snapshotId: s['snapshot-id'],
            sequenceNumber: 0n,
            fileSequenceNumber: 0n,
            manifest: m,
          });
        }
      }
    }
  }
  if (addedData.length === 0) return;
  const source = await readSql(engine, table.io, table.schema(), addedData);
  const clash = await engine.all(
    `SELECT count(*) AS n FROM (${source}) t WHERE ${matchSql(delta, rowsTable)}`,
  );
  if (Number(clash[0]!['n']) > 0) {
    throw new CommitConflictError(
      `table ${table.name}: a concurrent commit added ${clash[0]!['n']} row(s) matching what this change replaces (${delta.keyColumns ? `keys ${delta.keyColumns.join(', ')}` : delta.where}); nothing was changed — run it again`,
      { context: { table: table.name } },
    );
  }
}
