import { describe, expect, it } from 'vitest';
import { decimalRequiredBytes, manifestEntrySchema, sanitizeAvroName } from './avro-schemas.js';
import { avroType } from './avro-type.js';

describe('decimalRequiredBytes', () => {
  it('matches the sizes Iceberg Java uses for decimal fixed types', () => {
    const sizes = [1, 2, 3, 9, 10, 18, 19, 38].map(decimalRequiredBytes);
    expect(sizes).toEqual([1, 1, 2, 4, 5, 8, 9, 16]);
  });
});

describe('sanitizeAvroName', () => {
  it('keeps valid names and escapes invalid characters as Iceberg Java does', () => {
    expect(sanitizeAvroName('ts_day')).toBe('ts_day');
    expect(sanitizeAvroName('my-key')).toBe('my_x2Dkey');
    expect(sanitizeAvroName('1st')).toBe('_1st');
    expect(sanitizeAvroName('a.b c')).toBe('a_x2Eb_x20c');
  });
});

describe('manifestEntrySchema', () => {
  it('is a valid Avro schema for every primitive partition type, with repeated named types', () => {
    const schema = manifestEntrySchema([
      { fieldId: 1000, name: 'b', type: { kind: 'boolean' } },
      { fieldId: 1001, name: 'i', type: { kind: 'int' } },
      { fieldId: 1002, name: 'l', type: { kind: 'long' } },
      { fieldId: 1003, name: 'f', type: { kind: 'float' } },
      { fieldId: 1004, name: 'd', type: { kind: 'double' } },
      { fieldId: 1005, name: 'day', type: { kind: 'date' } },
      { fieldId: 1006, name: 't', type: { kind: 'time' } },
      { fieldId: 1007, name: 'ts', type: { kind: 'timestamp' } },
      { fieldId: 1008, name: 'tstz', type: { kind: 'timestamptz' } },
      { fieldId: 1009, name: 's', type: { kind: 'string' } },
      { fieldId: 1010, name: 'u', type: { kind: 'uuid' } },
      { fieldId: 1011, name: 'u2', type: { kind: 'uuid' } },
      { fieldId: 1012, name: 'fx', type: { kind: 'fixed', length: 4 } },
      { fieldId: 1013, name: 'fx2', type: { kind: 'fixed', length: 4 } },
      { fieldId: 1014, name: 'bin', type: { kind: 'binary' } },
      { fieldId: 1015, name: 'dec', type: { kind: 'decimal', precision: 38, scale: 10 } },
    ]);
    expect(() => avroType(JSON.parse(JSON.stringify(schema)))).not.toThrow();
    const dataFile = schema.fields[4]!.type as unknown as { fields: { name: string; type: unknown }[] };
    const partition = dataFile.fields.find((f) => f.name === 'partition')!.type as {
      fields: { name: string; type: unknown }[];
    };
    const types = Object.fromEntries(partition.fields.map((f) => [f.name, (f.type as unknown[])[1]]));
    expect(types.tstz).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true });
    expect(types.ts).toEqual({ type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false });
    expect(types.t).toEqual({ type: 'long', logicalType: 'time-micros' });
    expect(types.u).toEqual({ type: 'fixed', name: 'uuid_fixed', size: 16, logicalType: 'uuid' });
    expect(types.u2).toBe('uuid_fixed');
    expect(types.fx).toEqual({ type: 'fixed', name: 'fixed_4', size: 4 });
    expect(types.fx2).toBe('fixed_4');
    expect(types.bin).toBe('bytes');
    expect(types.dec).toEqual({
      type: 'fixed',
      name: 'decimal_38_10',
      size: 16,
      logicalType: 'decimal',
      precision: 38,
      scale: 10,
    });
  });
});
