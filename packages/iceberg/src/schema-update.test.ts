import { typeToString, UsageError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { parseIcebergType } from './parse-type.js';
import { maxFieldId, newSchema, type Schema } from './schema.js';
import { applySchemaChanges, type SchemaChange } from './schema-update.js';

/** id, name, amount, address struct<street, zip>, tags list<string>, points list<struct<x, y>>, attrs map<string, struct<v>> */
const base: Schema = newSchema([
  { name: 'id', type: { kind: 'long' }, required: true },
  { name: 'name', type: { kind: 'string' } },
  { name: 'amount', type: { kind: 'decimal', precision: 9, scale: 2 } },
  { name: 'count', type: { kind: 'int' } },
  { name: 'ratio', type: { kind: 'float' } },
  { name: 'address', type: parseIcebergType('struct<street: string, zip: string>') },
  { name: 'points', type: parseIcebergType('list<struct<x: int, y: int>>') },
  { name: 'attrs', type: parseIcebergType('map<string, struct<v: int>>') },
]);
const last = maxFieldId(base.fields);

const apply = (...changes: SchemaChange[]) => applySchemaChanges(base, last, changes);
const names = (s: Schema) => s.fields.map((f) => f.name);
const cols = (s: Schema) =>
  s.fields.map((f) => `${f.id}:${f.name}:${typeToString(f.type)}${f.required ? '!' : ''}`);

function usageError(fn: () => unknown, message: RegExp): void {
  let error: unknown;
  try {
    fn();
  } catch (e) {
    error = e;
  }
  expect(error).toBeInstanceOf(UsageError);
  expect((error as Error).message).toMatch(message);
}

describe('applySchemaChanges', () => {
  it('adds optional columns with ids from last-column-id + 1, at the end or a position', () => {
    const r = apply(
      { kind: 'add-column', path: 'email', type: { kind: 'string' }, doc: 'contact' },
      { kind: 'add-column', path: 'first', type: { kind: 'int' }, position: { first: true } },
      { kind: 'add-column', path: 'after_name', type: { kind: 'int' }, position: { after: 'name' } },
      { kind: 'add-column', path: 'before_id', type: { kind: 'int' }, position: { before: 'id' } },
    );
    expect(r.lastColumnId).toBe(last + 4);
    expect(names(r.schema)).toEqual([
      'first',
      'before_id',
      'id',
      'name',
      'after_name',
      'amount',
      'count',
      'ratio',
      'address',
      'points',
      'attrs',
      'email',
    ]);
    const email = r.schema.fields.find((f) => f.name === 'email')!;
    expect(email).toEqual({
      id: last + 1,
      name: 'email',
      required: false,
      type: { kind: 'string' },
      doc: 'contact',
    });
    // The input is untouched.
    expect(names(base)).toHaveLength(8);
  });

  it('adds a struct column with fresh ids for its nested fields', () => {
    const r = apply({
      kind: 'add-column',
      path: 'geo',
      type: parseIcebergType('struct<lat: double, tags: list<string>>'),
    });
    const geo = r.schema.fields.at(-1)!;
    expect(geo.id).toBe(last + 1);
    expect(geo.type).toEqual({
      kind: 'struct',
      fields: [
        { id: last + 2, name: 'lat', required: false, type: { kind: 'double' } },
        {
          id: last + 3,
          name: 'tags',
          required: false,
          type: { kind: 'list', elementId: last + 4, elementRequired: false, element: { kind: 'string' } },
        },
      ],
    });
    expect(r.lastColumnId).toBe(last + 4);
  });

  it('adds fields inside structs, structs in lists and struct map values, by dotted path', () => {
    const r = apply(
      { kind: 'add-column', path: 'address.city', type: { kind: 'string' }, position: { after: 'street' } },
      { kind: 'add-column', path: 'points.z', type: { kind: 'int' } },
      { kind: 'add-column', path: 'attrs.value.w', type: { kind: 'int' }, position: { first: true } },
    );
    const t = (n: string) => typeToString(r.schema.fields.find((f) => f.name === n)!.type);
    expect(t('address')).toBe('struct<street: string, city: string, zip: string>');
    expect(t('points')).toBe('list<struct<x: int, y: int, z: int>>');
    expect(t('attrs')).toBe('map<string, struct<w: int, v: int>>');
  });

  it('rejects required adds, name clashes (ignoring case) and unknown parents', () => {
    usageError(
      () => apply({ kind: 'add-column', path: 'x', type: { kind: 'int' }, required: true }),
      /required column x/,
    );
    usageError(
      () => apply({ kind: 'add-column', path: 'NAME', type: { kind: 'int' } }),
      /clash with existing column "name"/,
    );
    usageError(
      () => apply({ kind: 'add-column', path: 'address.ZIP', type: { kind: 'int' } }),
      /clash.*"zip"/,
    );
    usageError(() => apply({ kind: 'add-column', path: 'nope.x', type: { kind: 'int' } }), /no column nope/);
    usageError(
      () => apply({ kind: 'add-column', path: 'name.x', type: { kind: 'int' } }),
      /name is not a struct/,
    );
    usageError(
      () => apply({ kind: 'add-column', path: 'x', type: { kind: 'int' }, position: { after: 'zip' } }),
      /after "zip": no such column/,
    );
  });

  it('renames top-level and nested fields, keeping ids', () => {
    const r = apply(
      { kind: 'rename-column', path: 'name', newName: 'full_name' },
      { kind: 'rename-column', path: 'address.zip', newName: 'postcode' },
      { kind: 'rename-column', path: 'points.element.x', newName: 'px' },
      // A change of case only does not clash with the column itself.
      { kind: 'rename-column', path: 'full_name', newName: 'Full_Name' },
    );
    expect(cols(r.schema).slice(0, 2)).toEqual(['1:id:long!', '2:Full_Name:string']);
    expect(typeToString(r.schema.fields[5]!.type)).toBe('struct<street: string, postcode: string>');
    expect(typeToString(r.schema.fields[6]!.type)).toBe('list<struct<px: int, y: int>>');
    expect(r.lastColumnId).toBe(last);
    usageError(
      () => apply({ kind: 'rename-column', path: 'name', newName: 'ID' }),
      /clash with existing column "id"/,
    );
    usageError(() => apply({ kind: 'rename-column', path: 'missing', newName: 'x' }), /no column missing/);
    usageError(() => apply({ kind: 'rename-column', path: 'points.element', newName: 'x' }), /list element/);
  });

  it('drops columns and nested fields, but not identifier fields or a last struct field', () => {
    const r = apply({ kind: 'drop-column', path: 'amount' }, { kind: 'drop-column', path: 'address.street' });
    expect(names(r.schema)).not.toContain('amount');
    expect(typeToString(r.schema.fields.find((f) => f.name === 'address')!.type)).toBe('struct<zip: string>');
    usageError(
      () => applySchemaChanges(r.schema, last, [{ kind: 'drop-column', path: 'address.zip' }]),
      /last field/,
    );
    const withKey: Schema = { ...base, identifierFieldIds: [1] };
    usageError(
      () => applySchemaChanges(withKey, last, [{ kind: 'drop-column', path: 'id' }]),
      /identifier field/,
    );
    usageError(
      () => applySchemaChanges(withKey, last, [{ kind: 'make-optional', path: 'id' }]),
      /identifier field/,
    );
  });

  it('moves columns first, before and after siblings, nested too', () => {
    const r = apply(
      { kind: 'move-column', path: 'attrs', position: { first: true } },
      { kind: 'move-column', path: 'id', position: { after: 'ratio' } },
      { kind: 'move-column', path: 'name', position: { before: 'attrs' } },
      { kind: 'move-column', path: 'address.zip', position: { before: 'address.street' } },
    );
    expect(names(r.schema)).toEqual(['name', 'attrs', 'amount', 'count', 'ratio', 'id', 'address', 'points']);
    expect(typeToString(r.schema.fields[6]!.type)).toBe('struct<zip: string, street: string>');
    usageError(
      () => apply({ kind: 'move-column', path: 'id', position: { after: 'id' } }),
      /relative to itself/,
    );
    usageError(
      () => apply({ kind: 'move-column', path: 'id', position: { after: 'zip' } }),
      /must be siblings/,
    );
  });

  it('widens int → long, float → double, decimal precision; nothing else', () => {
    const r = apply(
      { kind: 'widen-column', path: 'count', type: { kind: 'long' } },
      { kind: 'widen-column', path: 'ratio', type: { kind: 'double' } },
      { kind: 'widen-column', path: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 } },
      { kind: 'widen-column', path: 'points.x', type: { kind: 'long' } },
    );
    expect(cols(r.schema).slice(2, 5)).toEqual(['3:amount:decimal(12, 2)', '4:count:long', '5:ratio:double']);
    expect(typeToString(r.schema.fields[6]!.type)).toBe('list<struct<x: long, y: int>>');
    usageError(
      () => apply({ kind: 'widen-column', path: 'count', type: { kind: 'string' } }),
      /cannot change column count from int to string/,
    );
    usageError(
      () =>
        apply({ kind: 'widen-column', path: 'amount', type: { kind: 'decimal', precision: 12, scale: 3 } }),
      /amount from decimal\(9, 2\) to decimal\(12, 3\)/,
    );
    usageError(
      () =>
        apply({ kind: 'widen-column', path: 'amount', type: { kind: 'decimal', precision: 8, scale: 2 } }),
      /decimal\(9, 2\) to decimal\(8, 2\)/,
    );
    usageError(() => apply({ kind: 'widen-column', path: 'id', type: { kind: 'int' } }), /from long to int/);
    usageError(() => apply({ kind: 'widen-column', path: 'address', type: { kind: 'long' } }), /from struct/);
    // Same type: nothing to do.
    expect(apply({ kind: 'widen-column', path: 'id', type: { kind: 'long' } }).schema).toEqual(base);
  });

  it('makes required columns optional, never the other way', () => {
    const r = apply(
      { kind: 'make-optional', path: 'id' },
      { kind: 'update-doc', path: 'id', doc: 'the key' },
    );
    expect(r.schema.fields[0]).toEqual({
      id: 1,
      name: 'id',
      required: false,
      type: { kind: 'long' },
      doc: 'the key',
    });
    usageError(() => apply({ kind: 'make-required', path: 'name' }), /cannot make column name required/);
    expect(apply({ kind: 'make-required', path: 'id' }).schema).toEqual(base);
  });

  it('applies changes in order: a column added then renamed, dropped then added again with a new id', () => {
    const r = apply(
      { kind: 'add-column', path: 'x', type: { kind: 'int' } },
      { kind: 'rename-column', path: 'x', newName: 'y' },
      { kind: 'drop-column', path: 'name' },
      { kind: 'add-column', path: 'name', type: { kind: 'string' } },
    );
    expect(cols(r.schema).slice(-2)).toEqual([`${last + 1}:y:int`, `${last + 2}:name:string`]);
  });

  it('parses the types users write', () => {
    expect(typeToString(parseIcebergType('decimal(12, 2)'))).toBe('decimal(12, 2)');
    expect(typeToString(parseIcebergType(' MAP<string, list<fixed[4]>> '))).toBe(
      'map<string, list<fixed[4]>>',
    );
    expect(() => parseIcebergType('varchar')).toThrow(/invalid type "varchar"/);
    expect(() => parseIcebergType('struct<a int>')).toThrow(UsageError);
    expect(() => parseIcebergType('list<long')).toThrow(/expected ">"/);
  });
});
