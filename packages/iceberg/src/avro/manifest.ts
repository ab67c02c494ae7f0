/**
 * Manifests (spec "Manifests"): Avro files of `manifest_entry` records plus header metadata that
 * names the table schema and partition spec. Written as spec v2 with deflate; read from any writer
 * (v1 or v2, Java or PyIceberg) by field id, with the spec's v1 defaults filled in.
 */
import { MetadataError, parseJson, stringifyJson } from '@lakekit/core';
import {
  type DataFile,
  EntryStatus,
  FileContent,
  type ManifestEntry,
  type PartitionValues,
} from '../manifest-model.js';
import { manifestEntrySchema, type PartitionFieldDescriptor } from './avro-schemas.js';
import { decodeObjectContainer, encodeObjectContainer } from './object-container.js';
import { partitionFromAvro, partitionToAvro } from './partition-values.js';
import {
  bytesOrNull,
  fromBytes,
  fromLong,
  fromLongOrNull,
  mapFromAvro,
  mapToAvro,
  toLong,
} from './values.js';
import { type AvroField, planFields, requireField, WriterSchema } from './writer-schema.js';

/** What a manifest's header records besides its entries. */
export interface ManifestMeta {
  /** The table schema JSON as written in table metadata (written verbatim as header `schema`). */
  schemaJson: string;
  /** Header `schema-id`; taken from `schemaJson`'s `schema-id` when omitted. */
  schemaId?: number;
  /** The partition spec's fields array JSON (a whole spec object is reduced to its `fields`). */
  partitionSpecJson: string;
  partitionSpecId: number;
  /** The fields of the `partition` record, in spec order. Empty for an unpartitioned spec. */
  partitionFields: readonly PartitionFieldDescriptor[];
  content: 'data' | 'deletes';
}

/** Encodes a v2 manifest (deflate Avro) of the given entries. */
export async function encodeManifest(
  entries: readonly ManifestEntry[],
  meta: ManifestMeta,
): Promise<Uint8Array> {
  const schemaJson = JSON.stringify(manifestEntrySchema(meta.partitionFields));
  const metadata: Record<string, string> = {
    schema: meta.schemaJson,
    'partition-spec': partitionFieldsJson(meta.partitionSpecJson, meta.partitionSpecId),
    'partition-spec-id': String(meta.partitionSpecId),
    'format-version': '2',
    content: meta.content,
  };
  const schemaId = meta.schemaId ?? schemaIdOf(meta.schemaJson);
  if (schemaId !== undefined) metadata['schema-id'] = String(schemaId);
  const records = entries.map((e, i) => entryToAvro(e, i, meta));
  return encodeObjectContainer(schemaJson, records, metadata);
}

/** Decodes a manifest written by any Iceberg writer; partition tuples are keyed by partition field name. */
export async function decodeManifest(
  bytes: Uint8Array,
): Promise<{ entries: ManifestEntry[]; metadata: Record<string, string> }> {
  const { schema: root, metadata, records } = decodeObjectContainer(bytes);
  const schema = new WriterSchema(root);
  const entry = planFields(schema.fields(root, 'manifest_entry'), {
    status: [0, 'status'],
    snapshotId: [1, 'snapshot_id'],
    sequenceNumber: [3, 'sequence_number', 'data_sequence_number'],
    fileSequenceNumber: [4, 'file_sequence_number'],
    dataFile: [2, 'data_file'],
  });
  const dataFileField = requireField(entry.dataFile, 'data_file');
  const file = planFields(schema.fields(dataFileField.type, 'data_file'), {
    content: [134, 'content'],
    filePath: [100, 'file_path'],
    fileFormat: [101, 'file_format'],
    partition: [102, 'partition'],
    recordCount: [103, 'record_count'],
    fileSizeInBytes: [104, 'file_size_in_bytes'],
    columnSizes: [108, 'column_sizes'],
    valueCounts: [109, 'value_counts'],
    nullValueCounts: [110, 'null_value_counts'],
    nanValueCounts: [137, 'nan_value_counts'],
    lowerBounds: [125, 'lower_bounds'],
    upperBounds: [128, 'upper_bounds'],
    keyMetadata: [131, 'key_metadata'],
    splitOffsets: [132, 'split_offsets'],
    equalityIds: [135, 'equality_ids'],
    sortOrderId: [140, 'sort_order_id'],
    referencedDataFile: [143, 'referenced_data_file'],
  });
  const status = requireField(entry.status, 'status');
  const partitionField = requireField(file.partition, 'data_file.partition');
  const filePath = requireField(file.filePath, 'data_file.file_path');
  const fileFormat = requireField(file.fileFormat, 'data_file.file_format');
  const recordCount = requireField(file.recordCount, 'data_file.record_count');
  const fileSize = requireField(file.fileSizeInBytes, 'data_file.file_size_in_bytes');

  const entries = records.map((raw): ManifestEntry => {
    const r = raw as Record<string, unknown>;
    const f = r[dataFileField.name] as Record<string, unknown>;
    const get = (field: AvroField | undefined): unknown => (field ? f[field.name] : undefined);
    const dataFile: DataFile = {
      content: (get(file.content) ?? FileContent.DATA) as FileContent,
      filePath: f[filePath.name] as string,
      fileFormat: String(f[fileFormat.name]).toUpperCase() as DataFile['fileFormat'],
      partition: partitionFromAvro(
        schema,
        partitionField.type,
        f[partitionField.name] as Record<string, unknown>,
      ),
      recordCount: fromLong(f[recordCount.name]),
      fileSizeInBytes: fromLong(f[fileSize.name]),
    };
    const optionalParts: Partial<DataFile> = {
      columnSizes: mapFromAvro(get(file.columnSizes), fromLong),
      valueCounts: mapFromAvro(get(file.valueCounts), fromLong),
      nullValueCounts: mapFromAvro(get(file.nullValueCounts), fromLong),
      nanValueCounts: mapFromAvro(get(file.nanValueCounts), fromLong),
      lowerBounds: mapFromAvro(get(file.lowerBounds), fromBytes),
      upperBounds: mapFromAvro(get(file.upperBounds), fromBytes),
      keyMetadata: bytesOrNull(get(file.keyMetadata)) ?? undefined,
      splitOffsets: (get(file.splitOffsets) as unknown[] | null | undefined)?.map(fromLong),
      equalityIds: (get(file.equalityIds) as unknown[] | null | undefined)?.map((x) => Number(x)),
      sortOrderId: (get(file.sortOrderId) as number | null | undefined) ?? undefined,
      referencedDataFile: (get(file.referencedDataFile) as string | null | undefined) ?? undefined,
    };
    for (const [k, v] of Object.entries(optionalParts)) {
      if (v !== undefined) (dataFile as unknown as Record<string, unknown>)[k] = v;
    }
    return {
      status: r[status.name] as EntryStatus,
      snapshotId: entry.snapshotId ? fromLongOrNull(r[entry.snapshotId.name]) : null,
      // v1 manifests have no sequence numbers: the spec says they default to 0.
      sequenceNumber: entry.sequenceNumber ? fromLongOrNull(r[entry.sequenceNumber.name]) : 0n,
      fileSequenceNumber: entry.fileSequenceNumber ? fromLongOrNull(r[entry.fileSequenceNumber.name]) : 0n,
      dataFile,
    };
  });
  return { entries, metadata };
}

