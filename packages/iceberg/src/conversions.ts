/**
 * Iceberg's single-value binary serialization (spec Appendix D), used for the lower and upper bounds
 * of data files and partition summaries, plus the conversion of DuckDB's textual Parquet statistics
 * into values and the spec's truncate(16) metrics mode. Value conventions in JS: int, float, double
 * and date (days) are `number`; long, time and timestamps (microseconds) are `bigint`; decimal is a
 * string with exactly `scale` fraction digits; uuid is a lowercase canonical string; binary and fixed
 * are `Uint8Array`. A bound that cannot be represented exactly is dropped (`undefined`), never guessed.
 */
import { DataError, formatPrimitiveType, MetadataError, type PrimitiveType } from '@lakekit/core';

const utf8Encoder = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;
const MICROS_PER_SECOND = 1_000_000n;
const MICROS_PER_DAY = 86_400n * MICROS_PER_SECOND;

/** Serializes a value to the spec's single-value binary form (Appendix D). */
export function toBinary(type: PrimitiveType, value: unknown): Uint8Array {
  switch (type.kind) {
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid(type, value);
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date': {
      const out = new Uint8Array(4);
      new DataView(out.buffer).setInt32(0, asInt(type, value), true);
      return out;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz': {
      const out = new Uint8Array(8);
      new DataView(out.buffer).setBigInt64(0, asLong(type, value), true);
      return out;
    }
    case 'float': {
      if (typeof value !== 'number') throw invalid(type, value);
      const out = new Uint8Array(4);
      new DataView(out.buffer).setFloat32(0, value, true);
      return out;
    }
    case 'double': {
      if (typeof value !== 'number') throw invalid(type, value);
      const out = new Uint8Array(8);
      new DataView(out.buffer).setFloat64(0, value, true);
      return out;
    }
    case 'string':
      if (typeof value !== 'string') throw invalid(type, value);
      return utf8Encoder.encode(value);
    case 'uuid':
      return uuidToBytes(type, value);
    case 'fixed':
      if (!(value instanceof Uint8Array) || value.length !== type.length) throw invalid(type, value);
      return value.slice();
    case 'binary':
      if (!(value instanceof Uint8Array)) throw invalid(type, value);
      return value.slice();
    case 'decimal':
      return bigintToTwosComplement(decimalUnscaled(type, value));
  }
}

/** Deserializes the spec's single-value binary form (Appendix D) into the JS value convention. */
export function fromBinary(type: PrimitiveType, bytes: Uint8Array): unknown {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const len = bytes.length;
  switch (type.kind) {
    case 'boolean':
      if (len !== 1) throw badLength(type, len);
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      if (len !== 4) throw badLength(type, len);
      return view.getInt32(0, true);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      if (len === 8) return view.getBigInt64(0, true);
      // A bound written before the column was promoted from int to long.
      if (len === 4 && type.kind === 'long') return BigInt(view.getInt32(0, true));
      throw badLength(type, len);
    case 'float':
      if (len !== 4) throw badLength(type, len);
      return view.getFloat32(0, true);
    case 'double':
      if (len === 8) return view.getFloat64(0, true);
      // A bound written before the column was promoted from float to double.
      if (len === 4) return view.getFloat32(0, true);
      throw badLength(type, len);
    case 'string':
      try {
        return utf8Decoder.decode(bytes);
      } catch (cause) {
        throw new MetadataError('string bound is not valid UTF-8', { cause });
      }
    case 'uuid':
      if (len !== 16) throw badLength(type, len);
      return bytesToUuid(bytes);
    case 'fixed':
    case 'binary':
      return bytes.slice();
    case 'decimal':
      if (len === 0) throw badLength(type, len);
      return formatDecimal(twosComplementToBigint(bytes), type.scale);
  }
}

/**
 * Converts the text DuckDB prints in `parquet_metadata()` statistics (session time zone UTC) into the
 * value convention of this module. Returns `undefined` when no exact bound exists (NaN, binary, digits
 * beyond the type's precision, infinite dates); throws DataError on text it does not recognize.
 */
