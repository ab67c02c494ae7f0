/**
 * Snapshot expiry with the semantics of Iceberg's reference implementation (Java `RemoveSnapshots`
 * with reachable-file cleanup): a snapshot goes once it is older than the cutoff and no branch, tag
 * or caller still needs it. The metadata change is committed first; then the files that only removed
 * snapshots reach are deleted, found by reading the manifests of both removed and kept snapshots, so
 * a reader of any kept snapshot, branch or tag never meets a missing file.
 */
import { type FileIO, isLakeError, UsageError } from '@lakekit/core';
import { commitMetadata } from '../commit-metadata.js';
import { EntryStatus, FileContent, type ManifestFile } from '../manifest-model.js';
import { readManifestEntries, readManifestList } from '../scan.js';
import type { Table } from '../table.js';
import type { SnapshotJson, TableMetadata } from '../table-metadata.js';
import { deleteFiles } from './delete-files.js';
import { mapLimit } from './map-limit.js';

/** Default of the table property `history.expire.max-snapshot-age-ms`: 5 days. */
export const DEFAULT_MAX_SNAPSHOT_AGE_MS = 5 * 86_400_000;
/** Default of the table property `history.expire.min-snapshots-to-keep`. */
export const DEFAULT_MIN_SNAPSHOTS_TO_KEEP = 1;

/** Options of `expireSnapshots`. */
export interface ExpireSnapshotsOptions {
  /** Expire snapshots older than this time (ms since the epoch); default: now − `history.expire.max-snapshot-age-ms` (5 days). */
  olderThanMs?: number;
  /** Snapshots of each branch's history kept whatever their age (default: `history.expire.min-snapshots-to-keep`, 1); a branch's own `min-snapshots-to-keep` wins. */
  retainLast?: number;
  /** Plan only: commit nothing, delete nothing, return the files that would be deleted. */
  dryRun?: boolean;
  /**
   * Snapshots never expired, whatever their age: the hook of the governed query layer, whose answer
   * receipts pin the snapshot an answer was computed on so it can be reproduced. Only the snapshot
   * itself (and every file it reads) is kept, not its ancestors.
   */
  protectedSnapshotIds?: ReadonlySet<bigint>;
  /** The clock for ref and snapshot ages (default `Date.now()`). */
  now?: number;
}

/** What `expireSnapshots` removed (or, with `dryRun`, would remove). */
export interface ExpireSnapshotsResult {
  dryRun: boolean;
  removedSnapshotIds: bigint[];
  /** Branches and tags whose `max-ref-age-ms` had passed. */
  removedRefs: string[];
  keptSnapshots: number;
  deletedManifestLists: number;
  deletedManifests: number;
  deletedDataFiles: number;
  deletedDeleteFiles: number;
  deletedStatisticsFiles: number;
  /** Every file deleted (dry run: that would be deleted). */
  files: string[];
  /** Files whose delete failed; harmless leftovers that `removeOrphanFiles` removes later. */
  failedFiles: string[];
}

/** Which snapshots and refs an expiry removes. */
export interface ExpiryPlan {
  keep: Set<bigint>;
  remove: SnapshotJson[];
  removedRefs: string[];
}

function numberProperty(md: TableMetadata, key: string, fallback: number): number {
  const v = md.properties[key];
  const n = v === undefined ? Number.NaN : Number(v);
  return Number.isFinite(n) ? n : fallback;
}

function optionalNumber(v: unknown): number | undefined {
  return v === undefined || v === null ? undefined : Number(v);
}

/**
 * Decides what an expiry removes, as Java's `RemoveSnapshots` does: refs past their `max-ref-age-ms`
 * go (never main); every remaining tag keeps its snapshot; every remaining branch keeps its head and
 * the ancestors within its `max-snapshot-age-ms` or among its `min-snapshots-to-keep` newest (ref
 * settings, else the call's options, else the table properties); snapshots on no ref's history go
 * once older than the cutoff; `protectedSnapshotIds` always stay.
 */
