/**
 * Iceberg partition transforms (spec "Partition Transforms"): parsing the spec's transform strings,
 * which source types each accepts, applying one to a JS value, and the same computation as a DuckDB
 * SQL expression so that the writer can group rows by partition inside DuckDB. The JS and SQL forms
 * must agree value for value (tests check both, and check them against PyIceberg): a partition value
 * that differs from Iceberg Java's makes other engines prune files wrongly.
 *
 * Values follow conversions.ts: int and date (days) are `number`; long, time and timestamps
 * (microseconds) are `bigint`; decimal is a string with `scale` fraction digits; binary is
 * `Uint8Array`. Time transforms count whole units since 1970-01-01T00:00 UTC, rounding down (floor)
 * before the epoch: 1969-12-31 is day -1, year -1 and month -1.
 */
import {
  DataError,
  formatPrimitiveType,
  MetadataError,
  type PrimitiveType,
  toDuckDBType,
} from '@lakekit/core';
import { toBinary } from '../conversions.js';
import { transformResultType } from '../partition-descriptors.js';
import { bucket, bucketHash } from './murmur3.js';
import { decimalFromUnscaled, unscaledDecimal } from './unscaled-decimal.js';

export { transformResultType };

/** A partition transform, as parsed from the spec's transform string. */
export type Transform =
  | { readonly kind: 'identity' }
  | { readonly kind: 'year' }
  | { readonly kind: 'month' }
  | { readonly kind: 'day' }
  | { readonly kind: 'hour' }
  | { readonly kind: 'bucket'; readonly numBuckets: number }
  | { readonly kind: 'truncate'; readonly width: number }
  | { readonly kind: 'void' };

/** The name of a transform without its parameter. */
export type TransformKind = Transform['kind'];

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const MICROS_PER_HOUR = 3_600_000_000n;
const MICROS_PER_DAY = 86_400_000_000n;

type Kind = PrimitiveType['kind'];
const TIME_SOURCES: readonly Kind[] = ['date', 'timestamp', 'timestamptz'];
/** Source types per transform (spec v2); identity and void accept every primitive type. */
const SOURCE_TYPES: Record<'bucket' | 'truncate' | 'year' | 'month' | 'day' | 'hour', readonly Kind[]> = {
  bucket: [
    'int',
    'long',
    'decimal',
    'date',
    'time',
    'timestamp',
    'timestamptz',
    'string',
    'uuid',
    'fixed',
    'binary',
  ],
  truncate: ['int', 'long', 'decimal', 'string', 'binary'],
  year: TIME_SOURCES,
  month: TIME_SOURCES,
  day: TIME_SOURCES,
  hour: ['timestamp', 'timestamptz'],
};

/** Parses a transform string of the spec's JSON (`identity`, `day`, `bucket[16]`, `truncate[4]`, `void` …). */
export function parseTransform(text: string): Transform {
  const t = text.trim().toLowerCase();
  switch (t) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: t };
  }
  const m = /^(bucket|truncate)\[\s*(\d+)\s*\]$/.exec(t);
  if (m) {
    const n = Number(m[2]);
    if (n < 1 || n > INT_MAX) {
      throw new MetadataError(`invalid partition transform "${text}": the parameter must be 1..${INT_MAX}`);
    }
    return m[1] === 'bucket' ? { kind: 'bucket', numBuckets: n } : { kind: 'truncate', width: n };
  }
  throw new MetadataError(`unknown partition transform "${text}"`, { context: { transform: text } });
}

/** The spec's string form of a transform (`bucket[16]`). */
export function formatTransform(t: Transform): string {
  switch (t.kind) {
    case 'bucket':
      return `bucket[${t.numBuckets}]`;
    case 'truncate':
      return `truncate[${t.width}]`;
    default:
      return t.kind;
  }
}

/** Whether a transform accepts a source column of `type` (spec v2 source types). */
export function canTransform(t: Transform, type: PrimitiveType): boolean {
  if (t.kind === 'identity' || t.kind === 'void') return true;
  return SOURCE_TYPES[t.kind].includes(type.kind);
}

