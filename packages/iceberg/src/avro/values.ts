/**
 * Conversions at the Avro boundary: Avro longs are `bigint` (exact for 63-bit ids) while counts and
 * sizes are `number` in the manifest model; int-keyed maps are arrays of key/value records; bytes are
 * copied out of the decode buffer so callers never hold views into a whole file.
 */
import { DataError, MetadataError } from '@lakekit/core';

/** A count, size or offset as an Avro long; rejects values that are not exact integers. */
export function toLong(n: number | bigint, what: string): bigint {
  if (typeof n === 'bigint') return n;
  if (!Number.isSafeInteger(n))
    throw new DataError(`${what} must be an integer, got ${n}`, { context: { what } });
  return BigInt(n);
}

/** A decoded Avro long (or int) as a number, for counts and sizes. */
export function fromLong(x: unknown): number {
  if (typeof x === 'bigint') return Number(x);
  if (typeof x === 'number') return x;
  throw new MetadataError(`expected an Avro long, found ${x === null ? 'null' : typeof x}`);
}

/** A decoded optional Avro long as bigint, or null. */
export function fromLongOrNull(x: unknown): bigint | null {
  if (x === null || x === undefined) return null;
  if (typeof x === 'bigint') return x;
  if (typeof x === 'number' && Number.isInteger(x)) return BigInt(x);
  throw new MetadataError(`expected an Avro long, found ${typeof x}`);
}

/** Decoded Avro bytes as a fresh Uint8Array. */
export function fromBytes(x: unknown): Uint8Array {
  if (!(x instanceof Uint8Array)) throw new MetadataError(`expected Avro bytes, found ${typeof x}`);
  return new Uint8Array(x);
}

/** Decoded optional Avro bytes, or null. */
export function bytesOrNull(x: unknown): Uint8Array | null {
  return x === null || x === undefined ? null : fromBytes(x);
}

/** A map keyed by field id as the spec's Avro array of `{key, value}` records (null when absent). */
export function mapToAvro<V>(
  m: ReadonlyMap<number, V> | undefined,
  conv: (v: V) => unknown,
): { key: number; value: unknown }[] | null {
  if (!m) return null;
  return [...m].map(([key, value]) => ({ key, value: conv(value) }));
}

/** An int-keyed map from its Avro form (array of key/value records, or an Avro map); undefined when null. */
export function mapFromAvro<V>(x: unknown, conv: (v: unknown) => V): Map<number, V> | undefined {
  if (x === null || x === undefined) return undefined;
  const out = new Map<number, V>();
  if (Array.isArray(x)) {
    for (const kv of x as { key: unknown; value: unknown }[]) out.set(Number(kv.key), conv(kv.value));
  } else if (typeof x === 'object') {
    for (const [k, v] of Object.entries(x)) out.set(Number(k), conv(v));
  } else {
    throw new MetadataError(`expected an Avro map, found ${typeof x}`);
  }
  return out;
}