export function parseParquetStat(type: PrimitiveType, text: string): unknown {
  const t = text.trim();
  switch (type.kind) {
    case 'boolean':
      if (t === 'true' || t === '1') return true;
      if (t === 'false' || t === '0') return false;
      throw unparsable(type, text);
    case 'int': {
      if (!/^[+-]?\d+$/.test(t)) throw unparsable(type, text);
      const n = Number(t);
      if (n < INT_MIN || n > INT_MAX) throw unparsable(type, text);
      return n;
    }
    case 'long': {
      if (!/^[+-]?\d+$/.test(t)) throw unparsable(type, text);
      const n = BigInt(t);
      if (n < LONG_MIN || n > LONG_MAX) throw unparsable(type, text);
      return n;
    }
    case 'float':
    case 'double': {
      const n = parseFloatText(t);
      if (n === undefined) throw unparsable(type, text);
      if (Number.isNaN(n)) return undefined;
      return type.kind === 'float' ? Math.fround(n) : n;
    }
    case 'decimal': {
      const unscaled = parseDecimalText(t, type.scale);
      if (unscaled === null) throw unparsable(type, text);
      if (unscaled === undefined || abs(unscaled) >= 10n ** BigInt(type.precision)) return undefined;
      return formatDecimal(unscaled, type.scale);
    }
    case 'date': {
      if (/^-?infinity$/i.test(t)) return undefined;
      const m = /^(-?\d{4,})-(\d{2})-(\d{2})( \(BC\))?$/.exec(t);
      if (!m) throw unparsable(type, text);
      const days = civilToDays(m[1]!, m[2]!, m[3]!, m[4] !== undefined);
      if (days === undefined || days < INT_MIN || days > INT_MAX) throw unparsable(type, text);
      return days;
    }
    case 'time': {
      const m = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?$/.exec(t);
      if (!m) throw unparsable(type, text);
      const micros = timeOfDayMicros(m[1]!, m[2]!, m[3]!, m[4]);
      if (micros === null) throw unparsable(type, text);
      return micros;
    }
    case 'timestamp':
    case 'timestamptz':
      return parseTimestampText(type, text, t);
    case 'string':
      return text;
    case 'uuid': {
      const hex = t.toLowerCase();
      if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(hex)) {
        throw unparsable(type, text);
      }
      return hex;
    }
    case 'binary':
    case 'fixed':
      return undefined;
  }
}

/** Truncates a lower bound per the spec's truncate(width) metrics mode (strings by code point, binary by byte). */
export function truncateLowerBound(type: PrimitiveType, value: unknown, width = 16): unknown {
  checkWidth(width);
  if (type.kind === 'string' && typeof value === 'string') {
    const points = Array.from(value);
    return points.length <= width ? value : points.slice(0, width).join('');
  }
  if (type.kind === 'binary' && value instanceof Uint8Array) {
    return value.length <= width ? value : value.slice(0, width);
  }
  return value;
}

/**
 * Truncates an upper bound per the spec's truncate(width) metrics mode: the prefix is rounded up by
 * incrementing its last incrementable code point (or byte). Returns `undefined` when no bound of at
 * most `width` code points (bytes) exists, e.g. a prefix made only of U+10FFFF (0xFF).
 */
export function truncateUpperBound(type: PrimitiveType, value: unknown, width = 16): unknown {
  checkWidth(width);
  if (type.kind === 'string' && typeof value === 'string') {
    const points = Array.from(value);
    if (points.length <= width) return value;
    for (let i = width - 1; i >= 0; i--) {
      const next = incrementCodePoint(points[i]!.codePointAt(0)!);
      if (next !== undefined) return points.slice(0, i).join('') + String.fromCodePoint(next);
    }
    return undefined;
  }
  if (type.kind === 'binary' && value instanceof Uint8Array) {
    if (value.length <= width) return value;
    for (let i = width - 1; i >= 0; i--) {
      const byte = value[i]!;
      if (byte !== 0xff) {
        const out = value.slice(0, i + 1);
        out[i] = byte + 1;
        return out;
      }
    }
    return undefined;
  }
  return value;
}

function incrementCodePoint(cp: number): number | undefined {
  if (cp >= 0xd800 && cp <= 0xdfff) return undefined; // a lone surrogate has no successor
  if (cp === 0xd7ff) return 0xe000;
  if (cp === 0x10ffff) return undefined;
  return cp + 1;
}

