/**
 * The Avro schemas of Iceberg v2 manifest lists (`manifest_file`) and manifests (`manifest_entry`),
 * with every `field-id`, `element-id` and map key/value id of the spec. Readers such as PyIceberg and
 * Iceberg Java resolve fields by these ids, so they are part of the format. Record names, union order
 * (`["null", T]` with default null) and docs follow what Iceberg Java and PyIceberg write.
 */
import type { PrimitiveType } from '@lakekit/core';

/** A partition field as it appears in a manifest's `partition` record: its id, name and result type. */
export interface PartitionFieldDescriptor {
  fieldId: number;
  name: string;
  type: PrimitiveType;
}

type AvroSchema = string | readonly AvroSchema[] | { readonly [key: string]: unknown };

function optional(name: string, type: AvroSchema, fieldId: number, doc?: string) {
  return { name, type: ['null', type], ...(doc ? { doc } : {}), default: null, 'field-id': fieldId };
}

function required(name: string, type: AvroSchema, fieldId: number, doc?: string) {
  return { name, type, ...(doc ? { doc } : {}), 'field-id': fieldId };
}

/** An Iceberg map with non-string keys: an array of key/value records with logical type `map`. */
function intKeyMap(keyId: number, valueId: number, valueType: AvroSchema) {
  return {
    type: 'array',
    items: {
      type: 'record',
      name: `k${keyId}_v${valueId}`,
      fields: [
        { name: 'key', type: 'int', 'field-id': keyId },
        { name: 'value', type: valueType, 'field-id': valueId },
      ],
    },
    logicalType: 'map',
  };
}

/** The `manifest_file` record of a v2 manifest list (spec "Manifest Lists", ids 500–519). */
export const MANIFEST_LIST_SCHEMA = {
  type: 'record',
  name: 'manifest_file',
  fields: [
    required('manifest_path', 'string', 500, 'Location URI with FS scheme'),
    required('manifest_length', 'long', 501, 'Total file size in bytes'),
    required('partition_spec_id', 'int', 502, 'Spec ID used to write'),
    required('content', 'int', 517, 'Contents of the manifest: 0=data, 1=deletes'),
    required('sequence_number', 'long', 515, 'Sequence number when the manifest was added'),
    required('min_sequence_number', 'long', 516, 'Lowest sequence number in the manifest'),
    required('added_snapshot_id', 'long', 503, 'Snapshot ID that added the manifest'),
    required('added_files_count', 'int', 504, 'Added entry count'),
    required('existing_files_count', 'int', 505, 'Existing entry count'),
    required('deleted_files_count', 'int', 506, 'Deleted entry count'),
    required('added_rows_count', 'long', 512, 'Added rows count'),
    required('existing_rows_count', 'long', 513, 'Existing rows count'),
    required('deleted_rows_count', 'long', 514, 'Deleted rows count'),
    optional(
      'partitions',
      {
        type: 'array',
        items: {
          type: 'record',
          name: 'r508',
          fields: [
            required('contains_null', 'boolean', 509, 'True if any file has a null partition value'),
            optional('contains_nan', 'boolean', 518, 'True if any file has a nan partition value'),
            optional('lower_bound', 'bytes', 510, 'Partition lower bound for all files'),
            optional('upper_bound', 'bytes', 511, 'Partition upper bound for all files'),
          ],
        },
        'element-id': 508,
      },
      507,
      'Summary for each partition',
    ),
    optional('key_metadata', 'bytes', 519, 'Encryption key metadata blob'),
  ],
} as const;

