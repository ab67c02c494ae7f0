import { DataError, MetadataError, type PrimitiveType, quoteLiteral, toDuckDBType } from '@lakekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../duckdb-engine.js';
import {
  applyTransform,
  canTransform,
  formatTransform,
  parseTransform,
  transformResultType,
  transformToSql,
} from './transforms.js';

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
  fixed: { kind: 'fixed', length: 4 },
  decimal: { kind: 'decimal', precision: 9, scale: 2 },
} satisfies Record<string, PrimitiveType>;

const tr = (text: string) => parseTransform(text);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: unknown) => Buffer.from(b as Uint8Array).toString('hex');

// Sample values shared by the PyIceberg and DuckDB checks.
const DATES = [0, -1, -365, -366, -719162, 17486, 59, 58, -31, -32, 2932896];
const TIMESTAMPS = [
  0n,
  -1n,
  -3600000000n,
  -3600000001n,
  -86400000000n,
  -86400000001n,
  1510871468000001n,
  -62135596800000000n, // 0001-01-01T00:00:00
  -31536000000000n, // 1969-01-01T00:00:00
  -31536000000001n,
  253402300799999999n, // 9999-12-31T23:59:59.999999
  -2208988800000000n, // 1900-01-01
];
const INTS = [0, 1, -1, 9, 10, -10, -11, 2147483647];
const LONGS = [0n, 1n, -1n, 9223372036854775807n, -9223372036854775801n];
const DECIMALS = ['10.65', '-10.65', '0.00', '-0.01', '0.49', '0.50', '-0.50', '12345.67'];
const STRINGS = ['iceberg', 'ab', '😀😁😂🤣', 'e\u0301xyz', '日本語テキスト'];
const BINARIES = [hex('0102030405'), hex('01')];

describe('parseTransform / formatTransform', () => {
  it('round-trips every transform of the spec', () => {
    for (const text of ['identity', 'year', 'month', 'day', 'hour', 'bucket[16]', 'truncate[4]', 'void']) {
      expect(formatTransform(parseTransform(text))).toBe(text);
    }
    expect(parseTransform(' Bucket[ 8 ] ')).toEqual({ kind: 'bucket', numBuckets: 8 });
    expect(parseTransform('truncate[10]')).toEqual({ kind: 'truncate', width: 10 });
  });

  it('rejects unknown transforms and bad parameters', () => {
    expect(() => parseTransform('zorder')).toThrow(MetadataError);
    expect(() => parseTransform('bucket')).toThrow(/unknown partition transform "bucket"/);
    expect(() => parseTransform('bucket[0]')).toThrow(/parameter must be 1/);
    expect(() => parseTransform('truncate[-1]')).toThrow(/unknown partition transform/);
    expect(() => parseTransform('bucket[2147483648]')).toThrow(/parameter must be 1/);
  });
});

describe('canTransform and result types (spec v2 source types, as PyIceberg)', () => {
  const accepted: Record<string, string[]> = {
    identity: Object.keys(T),
    void: Object.keys(T),
    'bucket[4]': [
      'int',
      'long',
      'date',
      'time',
      'timestamp',
      'timestamptz',
      'string',
      'uuid',
      'binary',
      'fixed',
      'decimal',
    ],
    'truncate[4]': ['int', 'long', 'string', 'binary', 'decimal'],
    year: ['date', 'timestamp', 'timestamptz'],
    month: ['date', 'timestamp', 'timestamptz'],
    day: ['date', 'timestamp', 'timestamptz'],
    hour: ['timestamp', 'timestamptz'],
  };
  for (const [text, kinds] of Object.entries(accepted)) {
    it(text, () => {
      const ok = Object.entries(T)
        .filter(([, type]) => canTransform(tr(text), type))
        .map(([name]) => name);
      expect(ok.sort()).toEqual([...kinds].sort());
    });
  }

  it('transformResultType: int for bucket/year/month/hour, date for day, the source type otherwise', () => {
    expect(transformResultType('bucket[4]', T.string)).toEqual(T.int);
    expect(transformResultType('year', T.timestamp)).toEqual(T.int);
    expect(transformResultType('day', T.timestamptz)).toEqual(T.date);
    expect(transformResultType('truncate[4]', T.decimal)).toEqual(T.decimal);
    expect(transformResultType('void', T.uuid)).toEqual(T.uuid);
  });
});

