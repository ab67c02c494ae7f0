/**
 * Produces snapshots — appends, overwrites, deletes, replaces — on a branch, and commits them through
 * `commitMetadata`. Added files are written once into new manifests; on every attempt the parent's
 * manifests are carried over, or rewritten where they hold removed files (those entries become
 * DELETED, the rest EXISTING with their sequence numbers kept). A change is rebased onto a head that
 * moved only if its `validate` accepts the commits in between; removed files that are no longer live
 * are a conflict. Files of a change that ultimately failed are removed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CommitConflictError, NotFoundError } from '@lakekit/core';
import { encodeManifest, encodeManifestList, type PartitionFieldDescriptor } from './avro/index.js';
import type { CommitHook } from './catalog-backend.js';
import { commitMetadata } from './commit-metadata.js';
import {
  type DataFile,
  EntryStatus,
  FileContent,
  ManifestContent,
  type ManifestEntry,
  type ManifestFile,
} from './manifest-model.js';
import { stripSlash } from './metadata-files.js';
import { partitionFieldDescriptors } from './partition-descriptors.js';
import { partitionSummaries } from './partitioning/partition-summary.js';
import { readManifestEntries, readManifestList } from './scan.js';
import { schemaToJson } from './schema.js';
import type { Table } from './table.js';
import { currentSchema, type SnapshotJson, snapshotById, type TableMetadata } from './table-metadata.js';

/** Options of a commit. */
export interface CommitOptions {
  /** Extra snapshot summary properties (e.g. `lakekit.source`). */
  summary?: Record<string, string>;
  /** Attempts before giving up on a contended table (default 10). */
  maxAttempts?: number;
  /** The branch to commit to (default `main`); it must exist unless it is `main`. */
  branch?: string;
  /** Runs inside the catalog transaction that swaps the pointer. */
  onCommit?: CommitHook;
  /** Create `branch` at this commit when it does not exist (its parent is main's head). */
  createBranch?: boolean;
}

/** A change to the rows of a table, committed as one snapshot. */
export interface SnapshotChange extends CommitOptions {
  operation: 'append' | 'overwrite' | 'delete' | 'replace';
  /** New data and delete files (their `content` tells which). */
  added?: readonly DataFile[];
  /** Files (data or delete) live in the branch head that this change removes. */
  removed?: readonly DataFile[];
  /** Remove every live file of the branch head (a full replace). */
  removeAll?: boolean;
  /**
   * Checks that the change still holds on `base` when the head moved since `from` (the head it was
   * planned on); throws CommitConflictError otherwise. Without it, only appends are rebased.
   */
  validate?: (base: TableMetadata, from: SnapshotJson | undefined, table: Table) => Promise<void>;
}

/** A random positive 63-bit snapshot id, as Iceberg's reference implementation makes them. */
export function newSnapshotId(): bigint {
  const id = randomBytes(8).readBigUInt64BE() & 0x7fff_ffff_ffff_ffffn;
  return id === 0n ? 1n : id;
}

