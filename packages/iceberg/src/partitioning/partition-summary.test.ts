import { DataError, type PrimitiveType } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import type { PartitionFieldDescriptor } from '../avro/index.js';
import { partitionSummaries } from './partition-summary.js';

const hex = (h: string) => Uint8Array.from(Buffer.from(h, 'hex'));
const toHex = (b: Uint8Array | null | undefined) => (b ? Buffer.from(b).toString('hex') : b);

/** Summarizes one field over `values` and shows the bounds as hex. */
const summarize = (type: PrimitiveType, values: unknown[]) => {
  const field: PartitionFieldDescriptor = { fieldId: 1000, name: 'p', type };
  const [s] = partitionSummaries(
    [field],
    values.map((v) => (v === undefined ? {} : { p: v })),
  );
  return { ...s, lowerBound: toHex(s?.lowerBound), upperBound: toHex(s?.upperBound) };
};

describe('partitionSummaries', () => {
  // Expected bytes from PyIceberg 0.12's PartitionFieldStats over the same values.
  it('matches PyIceberg for every kind of value ordering', () => {
    expect(summarize({ kind: 'string' }, ['b', '\uffff', '😀', 'a', null])).toEqual({
      containsNull: true,
      containsNan: false,
      lowerBound: '61',
      upperBound: 'f09f9880', // code point order: U+1F600 above U+FFFF (UTF-16 order says otherwise)
    });
    expect(summarize({ kind: 'decimal', precision: 9, scale: 2 }, ['10.50', '-11.00', '9.00'])).toMatchObject(
      {
        lowerBound: 'fbb4',
        upperBound: '041a',
      },
    );
    expect(summarize({ kind: 'double' }, [1.5, Number.NaN, -0, 0, -3.25])).toEqual({
      containsNull: false,
      containsNan: true,
      lowerBound: '0000000000000ac0',
      upperBound: '000000000000f83f',
    });
    expect(summarize({ kind: 'int' }, [5, -2, null])).toMatchObject({
      containsNull: true,
      lowerBound: 'feffffff',
      upperBound: '05000000',
    });
    expect(summarize({ kind: 'date' }, [0, -1, 19000])).toMatchObject({
      lowerBound: 'ffffffff',
      upperBound: '384a0000',
    });
    expect(summarize({ kind: 'long' }, [5n, -2n])).toMatchObject({
      lowerBound: 'feffffffffffffff',
      upperBound: '0500000000000000',
    });
    expect(summarize({ kind: 'binary' }, [hex('01ff'), hex('01'), hex('80')])).toMatchObject({
      lowerBound: '01',
      upperBound: '80',
    });
    expect(
      summarize({ kind: 'uuid' }, [
        'f79c3e09-677c-4bbd-a479-3f349cb785e7',
        '00000000-0000-0000-0000-000000000001',
      ]),
    ).toMatchObject({
      lowerBound: '00000000000000000000000000000001',
      upperBound: 'f79c3e09677c4bbda4793f349cb785e7',
    });
    expect(summarize({ kind: 'boolean' }, [true, false])).toMatchObject({
      lowerBound: '00',
      upperBound: '01',
    });
  });

  it('has no bounds when every value is null (or the key is missing)', () => {
    expect(summarize({ kind: 'int' }, [null, undefined])).toEqual({
      containsNull: true,
      containsNan: false,
      lowerBound: null,
      upperBound: null,
    });
    expect(summarize({ kind: 'double' }, [Number.NaN])).toEqual({
      containsNull: false,
      containsNan: true,
      lowerBound: null,
      upperBound: null,
    });
  });

  it('orders -0.0 below 0.0 (as Java) and decimals numerically, not as text', () => {
    expect(summarize({ kind: 'float' }, [0, -0])).toMatchObject({
      lowerBound: '00000080',
      upperBound: '00000000',
    });
    expect(summarize({ kind: 'decimal', precision: 9, scale: 2 }, ['9.00', '10.00', '-0.50'])).toMatchObject({
      lowerBound: 'ce', // -50
      upperBound: '03e8', // 1000
    });
  });

  it('summarizes several fields in spec order, as the manifest list wants', () => {
    const fields: PartitionFieldDescriptor[] = [
      { fieldId: 1000, name: 'created_at_day', type: { kind: 'date' } },
      { fieldId: 1001, name: 'id_bucket_16', type: { kind: 'int' } },
    ];
    const out = partitionSummaries(fields, [
      { created_at_day: 17486, id_bucket_16: 3 },
      { created_at_day: 17485, id_bucket_16: null },
    ]);
    expect(out.map((s) => [s.containsNull, toHex(s.lowerBound), toHex(s.upperBound)])).toEqual([
      [false, '4d440000', '4e440000'],
      [true, '03000000', '03000000'],
    ]);
    expect(partitionSummaries([], [{}, {}])).toEqual([]);
  });

  it('rejects values that are not of the field type', () => {
    expect(() => summarize({ kind: 'int' }, [1, 'x'])).toThrow(DataError);
    expect(() => summarize({ kind: 'string' }, [5])).toThrow(
      /partition value 5 of "p" is not a valid string/,
    );
    expect(() => summarize({ kind: 'int' }, [Number.NaN])).toThrow(DataError);
  });
});