export function planExpiry(md: TableMetadata, options: ExpireSnapshotsOptions = {}): ExpiryPlan {
  const now = options.now ?? Date.now();
  const olderThan =
    options.olderThanMs ??
    now - numberProperty(md, 'history.expire.max-snapshot-age-ms', DEFAULT_MAX_SNAPSHOT_AGE_MS);
  const minKeep =
    options.retainLast ??
    numberProperty(md, 'history.expire.min-snapshots-to-keep', DEFAULT_MIN_SNAPSHOTS_TO_KEEP);
  const maxRefAge = numberProperty(md, 'history.expire.max-ref-age-ms', Number.POSITIVE_INFINITY);
  const keep = new Set<bigint>(options.protectedSnapshotIds ?? []);
  const removedRefs: string[] = [];
  const onSomeRef = new Set<bigint>();
  const byId = new Map(md.snapshots.map((s) => [s['snapshot-id'], s]));
  for (const [name, ref] of Object.entries(md.refs)) {
    const head = byId.get(ref['snapshot-id']);
    if (name !== 'main' && head !== undefined) {
      const refMaxAge = optionalNumber(ref['max-ref-age-ms']) ?? maxRefAge;
      if (now - head['timestamp-ms'] > refMaxAge) {
        removedRefs.push(name);
        continue;
      }
    }
    if (head === undefined) continue;
    if (ref.type === 'tag') {
      keep.add(head['snapshot-id']);
      onSomeRef.add(head['snapshot-id']);
      continue;
    }
    const refAge = optionalNumber(ref['max-snapshot-age-ms']);
    const cutoff = refAge === undefined ? olderThan : now - refAge;
    const min = optionalNumber(ref['min-snapshots-to-keep']) ?? minKeep;
    const seen = new Set<bigint>();
    let retaining = true;
    for (let s: SnapshotJson | undefined = head; s !== undefined && !seen.has(s['snapshot-id']); ) {
      const id = s['snapshot-id'];
      seen.add(id);
      onSomeRef.add(id);
      // The head always stays; then ancestors while too few are kept or they are young enough.
      if (retaining && (seen.size === 1 || seen.size <= min || s['timestamp-ms'] >= cutoff)) keep.add(id);
      else retaining = false;
      const parent: bigint | undefined = s['parent-snapshot-id'];
      s = parent === undefined ? undefined : byId.get(parent);
    }
  }
  for (const s of md.snapshots) {
    if (!onSomeRef.has(s['snapshot-id']) && s['timestamp-ms'] >= olderThan) keep.add(s['snapshot-id']);
  }
  return { keep, remove: md.snapshots.filter((s) => !keep.has(s['snapshot-id'])), removedRefs };
}

function statisticsOf(md: TableMetadata): { key: string; entries: Record<string, unknown>[] }[] {
  return ['statistics', 'partition-statistics']
    .filter((key) => Array.isArray(md[key]))
    .map((key) => ({ key, entries: md[key] as Record<string, unknown>[] }));
}

function statisticsSnapshot(e: Record<string, unknown>): bigint | undefined {
  const v = e['snapshot-id'];
  return typeof v === 'bigint' || typeof v === 'number' || typeof v === 'string' ? BigInt(v) : undefined;
}

/** Metadata without the planned snapshots and refs (snapshot log and statistics pruned with them). */
function withoutExpired(base: TableMetadata, plan: ExpiryPlan): TableMetadata {
  const removed = new Set(plan.remove.map((s) => s['snapshot-id']));
  const refs = { ...base.refs };
  for (const name of plan.removedRefs) delete refs[name];
  // As Java does: an entry of a removed snapshot also drops the log before it, so a time-travel
  // query never lands on a snapshot that was not current at that time.
  const log: TableMetadata['snapshot-log'] = [];
  for (const e of base['snapshot-log']) {
    if (removed.has(e['snapshot-id'])) log.length = 0;
    else log.push(e);
  }
  const md: TableMetadata = {
    ...base,
    refs,
    snapshots: base.snapshots.filter((s) => !removed.has(s['snapshot-id'])),
    'snapshot-log': log,
  };
  for (const { key, entries } of statisticsOf(base)) {
    md[key] = entries.filter((e) => {
      const id = statisticsSnapshot(e);
      return id === undefined || !removed.has(id);
    });
  }
  return md;
}

function isMissing(e: unknown): boolean {
  return isLakeError(e) && e.code === 'file_not_found';
}

/** Files only removed snapshots reach, by kind. */
interface Unreachable {
  manifestLists: string[];
  manifests: string[];
  dataFiles: string[];
  deleteFiles: string[];
  statisticsFiles: string[];
}

/**
 * The files to delete once `removed` are gone and `kept` stay: manifest lists of removed snapshots,
 * manifests no kept snapshot lists, and data and delete files of those manifests (any entry status)
 * that no kept snapshot reads (live in none of its manifests). Kept manifests that cannot be read
 * fail the call (nothing is deleted); already missing files of removed snapshots are skipped.
 */