const TOTALS = [
  ['total-records', 'added-records', 'deleted-records'],
  ['total-data-files', 'added-data-files', 'deleted-data-files'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-delete-files', 'added-delete-files', 'removed-delete-files'],
  ['total-position-deletes', 'added-position-deletes', 'removed-position-deletes'],
  ['total-equality-deletes', 'added-equality-deletes', 'removed-equality-deletes'],
] as const;

function summarize(
  operation: string,
  parent: SnapshotJson | undefined,
  added: readonly DataFile[],
  removed: readonly DataFile[],
  extra: Record<string, string>,
): SnapshotJson['summary'] {
  const s: Record<string, string> = { operation };
  const put = (k: string, v: number) => {
    if (v !== 0) s[k] = String(v);
  };
  const sum = (fs: readonly DataFile[], f: (d: DataFile) => number) => fs.reduce((a, d) => a + f(d), 0);
  for (const [files, prefix] of [
    [added, 'added'],
    [removed, 'removed'],
  ] as const) {
    const data = files.filter((f) => f.content === FileContent.DATA);
    const pos = files.filter((f) => f.content === FileContent.POSITION_DELETES);
    const eq = files.filter((f) => f.content === FileContent.EQUALITY_DELETES);
    put(prefix === 'added' ? 'added-data-files' : 'deleted-data-files', data.length);
    put(
      prefix === 'added' ? 'added-records' : 'deleted-records',
      sum(data, (d) => d.recordCount),
    );
    put(`${prefix}-delete-files`, pos.length + eq.length);
    put(
      `${prefix}-position-deletes`,
      sum(pos, (d) => d.recordCount),
    );
    put(
      `${prefix}-equality-deletes`,
      sum(eq, (d) => d.recordCount),
    );
    put(
      `${prefix}-files-size`,
      sum(files, (d) => d.fileSizeInBytes),
    );
  }
  for (const [total, plus, minus] of TOTALS) {
    const before = Number(parent?.summary[total] ?? 0);
    s[total] = String(before + Number(s[plus] ?? 0) - Number(s[minus] ?? 0));
  }
  return { ...s, ...extra, operation } as SnapshotJson['summary'];
}

/** Writes one manifest of `entries` (spec `specId`) under the table's metadata folder. */
export async function writeManifest(
  table: Table,
  base: TableMetadata,
  specId: number,
  content: 'data' | 'deletes',
  entries: ManifestEntry[],
): Promise<{ path: string; length: number }> {
  const path = `${stripSlash(base.location)}/metadata/${randomUUID()}-m0.avro`;
  const spec = base['partition-specs'].find((p) => p['spec-id'] === specId)!;
  const bytes = await encodeManifest(entries, {
    schemaJson: JSON.stringify(schemaToJson(currentSchema(base))),
    schemaId: base['current-schema-id'],
    partitionSpecJson: JSON.stringify(spec.fields),
    partitionSpecId: specId,
    partitionFields: partitionFieldDescriptors(base, specId),
    content,
  });
  await table.io.write(path, bytes);
  return { path, length: bytes.length };
}

/** The manifest list entry of a written manifest (counts and min sequence number from its entries). */
export function manifestFileFor(
  written: { path: string; length: number },
  specId: number,
  content: ManifestContent,
  snapshotId: bigint,
  sequenceNumber: bigint,
  entries: ManifestEntry[],
  /** The partition spec's fields, for the partition summaries (none: no summaries). */
  partitionFields: readonly PartitionFieldDescriptor[] = [],
): ManifestFile {
  const of = (st: number) => entries.filter((e) => e.status === st);
  const rows = (es: ManifestEntry[]) => es.reduce((a, e) => a + e.dataFile.recordCount, 0);
  let minSeq = sequenceNumber;
  for (const e of entries) {
    if (e.status !== EntryStatus.DELETED && e.sequenceNumber !== null && e.sequenceNumber < minSeq) {
      minSeq = e.sequenceNumber;
    }
  }
  return {
    manifestPath: written.path,
    manifestLength: written.length,
    partitionSpecId: specId,
    content,
    sequenceNumber,
    minSequenceNumber: minSeq,
    addedSnapshotId: snapshotId,
    addedFilesCount: of(EntryStatus.ADDED).length,
    existingFilesCount: of(EntryStatus.EXISTING).length,
    deletedFilesCount: of(EntryStatus.DELETED).length,
    addedRowsCount: rows(of(EntryStatus.ADDED)),
    existingRowsCount: rows(of(EntryStatus.EXISTING)),
    deletedRowsCount: rows(of(EntryStatus.DELETED)),
    partitions: partitionSummaries(
      partitionFields,
      entries.filter((e) => e.status !== EntryStatus.DELETED).map((e) => e.dataFile.partition),
    ),
  };
}

/** The snapshot a branch points at (undefined: an empty `main`). */
export function branchHead(md: TableMetadata, branch: string): SnapshotJson | undefined {
  const ref = md.refs[branch];
  if (ref === undefined) {
    if (branch === 'main') return undefined;
    throw new NotFoundError('branch', `branch ${branch} does not exist`, { context: { branch } });
  }
  // A tag pins its snapshot: committing to it would silently turn it into a branch.
  if (ref.type !== 'branch')
    throw new NotFoundError('branch', `${branch} is a tag, not a branch: commit to a branch`, {
      context: { branch },
    });
  return snapshotById(md, ref['snapshot-id']);
}

/** Commits a change as one snapshot on its branch (see module comment). */
export async function commitSnapshot(table: Table, change: SnapshotChange): Promise<SnapshotJson> {
  const branch = change.branch ?? 'main';
  const snapshotId = newSnapshotId();
  const added = change.added ?? [];
  const removedPaths = new Set((change.removed ?? []).map((f) => f.filePath));
  const head = (md: TableMetadata) =>
    change.createBranch && md.refs[branch] === undefined ? branchHead(md, 'main') : branchHead(md, branch);
  const from = head(table.metadata);
  const specId = table.metadata['default-spec-id'];
  const kept: string[] = []; // manifests of added files: written once, reused by every attempt
  const addedManifests: ManifestFile[] = [];
  let committed: SnapshotJson | undefined;
  try {
    await commitMetadata(
      table,
      async (base) => {
        const parent = head(base);
        if (parent?.['snapshot-id'] !== from?.['snapshot-id']) {
          if (change.validate) await change.validate(base, from, table);
          else if (change.operation !== 'append') {
            throw new CommitConflictError(
              `table ${table.name}: another writer committed to ${branch} while this ${change.operation} was prepared; nothing was changed — run it again`,
              { context: { table: table.name, branch } },
            );
          }
        }
        const sequenceNumber = base['last-sequence-number'] + 1n;
        if (addedManifests.length === 0 && added.length > 0) {
          // One manifest per content (data / deletes) and partition spec of the added files.
          const groups = new Map<string, { content: ManifestContent; specId: number; files: DataFile[] }>();
          for (const f of added) {
            const content = f.content === FileContent.DATA ? ManifestContent.DATA : ManifestContent.DELETES;
            const fileSpec = f.specId ?? specId;
            const key = `${content}/${fileSpec}`;
            const g = groups.get(key) ?? { content, specId: fileSpec, files: [] };
            g.files.push(f);
            groups.set(key, g);
          }
          for (const g of groups.values()) {
            const entries: ManifestEntry[] = g.files.map((f) => ({
              status: EntryStatus.ADDED,
              snapshotId,
              sequenceNumber: null,
              fileSequenceNumber: null,
              dataFile: f,
            }));
            const w = await writeManifest(
              table,
              base,
              g.specId,
              g.content === ManifestContent.DATA ? 'data' : 'deletes',
              entries,
            );
            kept.push(w.path);
            addedManifests.push(
              manifestFileFor(
                w,
                g.specId,
                g.content,
                snapshotId,
                0n,
                entries,
                partitionFieldDescriptors(base, g.specId),
              ),
            );
          }
        }
        const written: string[] = [];
        const manifests: ManifestFile[] = addedManifests.map((m) => ({
          ...m,
          sequenceNumber,
          minSequenceNumber: sequenceNumber,
        }));
        const removed: DataFile[] = [];
        for (const m of parent ? await readManifestList(table.io, parent) : []) {
          // A manifest of only DELETED entries recorded its removals in the parent snapshot; the new
          // snapshot does not carry it (as Iceberg Java drops them). Unknown counts (-1, v1) are kept.
          if (m.addedFilesCount === 0 && m.existingFilesCount === 0) continue;
          const touches = change.removeAll || removedPaths.size > 0;
          if (!touches) {
            manifests.push(m);
            continue;
          }
          const entries = await readManifestEntries(table.io, m);
          const live = entries.filter((e) => e.status !== EntryStatus.DELETED);
          const hit = live.filter((e) => change.removeAll || removedPaths.has(e.dataFile.filePath));
          if (hit.length === 0) {
            manifests.push(m);
            continue;
          }
          const rewritten: ManifestEntry[] = live.map((e) =>
            change.removeAll || removedPaths.has(e.dataFile.filePath)
              ? { ...e, status: EntryStatus.DELETED, snapshotId }
              : { ...e, status: EntryStatus.EXISTING },
          );
          removed.push(...hit.map((e) => e.dataFile));
          const w = await writeManifest(
            table,
            base,
            m.partitionSpecId,
            m.content === ManifestContent.DATA ? 'data' : 'deletes',
            rewritten,
          );
          written.push(w.path);
          manifests.push(
            manifestFileFor(
              w,
              m.partitionSpecId,
              m.content,
              snapshotId,
              sequenceNumber,
              rewritten,
              partitionFieldDescriptors(base, m.partitionSpecId),
            ),
          );
        }
        if (!change.removeAll && removed.length !== removedPaths.size) {
          const live = new Set(removed.map((f) => f.filePath));
          const gone = [...removedPaths].filter((p) => !live.has(p));
          throw new CommitConflictError(
            `table ${table.name}: ${gone.length} file(s) this ${change.operation} replaces are no longer live (a concurrent commit removed them), e.g. ${gone[0]}`,
            { context: { table: table.name, file: gone[0] } },
          );
        }
        const merged = await mergeManifestsIfMany(table, base, manifests, snapshotId, sequenceNumber);
        if (merged) {
          written.push(...merged.written);
          manifests.splice(0, manifests.length, ...merged.manifests);
        }
        const listPath = `${stripSlash(base.location)}/metadata/snap-${snapshotId}-${written.length}-${randomUUID()}.avro`;
        await table.io.write(
          listPath,
          await encodeManifestList(manifests, {
            snapshotId,
            parentSnapshotId: parent?.['snapshot-id'] ?? null,
            sequenceNumber,
          }),
        );
        written.push(listPath);
        const snapshot: SnapshotJson = {
          'snapshot-id': snapshotId,
          ...(parent ? { 'parent-snapshot-id': parent['snapshot-id'] } : {}),
          'sequence-number': sequenceNumber,
          'timestamp-ms': Math.max(Date.now(), base['last-updated-ms']),
          'manifest-list': listPath,
          summary: summarize(change.operation, parent, added, removed, change.summary ?? {}),
          'schema-id': base['current-schema-id'],
        };
        committed = snapshot;
        return { metadata: withSnapshot(base, branch, snapshot), written };
      },
      {
        ...(change.maxAttempts !== undefined ? { maxAttempts: change.maxAttempts } : {}),
        ...(change.onCommit ? { onCommit: change.onCommit } : {}),
      },
    );
    return committed!;
  } catch (e) {
    await Promise.all(kept.map((p) => table.io.delete(p).catch(() => undefined)));
    throw e;
  }
}

/** Metadata with a new snapshot at the head of `branch`. */
export function withSnapshot(base: TableMetadata, branch: string, snapshot: SnapshotJson): TableMetadata {
  const now = snapshot['timestamp-ms'];
  const md: TableMetadata = {
    ...base,
    'last-sequence-number': snapshot['sequence-number'],
    snapshots: [...base.snapshots, snapshot],
    refs: {
      ...base.refs,
      [branch]: { ...(base.refs[branch] ?? {}), 'snapshot-id': snapshot['snapshot-id'], type: 'branch' },
    },
  };
  if (branch === 'main') {
    md['current-snapshot-id'] = snapshot['snapshot-id'];
    md['snapshot-log'] = [
      ...base['snapshot-log'],
      { 'snapshot-id': snapshot['snapshot-id'], 'timestamp-ms': now },
    ];
  }
  return md;
}

/** Appends data files as a new snapshot (operation `append`). Rebased and retried on a lost race. */
export function appendFiles(
  table: Table,
  files: DataFile[],
  options: CommitOptions = {},
): Promise<SnapshotJson> {
  return commitSnapshot(table, { ...options, operation: 'append', added: files });
}

/**
 * Replaces every row of the table with `files` in one snapshot (operation `overwrite`). Fails with a
 * CommitConflictError if another writer committed since the table was loaded.
 */
export function replaceFiles(
  table: Table,
  files: DataFile[],
  options: CommitOptions = {},
): Promise<SnapshotJson> {
  return commitSnapshot(table, { ...options, operation: 'overwrite', added: files, removeAll: true });
}

/**
 * Automatic manifest merging (as Iceberg Java's `commit.manifest-merge.enabled`): once a snapshot
 * would list more than `commit.manifest.min-count-to-merge` (default 100) data manifests of one spec,
 * the small ones (under `commit.manifest.target-size-bytes`, default 8 MiB) are merged into one, so
 * planning reads few manifests however many commits the table has seen. Entries keep their snapshot
 * ids and sequence numbers; DELETED entries of earlier snapshots are dropped.
 */
async function mergeManifestsIfMany(
  table: Table,
  base: TableMetadata,
  manifests: ManifestFile[],
  snapshotId: bigint,
  sequenceNumber: bigint,
): Promise<{ manifests: ManifestFile[]; written: string[] } | undefined> {
  const props = base.properties;
  if (props['commit.manifest-merge.enabled'] === 'false') return undefined;
  const minCount = Number(props['commit.manifest.min-count-to-merge'] ?? 100);
  const target = Number(props['commit.manifest.target-size-bytes'] ?? 8 * 1024 * 1024);
  const out: ManifestFile[] = [];
  const written: string[] = [];
  const bySpec = new Map<number, ManifestFile[]>();
  for (const m of manifests) {
    if (m.content !== ManifestContent.DATA) out.push(m);
    else bySpec.set(m.partitionSpecId, [...(bySpec.get(m.partitionSpecId) ?? []), m]);
  }
  let changed = false;
  for (const [specId, group] of bySpec) {
    const small = group.filter((m) => m.manifestLength < target);
    if (group.length <= minCount || small.length < 2) {
      out.push(...group);
      continue;
    }
    changed = true;
    out.push(...group.filter((m) => m.manifestLength >= target));
    const entries: ManifestEntry[] = [];
    for (const m of small) {
      for (const e of await readManifestEntries(table.io, m)) {
        if (e.status === EntryStatus.DELETED && e.snapshotId !== snapshotId) continue;
        entries.push(
          e.status === EntryStatus.ADDED && e.snapshotId !== snapshotId
            ? { ...e, status: EntryStatus.EXISTING }
            : e,
        );
      }
    }
    const w = await writeManifest(table, base, specId, 'data', entries);
    written.push(w.path);
    out.push(
      manifestFileFor(
        w,
        specId,
        ManifestContent.DATA,
        snapshotId,
        sequenceNumber,
        entries,
        partitionFieldDescriptors(base, specId),
      ),
    );
  }
  return changed ? { manifests: out, written } : undefined;
}
