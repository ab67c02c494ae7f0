/**
 * Big-integer-safe JSON. Iceberg snapshot ids are 63-bit longs far above 2^53, which `JSON.parse`
 * silently corrupts; integers outside the safe range parse to `bigint` and print back exactly.
 */
import { isInteger, parse, stringify } from 'lossless-json';

function parseNumber(text: string): number | bigint {
  if (isInteger(text)) {
    const n = Number(text);
    return Number.isSafeInteger(n) ? n : BigInt(text);
  }
  return Number(text);
}

/** Parses JSON; integers beyond ±2^53 become `bigint`. */
export function parseJson(text: string): unknown {
  return parse(text, null, parseNumber);
}

/** Serializes JSON; `bigint` values print as bare JSON numbers. */
export function stringifyJson(value: unknown, indent?: number): string {
  const out = stringify(value, undefined, indent);
  if (out === undefined) throw new TypeError('value cannot be serialized as JSON');
  return out;
}

/** Serializes JSON for people and scripts that parse with plain `JSON.parse`: bigint → string. */
export function stringifyJsonSafe(value: unknown, indent?: number): string {
  return JSON.stringify(value, (_k, v) => (typeof v === 'bigint' ? v.toString() : v), indent);
}
