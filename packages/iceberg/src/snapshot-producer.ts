/**
 * Produces new snapshots (append, overwrite) and commits them with an optimistic compare-and-swap of
 * the catalog pointer. An append that lost the race is rebased on the new head and retried with the
 * same data files and manifest; an overwrite fails with a conflict instead of dropping rows that a
 * concurrent writer added. Files of a commit that ultimately failed are removed.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { CommitConflictError } from '@lakekit/core';
import { encodeManifest, encodeManifestList } from './avro/index.js';
import {
  type DataFile,
  EntryStatus,
  ManifestContent,
  type ManifestEntry,
  type ManifestFile,
} from './manifest-model.js';
import { nextMetadataLocation, stripSlash, writeMetadata } from './metadata-files.js';
import { planFiles, readManifestList } from './scan.js';
import { schemaToJson } from './schema.js';
import type { Table } from './table.js';
import { currentSchema, currentSnapshot, type SnapshotJson, type TableMetadata } from './table-metadata.js';

/** Options of a commit. */
export interface CommitOptions {
  /** Extra snapshot summary properties (e.g. `lakekit.source`). */
  summary?: Record<string, string>;
  /** Attempts before giving up on a contended table (default 10). */
  maxAttempts?: number;
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
  added: DataFile[],
  removed: DataFile[],
  extra: Record<string, string>,
): SnapshotJson['summary'] {
  const s: Record<string, string> = { operation };
  const add = (k: string, v: number) => {
    if (v !== 0) s[k] = String(v);
  };
  add('added-data-files', added.length);
  add(
    'added-records',
    added.reduce((a, f) => a + f.recordCount, 0),
  );
  add(
    'added-files-size',
    added.reduce((a, f) => a + f.fileSizeInBytes, 0),
  );
  add('deleted-data-files', removed.length);
  add(
    'deleted-records',
    removed.reduce((a, f) => a + f.recordCount, 0),
  );
  add(
    'removed-files-size',
    removed.reduce((a, f) => a + f.fileSizeInBytes, 0),
  );
  for (const [total, plus, minus] of TOTALS) {
    const before = Number(parent?.summary[total] ?? 0);
    s[total] = String(before + Number(s[plus] ?? 0) - Number(s[minus] ?? 0));
  }
  return { ...s, ...extra, operation } as SnapshotJson['summary'];
}

async function writeManifest(
  table: Table,
  base: TableMetadata,
  entries: ManifestEntry[],
): Promise<{ path: string; length: number }> {
  const path = `${stripSlash(base.location)}/metadata/${randomUUID()}-m0.avro`;
  const spec = base['partition-specs'].find((p) => p['spec-id'] === base['default-spec-id'])!;
  const bytes = await encodeManifest(entries, {
    schemaJson: JSON.stringify(schemaToJson(currentSchema(base))),
    partitionSpecJson: JSON.stringify(spec.fields),
    partitionSpecId: spec['spec-id'],
    partitionFields: [],
    content: 'data',
  });
  await table.io.write(path, bytes);
  return { path, length: bytes.length };
}

function manifestFileFor(
  path: string,
  length: number,
  snapshotId: bigint,
  sequenceNumber: bigint,
  entries: ManifestEntry[],
): ManifestFile {
  const count = (st: number) => entries.filter((e) => e.status === st);
  const rows = (es: ManifestEntry[]) => es.reduce((a, e) => a + e.dataFile.recordCount, 0);
  const minSeq = entries.reduce(
    (m, e) =>
      e.status !== EntryStatus.ADDED && e.sequenceNumber !== null && e.sequenceNumber < m
        ? e.sequenceNumber
        : m,
    sequenceNumber,
  );
  return {
    manifestPath: path,
    manifestLength: length,
    partitionSpecId: 0,
    content: ManifestContent.DATA,
    sequenceNumber,
    minSequenceNumber: minSeq,
    addedSnapshotId: snapshotId,
    addedFilesCount: count(EntryStatus.ADDED).length,
    existingFilesCount: count(EntryStatus.EXISTING).length,
    deletedFilesCount: count(EntryStatus.DELETED).length,
    addedRowsCount: rows(count(EntryStatus.ADDED)),
    existingRowsCount: rows(count(EntryStatus.EXISTING)),
    deletedRowsCount: rows(count(EntryStatus.DELETED)),
    partitions: [],
  };
}