function checkWidth(width: number): void {
  if (!Number.isInteger(width) || width < 1) throw new DataError(`truncate width must be >= 1, got ${width}`);
}

function asInt(type: PrimitiveType, value: unknown): number {
  const n = typeof value === 'bigint' ? Number(value) : value;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < INT_MIN || n > INT_MAX) throw invalid(type, value);
  return n;
}

function asLong(type: PrimitiveType, value: unknown): bigint {
  if (typeof value === 'number' && Number.isSafeInteger(value)) return BigInt(value);
  if (typeof value !== 'bigint' || value < LONG_MIN || value > LONG_MAX) throw invalid(type, value);
  return value;
}

function uuidToBytes(type: PrimitiveType, value: unknown): Uint8Array {
  if (value instanceof Uint8Array && value.length === 16) return value.slice();
  if (typeof value !== 'string') throw invalid(type, value);
  const hex = value.toLowerCase();
  if (!/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(hex)) throw invalid(type, value);
  return Uint8Array.from(Buffer.from(hex.replaceAll('-', ''), 'hex'));
}

function bytesToUuid(bytes: Uint8Array): string {
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

/** The unscaled value of a decimal given as a string ("-12.34"), a bigint (unscaled) or a number. */
function decimalUnscaled(type: Extract<PrimitiveType, { kind: 'decimal' }>, value: unknown): bigint {
  let unscaled: bigint | null | undefined;
  if (typeof value === 'bigint') unscaled = value;
  else if (typeof value === 'string') unscaled = parseDecimalText(value.trim(), type.scale);
  else if (typeof value === 'number' && Number.isFinite(value))
    unscaled = parseDecimalText(String(value), type.scale);
  if (unscaled === null || unscaled === undefined) throw invalid(type, value);
  if (abs(unscaled) >= 10n ** BigInt(type.precision)) throw invalid(type, value);
  return unscaled;
}

/**
 * Parses decimal text ("-12.34", ".5", "1e3") to its unscaled value at `scale`. Returns `null` for
 * text that is not a decimal and `undefined` when the value has more fraction digits than `scale`.
 */
function parseDecimalText(text: string, scale: number): bigint | null | undefined {
  const m = /^([+-])?(\d*)(?:\.(\d*))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return null;
  const intPart = m[2] ?? '';
  const fracPart = m[3] ?? '';
  if (intPart === '' && fracPart === '') return null;
  const digits = BigInt(intPart + fracPart || '0');
  const shift = Number(m[4] ?? '0') - fracPart.length + scale;
  let unscaled: bigint;
  if (shift >= 0) {
    unscaled = digits * 10n ** BigInt(shift);
  } else {
    const div = 10n ** BigInt(-shift);
    if (digits % div !== 0n) return undefined;
    unscaled = digits / div;
  }
  return m[1] === '-' ? -unscaled : unscaled;
}

/** Formats an unscaled decimal with exactly `scale` fraction digits. */
function formatDecimal(unscaled: bigint, scale: number): string {
  const sign = unscaled < 0n ? '-' : '';
  const digits = abs(unscaled).toString();
  if (scale <= 0) return sign + digits + '0'.repeat(-scale);
  const padded = digits.padStart(scale + 1, '0');
  return `${sign}${padded.slice(0, -scale)}.${padded.slice(-scale)}`;
}

/** Minimal two's-complement big-endian bytes of a bigint (at least one byte). */
function bigintToTwosComplement(n: bigint): Uint8Array {
  let size = 1;
  while (n >= 1n << BigInt(8 * size - 1) || n < -(1n << BigInt(8 * size - 1))) size++;
  let u = n < 0n ? (1n << BigInt(8 * size)) + n : n;
  const out = new Uint8Array(size);
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(u & 0xffn);
    u >>= 8n;
  }
  return out;
}

/** The signed value of two's-complement big-endian bytes. */
function twosComplementToBigint(bytes: Uint8Array): bigint {
  let u = 0n;
  for (const b of bytes) u = (u << 8n) | BigInt(b);
  const first = bytes[0];
  return first !== undefined && first & 0x80 ? u - (1n << BigInt(8 * bytes.length)) : u;
}

