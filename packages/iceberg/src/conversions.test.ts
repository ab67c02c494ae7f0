import type { PrimitiveType } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import {
  fromBinary,
  parseParquetStat,
  toBinary,
  truncateLowerBound,
  truncateUpperBound,
} from './conversions.js';

const T = {
  boolean: { kind: 'boolean' },
  int: { kind: 'int' },
  long: { kind: 'long' },
  float: { kind: 'float' },
  double: { kind: 'double' },
  date: { kind: 'date' },
  time: { kind: 'time' },
  timestamp: { kind: 'timestamp' },
  timestamptz: { kind: 'timestamptz' },
  string: { kind: 'string' },
  uuid: { kind: 'uuid' },
  binary: { kind: 'binary' },
} satisfies Record<string, PrimitiveType>;
const dec = (precision: number, scale: number): PrimitiveType => ({ kind: 'decimal', precision, scale });

/** Bytes from signed Java-style byte literals (the vectors of Iceberg Java's TestConversions). */
const jbytes = (...b: number[]) => Uint8Array.from(b.map((x) => x & 0xff));

describe('toBinary / fromBinary (spec Appendix D)', () => {
  // Each vector: type, JS value, exact bytes (from Iceberg Java's TestConversions).
  const vectors: [string, PrimitiveType, unknown, Uint8Array][] = [
    ['false', T.boolean, false, jbytes(0)],
    ['true', T.boolean, true, jbytes(1)],
    ['int 84202', T.int, 84202, jbytes(-22, 72, 1, 0)],
    ['long 200', T.long, 200n, jbytes(-56, 0, 0, 0, 0, 0, 0, 0)],
    ['float -4.5', T.float, -4.5, jbytes(0, 0, -112, -64)],
    ['double 6.0', T.double, 6, jbytes(0, 0, 0, 0, 0, 0, 24, 64)],
    ['date 1000', T.date, 1000, jbytes(-24, 3, 0, 0)],
    ['time 10000us', T.time, 10000n, jbytes(16, 39, 0, 0, 0, 0, 0, 0)],
    ['timestamp 400000us', T.timestamp, 400000n, jbytes(-128, 26, 6, 0, 0, 0, 0, 0)],
    ['timestamptz 400000us', T.timestamptz, 400000n, jbytes(-128, 26, 6, 0, 0, 0, 0, 0)],
    ['string ABC', T.string, 'ABC', jbytes(65, 66, 67)],
    [
      'uuid',
      T.uuid,
      'f79c3e09-677c-4bbd-a479-3f349cb785e7',
      jbytes(-9, -100, 62, 9, 103, 124, 75, -67, -92, 121, 63, 52, -100, -73, -123, -25),
    ],
    ['fixed[2]', { kind: 'fixed', length: 2 }, jbytes(97, 98), jbytes(97, 98)],
    ['binary', T.binary, jbytes(90), jbytes(90)],
    ['decimal(3,2) 3.45', dec(3, 2), '3.45', jbytes(1, 89)],
    ['decimal(7,4) 123.4567 (3 bytes)', dec(7, 4), '123.4567', jbytes(18, -42, -121)],
    ['decimal(7,4) -123.4567', dec(7, 4), '-123.4567', jbytes(-19, 41, 121)],
    ['decimal(10,3) 0.011', dec(10, 3), '0.011', jbytes(11)],
    ['decimal(3,2) 1.00 = unscaled 100', dec(3, 2), '1.00', jbytes(0x64)],
    ['decimal(5,2) 1.28 needs a sign byte', dec(5, 2), '1.28', jbytes(0x00, 0x80)],
    ['decimal(5,2) -1.28', dec(5, 2), '-1.28', jbytes(0x80)],
    ['decimal(5,2) 0', dec(5, 2), '0.00', jbytes(0)],
  ];
  for (const [name, type, value, bytes] of vectors) {
    it(`encodes and decodes ${name}`, () => {
      expect(toBinary(type, value)).toEqual(bytes);
      expect(fromBinary(type, bytes)).toEqual(value);
    });
  }

  it('round-trips 64-bit longs and timestamps beyond 2^53 and before 1970', () => {
    for (const v of [2n ** 63n - 1n, -(2n ** 63n), 9007199254740993n, -1n]) {
      expect(fromBinary(T.long, toBinary(T.long, v))).toBe(v);
      expect(fromBinary(T.timestamp, toBinary(T.timestamp, v))).toBe(v);
    }
    expect(toBinary(T.long, -1n)).toEqual(new Uint8Array(8).fill(0xff));
  });

  it('accepts a decimal as an unscaled bigint and normalizes string scale', () => {
    expect(toBinary(dec(10, 2), 100n)).toEqual(jbytes(0x64));
    expect(toBinary(dec(10, 2), '1')).toEqual(jbytes(0x64));
    expect(toBinary(dec(10, 2), '1.5')).toEqual(jbytes(0, 150));
    expect(fromBinary(dec(10, 2), jbytes(0, 150))).toBe('1.50');
    expect(fromBinary(dec(10, 3), jbytes(-1))).toBe('-0.001');
    expect(fromBinary(dec(38, 0), toBinary(dec(38, 0), '-99999999999999999999999999999999999999'))).toBe(
      '-99999999999999999999999999999999999999',
    );
  });

  it('rejects decimals that lose digits or exceed the precision', () => {
    expect(() => toBinary(dec(10, 2), '1.234')).toThrow(/not a valid decimal\(10, 2\)/);
    expect(() => toBinary(dec(3, 2), '10.00')).toThrow(/not a valid/);
  });

  it('rejects values of the wrong JS type or range', () => {
    expect(() => toBinary(T.int, 2 ** 31)).toThrow(/not a valid int/);
    expect(() => toBinary(T.int, 1.5)).toThrow(/not a valid int/);
    expect(() => toBinary(T.long, 2n ** 63n)).toThrow(/not a valid long/);
    expect(() => toBinary(T.string, 5)).toThrow(/not a valid string/);
    expect(() => toBinary(T.uuid, 'not-a-uuid')).toThrow(/not a valid uuid/);
    expect(() => toBinary({ kind: 'fixed', length: 3 }, jbytes(1))).toThrow(/not a valid fixed\[3\]/);
  });

  it('reads bounds of promoted columns (int to long, float to double)', () => {
    expect(fromBinary(T.long, jbytes(-22, 72, 1, 0))).toBe(84202n);
    expect(fromBinary(T.double, jbytes(0, 0, -112, -64))).toBe(-4.5);
  });

  it('rejects bounds of the wrong length', () => {
    expect(() => fromBinary(T.int, jbytes(1, 2))).toThrow(/int bound cannot be 2 bytes/);
    expect(() => fromBinary(T.uuid, jbytes(1))).toThrow(/uuid bound/);
  });

  it('encodes strings as UTF-8 and treats any non-zero byte as true', () => {
    expect(toBinary(T.string, 'é€😀')).toEqual(jbytes(0xc3, 0xa9, 0xe2, 0x82, 0xac, 0xf0, 0x9f, 0x98, 0x80));
    expect(fromBinary(T.string, toBinary(T.string, 'é€😀'))).toBe('é€😀');
    expect(fromBinary(T.boolean, jbytes(7))).toBe(true);
  });
});