function entryToAvro(e: ManifestEntry, index: number, meta: ManifestMeta): Record<string, unknown> {
  const d = e.dataFile;
  const context = { entry: index, file: d.filePath };
  if (e.status !== EntryStatus.ADDED && (e.sequenceNumber === null || e.fileSequenceNumber === null)) {
    throw new MetadataError('EXISTING and DELETED manifest entries must carry both sequence numbers', {
      context,
    });
  }
  const isData = d.content === FileContent.DATA;
  if (isData !== (meta.content === 'data')) {
    throw new MetadataError(`a ${meta.content} manifest cannot list a file with content ${d.content}`, {
      context,
    });
  }
  return {
    status: e.status,
    snapshot_id: e.snapshotId,
    sequence_number: e.sequenceNumber,
    file_sequence_number: e.fileSequenceNumber,
    data_file: {
      content: d.content,
      file_path: d.filePath,
      file_format: d.fileFormat,
      partition: partitionToAvro(meta.partitionFields, d.partition as PartitionValues),
      record_count: toLong(d.recordCount, 'record_count'),
      file_size_in_bytes: toLong(d.fileSizeInBytes, 'file_size_in_bytes'),
      column_sizes: mapToAvro(d.columnSizes, (v) => toLong(v, 'column_sizes')),
      value_counts: mapToAvro(d.valueCounts, (v) => toLong(v, 'value_counts')),
      null_value_counts: mapToAvro(d.nullValueCounts, (v) => toLong(v, 'null_value_counts')),
      nan_value_counts: mapToAvro(d.nanValueCounts, (v) => toLong(v, 'nan_value_counts')),
      lower_bounds: mapToAvro(d.lowerBounds, (v) => Buffer.from(v)),
      upper_bounds: mapToAvro(d.upperBounds, (v) => Buffer.from(v)),
      key_metadata: d.keyMetadata ? Buffer.from(d.keyMetadata) : null,
      split_offsets: d.splitOffsets ? d.splitOffsets.map((o) => toLong(o, 'split_offsets')) : null,
      equality_ids: d.equalityIds ? [...d.equalityIds] : null,
      sort_order_id: d.sortOrderId ?? null,
      referenced_data_file: d.referencedDataFile ?? null,
    },
  };
}

/** The header `partition-spec` value: the spec's fields array (spec "Manifests"). */
function partitionFieldsJson(text: string, specId: number): string {
  const parsed = parseJson(text);
  if (Array.isArray(parsed)) return text;
  const spec = parsed as { 'spec-id'?: unknown; fields?: unknown };
  if (typeof spec === 'object' && spec !== null && Array.isArray(spec.fields)) {
    if (spec['spec-id'] !== undefined && spec['spec-id'] !== specId) {
      throw new MetadataError(`partition spec JSON has spec-id ${spec['spec-id']}, not ${specId}`);
    }
    return stringifyJson(spec.fields);
  }
  throw new MetadataError('partition-spec must be the JSON array of partition fields');
}

function schemaIdOf(schemaJson: string): number | undefined {
  const parsed = parseJson(schemaJson) as { 'schema-id'?: unknown } | null;
  const id = parsed?.['schema-id'];
  return typeof id === 'number' ? id : undefined;
}
