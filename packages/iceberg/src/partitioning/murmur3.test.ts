import type { PrimitiveType } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { bucket, bucketHash, isBucketable, murmur3 } from './murmur3.js';

const utf8 = (s: string) => new TextEncoder().encode(s);
const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const days = (iso: string) => Date.parse(`${iso}T00:00:00Z`) / 86_400_000;
const micros = (iso: string) => BigInt(Date.parse(iso)) * 1000n;

describe('murmur3 (x86, 32-bit)', () => {
  it('matches the reference implementation for every tail length', () => {
    // SMHasher's MurmurHash3_x86_32 values, as signed 32-bit ints.
    expect(murmur3(new Uint8Array(0))).toBe(0);
    expect(murmur3(new Uint8Array(0), 1)).toBe(0x514e28b7);
    expect(murmur3(utf8('hello'))).toBe(0x248bfa47);
    expect(murmur3(utf8('The quick brown fox jumps over the lazy dog'))).toBe(0x2e4ff723);
    expect(murmur3(hex('00010203'))).toBe(-188683207);
    expect(murmur3(utf8('iceberg'))).toBe(1210000089);
  });
});

describe('bucketHash: the spec test values (Appendix B)', () => {
  const vectors: [string, PrimitiveType, unknown, number][] = [
    ['int 34', { kind: 'int' }, 34, 2017239379],
    ['long 34', { kind: 'long' }, 34n, 2017239379],
    ['decimal 14.20', { kind: 'decimal', precision: 4, scale: 2 }, '14.20', -500754589],
    ['date 2017-11-16', { kind: 'date' }, days('2017-11-16'), -653330422],
    ['time 22:31:08', { kind: 'time' }, (22n * 3600n + 31n * 60n + 8n) * 1_000_000n, -662762989],
    ['timestamp 2017-11-16T22:31:08', { kind: 'timestamp' }, micros('2017-11-16T22:31:08Z'), -2047944441],
    [
      'timestamp 2017-11-16T22:31:08.000001',
      { kind: 'timestamp' },
      micros('2017-11-16T22:31:08Z') + 1n,
      -1207196810,
    ],
    [
      'timestamptz 2017-11-16T14:31:08-08:00',
      { kind: 'timestamptz' },
      micros('2017-11-16T14:31:08-08:00'),
      -2047944441,
    ],
    [
      'timestamptz 2017-11-16T14:31:08.000001-08:00',
      { kind: 'timestamptz' },
      micros('2017-11-16T14:31:08-08:00') + 1n,
      -1207196810,
    ],
    ['string iceberg', { kind: 'string' }, 'iceberg', 1210000089],
    ['uuid', { kind: 'uuid' }, 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
    ['fixed 00 01 02 03', { kind: 'fixed', length: 4 }, hex('00010203'), -188683207],
    ['binary 00 01 02 03', { kind: 'binary' }, hex('00010203'), -188683207],
  ];
  for (const [name, type, value, expected] of vectors) {
    it(name, () => expect(bucketHash(type, value)).toBe(expected));
  }

  it('hashes int, long and date alike and accepts longs given as numbers', () => {
    expect(bucketHash({ kind: 'int' }, -1)).toBe(bucketHash({ kind: 'long' }, -1n));
    expect(bucketHash({ kind: 'long' }, 34)).toBe(2017239379);
    expect(bucketHash({ kind: 'date' }, 34)).toBe(2017239379);
  });

  it('does not depend on the decimal scale, only on the unscaled value', () => {
    expect(bucketHash({ kind: 'decimal', precision: 9, scale: 4 }, '0.1420')).toBe(-500754589);
    expect(bucketHash({ kind: 'decimal', precision: 9, scale: 2 }, 1420n)).toBe(-500754589);
  });

  it('rejects boolean, float and double (not bucketable in v2) and values of the wrong type', () => {
    for (const kind of ['boolean', 'float', 'double'] as const) {
      expect(isBucketable({ kind })).toBe(false);
      expect(() => bucketHash({ kind }, kind === 'boolean' ? true : 1)).toThrow(/bucket is not defined/);
    }
    expect(isBucketable({ kind: 'uuid' })).toBe(true);
    expect(() => bucketHash({ kind: 'int' }, 2 ** 31)).toThrow(/not a valid int/);
    expect(() => bucketHash({ kind: 'int' }, 1.5)).toThrow(/not a valid int/);
    expect(() => bucketHash({ kind: 'string' }, 1)).toThrow(/not a valid string/);
  });
});

describe('bucket', () => {
  it('drops the sign bit before the modulus', () => {
    expect(bucket(16, 2017239379)).toBe(3);
    expect(bucket(16, -1)).toBe(15);
    expect(bucket(1, -2147483648)).toBe(0);
    expect(bucket(7, -2147483648)).toBe(0);
  });

  // bucket[N] values computed by PyIceberg 0.12 (BucketTransform(N).transform(type)(v)).
  const pyiceberg: [string, PrimitiveType, number, unknown[], number[]][] = [
    ['int', { kind: 'int' }, 16, [0, 1, -1, 34, 2147483647, -2147483648], [12, 4, 8, 3, 14, 8]],
    [
      'long',
      { kind: 'long' },
      1000,
      [0n, -1n, 34n, 9223372036854775807n, -9223372036854775808n],
      [676, 712, 379, 599, 829],
    ],
    [
      'decimal(38,2)',
      { kind: 'decimal', precision: 38, scale: 2 },
      7,
      [
        '14.20',
        '-14.20',
        '0.00',
        '0.01',
        '-0.01',
        '1.28',
        '-1.28',
        '999999999999999999999999999999999999.99',
      ],
      [3, 6, 6, 6, 2, 2, 5, 1],
    ],
    ['string', { kind: 'string' }, 13, ['', 'iceberg', 'é', '😀x', 'abcdefghij'], [0, 12, 5, 10, 11]],
    ['date', { kind: 'date' }, 10, [0, -1, 17486, -719163], [6, 2, 6, 6]],
    ['timestamp', { kind: 'timestamp' }, 10, [0n, -1n, 1510871468000000n, 1510871468000001n], [6, 2, 7, 8]],
    ['time', { kind: 'time' }, 9, [81068000000n, 0n], [1, 1]],
    [
      'uuid',
      { kind: 'uuid' },
      5,
      ['f79c3e09-677c-4bbd-a479-3f349cb785e7', '00000000-0000-0000-0000-000000000000'],
      [0, 1],
    ],
    ['binary', { kind: 'binary' }, 3, [hex(''), hex('00010203'), hex('ff')], [0, 1, 1]],
    ['fixed[4]', { kind: 'fixed', length: 4 }, 3, [hex('00010203')], [1]],
  ];
  for (const [name, type, n, values, expected] of pyiceberg) {
    it(`bucket[${n}] of ${name} values equals PyIceberg's`, () => {
      expect(values.map((v) => bucket(n, bucketHash(type, v)))).toEqual(expected);
    });
  }
});
