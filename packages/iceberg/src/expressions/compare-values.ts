/** Orders two values of one Iceberg primitive type (JS convention of conversions.ts). */
import type { PrimitiveType } from '@lakekit/core';

function scaled(decimal: string, scale: number): bigint {
  const [int = '0', frac = ''] = decimal.replace(/^\+/, '').split('.');
  const neg = int.startsWith('-');
  const digits = `${int.replace('-', '')}${frac.padEnd(scale, '0').slice(0, scale)}`;
  const v = BigInt(digits === '' ? '0' : digits);
  return neg ? -v : v;
}

const utf8 = new TextEncoder();

/** Negative, zero or positive as `a` sorts before, with or after `b`. */
export function compareValues(type: PrimitiveType, a: unknown, b: unknown): number {
  if (type.kind === 'decimal') {
    const x = scaled(String(a), type.scale);
    const y = scaled(String(b), type.scale);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (type.kind === 'string') return Buffer.compare(utf8.encode(String(a)), utf8.encode(String(b)));
  if (a instanceof Uint8Array && b instanceof Uint8Array) return Buffer.compare(a, b);
  if (typeof a === 'bigint' || typeof b === 'bigint') {
    const x = BigInt(a as bigint);
    const y = BigInt(b as bigint);
    return x < y ? -1 : x > y ? 1 : 0;
  }
  if (typeof a === 'boolean' && typeof b === 'boolean') return Number(a) - Number(b);
  if (typeof a === 'string' && typeof b === 'string') return a < b ? -1 : a > b ? 1 : 0;
  return (a as number) < (b as number) ? -1 : (a as number) > (b as number) ? 1 : 0;
}