/** Builds metadata with a new snapshot on `main`, given the manifests it lists. */
function withSnapshot(
  base: TableMetadata,
  baseLocation: string | undefined,
  snapshot: SnapshotJson,
): TableMetadata {
  const now = snapshot['timestamp-ms'];
  const metadataLog = [...base['metadata-log']];
  if (baseLocation !== undefined)
    metadataLog.push({ 'metadata-file': baseLocation, 'timestamp-ms': base['last-updated-ms'] });
  const maxLog = Number(base.properties['write.metadata.previous-versions-max'] ?? 100);
  return {
    ...base,
    'last-sequence-number': snapshot['sequence-number'],
    'last-updated-ms': now,
    'current-snapshot-id': snapshot['snapshot-id'],
    snapshots: [...base.snapshots, snapshot],
    'snapshot-log': [
      ...base['snapshot-log'],
      { 'snapshot-id': snapshot['snapshot-id'], 'timestamp-ms': now },
    ],
    'metadata-log': metadataLog.slice(-maxLog),
    refs: {
      ...base.refs,
      main: { ...(base.refs['main'] ?? {}), 'snapshot-id': snapshot['snapshot-id'], type: 'branch' },
    },
  };
}

/** Writes new metadata and swaps the pointer; returns false if another writer won. */
async function trySwap(table: Table, baseLocation: string, md: TableMetadata): Promise<string | undefined> {
  const location = nextMetadataLocation(md.location, baseLocation);
  await writeMetadata(table.io, location, md);
  if (await table.backend.swapPointer(table.id, baseLocation, location)) return location;
  await table.io.delete(location);
  return undefined;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((r) => setTimeout(r, ms));
}

/** Appends data files as a new snapshot (operation `append`). Rebased and retried on a lost race. */
export async function appendFiles(
  table: Table,
  files: DataFile[],
  options: CommitOptions = {},
): Promise<SnapshotJson> {
  return commitSnapshot(table, files, 'append', options);
}

/**
 * Replaces every row of the table with `files` in one snapshot (operation `overwrite`). Fails with a
 * CommitConflictError if another writer committed since the table was loaded.
 */
export async function replaceFiles(
  table: Table,
  files: DataFile[],
  options: CommitOptions = {},
): Promise<SnapshotJson> {
  return commitSnapshot(table, files, 'overwrite', options);
}

async function commitSnapshot(
  table: Table,
  files: DataFile[],
  operation: 'append' | 'overwrite',
  options: CommitOptions,
): Promise<SnapshotJson> {
  const snapshotId = newSnapshotId();
  const written: string[] = [];
  const added: ManifestEntry[] = files.map((f) => ({
    status: EntryStatus.ADDED,
    snapshotId,
    sequenceNumber: null,
    fileSequenceNumber: null,
    dataFile: f,
  }));
  let addedManifest: { path: string; length: number } | undefined;
  const maxAttempts = options.maxAttempts ?? 10;
  const loadedLocation = table.metadataLocation;
  try {
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      if (attempt > 0) {
        await table.refresh();
        if (operation === 'overwrite' && table.metadataLocation !== loadedLocation) {
          throw new CommitConflictError(
            `table ${table.name} changed while it was being replaced (another writer committed); nothing was changed — run the replace again`,
            { context: { table: table.name } },
          );
        }
      }
      const base = table.metadata;
      const baseLocation = table.metadataLocation;
      const parent = currentSnapshot(base);
      const sequenceNumber = base['last-sequence-number'] + 1n;
      if (addedManifest === undefined && added.length > 0) {
        addedManifest = await writeManifest(table, base, added);
        written.push(addedManifest.path);
      }
      const manifests: ManifestFile[] = [];
      if (addedManifest)
        manifests.push(
          manifestFileFor(addedManifest.path, addedManifest.length, snapshotId, sequenceNumber, added),
        );
      let removed: DataFile[] = [];
      if (operation === 'append' && parent) {
        manifests.push(...(await readManifestList(table.io, parent)));
      } else if (operation === 'overwrite' && parent) {
        const live = await planFiles(table.io, parent);
        removed = live.map((l) => l.dataFile);
        if (live.length > 0) {
          const deleted: ManifestEntry[] = live.map((l) => ({
            status: EntryStatus.DELETED,
            snapshotId,
            sequenceNumber: l.sequenceNumber,
            fileSequenceNumber: l.fileSequenceNumber,
            dataFile: l.dataFile,
          }));
          const m = await writeManifest(table, base, deleted);
          written.push(m.path);
          manifests.push(manifestFileFor(m.path, m.length, snapshotId, sequenceNumber, deleted));
        }
      }
      const listPath = `${stripSlash(base.location)}/metadata/snap-${snapshotId}-${attempt + 1}-${randomUUID()}.avro`;
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
        summary: summarize(operation, parent, files, removed, options.summary ?? {}),
        'schema-id': base['current-schema-id'],
      };
      const md = withSnapshot(base, baseLocation, snapshot);
      const location = await trySwap(table, baseLocation, md);
      if (location !== undefined) {
        table.update(location, md);
        return snapshot;
      }
      await table.io.delete(listPath);
      written.pop();
      await backoff(attempt);
    }
    throw new CommitConflictError(
      `table ${table.name}: gave up after ${maxAttempts} commit attempts lost to other writers`,
      {
        context: { table: table.name },
      },
    );
  } catch (e) {
    await Promise.all(written.map((p) => table.io.delete(p).catch(() => undefined)));
    throw e;
  }
}
