/**
 * The hash behind Iceberg's `bucket[N]` transform: 32-bit Murmur3 (x86 variant, seed 0) over the
 * per-type byte forms of spec Appendix B. DuckDB has no murmur3, and a bucket value that differs from
 * Iceberg Java's or PyIceberg's by one bit makes their scans prune the wrong files, so this must match
 * the spec's test vectors exactly.
 */
import { formatPrimitiveType, MetadataError, type PrimitiveType } from '@lakekit/core';
import { toBinary } from '../conversions.js';

const C1 = 0xcc9e2d51;
const C2 = 0x1b873593;
const INT_MAX = 0x7fffffff;

/** Murmur3 x86 32-bit hash of `bytes` with seed 0, as a signed 32-bit integer (Java's `int`). */
export function murmur3(bytes: Uint8Array, seed = 0): number {
  const len = bytes.length;
  const blocks = len >>> 2;
  let h = seed | 0;
  for (let i = 0; i < blocks; i++) {
    const o = i * 4;
    let k = bytes[o]! | (bytes[o + 1]! << 8) | (bytes[o + 2]! << 16) | (bytes[o + 3]! << 24);
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
    h = (h << 13) | (h >>> 19);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const tail = blocks * 4;
  const rest = len & 3;
  if (rest > 0) {
    let k = 0;
    if (rest >= 3) k ^= bytes[tail + 2]! << 16;
    if (rest >= 2) k ^= bytes[tail + 1]! << 8;
    k ^= bytes[tail]!;
    k = Math.imul(k, C1);
    k = (k << 15) | (k >>> 17);
    k = Math.imul(k, C2);
    h ^= k;
  }
  h ^= len;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

/** Whether values of `type` can be bucketed (spec v2: not boolean, float or double). */
export function isBucketable(type: PrimitiveType): boolean {
  return type.kind !== 'boolean' && type.kind !== 'float' && type.kind !== 'double';
}

/**
 * The spec's 32-bit hash of a value (Appendix B), in the value convention of conversions.ts: int and
 * date hash as a long, long/time/timestamps as 8 little-endian bytes of microseconds, decimal as its
 * minimal big-endian two's-complement unscaled value, string as UTF-8, uuid as 16 big-endian bytes.
 */
export function bucketHash(type: PrimitiveType, value: unknown): number {
  switch (type.kind) {
    case 'int':
    case 'date':
      // "hashLong(long(v))": int and long hash alike, so promoting int to long keeps the buckets.
      toBinary(type, value); // validates the int
      return murmur3(toBinary({ kind: 'long' }, BigInt(value as number | bigint)));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'decimal':
    case 'string':
    case 'uuid':
    case 'fixed':
    case 'binary':
      return murmur3(toBinary(type, value));
    case 'boolean':
    case 'float':
    case 'double':
      throw new MetadataError(`bucket is not defined for ${formatPrimitiveType(type)} values (spec v2)`, {
        context: { type: formatPrimitiveType(type) },
      });
  }
}

/** The bucket of a hash: `(hash & Integer.MAX_VALUE) % numBuckets`. */
export function bucket(numBuckets: number, hash: number): number {
  return (hash & INT_MAX) % numBuckets;
}