describe('applyTransform', () => {
  it('returns null for null input, and void always null', () => {
    expect(applyTransform(tr('day'), T.date, null)).toBeNull();
    expect(applyTransform(tr('bucket[4]'), T.int, undefined)).toBeNull();
    expect(applyTransform(tr('void'), T.string, 'x')).toBeNull();
    expect(applyTransform(tr('identity'), T.long, 5n)).toBe(5n);
  });

  // Expected values computed by PyIceberg 0.12 for the same inputs.
  it('year/month/day of dates, before and after the epoch', () => {
    const run = (t: string) => DATES.map((d) => applyTransform(tr(t), T.date, d));
    expect(run('year')).toEqual([0, -1, -1, -2, -1969, 47, 0, 0, -1, -1, 8029]);
    expect(run('month')).toEqual([0, -1, -12, -13, -23628, 574, 2, 1, -1, -2, 96359]);
    expect(run('day')).toEqual(DATES);
  });

  for (const type of [T.timestamp, T.timestamptz]) {
    it(`year/month/day/hour of ${type.kind} (floor before the epoch)`, () => {
      const run = (t: string) => TIMESTAMPS.map((v) => applyTransform(tr(t), type, v));
      expect(run('year')).toEqual([0, -1, -1, -1, -1, -1, 47, -1969, -1, -2, 8029, -70]);
      expect(run('month')).toEqual([0, -1, -1, -1, -1, -1, 574, -23628, -12, -13, 96359, -840]);
      expect(run('day')).toEqual([0, -1, -1, -1, -1, -2, 17486, -719162, -365, -366, 2932896, -25567]);
      expect(run('hour')).toEqual([
        0, -1, -1, -2, -24, -25, 419686, -17259888, -8760, -8761, 70389527, -613608,
      ]);
    });
  }

  it('accepts timestamps given as safe-integer numbers', () => {
    expect(applyTransform(tr('hour'), T.timestamp, -1)).toBe(-1);
  });

  it('truncate of ints and longs rounds towards negative infinity', () => {
    expect(INTS.map((v) => applyTransform(tr('truncate[10]'), T.int, v))).toEqual([
      0, 0, -10, 0, 10, -10, -20, 2147483640,
    ]);
    expect(LONGS.map((v) => applyTransform(tr('truncate[7]'), T.long, v))).toEqual([
      0n,
      0n,
      -7n,
      9223372036854775807n,
      -9223372036854775807n,
    ]);
  });

  it('truncate of decimals works on the unscaled value (W=50 at scale 2 is 0.50)', () => {
    expect(DECIMALS.map((v) => applyTransform(tr('truncate[50]'), T.decimal, v))).toEqual([
      '10.50',
      '-11.00',
      '0.00',
      '-0.50',
      '0.00',
      '0.50',
      '-0.50',
      '12345.50',
    ]);
    const s0: PrimitiveType = { kind: 'decimal', precision: 9, scale: 0 };
    expect(['10', '-10', '-1'].map((v) => applyTransform(tr('truncate[3]'), s0, v))).toEqual([
      '9',
      '-12',
      '-3',
    ]);
  });

  it('truncate of strings counts code points, of binary bytes', () => {
    expect(STRINGS.map((v) => applyTransform(tr('truncate[3]'), T.string, v))).toEqual([
      'ice',
      'ab',
      '😀😁😂',
      'e\u0301x',
      '日本語',
    ]);
    expect(BINARIES.map((v) => toHex(applyTransform(tr('truncate[3]'), T.binary, v)))).toEqual([
      '010203',
      '01',
    ]);
  });

  it('refuses results outside the type and values of the wrong type', () => {
    expect(() => applyTransform(tr('truncate[10]'), T.int, -2147483648)).toThrow(DataError);
    expect(() => applyTransform(tr('truncate[10]'), T.long, -9223372036854775808n)).toThrow(DataError);
    const small: PrimitiveType = { kind: 'decimal', precision: 3, scale: 2 };
    expect(() => applyTransform(tr('truncate[50]'), small, '-9.99')).toThrow(/does not fit decimal\(3, 2\)/);
    expect(() => applyTransform(tr('day'), T.date, '2020-01-01')).toThrow(DataError);
    expect(() => applyTransform(tr('truncate[3]'), T.string, 5)).toThrow(DataError);
    expect(() => applyTransform(tr('identity'), T.int, 1.5)).toThrow(DataError);
  });

  it('refuses a transform its source type does not accept', () => {
    expect(() => applyTransform(tr('day'), T.int, 1)).toThrow(MetadataError);
    expect(() => applyTransform(tr('hour'), T.date, 1)).toThrow(/accepts timestamp or timestamptz/);
    expect(() => applyTransform(tr('bucket[2]'), T.double, 1)).toThrow(/cannot be applied to double/);
    expect(() => transformToSql(tr('truncate[2]'), T.uuid, 'c')).toThrow(MetadataError);
  });
});

