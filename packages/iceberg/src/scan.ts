/**
 * Scan planning: a snapshot's manifest list → manifests → the live data files, with sequence
 * numbers inherited as the spec says. Delete files are never ignored: until Lakekit applies them
 * (Foundation II), a snapshot with delete manifests fails loudly.
 */
import { type FileIO, UnsupportedError } from '@lakekit/core';
import { decodeManifest, decodeManifestList } from './avro/index.js';
import {
  type DataFile,
  EntryStatus,
  ManifestContent,
  type ManifestEntry,
  type ManifestFile,
} from './manifest-model.js';
import type { SnapshotJson } from './table-metadata.js';

/** A live file with its resolved sequence numbers. */
export interface LiveFile {
  readonly dataFile: DataFile;
  readonly snapshotId: bigint;
  readonly sequenceNumber: bigint;
  readonly fileSequenceNumber: bigint;
  readonly manifest: ManifestFile;
}

/** The manifests of a snapshot. */
export async function readManifestList(io: FileIO, snapshot: SnapshotJson): Promise<ManifestFile[]> {
  return decodeManifestList(await io.read(snapshot['manifest-list']));
}

/** The entries of one manifest, with `null` snapshot ids and sequence numbers inherited. */
export async function readManifestEntries(io: FileIO, manifest: ManifestFile): Promise<ManifestEntry[]> {
  const { entries } = await decodeManifest(await io.read(manifest.manifestPath));
  return entries.map((e) => ({
    ...e,
    snapshotId: e.snapshotId ?? manifest.addedSnapshotId,
    // Only ADDED entries may inherit (spec: "Sequence Number Inheritance").
    sequenceNumber: e.sequenceNumber ?? (e.status === EntryStatus.ADDED ? manifest.sequenceNumber : 0n),
    fileSequenceNumber:
      e.fileSequenceNumber ?? (e.status === EntryStatus.ADDED ? manifest.sequenceNumber : 0n),
  }));
}

/** The live data files of a snapshot (entries with status ADDED or EXISTING in data manifests). */
export async function planFiles(io: FileIO, snapshot: SnapshotJson | undefined): Promise<LiveFile[]> {
  if (snapshot === undefined) return [];
  const manifests = await readManifestList(io, snapshot);
  const deletes = manifests.filter((m) => m.content === ManifestContent.DELETES);
  if (deletes.length > 0) {
    throw new UnsupportedError(
      `snapshot ${snapshot['snapshot-id']} has ${deletes.length} delete manifest(s); this Lakekit version cannot apply row-level deletes yet and refuses to return rows that may have been deleted`,
      { context: { snapshot: snapshot['snapshot-id'], manifest: deletes[0]!.manifestPath } },
    );
  }
  const perManifest = await Promise.all(
    manifests.map((m) => readManifestEntries(io, m).then((es) => ({ m, es }))),
  );
  const out: LiveFile[] = [];
  for (const { m, es } of perManifest) {
    for (const e of es) {
      if (e.status === EntryStatus.DELETED) continue;
      out.push({
        dataFile: e.dataFile,
        snapshotId: e.snapshotId!,
        sequenceNumber: e.sequenceNumber!,
        fileSequenceNumber: e.fileSequenceNumber!,
        manifest: m,
      });
    }
  }
  return out;
}
