/**
 * Manifest lists (spec "Manifest Lists"): one Avro file per snapshot attempt listing its manifests.
 * Written as spec v2 with deflate; read from any writer by field id, with v1 defaults filled in.
 */
import { MetadataError } from '@lakekit/core';
import type { FieldSummary, ManifestContent, ManifestFile } from '../manifest-model.js';
import { MANIFEST_LIST_SCHEMA } from './avro-schemas.js';
import { decodeObjectContainer, encodeObjectContainer } from './object-container.js';
import { bytesOrNull, fromLong, fromLongOrNull, toLong } from './values.js';
import { type AvroField, planFields, requireField, WriterSchema } from './writer-schema.js';

const SCHEMA_JSON = JSON.stringify(MANIFEST_LIST_SCHEMA);

/** What a manifest list's header records about its snapshot. */
export interface ManifestListMeta {
  snapshotId: bigint;
  parentSnapshotId: bigint | null;
  sequenceNumber: bigint;
}

/**
 * Encodes a v2 manifest list. Manifests added by this snapshot may carry sequence numbers of -1
 * (unassigned); they get the snapshot's sequence number, as the spec assigns it at commit.
 */
export async function encodeManifestList(
  files: readonly ManifestFile[],
  meta: ManifestListMeta,
): Promise<Uint8Array> {
  const records = files.map((f) => {
    const assign = (n: bigint, what: string): bigint => {
      if (n >= 0n) return n;
      if (f.addedSnapshotId !== meta.snapshotId) {
        throw new MetadataError(`manifest from snapshot ${f.addedSnapshotId} has no ${what}`, {
          context: { manifest: f.manifestPath },
        });
      }
      return meta.sequenceNumber;
    };
    return {
      manifest_path: f.manifestPath,
      manifest_length: toLong(f.manifestLength, 'manifest_length'),
      partition_spec_id: f.partitionSpecId,
      content: f.content,
      sequence_number: assign(f.sequenceNumber, 'sequence number'),
      min_sequence_number: assign(f.minSequenceNumber, 'min sequence number'),
      added_snapshot_id: f.addedSnapshotId,
      added_files_count: f.addedFilesCount,
      existing_files_count: f.existingFilesCount,
      deleted_files_count: f.deletedFilesCount,
      added_rows_count: toLong(f.addedRowsCount, 'added_rows_count'),
      existing_rows_count: toLong(f.existingRowsCount, 'existing_rows_count'),
      deleted_rows_count: toLong(f.deletedRowsCount, 'deleted_rows_count'),
      partitions: f.partitions
        ? f.partitions.map((p) => ({
            contains_null: p.containsNull,
            contains_nan: p.containsNan ?? null,
            lower_bound: p.lowerBound ? Buffer.from(p.lowerBound) : null,
            upper_bound: p.upperBound ? Buffer.from(p.upperBound) : null,
          }))
        : null,
      key_metadata: f.keyMetadata ? Buffer.from(f.keyMetadata) : null,
    };
  });
  return encodeObjectContainer(SCHEMA_JSON, records, {
    'snapshot-id': meta.snapshotId.toString(),
    'parent-snapshot-id': meta.parentSnapshotId === null ? 'null' : meta.parentSnapshotId.toString(),
    'sequence-number': meta.sequenceNumber.toString(),
    'format-version': '2',
  });
}

/**
 * Decodes a manifest list written by any Iceberg writer. v1 lists get content 0 and sequence numbers
 * 0 (spec Appendix E); a file or row count a v1 writer left null decodes as -1 ("unknown, assume
 * non-zero" in the spec).
 */
export async function decodeManifestList(bytes: Uint8Array): Promise<ManifestFile[]> {
  const { schema: root, records } = decodeObjectContainer(bytes);
  const schema = new WriterSchema(root);
  const p = planFields(schema.fields(root, 'manifest_file'), {
    manifestPath: [500, 'manifest_path'],
    manifestLength: [501, 'manifest_length'],
    partitionSpecId: [502, 'partition_spec_id'],
    content: [517, 'content'],
    sequenceNumber: [515, 'sequence_number'],
    minSequenceNumber: [516, 'min_sequence_number'],
    addedSnapshotId: [503, 'added_snapshot_id'],
    addedFilesCount: [504, 'added_files_count', 'added_data_files_count'],
    existingFilesCount: [505, 'existing_files_count', 'existing_data_files_count'],
    deletedFilesCount: [506, 'deleted_files_count', 'deleted_data_files_count'],
    addedRowsCount: [512, 'added_rows_count'],
    existingRowsCount: [513, 'existing_rows_count'],
    deletedRowsCount: [514, 'deleted_rows_count'],
    partitions: [507, 'partitions'],
    keyMetadata: [519, 'key_metadata'],
  });
  const path = requireField(p.manifestPath, 'manifest_path');
  const length = requireField(p.manifestLength, 'manifest_length');
  const specId = requireField(p.partitionSpecId, 'partition_spec_id');
  const snapshotId = requireField(p.addedSnapshotId, 'added_snapshot_id');
  const summary = p.partitions ? summaryPlan(schema, p.partitions) : undefined;

  return records.map((raw): ManifestFile => {
    const r = raw as Record<string, unknown>;
    const get = (f: AvroField | undefined): unknown => (f ? r[f.name] : undefined);
    const count = (f: AvroField | undefined): number => {
      const v = get(f);
      return v === null || v === undefined ? -1 : fromLong(v);
    };
    const added = fromLongOrNull(r[snapshotId.name]);
    if (added === null) throw new MetadataError('manifest list entry has no added_snapshot_id');
    const partitions = get(p.partitions) as Record<string, unknown>[] | null | undefined;
    return {
      manifestPath: r[path.name] as string,
      manifestLength: fromLong(r[length.name]),
      partitionSpecId: r[specId.name] as number,
      content: ((get(p.content) as number | null | undefined) ?? 0) as ManifestContent,
      sequenceNumber: fromLongOrNull(get(p.sequenceNumber)) ?? 0n,
      minSequenceNumber: fromLongOrNull(get(p.minSequenceNumber)) ?? 0n,
      addedSnapshotId: added,
      addedFilesCount: count(p.addedFilesCount),
      existingFilesCount: count(p.existingFilesCount),
      deletedFilesCount: count(p.deletedFilesCount),
      addedRowsCount: count(p.addedRowsCount),
      existingRowsCount: count(p.existingRowsCount),
      deletedRowsCount: count(p.deletedRowsCount),
      partitions: partitions && summary ? partitions.map(summary) : null,
      keyMetadata: bytesOrNull(get(p.keyMetadata)),
    };
  });
}

/** How to read the writer's `field_summary` records (element 508 of field 507). */
function summaryPlan(
  schema: WriterSchema,
  partitions: AvroField,
): (r: Record<string, unknown>) => FieldSummary {
  const list = schema.nonNull(partitions.type) as { items?: unknown };
  const s = planFields(schema.fields(list.items, 'partitions element'), {
    containsNull: [509, 'contains_null'],
    containsNan: [518, 'contains_nan'],
    lowerBound: [510, 'lower_bound'],
    upperBound: [511, 'upper_bound'],
  });
  const get = (r: Record<string, unknown>, f: AvroField | undefined): unknown => (f ? r[f.name] : undefined);
  return (r) => ({
    containsNull: get(r, s.containsNull) === true,
    containsNan: (get(r, s.containsNan) as boolean | null | undefined) ?? null,
    lowerBound: bytesOrNull(get(r, s.lowerBound)),
    upperBound: bytesOrNull(get(r, s.upperBound)),
  });
}
