/**
 * Partition tuples between Lakekit's value convention (see conversions.ts: long and timestamps as
 * bigint, decimal as string, uuid as string) and the Avro values of a manifest's `partition` record
 * (decimal and uuid as fixed bytes). Decoding follows the writer's schema, so tuples from other
 * writers come back keyed by partition field name.
 */
import { DataError, MetadataError } from '@lakekit/core';
import { fromBinary, toBinary } from '../conversions.js';
import type { PartitionValues } from '../manifest-model.js';
import { decimalRequiredBytes, type PartitionFieldDescriptor, sanitizeAvroName } from './avro-schemas.js';
import type { WriterSchema } from './writer-schema.js';

/** The Avro record value of a partition tuple for the `partition` record built from `fields`. */
export function partitionToAvro(
  fields: readonly PartitionFieldDescriptor[],
  values: PartitionValues,
): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const f of fields) {
    const value = values[f.name];
    try {
      out[sanitizeAvroName(f.name)] = value === null || value === undefined ? null : toAvroValue(f, value);
    } catch (cause) {
      throw new DataError(`partition value of "${f.name}" does not fit its type`, {
        cause,
        context: { partitionField: f.name },
      });
    }
  }
  return out;
}

function toAvroValue(f: PartitionFieldDescriptor, value: unknown): unknown {
  const t = f.type;
  switch (t.kind) {
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
      if (typeof value !== 'bigint') throw new DataError(`expected a bigint, got ${typeof value}`);
      return value;
    case 'int':
    case 'date':
      if (typeof value === 'bigint') return Number(value);
      return value;
    case 'uuid':
    case 'fixed':
    case 'binary':
      return Buffer.from(toBinary(t, value));
    case 'decimal': {
      const minimal = toBinary(t, value);
      const size = decimalRequiredBytes(t.precision);
      if (minimal.length > size) throw new DataError(`decimal does not fit ${size} bytes`);
      const out = Buffer.alloc(size, (minimal[0] ?? 0) & 0x80 ? 0xff : 0x00);
      out.set(minimal, size - minimal.length);
      return out;
    }
    default:
      return value;
  }
}

/** Reads a partition record written with `partitionSchema` (the writer's r102 type) into a tuple. */
export function partitionFromAvro(
  schema: WriterSchema,
  partitionSchema: unknown,
  record: Record<string, unknown>,
): PartitionValues {
  const out: PartitionValues = {};
  for (const f of schema.fields(partitionSchema, 'data_file.partition')) {
    const name = typeof f['iceberg-field-name'] === 'string' ? f['iceberg-field-name'] : f.name;
    const raw = record[f.name];
    out[name] = raw === null || raw === undefined ? null : fromAvroValue(schema.nonNull(f.type), raw, name);
  }
  return out;
}

function fromAvroValue(type: unknown, value: unknown, name: string): unknown {
  if (typeof type === 'string') {
    return value instanceof Uint8Array ? new Uint8Array(value) : value;
  }
  const t = type as { type?: unknown; logicalType?: unknown; precision?: unknown; scale?: unknown };
  if (value instanceof Uint8Array) {
    if (t.logicalType === 'decimal') {
      const precision = Number(t.precision);
      const scale = Number(t.scale ?? 0);
      return fromBinary({ kind: 'decimal', precision, scale }, value);
    }
    if (t.logicalType === 'uuid' && value.length === 16) return fromBinary({ kind: 'uuid' }, value);
    return new Uint8Array(value);
  }
  if (typeof value === 'object' && value !== null) {
    throw new MetadataError(`partition field "${name}" has a nested type, which Iceberg does not allow`);
  }
  return value;
}