/** The source types a transform accepts, for messages ("date, timestamp or timestamptz"). */
export function transformSourceTypesText(t: Transform): string {
  if (t.kind === 'identity' || t.kind === 'void') return 'any primitive type';
  const names = SOURCE_TYPES[t.kind];
  return names.length === 1 ? names[0]! : `${names.slice(0, -1).join(', ')} or ${names.at(-1)!}`;
}

/**
 * Applies a transform to one value of the source type; `null` for a `null`/`undefined` value. Throws
 * MetadataError when the transform does not accept the type, DataError when the value is not of the
 * type or the result does not fit the result type (e.g. truncating an int near its minimum).
 */
export function applyTransform(t: Transform, sourceType: PrimitiveType, value: unknown): unknown {
  checkSource(t, sourceType);
  if (value === null || value === undefined) return null;
  switch (t.kind) {
    case 'identity':
      toBinary(sourceType, value); // validates the value against its type
      return value;
    case 'void':
      return null;
    case 'bucket':
      return bucket(t.numBuckets, bucketHash(sourceType, value));
    case 'truncate':
      return truncate(t.width, sourceType, value);
    case 'year':
      return civilFromDays(daysOf(sourceType, value)).year - 1970;
    case 'month': {
      const { year, month } = civilFromDays(daysOf(sourceType, value));
      return (year - 1970) * 12 + month - 1;
    }
    case 'day':
      return daysOf(sourceType, value);
    case 'hour':
      return toInt(floorDiv(microsOf(sourceType, value), MICROS_PER_HOUR), t, value);
  }
}

/**
 * A DuckDB SQL expression computing the partition value of `columnSql` (a column of exactly
 * `toDuckDBType(sourceType)`), equal to `applyTransform` for every value: INTEGER for year, month,
 * day (days since epoch) and hour; the source type for identity and truncate. `undefined` for bucket:
 * DuckDB has no murmur3, so bucket values are computed in JS (`applyTransform`).
 * timestamptz is converted through its UTC epoch, never through the session time zone.
 */
export function transformToSql(
  t: Transform,
  sourceType: PrimitiveType,
  columnSql: string,
): string | undefined {
  checkSource(t, sourceType);
  const c = `(${columnSql})`;
  switch (t.kind) {
    case 'identity':
      return c;
    case 'void':
      return `CAST(NULL AS ${toDuckDBType(transformResultType(formatTransform(t), sourceType))})`;
    case 'bucket':
      return undefined;
    case 'truncate':
      return truncateSql(t.width, sourceType, c);
    case 'year':
      return `CAST(year(${naiveUtc(sourceType, c)}) - 1970 AS INTEGER)`;
    case 'month': {
      const ts = naiveUtc(sourceType, c);
      return `CAST((year(${ts}) - 1970) * 12 + month(${ts}) - 1 AS INTEGER)`;
    }
    case 'day':
      if (sourceType.kind === 'date') return `CAST(${c} - DATE '1970-01-01' AS INTEGER)`;
      return floorDivSql(`epoch_us(${c})`, MICROS_PER_DAY);
    case 'hour':
      return floorDivSql(`epoch_us(${c})`, MICROS_PER_HOUR);
  }
}

function checkSource(t: Transform, type: PrimitiveType): void {
  if (!canTransform(t, type)) {
    throw new MetadataError(
      `partition transform ${formatTransform(t)} cannot be applied to ${formatPrimitiveType(type)} ` +
        `(it accepts ${transformSourceTypesText(t)})`,
      { context: { transform: formatTransform(t), type: formatPrimitiveType(type) } },
    );
  }
}

function truncate(width: number, type: PrimitiveType, value: unknown): unknown {
  switch (type.kind) {
    case 'int': {
      toBinary(type, value);
      const v = Number(value);
      const r = v - (((v % width) + width) % width);
      if (r < INT_MIN) throw overflow(type, value, width);
      return r;
    }
    case 'long': {
      toBinary(type, value);
      const v = BigInt(value as number | bigint);
      const w = BigInt(width);
      const r = v - (((v % w) + w) % w);
      if (r < LONG_MIN) throw overflow(type, value, width);
      return r;
    }
    case 'decimal': {
      const u = unscaledDecimal(type, value);
      const w = BigInt(width);
      try {
        return decimalFromUnscaled(type, u - (((u % w) + w) % w));
      } catch {
        throw overflow(type, value, width);
      }
    }
    case 'string': {
      if (typeof value !== 'string') toBinary(type, value); // throws the standard DataError
      const s = value as string;
      // Code points, not UTF-16 units: a surrogate pair is one character.
      let i = 0;
      let count = 0;
      while (i < s.length && count < width) {
        i += s.codePointAt(i)! > 0xffff ? 2 : 1;
        count++;
      }
      return i >= s.length ? s : s.slice(0, i);
    }
    case 'binary':
      if (!(value instanceof Uint8Array)) toBinary(type, value);
      return (value as Uint8Array).slice(0, width);
    default:
      throw new MetadataError(`truncate cannot be applied to ${formatPrimitiveType(type)}`);
  }
}