async function unreachableFiles(
  io: FileIO,
  removed: readonly SnapshotJson[],
  kept: readonly SnapshotJson[],
  before: TableMetadata,
  after: TableMetadata,
): Promise<Unreachable> {
  const keptLists = await mapLimit(kept, 16, (s) => readManifestList(io, s));
  const keptManifests = new Map<string, ManifestFile>();
  for (const list of keptLists) for (const m of list) keptManifests.set(m.manifestPath, m);
  const keptListPaths = new Set(kept.map((s) => s['manifest-list']));
  const removedLists = await mapLimit(removed, 16, (s) =>
    readManifestList(io, s).catch((e) => {
      if (isMissing(e)) return [] as ManifestFile[];
      throw e;
    }),
  );
  const manifests = new Map<string, ManifestFile>();
  for (const list of removedLists)
    for (const m of list) if (!keptManifests.has(m.manifestPath)) manifests.set(m.manifestPath, m);
  const candidates = new Map<string, number>();
  await mapLimit([...manifests.values()], 16, async (m) => {
    try {
      for (const e of await readManifestEntries(io, m))
        candidates.set(e.dataFile.filePath, e.dataFile.content);
    } catch (e) {
      if (!isMissing(e)) throw e;
    }
  });
  if (candidates.size > 0) {
    await mapLimit([...keptManifests.values()], 16, async (m) => {
      for (const e of await readManifestEntries(io, m)) {
        if (e.status !== EntryStatus.DELETED) candidates.delete(e.dataFile.filePath);
      }
    });
  }
  const keptStats = new Set<string>();
  for (const { entries } of statisticsOf(after))
    for (const e of entries) keptStats.add(String(e['statistics-path']));
  const removedIds = new Set(removed.map((s) => s['snapshot-id']));
  const statisticsFiles = new Set<string>();
  for (const { entries } of statisticsOf(before)) {
    for (const e of entries) {
      const id = statisticsSnapshot(e);
      const path = String(e['statistics-path']);
      if (id !== undefined && removedIds.has(id) && !keptStats.has(path)) statisticsFiles.add(path);
    }
  }
  return {
    manifestLists: [...new Set(removed.map((s) => s['manifest-list']))].filter((p) => !keptListPaths.has(p)),
    manifests: [...manifests.keys()],
    dataFiles: [...candidates].filter(([, c]) => c === FileContent.DATA).map(([p]) => p),
    deleteFiles: [...candidates].filter(([, c]) => c !== FileContent.DATA).map(([p]) => p),
    statisticsFiles: [...statisticsFiles],
  };
}

/**
 * Expires snapshots (see module comment and `planExpiry`): commits the metadata without them through
 * `commitMetadata` (re-planned on the new head if another writer wins), then deletes the files only
 * they reached. With `dryRun`, nothing changes and the result lists what would go.
 */
export async function expireSnapshots(
  table: Table,
  options: ExpireSnapshotsOptions = {},
): Promise<ExpireSnapshotsResult> {
  if (
    options.retainLast !== undefined &&
    !(Number.isSafeInteger(options.retainLast) && options.retainLast >= 1)
  )
    throw new UsageError(`retain-last must be a positive whole number, got ${options.retainLast}`);
  if (options.olderThanMs !== undefined && !Number.isFinite(options.olderThanMs))
    throw new UsageError(`older-than must be a time, got ${options.olderThanMs}`);
  const now = options.now ?? Date.now();
  const opts = { ...options, now };
  await table.refresh();
  let before = table.metadata;
  let plan = planExpiry(before, opts);
  if (plan.remove.length === 0 && plan.removedRefs.length === 0) {
    return {
      dryRun: options.dryRun === true,
      removedSnapshotIds: [],
      removedRefs: [],
      keptSnapshots: before.snapshots.length,
      deletedManifestLists: 0,
      deletedManifests: 0,
      deletedDataFiles: 0,
      deletedDeleteFiles: 0,
      deletedStatisticsFiles: 0,
      files: [],
      failedFiles: [],
    };
  }
  if (!options.dryRun) {
    await commitMetadata(table, async (base) => {
      before = base;
      plan = planExpiry(base, opts);
      return { metadata: withoutExpired(base, plan) };
    });
  }
  const after = options.dryRun ? withoutExpired(before, plan) : table.metadata;
  const files = await unreachableFiles(table.io, plan.remove, after.snapshots, before, after);
  const all = [
    ...files.dataFiles,
    ...files.deleteFiles,
    ...files.manifests,
    ...files.manifestLists,
    ...files.statisticsFiles,
  ];
  const failedFiles = options.dryRun ? [] : await deleteFiles(table.io, all);
  return {
    dryRun: options.dryRun === true,
    removedSnapshotIds: plan.remove.map((s) => s['snapshot-id']),
    removedRefs: plan.removedRefs,
    keptSnapshots: after.snapshots.length,
    deletedManifestLists: files.manifestLists.length,
    deletedManifests: files.manifests.length,
    deletedDataFiles: files.dataFiles.length,
    deletedDeleteFiles: files.deleteFiles.length,
    deletedStatisticsFiles: files.statisticsFiles.length,
    files: all,
    failedFiles,
  };
}
