/**
 * Decimals as unscaled bigints. Truncating a decimal and ordering decimal partition values both work
 * on the unscaled integer; parsing and formatting go through conversions.ts (its binary form is the
 * unscaled value), so there is one decimal parser in the package.
 */
import type { PrimitiveType } from '@lakekit/core';
import { fromBinary, toBinary } from '../conversions.js';

type DecimalType = Extract<PrimitiveType, { kind: 'decimal' }>;

/** The unscaled value of a decimal (string with up to `scale` fraction digits, or unscaled bigint). */
export function unscaledDecimal(type: DecimalType, value: unknown): bigint {
  const bytes = toBinary(type, value);
  let u = 0n;
  for (const b of bytes) u = (u << 8n) | BigInt(b);
  const first = bytes[0];
  return first !== undefined && first & 0x80 ? u - (1n << BigInt(8 * bytes.length)) : u;
}

/** The decimal string (exactly `scale` fraction digits) of an unscaled value; throws if it exceeds the precision. */
export function decimalFromUnscaled(type: DecimalType, unscaled: bigint): string {
  return fromBinary(type, toBinary(type, unscaled)) as string;
}
