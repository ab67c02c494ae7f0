/**
 * Data compaction (Java's `RewriteDataFiles`, bin-pack strategy): many small files, and files that
 * delete files have thinned out, make every read slower. Per partition, small files (below 75% of
 * the target size) and files whose deletes remove at least `deleteRatio` of their rows are packed
 * into bins of about the target size; each bin is read with its deletes applied and written as one
 * new file. One `replace` snapshot removes the inputs, adds the outputs and drops the delete files
 * that no longer apply to any live data file. The outputs get the new snapshot's sequence number,
 * which is right because the deletes were applied; so a concurrent commit that removed an input or
 * added deletes touching one fails the compaction (its rows would come back), while a concurrent
 * append is simply rebased onto.
 */
import { CommitConflictError, type FileIO, quoteLiteral, UsageError } from '@lakekit/core';
import { POSITION_DELETE_FILE_PATH_ID, POSITION_DELETE_POS_ID } from '../apply-deletes.js';
import type { Engine } from '../duckdb-engine.js';
import { type DataFile, EntryStatus, FileContent } from '../manifest-model.js';
import { writeDataFile } from '../parquet-writer.js';
import { ROW_FILE, readSql } from '../read-sql.js';
import { type LiveFile, planScan, readManifestEntries, readManifestList } from '../scan.js';
import { branchHead, commitSnapshot } from '../snapshot-producer.js';
import type { Table } from '../table.js';
import { type SnapshotJson, snapshotById, type TableMetadata } from '../table-metadata.js';

/** Default target size of a compacted file: 128 MiB. */
export const DEFAULT_TARGET_FILE_SIZE_BYTES = 128 * 1024 * 1024;

/** Options of `compactFiles`. */
export interface CompactFilesOptions {
  /** Size to pack files up to (default: table property `write.target-file-size-bytes`, else 128 MiB). */
  targetFileSizeBytes?: number;
  /** Small files a bin needs before it is worth rewriting (default 5, as Java's `min-input-files`). */
  minInputFiles?: number;
  /** Rewrite a file once its deletes remove at least this share of its rows (default 0.2). */
  deleteRatio?: number;
  /** Extra snapshot summary properties. */
  summary?: Record<string, string>;
}

/** What `compactFiles` did. */
export interface CompactFilesResult {
  /** The `replace` snapshot; undefined when nothing was worth rewriting. */
  snapshot: SnapshotJson | undefined;
  /** Bins rewritten (one output file each, none when every row was deleted). */
  groups: number;
  rewrittenDataFiles: number;
  addedDataFiles: number;
  removedDeleteFiles: number;
  rewrittenBytes: number;
  addedBytes: number;
  /** Rows in the new files. */
  rows: number;
}

