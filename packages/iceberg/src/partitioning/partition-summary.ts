/**
 * The `partitions` field summaries of a manifest list entry (spec field 507): per partition field,
 * whether any file's value is null or NaN and the lowest and highest value, in the single-value binary
 * encoding. Readers skip whole manifests with them, so a bound must never exclude a value that is
 * present; values are ordered as Iceberg Java orders them (strings by code point, binary and uuid
 * as unsigned bytes, decimals numerically, -0.0 below 0.0, NaN only counted in `containsNan`).
 */
import { DataError, formatPrimitiveType, type PrimitiveType } from '@lakekit/core';
import type { PartitionFieldDescriptor } from '../avro/index.js';
import { toBinary } from '../conversions.js';
import type { FieldSummary, PartitionValues } from '../manifest-model.js';
import { unscaledDecimal } from './unscaled-decimal.js';

/**
 * Field summaries, in `fields` order, of the partition tuples of a manifest's files (tuples keyed by
 * partition field name; a missing key counts as null). `containsNan` is written for every field
 * (false when the type has no NaN), as Iceberg Java and PyIceberg do.
 */
export function partitionSummaries(
  fields: readonly PartitionFieldDescriptor[],
  partitions: Iterable<PartitionValues>,
): FieldSummary[] {
  const stats = fields.map(() => ({
    containsNull: false,
    containsNan: false,
    lower: undefined as unknown,
    upper: undefined as unknown,
  }));
  for (const tuple of partitions) {
    for (const [i, f] of fields.entries()) {
      const s = stats[i]!;
      const value = tuple[f.name];
      if (value === null || value === undefined) {
        s.containsNull = true;
      } else if (typeof value === 'number' && Number.isNaN(value)) {
        if (f.type.kind !== 'float' && f.type.kind !== 'double') throw invalid(f, value);
        s.containsNan = true;
      } else if (s.lower === undefined) {
        s.lower = value;
        s.upper = value;
      } else {
        if (compareValues(f, value, s.lower) < 0) s.lower = value;
        if (compareValues(f, value, s.upper) > 0) s.upper = value;
      }
    }
  }
  return fields.map((f, i) => {
    const s = stats[i]!;
    return {
      containsNull: s.containsNull,
      containsNan: s.containsNan,
      lowerBound: s.lower === undefined ? null : encode(f, s.lower),
      upperBound: s.upper === undefined ? null : encode(f, s.upper),
    };
  });
}

/** Orders two non-null, non-NaN values of a partition field's type as Iceberg Java does. */
function compareValues(f: PartitionFieldDescriptor, a: unknown, b: unknown): number {
  const t = f.type;
  switch (t.kind) {
    case 'boolean':
      return Number(expect(f, a, 'boolean')) - Number(expect(f, b, 'boolean'));
    case 'int':
    case 'date':
    case 'float':
    case 'double':
      return compareNumbers(Number(expect(f, a, 'number')), Number(expect(f, b, 'number')));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return compareBigints(asBigint(f, a), asBigint(f, b));
    case 'decimal':
      return compareBigints(unscaledDecimal(t, a), unscaledDecimal(t, b));
    case 'string':
    case 'uuid':
    case 'fixed':
    case 'binary':
      // UTF-8 byte order is code point order; uuid bytes are big-endian.
      return compareBytes(encode(f, a), encode(f, b));
  }
}

function compareNumbers(a: number, b: number): number {
  if (a < b) return -1;
  if (a > b) return 1;
  // Equal, or -0.0 against 0.0: Java's Float/Double.compare puts -0.0 first.
  return Object.is(a, -0) === Object.is(b, -0) ? 0 : Object.is(a, -0) ? -1 : 1;
}

function compareBigints(a: bigint, b: bigint): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

function compareBytes(a: Uint8Array, b: Uint8Array): number {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return d;
  }
  return a.length - b.length;
}

function asBigint(f: PartitionFieldDescriptor, v: unknown): bigint {
  if (typeof v === 'bigint') return v;
  if (typeof v === 'number' && Number.isSafeInteger(v)) return BigInt(v);
  throw invalid(f, v);
}

function expect(f: PartitionFieldDescriptor, v: unknown, type: 'boolean' | 'number'): unknown {
  if (typeof v === type || (type === 'number' && typeof v === 'bigint')) return v;
  throw invalid(f, v);
}

function encode(f: PartitionFieldDescriptor, v: unknown): Uint8Array {
  try {
    return toBinary(f.type, v);
  } catch (cause) {
    throw invalid(f, v, cause);
  }
}

function invalid(f: PartitionFieldDescriptor, v: unknown, cause?: unknown): DataError {
  const shown = typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? 'bytes' : String(v);
  const type: PrimitiveType = f.type;
  return new DataError(
    `partition value ${shown} of "${f.name}" is not a valid ${formatPrimitiveType(type)}`,
    { ...(cause !== undefined ? { cause } : {}), context: { partitionField: f.name } },
  );
}
