/**
 * avsc types whose Avro `long` is a JS `bigint`. Snapshot ids are random 63-bit values; avsc's default
 * long type refuses anything above 2^53, and a `number` would silently change them.
 */

import type { Type } from 'avsc';
import avro from 'avsc';

const bigintLong = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(0),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: (x: unknown) => BigInt(x as string | number | bigint),
  toJSON: (n: bigint) => n.toString(),
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

/** An avsc type for an Avro schema (parsed JSON) whose longs, also logical ones, read and write as `bigint`. */
export function avroType(schema: object): Type {
  return avro.Type.forSchema(schema as Parameters<typeof avro.Type.forSchema>[0], {
    registry: { long: bigintLong },
    // `{"type": "long", "logicalType": …}` bypasses the registry; map it explicitly.
    typeHook: (s: unknown) =>
      typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'long'
        ? bigintLong
        : undefined,
  });
}
