/** Metadata of a new, empty table (format v2, unpartitioned, unsorted). */
import { randomUUID } from 'node:crypto';
import { maxFieldId, type Schema, schemaToJson } from './schema.js';
import type { TableMetadata } from './table-metadata.js';

/** Builds version 0 of a table's metadata (partitioned by `partitionFields`, spec JSON fields, if given). */
export function newTableMetadata(
  location: string,
  schema: Schema,
  properties: Record<string, string> = {},
  partitionFields: Record<string, unknown>[] = [],
): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': randomUUID(),
    location,
    'last-sequence-number': 0n,
    'last-updated-ms': Date.now(),
    'last-column-id': maxFieldId(schema.fields),
    'current-schema-id': schema.schemaId,
    schemas: [schemaToJson(schema)],
    'default-spec-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: partitionFields }],
    // 999 = no partition field yet; new ones start at 1000 (as Java and PyIceberg do).
    'last-partition-id': Math.max(999, ...partitionFields.map((f) => Number(f['field-id']))),
    'default-sort-order-id': 0,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    properties: { 'write.parquet.compression-codec': 'snappy', ...properties },
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    refs: {},
  };
}