describe('parseParquetStat (DuckDB parquet_metadata text)', () => {
  it('parses numbers', () => {
    expect(parseParquetStat(T.int, '1')).toBe(1);
    expect(parseParquetStat(T.int, '-2147483648')).toBe(-2147483648);
    expect(parseParquetStat(T.long, '9223372036854775807')).toBe(9223372036854775807n);
    expect(parseParquetStat(T.double, '1.5')).toBe(1.5);
    expect(parseParquetStat(T.float, '0.1')).toBe(Math.fround(0.1));
    expect(parseParquetStat(T.double, 'inf')).toBe(Number.POSITIVE_INFINITY);
    expect(parseParquetStat(T.double, '-inf')).toBe(Number.NEGATIVE_INFINITY);
    expect(parseParquetStat(T.double, 'nan')).toBeUndefined();
    expect(Object.is(parseParquetStat(T.double, '-0.0'), -0)).toBe(true);
    expect(parseParquetStat(T.boolean, 'true')).toBe(true);
    expect(parseParquetStat(T.boolean, 'false')).toBe(false);
  });

  it('normalizes decimals to the scale and drops inexact ones', () => {
    expect(parseParquetStat(dec(10, 2), '1.25')).toBe('1.25');
    expect(parseParquetStat(dec(10, 3), '1.25')).toBe('1.250');
    expect(parseParquetStat(dec(10, 2), '-0.5')).toBe('-0.50');
    expect(parseParquetStat(dec(10, 2), '7')).toBe('7.00');
    expect(parseParquetStat(dec(10, 2), '1.255')).toBeUndefined();
  });

  it('parses dates, including before 1970, BC and far future', () => {
    expect(parseParquetStat(T.date, '1970-01-01')).toBe(0);
    expect(parseParquetStat(T.date, '2024-01-01')).toBe(19723);
    expect(parseParquetStat(T.date, '1969-12-31')).toBe(-1);
    expect(parseParquetStat(T.date, '1900-03-01')).toBe(-25508);
    expect(parseParquetStat(T.date, '2000-02-29')).toBe(11016);
    expect(parseParquetStat(T.date, '9999-12-31')).toBe(2932896);
    expect(parseParquetStat(T.date, '0001-01-01')).toBe(-719162);
    expect(parseParquetStat(T.date, '0001-12-31 (BC)')).toBe(-719163);
    expect(parseParquetStat(T.date, 'infinity')).toBeUndefined();
    expect(() => parseParquetStat(T.date, '2023-02-29')).toThrow(/cannot read Parquet statistic/);
  });

  it('parses times to microseconds', () => {
    expect(parseParquetStat(T.time, '12:34:56')).toBe(45296000000n);
    expect(parseParquetStat(T.time, '12:34:56.123456')).toBe(45296123456n);
    expect(parseParquetStat(T.time, '00:00:00.5')).toBe(500000n);
  });

  it('parses timestamps to exact microseconds, also before 1970 and far future', () => {
    expect(parseParquetStat(T.timestamp, '2026-11-29 17:02:15.042724')).toBe(1795971735042724n);
    expect(parseParquetStat(T.timestamp, '1970-01-01 00:00:00')).toBe(0n);
    expect(parseParquetStat(T.timestamp, '1969-12-31 23:59:59.999999')).toBe(-1n);
    expect(parseParquetStat(T.timestamp, '1900-01-01 00:00:00')).toBe(-2208988800000000n);
    expect(parseParquetStat(T.timestamp, '9999-12-31 23:59:59.999999')).toBe(253402300799999999n);
    expect(parseParquetStat(T.timestamp, '2026-11-29 17:02:15.0427241')).toBeUndefined();
    expect(parseParquetStat(T.timestamp, '2026-11-29 17:02:15.042724000')).toBe(1795971735042724n);
  });

  it('applies the zone offset of timestamptz', () => {
    expect(parseParquetStat(T.timestamptz, '2026-11-29 17:02:15.042724+00')).toBe(1795971735042724n);
    expect(parseParquetStat(T.timestamptz, '2026-11-29 22:32:15.042724+05:30')).toBe(1795971735042724n);
    expect(parseParquetStat(T.timestamptz, '2026-11-29 12:02:15.042724-05')).toBe(1795971735042724n);
    expect(parseParquetStat(T.timestamptz, '1969-12-31 23:59:59+00')).toBe(-1000000n);
  });

  it('passes strings and uuids through, skips binary', () => {
    expect(parseParquetStat(T.string, ' padded ')).toBe(' padded ');
    expect(parseParquetStat(T.uuid, '8DE45781-1E1B-4C5B-9D0C-1A2B3C4D5E6F')).toBe(
      '8de45781-1e1b-4c5b-9d0c-1a2b3c4d5e6f',
    );
    expect(parseParquetStat(T.binary, '\\x00\\x01')).toBeUndefined();
  });

  it('rejects text it does not recognize', () => {
    expect(() => parseParquetStat(T.int, 'abc')).toThrow(/cannot read Parquet statistic "abc" as int/);
    expect(() => parseParquetStat(T.timestamp, '2026-11-29 17:02:15+00')).toThrow(/as timestamp/);
  });
});