/** The `manifest_entry` record of a v2 manifest whose `partition` record (r102) has the given fields. */
export function manifestEntrySchema(partitionFields: readonly PartitionFieldDescriptor[]) {
  return {
    type: 'record',
    name: 'manifest_entry',
    fields: [
      required('status', 'int', 0),
      optional('snapshot_id', 'long', 1),
      optional('sequence_number', 'long', 3),
      optional('file_sequence_number', 'long', 4),
      required(
        'data_file',
        {
          type: 'record',
          name: 'r2',
          fields: [
            required(
              'content',
              'int',
              134,
              'Contents of the file: 0=data, 1=position deletes, 2=equality deletes',
            ),
            required('file_path', 'string', 100, 'Location URI with FS scheme'),
            required('file_format', 'string', 101, 'File format name: avro, orc, or parquet'),
            required(
              'partition',
              partitionRecordSchema(partitionFields),
              102,
              'Partition data tuple, schema based on the partition spec',
            ),
            required('record_count', 'long', 103, 'Number of records in the file'),
            required('file_size_in_bytes', 'long', 104, 'Total file size in bytes'),
            optional(
              'column_sizes',
              intKeyMap(117, 118, 'long'),
              108,
              'Map of column id to total size on disk',
            ),
            optional(
              'value_counts',
              intKeyMap(119, 120, 'long'),
              109,
              'Map of column id to total count, including null and NaN',
            ),
            optional(
              'null_value_counts',
              intKeyMap(121, 122, 'long'),
              110,
              'Map of column id to null value count',
            ),
            optional(
              'nan_value_counts',
              intKeyMap(138, 139, 'long'),
              137,
              'Map of column id to number of NaN values in the column',
            ),
            optional('lower_bounds', intKeyMap(126, 127, 'bytes'), 125, 'Map of column id to lower bound'),
            optional('upper_bounds', intKeyMap(129, 130, 'bytes'), 128, 'Map of column id to upper bound'),
            optional('key_metadata', 'bytes', 131, 'Encryption key metadata blob'),
            optional(
              'split_offsets',
              { type: 'array', items: 'long', 'element-id': 133 },
              132,
              'Splittable offsets',
            ),
            optional(
              'equality_ids',
              { type: 'array', items: 'int', 'element-id': 136 },
              135,
              'Equality comparison field IDs',
            ),
            optional('sort_order_id', 'int', 140, 'Sort order ID'),
            optional(
              'referenced_data_file',
              'string',
              143,
              'Fully qualified location (URI with FS scheme) of a data file that all deletes reference',
            ),
          ],
        },
        2,
      ),
    ],
  };
}

/** The `partition` record (name r102): one optional field per partition field, with its field id. */
function partitionRecordSchema(partitionFields: readonly PartitionFieldDescriptor[]) {
  const definedNames = new Set<string>();
  return {
    type: 'record',
    name: 'r102',
    fields: partitionFields.map((f) => {
      const avroName = sanitizeAvroName(f.name);
      return {
        ...optional(avroName, primitiveAvroSchema(f.type, definedNames), f.fieldId),
        ...(avroName === f.name ? {} : { 'iceberg-field-name': f.name }),
      };
    }),
  };
}

/**
 * The Avro schema of an Iceberg primitive (spec Appendix A). Named types (`fixed_L`, `decimal_P_S`,
 * `uuid_fixed`) are defined once; later uses refer to them by name, as Avro requires.
 */
function primitiveAvroSchema(t: PrimitiveType, definedNames: Set<string>): AvroSchema {
  const named = (name: string, schema: Record<string, unknown>): AvroSchema => {
    if (definedNames.has(name)) return name;
    definedNames.add(name);
    return { ...schema, name };
  };
  switch (t.kind) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return t.kind;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'uuid':
      return named('uuid_fixed', { type: 'fixed', size: 16, logicalType: 'uuid' });
    case 'fixed':
      return named(`fixed_${t.length}`, { type: 'fixed', size: t.length });
    case 'decimal':
      return named(`decimal_${t.precision}_${t.scale}`, {
        type: 'fixed',
        size: decimalRequiredBytes(t.precision),
        logicalType: 'decimal',
        precision: t.precision,
        scale: t.scale,
      });
  }
}

/** Bytes of the Avro fixed that holds any unscaled value of a decimal with this precision. */
export function decimalRequiredBytes(precision: number): number {
  const max = 10n ** BigInt(precision);
  let bytes = 1;
  while (1n << BigInt(8 * bytes - 1) < max) bytes++;
  return bytes;
}

/**
 * A valid Avro name for an Iceberg field name, the way Iceberg Java sanitizes it: a leading digit
 * becomes `_<digit>`, other invalid characters `_x<HEX>`. The original goes in `iceberg-field-name`.
 */
export function sanitizeAvroName(name: string): string {
  if (/^[A-Za-z_][A-Za-z0-9_]*$/.test(name)) return name;
  let out = '';
  let first = true;
  for (const ch of name) {
    const valid = first ? /[A-Za-z_]/.test(ch) : /[A-Za-z0-9_]/.test(ch);
    if (valid) out += ch;
    else if (/[0-9]/.test(ch)) out += `_${ch}`;
    else out += `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
    first = false;
  }
  return out;
}