function truncateSql(width: number, type: PrimitiveType, c: string): string {
  switch (type.kind) {
    case 'int': {
      // In BIGINT, so that `% W + W` cannot overflow; the cast back fails on a result below INT_MIN.
      const v = `CAST(${c} AS BIGINT)`;
      return `CAST(${v} - (((${v} % ${width}) + ${width}) % ${width}) AS INTEGER)`;
    }
    case 'long':
      return `CAST(${c} - (((${c} % ${width}) + ${width}) % ${width}) AS BIGINT)`;
    case 'decimal': {
      // W applies to the unscaled value: W = 50 at scale 2 is 0.50. DuckDB's DECIMAL % is exact.
      const w = `CAST('${decimalWidth(width, type.scale)}' AS DECIMAL(${Math.max(String(width).length, type.scale, 1)}, ${type.scale}))`;
      return `CAST(${c} - (((${c} % ${w}) + ${w}) % ${w}) AS ${toDuckDBType(type)})`;
    }
    case 'string':
      // DuckDB's substring counts code points (not grapheme clusters, not bytes).
      return `substring(${c}, 1, ${width})`;
    case 'binary':
      return `array_slice(${c}, 1, ${width})`;
    default:
      throw new MetadataError(`truncate cannot be applied to ${formatPrimitiveType(type)}`);
  }
}

/** The decimal text of W at `scale` (W = 50, scale 2 → "0.50"). */
function decimalWidth(width: number, scale: number): string {
  if (scale === 0) return String(width);
  const digits = String(width).padStart(scale + 1, '0');
  return `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

/** A naive TIMESTAMP/DATE expression whose calendar fields are UTC (timestamptz via its epoch). */
function naiveUtc(type: PrimitiveType, c: string): string {
  return type.kind === 'timestamptz' ? `make_timestamp(epoch_us(${c}))` : c;
}

/** Floor division of a BIGINT expression by a positive constant, as INTEGER (DuckDB's `//` truncates). */
function floorDivSql(e: string, d: bigint): string {
  return `CAST((${e} - (((${e} % ${d}) + ${d}) % ${d})) // ${d} AS INTEGER)`;
}

function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

function microsOf(type: PrimitiveType, value: unknown): bigint {
  toBinary(type, value); // validates: bigint or safe integer number of microseconds
  return BigInt(value as number | bigint);
}

/** Days since 1970-01-01 of a date (days) or timestamp (micros) value. */
function daysOf(type: PrimitiveType, value: unknown): number {
  if (type.kind === 'date') {
    toBinary(type, value);
    return Number(value);
  }
  return Number(floorDiv(microsOf(type, value), MICROS_PER_DAY));
}

function toInt(n: bigint, t: Transform, value: unknown): number {
  if (n < BigInt(INT_MIN) || n > BigInt(INT_MAX)) {
    throw new DataError(`${formatTransform(t)} of ${String(value)} does not fit an int`);
  }
  return Number(n);
}

/** Proleptic Gregorian year and month (1..12) of a day count since 1970-01-01 (Hinnant's civil_from_days). */
function civilFromDays(days: number): { year: number; month: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month };
}

function overflow(type: PrimitiveType, value: unknown, width: number): DataError {
  const shown = typeof value === 'bigint' ? `${value}n` : String(value);
  return new DataError(`truncate[${width}] of ${shown} does not fit ${formatPrimitiveType(type)}`, {
    context: { type: formatPrimitiveType(type), transform: `truncate[${width}]` },
  });
}