describe('truncateLowerBound / truncateUpperBound (truncate(16))', () => {
  const long = 'abcdefghijklmnopqrstuvwxyz';

  it('leaves short values alone', () => {
    expect(truncateLowerBound(T.string, 'abc')).toBe('abc');
    expect(truncateUpperBound(T.string, 'abc')).toBe('abc');
    expect(truncateUpperBound(T.long, 5n)).toBe(5n);
  });

  it('truncates strings by code point and rounds the upper bound up', () => {
    expect(truncateLowerBound(T.string, long)).toBe('abcdefghijklmnop');
    expect(truncateUpperBound(T.string, long)).toBe('abcdefghijklmnoq');
    expect(truncateLowerBound(T.string, long, 3)).toBe('abc');
    expect(truncateUpperBound(T.string, long, 3)).toBe('abd');
    // What PyIceberg 0.12 writes as the upper bound of a 40-character 'xxx…' column.
    expect(truncateUpperBound(T.string, 'x'.repeat(40))).toBe(`${'x'.repeat(15)}y`);
    // Emoji are one code point (two UTF-16 units) each.
    const emoji = '😀😀😀😀';
    expect(truncateLowerBound(T.string, emoji, 2)).toBe('😀😀');
    expect(truncateUpperBound(T.string, emoji, 2)).toBe('😀😁');
  });

  it('skips code points that cannot be incremented', () => {
    const max = String.fromCodePoint(0x10ffff);
    expect(truncateUpperBound(T.string, `a${max}${max}`, 2)).toBe('b');
    expect(truncateUpperBound(T.string, `${max}${max}${max}`, 2)).toBeUndefined();
    // U+D7FF increments past the surrogate range to U+E000.
    expect(truncateUpperBound(T.string, '\uD7FF\uD7FFx', 2)).toBe('\uD7FF\uE000');
  });

  it('truncates binary and rounds the upper bound up, dropping 0xFF bytes', () => {
    const bytes = Uint8Array.from([1, 2, 0xff, 0xff, 9]);
    expect(truncateLowerBound(T.binary, bytes, 4)).toEqual(Uint8Array.from([1, 2, 0xff, 0xff]));
    expect(truncateUpperBound(T.binary, bytes, 4)).toEqual(Uint8Array.from([1, 3]));
    expect(truncateUpperBound(T.binary, Uint8Array.from([0xff, 0xff, 0]), 2)).toBeUndefined();
  });
});
