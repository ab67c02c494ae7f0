import { describe, expect, it } from 'vitest';
import { toBinary } from '../conversions.js';
import { type DataFile, FileContent } from '../manifest-model.js';
import { newSchema } from '../schema.js';
import { fileMightMatch } from './file-might-match.js';

const schema = newSchema([
  { name: 'id', type: { kind: 'long' } },
  { name: 'name', type: { kind: 'string' } },
  { name: 'amount', type: { kind: 'decimal', precision: 10, scale: 2 } },
  { name: 'day', type: { kind: 'date' } },
]);

function file(
  lo: [bigint, string, string, number],
  hi: [bigint, string, string, number],
  nulls = [0, 0, 0, 0],
): DataFile {
  const types = schema.fields.map((f) => f.type as never);
  return {
    content: FileContent.DATA,
    filePath: 'x',
    fileFormat: 'PARQUET',
    partition: {},
    recordCount: 10,
    fileSizeInBytes: 1,
    valueCounts: new Map(schema.fields.map((f) => [f.id, 10])),
    nullValueCounts: new Map(schema.fields.map((f, i) => [f.id, nulls[i]!])),
    lowerBounds: new Map(schema.fields.map((f, i) => [f.id, toBinary(types[i]!, lo[i])])),
    upperBounds: new Map(schema.fields.map((f, i) => [f.id, toBinary(types[i]!, hi[i])])),
  };
}

const f = file([10n, 'apple', '1.00', 19000], [20n, 'melon', '99.50', 19010]);

describe('fileMightMatch', () => {
  it('prunes by bounds for each comparison', () => {
    expect(fileMightMatch({ op: 'eq', fieldId: 1, value: 15n }, schema, f)).toBe(true);
    expect(fileMightMatch({ op: 'eq', fieldId: 1, value: 21n }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'lt', fieldId: 1, value: 10n }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'lte', fieldId: 1, value: 10n }, schema, f)).toBe(true);
    expect(fileMightMatch({ op: 'gt', fieldId: 1, value: 20n }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'gte', fieldId: 2, value: 'melon' }, schema, f)).toBe(true);
    expect(fileMightMatch({ op: 'gt', fieldId: 2, value: 'melon' }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'eq', fieldId: 3, value: '100.00' }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'eq', fieldId: 3, value: '99.50' }, schema, f)).toBe(true);
    expect(fileMightMatch({ op: 'in', fieldId: 4, values: [1, 2, 19005] }, schema, f)).toBe(true);
    expect(fileMightMatch({ op: 'in', fieldId: 4, values: [1, 2] }, schema, f)).toBe(false);
  });

  it('handles AND, OR, NOT and nulls conservatively', () => {
    const out = { op: 'eq', fieldId: 1, value: 99n } as const;
    const inside = { op: 'eq', fieldId: 1, value: 12n } as const;
    expect(fileMightMatch({ op: 'and', args: [inside, out] }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'or', args: [inside, out] }, schema, f)).toBe(true);
    // NOT (id >= 10) is id < 10: nothing here
    expect(fileMightMatch({ op: 'not', arg: { op: 'gte', fieldId: 1, value: 10n } }, schema, f)).toBe(false);
    expect(fileMightMatch({ op: 'isNull', fieldId: 1 }, schema, f)).toBe(false);
    const allNull = file([10n, 'a', '1.00', 1], [20n, 'b', '2.00', 2], [10, 0, 0, 0]);
    expect(fileMightMatch({ op: 'eq', fieldId: 1, value: 15n }, schema, allNull)).toBe(false);
    expect(fileMightMatch({ op: 'isNull', fieldId: 1 }, schema, allNull)).toBe(true);
    // no statistics at all: might match
    const bare: DataFile = {
      ...f,
      lowerBounds: new Map(),
      upperBounds: new Map(),
      nullValueCounts: new Map(),
    };
    expect(fileMightMatch(out, schema, bare)).toBe(true);
  });
});