describe('transformToSql computes the same values in DuckDB as applyTransform', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
  });
  afterAll(() => engine?.close());

  /** DuckDB literal of a JS value of `type`, built while the session time zone is UTC. */
  const literal = (type: PrimitiveType, v: unknown): string => {
    const duck = toDuckDBType(type);
    switch (type.kind) {
      case 'date':
        return `CAST(DATE '1970-01-01' + ${v} AS DATE)`;
      case 'timestamp':
      case 'timestamptz':
        return `CAST(make_timestamp(CAST(${v} AS BIGINT)) AS ${duck})`;
      case 'binary':
        return `unhex('${toHex(v)}')`;
      case 'string':
      case 'decimal':
        return `CAST(${quoteLiteral(String(v))} AS ${duck})`;
      default:
        return `CAST(${String(v)} AS ${duck})`;
    }
  };

  /** Evaluates each transform over the values in DuckDB and compares with applyTransform. */
  const check = async (type: PrimitiveType, values: readonly unknown[], transforms: readonly string[]) => {
    await engine.run("SET TimeZone = 'UTC'");
    await engine.run('DROP TABLE IF EXISTS v');
    await engine.run(`CREATE TABLE v (i INTEGER, c ${toDuckDBType(type)})`);
    await engine.run(
      `INSERT INTO v VALUES ${values.map((v, i) => `(${i}, ${literal(type, v)})`).join(', ')}, (-1, NULL)`,
    );
    // A session time zone far from UTC: timestamptz transforms must not depend on it.
    await engine.run("SET TimeZone = 'Pacific/Kiritimati'");
    for (const text of transforms) {
      const t = tr(text);
      const sql = transformToSql(t, type, 'c');
      expect(sql, text).toBeDefined();
      const wrapped = type.kind === 'binary' && t.kind !== 'void' ? `lower(hex(${sql}))` : sql;
      const rows = await engine.all(`SELECT i, ${wrapped} AS r FROM v ORDER BY i`);
      const expected = [null, ...values.map((v) => applyTransform(t, type, v))].map((r) =>
        r instanceof Uint8Array ? toHex(r) : typeof r === 'bigint' ? r.toString() : r,
      );
      expect(
        rows.map((row) => row['r']),
        `${text} of ${toDuckDBType(type)}: ${sql}`,
      ).toEqual(expected);
    }
  };

  it('dates', () => check(T.date, DATES, ['year', 'month', 'day', 'void']));
  it('timestamps', () => check(T.timestamp, TIMESTAMPS, ['year', 'month', 'day', 'hour']));
  it('timestamptz, in UTC whatever the session time zone', () =>
    check(T.timestamptz, TIMESTAMPS, ['year', 'month', 'day', 'hour']));
  it('ints', () =>
    check(T.int, [...INTS, -2147483640, 34], ['truncate[10]', 'truncate[1]', 'truncate[2147483647]']));
  it('longs', () => check(T.long, LONGS, ['truncate[7]', 'truncate[2147483647]', 'identity']));
  it('decimals', async () => {
    await check(
      T.decimal,
      [...DECIMALS, '-9999999.50', '9999999.99'],
      ['truncate[50]', 'truncate[1]', 'truncate[7]'],
    );
    await check({ kind: 'decimal', precision: 9, scale: 0 }, ['10', '-10', '-1', '0'], ['truncate[3]']);
    await check(
      { kind: 'decimal', precision: 38, scale: 10 },
      [
        '-1234567890123456789012345678.0123456789',
        '9999999999999999999999999999.9999999999',
        '-0.0000000001',
      ],
      ['truncate[1000]', 'truncate[2147483647]'],
    );
  });
  it('strings (code points)', () =>
    check(T.string, [...STRINGS, ''], ['truncate[3]', 'truncate[1]', 'truncate[100]']));
  it('binary (bytes)', () => check(T.binary, BINARIES, ['truncate[3]', 'truncate[1]', 'void']));

  it('returns undefined for bucket (computed in JS) and fails in DuckDB where JS throws', async () => {
    expect(transformToSql(tr('bucket[16]'), T.long, 'c')).toBeUndefined();
    const sql = transformToSql(tr('truncate[10]'), T.int, 'CAST(-2147483648 AS INTEGER)');
    await expect(engine.all(`SELECT ${sql}`)).rejects.toThrow(/out of range|overflow/i);
  });
});