function abs(n: bigint): bigint {
  return n < 0n ? -n : n;
}

function parseFloatText(t: string): number | undefined {
  const lower = t.toLowerCase();
  if (lower === 'nan' || lower === '-nan' || lower === '+nan') return Number.NaN;
  if (lower === 'inf' || lower === '+inf' || lower === 'infinity' || lower === '+infinity') {
    return Number.POSITIVE_INFINITY;
  }
  if (lower === '-inf' || lower === '-infinity') return Number.NEGATIVE_INFINITY;
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?$/.test(lower)) return undefined;
  return Number(lower);
}

/** Days since 1970-01-01 of a proleptic Gregorian date; `undefined` when the date does not exist. */
function civilToDays(yearText: string, monthText: string, dayText: string, bc: boolean): number | undefined {
  let y = Number(yearText);
  if (bc) y = 1 - y; // DuckDB prints year 1 BC as "0001-01-01 (BC)": astronomical year 0
  const m = Number(monthText);
  const d = Number(dayText);
  if (m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return undefined;
  // Howard Hinnant's days_from_civil.
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

/**
 * Microseconds since midnight; `undefined` when the fraction has non-zero digits below a
 * microsecond (no exact bound), `null` when the time does not exist.
 */
function timeOfDayMicros(
  h: string,
  m: string,
  s: string,
  frac: string | undefined,
): bigint | null | undefined {
  const hours = Number(h);
  const minutes = Number(m);
  const seconds = Number(s);
  if (minutes > 59 || seconds > 59 || hours > 24 || (hours === 24 && (minutes > 0 || seconds > 0)))
    return null;
  const f = frac ?? '';
  if (f.length > 6 && /[1-9]/.test(f.slice(6))) return undefined;
  const micros = BigInt(f.slice(0, 6).padEnd(6, '0'));
  if (hours === 24 && micros > 0n) return null;
  return BigInt(hours * 3600 + minutes * 60 + seconds) * MICROS_PER_SECOND + micros;
}

function parseTimestampText(type: PrimitiveType, text: string, t: string): bigint | undefined {
  if (/^-?infinity$/i.test(t)) return undefined;
  const m =
    /^(-?\d{4,})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?(?:(Z)|([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?( \(BC\))?$/.exec(
      t,
    );
  if (!m) throw unparsable(type, text);
  const days = civilToDays(m[1]!, m[2]!, m[3]!, m[13] !== undefined);
  const tod = timeOfDayMicros(m[4]!, m[5]!, m[6]!, m[7]);
  if (days === undefined || tod === null) throw unparsable(type, text);
  if (tod === undefined) return undefined;
  const hasOffset = m[8] !== undefined || m[9] !== undefined;
  if (hasOffset && type.kind === 'timestamp') throw unparsable(type, text);
  let offsetMicros = 0n;
  if (m[9] !== undefined) {
    const seconds = Number(m[10]) * 3600 + Number(m[11] ?? '0') * 60 + Number(m[12] ?? '0');
    offsetMicros = BigInt(seconds) * MICROS_PER_SECOND * (m[9] === '-' ? -1n : 1n);
  }
  const micros = BigInt(days) * MICROS_PER_DAY + tod - offsetMicros;
  if (micros < LONG_MIN || micros > LONG_MAX) return undefined;
  return micros;
}

function invalid(type: PrimitiveType, value: unknown): DataError {
  const shown =
    typeof value === 'bigint' ? `${value}n` : value instanceof Uint8Array ? 'bytes' : String(value);
  return new DataError(`value ${shown} is not a valid ${formatPrimitiveType(type)}`, {
    context: { type: formatPrimitiveType(type) },
  });
}

function badLength(type: PrimitiveType, length: number): MetadataError {
  return new MetadataError(`a ${formatPrimitiveType(type)} bound cannot be ${length} bytes long`, {
    context: { type: formatPrimitiveType(type), length },
  });
}

function unparsable(type: PrimitiveType, text: string): DataError {
  return new DataError(`cannot read Parquet statistic "${text}" as ${formatPrimitiveType(type)}`, {
    context: { type: formatPrimitiveType(type), value: text },
  });
}
