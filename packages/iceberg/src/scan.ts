/**
 * Scan planning: a snapshot's manifest list → manifests → the live data and delete files, with
 * sequence numbers inherited as the spec says. Delete files are returned with the data files so every
 * reader applies them (apply-deletes.ts); `planFiles` gives data files only, for writers.
 */
import type { FileIO } from '@lakekit/core';
import { decodeManifest, decodeManifestList } from './avro/index.js';
import { fromBinary } from './conversions.js';
import {
  type Expression,
  fileMightMatch,
  type PartitionRange,
  partitionMightMatch,
  tupleRange,
} from './expressions/index.js';
import {
  type DataFile,
  EntryStatus,
  FileContent,
  ManifestContent,
  type ManifestEntry,
  type ManifestFile,
} from './manifest-model.js';
import type { ResolvedPartitionField } from './partition-descriptors.js';
import type { Schema } from './schema.js';
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

/** The live data files and delete files of a snapshot. */
export interface ScanPlan {
  data: LiveFile[];
  deletes: LiveFile[];
}

/** What a scan may skip: data files whose statistics show no row can match `filter`. */
export interface ScanFilter {
  filter: Expression;
  /** The schema the filter's field ids refer to. */
  schema: Schema;
  /** The table's partition specs by id, to prune manifests and files by partition values. */
  specs?: ReadonlyMap<number, readonly ResolvedPartitionField[]>;
}

/** A manifest's partition range from its summaries, or undefined when it has none. */
function manifestRange(m: ManifestFile, spec: readonly ResolvedPartitionField[]): PartitionRange | undefined {
  if (!m.partitions || m.partitions.length !== spec.length) return undefined;
  const out: PartitionRange = {};
  spec.forEach((f, i) => {
    const s = m.partitions![i]!;
    const decode = (b: Uint8Array | null | undefined) => {
      if (b === null || b === undefined) return null;
      try {
        return fromBinary(f.resultType, b);
      } catch {
        return undefined;
      }
    };
    const lower = decode(s.lowerBound);
    const upper = decode(s.upperBound);
    // No bounds but not all-null: unknown values, so the range is open.
    out[f.name] =
      lower === null && upper === null && !s.containsNull
        ? { lower: undefined, upper: undefined, containsNull: true }
        : { lower, upper, containsNull: s.containsNull };
  });
  return out;
}

/**
 * The live data and delete files of a snapshot (entries ADDED or EXISTING). With a filter, data files
 * that cannot hold a matching row are left out (delete files are always kept: they only remove rows).
 */
export async function planScan(
  io: FileIO,
  snapshot: SnapshotJson | undefined,
  filter?: ScanFilter,
): Promise<ScanPlan> {
  const plan: ScanPlan = { data: [], deletes: [] };
  if (snapshot === undefined) return plan;
  let manifests = await readManifestList(io, snapshot);
  if (filter?.specs) {
    manifests = manifests.filter((m) => {
      if (m.content !== ManifestContent.DATA) return true;
      const spec = filter.specs!.get(m.partitionSpecId);
      const range = spec && manifestRange(m, spec);
      return !spec || !range || partitionMightMatch(filter.filter, spec, range);
    });
  }
  const perManifest = await Promise.all(
    manifests.map((m) => readManifestEntries(io, m).then((es) => ({ m, es }))),
  );
  for (const { m, es } of perManifest) {
    for (const e of es) {
      if (e.status === EntryStatus.DELETED) continue;
      const live: LiveFile = {
        dataFile: e.dataFile,
        snapshotId: e.snapshotId!,
        sequenceNumber: e.sequenceNumber!,
        fileSequenceNumber: e.fileSequenceNumber!,
        manifest: m,
      };
      if (m.content === ManifestContent.DELETES || e.dataFile.content !== FileContent.DATA)
        plan.deletes.push(live);
      else if (!filter || mightMatch(filter, m.partitionSpecId, e.dataFile)) plan.data.push(live);
    }
  }
  return plan;
}

function mightMatch(filter: ScanFilter, specId: number, file: DataFile): boolean {
  const spec = filter.specs?.get(specId);
  if (spec && !partitionMightMatch(filter.filter, spec, tupleRange(file.partition))) return false;
  return fileMightMatch(filter.filter, filter.schema, file);
}

/** The live data files of a snapshot (without its delete files: for writers that rewrite whole files). */
export async function planFiles(io: FileIO, snapshot: SnapshotJson | undefined): Promise<LiveFile[]> {
  return (await planScan(io, snapshot)).data;
}