/** Spec and partition tuple of a file, as text. */
function partitionKey(f: LiveFile): string {
  return JSON.stringify([f.manifest?.partitionSpecId ?? 0, f.dataFile.partition], (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}

/** Data file paths each position delete file names (from `referenced_data_file`, else read). */
type PositionPaths = Map<string, Set<string>>;

async function readPositionPaths(
  engine: Engine,
  io: FileIO,
  deletes: readonly LiveFile[],
  into: PositionPaths,
): Promise<void> {
  const todo: LiveFile[] = [];
  for (const d of deletes) {
    if (d.dataFile.content !== FileContent.POSITION_DELETES || into.has(d.dataFile.filePath)) continue;
    if (d.dataFile.referencedDataFile !== undefined)
      into.set(d.dataFile.filePath, new Set([d.dataFile.referencedDataFile]));
    else todo.push(d);
  }
  if (todo.length === 0) return;
  const locals = await Promise.all(todo.map((d) => io.localPath(d.dataFile.filePath)));
  const byLocal = new Map(locals.map((l, i) => [l, todo[i]!.dataFile.filePath]));
  for (const d of todo) into.set(d.dataFile.filePath, new Set());
  const rows = await engine.all(
    `SELECT DISTINCT __lk_path AS p, file_path AS f FROM read_parquet([${locals.map(quoteLiteral).join(', ')}], filename = '__lk_path', schema = MAP {${POSITION_DELETE_FILE_PATH_ID}: {name: 'file_path', type: 'VARCHAR', default_value: NULL}, ${POSITION_DELETE_POS_ID}: {name: 'pos', type: 'BIGINT', default_value: NULL}})`,
  );
  for (const r of rows) into.get(byLocal.get(String(r['p']))!)?.add(String(r['f']));
}

/** Whether delete file `d` may remove rows of data file `f` (spec rules; unknown → yes). */
function mayApply(d: LiveFile, f: LiveFile, positions: PositionPaths): boolean {
  if (d.dataFile.content === FileContent.POSITION_DELETES) {
    const paths = positions.get(d.dataFile.filePath);
    return d.sequenceNumber >= f.sequenceNumber && (paths === undefined || paths.has(f.dataFile.filePath));
  }
  const global = Object.keys(d.dataFile.partition).length === 0;
  return d.sequenceNumber > f.sequenceNumber && (global || partitionKey(d) === partitionKey(f));
}

/** A set of files rewritten together into one. */
interface Bin {
  files: LiveFile[];
  bytes: number;
  heavy: boolean;
}

/** Packs files (largest first) into bins of at most `target` estimated bytes. */
function binPack(files: { f: LiveFile; bytes: number; heavy: boolean }[], target: number): Bin[] {
  const bins: Bin[] = [];
  for (const x of [...files].sort((a, b) => b.bytes - a.bytes)) {
    const bin = bins.find((b) => b.bytes + x.bytes <= target);
    if (bin) {
      bin.files.push(x.f);
      bin.bytes += x.bytes;
      bin.heavy ||= x.heavy;
    } else bins.push({ files: [x.f], bytes: x.bytes, heavy: x.heavy });
  }
  return bins;
}

function positive(v: number | undefined, what: string, integer: boolean): void {
  if (v !== undefined && !(Number.isFinite(v) && v > 0 && (!integer || Number.isSafeInteger(v))))
    throw new UsageError(`${what} must be a positive ${integer ? 'whole number' : 'number'}, got ${v}`);
}

/** Compacts small and delete-heavy data files of `main` (see module comment). */
export async function compactFiles(
  table: Table,
  engine: Engine,
  options: CompactFilesOptions = {},
): Promise<CompactFilesResult> {
  positive(options.targetFileSizeBytes, 'target-file-size', true);
  positive(options.minInputFiles, 'min-input-files', true);
  positive(options.deleteRatio, 'delete-ratio', false);
  const nothing: CompactFilesResult = {
    snapshot: undefined,
    groups: 0,
    rewrittenDataFiles: 0,
    addedDataFiles: 0,
    removedDeleteFiles: 0,
    rewrittenBytes: 0,
    addedBytes: 0,
    rows: 0,
  };
  await table.refresh();
  const md = table.metadata;
  const from = branchHead(md, 'main');
  if (!from) return nothing;
  const io = table.io;
  const schema = table.schema();
  const property = Number(md.properties['write.target-file-size-bytes']);
  const target =
    options.targetFileSizeBytes ??
    (Number.isSafeInteger(property) && property > 0 ? property : DEFAULT_TARGET_FILE_SIZE_BYTES);
  const minInput = options.minInputFiles ?? 5;
  const deleteRatio = options.deleteRatio ?? 0.2;
  const plan = await planScan(io, from);
  const positions: PositionPaths = new Map();
  await readPositionPaths(engine, io, plan.deletes, positions);

  // Which deletes touch which data file, and what share of its rows they remove.
  const specId = md['default-spec-id'];
  const candidates = plan.data.filter((f) => (f.manifest?.partitionSpecId ?? 0) === specId);
  const deletesOf = new Map<string, LiveFile[]>();
  for (const f of candidates) {
    const ds = plan.deletes.filter((d) => mayApply(d, f, positions));
    if (ds.length > 0) deletesOf.set(f.dataFile.filePath, ds);
  }
  const survivors = new Map<string, number>();
  if (deletesOf.size > 0) {
    const touched = candidates.filter((f) => deletesOf.has(f.dataFile.filePath));
    const deletes = [...new Set(touched.flatMap((f) => deletesOf.get(f.dataFile.filePath)!))];
    const sql = await readSql(engine, io, schema, { data: touched, deletes }, { withPositions: true });
    for (const r of await engine.all(`SELECT ${ROW_FILE} AS f, count(*) AS n FROM (${sql}) t GROUP BY 1`))
      survivors.set(String(r['f']), Number(r['n']));
  }
  const deletedShare = (f: LiveFile) =>
    deletesOf.has(f.dataFile.filePath) && f.dataFile.recordCount > 0
      ? 1 - (survivors.get(f.dataFile.filePath) ?? 0) / f.dataFile.recordCount
      : 0;

  // Bins per partition: small files and delete-heavy files.
  const byPartition = new Map<string, { f: LiveFile; bytes: number; heavy: boolean }[]>();
  for (const f of candidates) {
    const share = deletedShare(f);
    const heavy = share >= deleteRatio && share > 0;
    if (!heavy && f.dataFile.fileSizeInBytes >= 0.75 * target) continue;
    const key = partitionKey(f);
    const bytes = f.dataFile.fileSizeInBytes * (1 - share);
    byPartition.set(key, [...(byPartition.get(key) ?? []), { f, bytes, heavy }]);
  }
  const bins = [...byPartition.values()]
    .flatMap((files) => binPack(files, target))
    .filter(
      (b) => b.heavy || b.files.length >= minInput || (b.files.length >= 2 && b.bytes >= 0.75 * target),
    );
  const rewritten = bins.flatMap((b) => b.files);
  const rewrittenPaths = new Set(rewritten.map((f) => f.dataFile.filePath));
  const remaining = plan.data.filter((f) => !rewrittenPaths.has(f.dataFile.filePath));
  const obsolete = plan.deletes.filter((d) => !remaining.some((f) => mayApply(d, f, positions)));
  if (bins.length === 0 && obsolete.length === 0) return nothing;

  const added: DataFile[] = [];
  try {
    for (const bin of bins) {
      const deletes = [...new Set(bin.files.flatMap((f) => deletesOf.get(f.dataFile.filePath) ?? []))];
      const files = await writeDataFile({
        engine,
        io,
        selectSql: await readSql(engine, io, schema, { data: bin.files, deletes }),
        sourceColumns: schema.fields.map((f) => f.name),
        schema,
        tableLocation: md.location,
        tableName: table.name,
      });
      // Every input shares one partition tuple, so the output does too.
      for (const f of files) added.push({ ...f, partition: bin.files[0]!.dataFile.partition });
    }
    const obsoletePaths = new Set(obsolete.map((d) => d.dataFile.filePath));
    const snapshot = await commitSnapshot(table, {
      operation: 'replace',
      added,
      removed: [...rewritten.map((f) => f.dataFile), ...obsolete.map((d) => d.dataFile)],
      summary: { 'lakekit.operation': 'compact', ...(options.summary ?? {}) },
      validate: (base, start) =>
        validateCompaction(table, engine, base, start, rewritten, obsoletePaths, obsolete, positions),
    });
    return {
      snapshot,
      groups: bins.length,
      rewrittenDataFiles: rewritten.length,
      addedDataFiles: added.length,
      removedDeleteFiles: obsolete.length,
      rewrittenBytes: rewritten.reduce((a, f) => a + f.dataFile.fileSizeInBytes, 0),
      addedBytes: added.reduce((a, f) => a + f.fileSizeInBytes, 0),
      rows: added.reduce((a, f) => a + f.recordCount, 0),
    };
  } catch (e) {
    await Promise.all(added.map((f) => io.delete(f.filePath).catch(() => undefined)));
    throw e;
  }
}

/** Snapshots committed to main after `from`, newest first; a conflict when `from` is not an ancestor. */
function commitsSince(table: Table, base: TableMetadata, from: SnapshotJson | undefined): SnapshotJson[] {
  const out: SnapshotJson[] = [];
  let s = branchHead(base, 'main');
  while (s && s['snapshot-id'] !== from?.['snapshot-id']) {
    out.push(s);
    s = s['parent-snapshot-id'] === undefined ? undefined : snapshotById(base, s['parent-snapshot-id']);
  }
  if (from !== undefined && s === undefined) {
    throw new CommitConflictError(
      `table ${table.name}: main was rolled back or replaced while the compaction ran; nothing was changed — run it again`,
      { context: { table: table.name } },
    );
  }
  return out;
}

/**
 * Accepts the commits since the compaction was planned unless one removed an input (data or delete
 * file), added deletes that may apply to a rewritten file, or added data files that a delete file
 * this compaction drops would still apply to.
 */
async function validateCompaction(
  table: Table,
  engine: Engine,
  base: TableMetadata,
  from: SnapshotJson | undefined,
  rewritten: readonly LiveFile[],
  obsoletePaths: ReadonlySet<string>,
  obsolete: readonly LiveFile[],
  positions: PositionPaths,
): Promise<void> {
  const inputs = new Set(rewritten.map((f) => f.dataFile.filePath));
  const conflict = (s: SnapshotJson, what: string) =>
    new CommitConflictError(
      `table ${table.name}: a concurrent commit (snapshot ${s['snapshot-id']}) ${what}; the compaction was not committed and no rows were lost — run it again`,
      { context: { table: table.name, snapshot: s['snapshot-id'] } },
    );
  for (const s of commitsSince(table, base, from)) {
    for (const m of await readManifestList(table.io, s)) {
      if (m.addedSnapshotId !== s['snapshot-id']) continue;
      for (const e of await readManifestEntries(table.io, m)) {
        if (e.snapshotId !== s['snapshot-id']) continue;
        const path = e.dataFile.filePath;
        if (e.status === EntryStatus.DELETED && (inputs.has(path) || obsoletePaths.has(path)))
          throw conflict(s, `removed ${path}, which this compaction rewrites`);
        if (e.status !== EntryStatus.ADDED) continue;
        const live: LiveFile = {
          dataFile: e.dataFile,
          snapshotId: s['snapshot-id'],
          sequenceNumber: e.sequenceNumber!,
          fileSequenceNumber: e.fileSequenceNumber!,
          manifest: m,
        };
        if (e.dataFile.content === FileContent.DATA) {
          if (obsolete.some((d) => mayApply(d, live, positions)))
            throw conflict(s, `added ${path}, to which a delete file this compaction drops applies`);
          continue;
        }
        await readPositionPaths(engine, table.io, [live], positions);
        if (rewritten.some((f) => mayApply(live, f, positions)))
          throw conflict(s, `added deletes (${path}) to rows of files this compaction rewrites`);
      }
    }
  }
}
