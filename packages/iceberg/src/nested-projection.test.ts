import { UnsupportedError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { nestedProjection } from './nested-projection.js';
import type { ParquetNode } from './parquet-trees.js';
import { parseIcebergType } from './parse-type.js';
import { newSchema } from './schema.js';

const node = (name: string, fieldId: number | undefined, ...children: ParquetNode[]): ParquetNode => ({
  name,
  ...(fieldId === undefined ? {} : { fieldId }),
  children,
});

/** A column `c` of `type` with ids assigned as for a new table (c = 1, its fields 2, 3, …). */
const column = (type: string) => newSchema([{ name: 'c', type: parseIcebergType(type) }]).fields[0]!;

describe('nestedProjection', () => {
  it('reads by name when the file names are the schema names (ignoring case)', () => {
    const c = column('struct<a: int, b: string>');
    const p = nestedProjection('c', c.type, node('c', 1, node('A', 2), node('b', 3)), 'f');
    expect(p).toEqual({ readType: 'STRUCT("a" INTEGER, "b" VARCHAR)', expr: '"c"', byName: true });
    // a field only the schema has is fine too: the cast makes it NULL
    expect(nestedProjection('c', c.type, node('c', 1, node('a', 2)), 'f').byName).toBe(true);
  });

  it('renames by id, with typed NULLs for fields the file lacks', () => {
    const c = column('struct<a: int, b: string>');
    const p = nestedProjection('c', c.type, node('c', 1, node('old_a', 2), node('b', 9)), 'f');
    expect(p).toEqual({
      readType: 'STRUCT("old_a" INTEGER)',
      expr: `CASE WHEN "c" IS NULL THEN NULL ELSE struct_pack("a" := struct_extract("c", 'old_a'), "b" := CAST(NULL AS VARCHAR)) END`,
      byName: false,
    });
    // none of the schema's fields in the file: only the struct's nullness is read
    expect(nestedProjection('c', c.type, node('c', 1, node('a', 7)), 'f').readType).toBe('VARCHAR');
  });

  it('finds list elements in 3-level and legacy 2-level lists', () => {
    const c = column('list<struct<x: int>>'); // element 2, x 3
    const threeLevel = node('c', 1, node('list', undefined, node('element', 2, node('old', 3))));
    expect(nestedProjection('c', c.type, threeLevel, 'f').readType).toBe('STRUCT("old" INTEGER)[]');
    const legacyArray = node('c', 1, node('array', 2, node('old', 3)));
    expect(nestedProjection('c', c.type, legacyArray, 'f').readType).toBe('STRUCT("old" INTEGER)[]');
    const legacyTuple = node('c', 1, node('c_tuple', 2, node('old', 3)));
    expect(nestedProjection('c', c.type, legacyTuple, 'f').expr).toBe(
      `list_transform("c", lambda __lk_v0: CASE WHEN __lk_v0 IS NULL THEN NULL ELSE struct_pack("x" := struct_extract(__lk_v0, 'old')) END)`,
    );
  });

  it('renames inside map keys and values, nesting lambdas with distinct names', () => {
    const c = column('map<string, list<struct<y: int>>>'); // key 2, value 3, element 4, y 5
    const file = node(
      'c',
      1,
      node(
        'key_value',
        undefined,
        node('key', 2),
        node('value', 3, node('list', undefined, node('element', 4, node('z', 5)))),
      ),
    );
    const p = nestedProjection('c', c.type, file, 'f');
    expect(p.readType).toBe('MAP(VARCHAR, STRUCT("z" INTEGER)[])');
    expect(p.expr).toBe(
      `map_from_entries(list_transform(map_entries("c"), lambda __lk_v0: struct_pack("key" := struct_extract(__lk_v0, 'key'), "value" := list_transform(struct_extract(__lk_v0, 'value'), lambda __lk_v1: CASE WHEN __lk_v1 IS NULL THEN NULL ELSE struct_pack("y" := struct_extract(__lk_v1, 'z')) END))))`,
    );
  });

  it('refuses what DuckDB cannot read: fields differing only in case, or another kind of column', () => {
    const c = column('struct<a: int>');
    const twins = () =>
      nestedProjection('c', c.type, node('c', 1, node('x', 2), node('X', 5)), 'data/f.parquet');
    expect(twins).toThrow(UnsupportedError);
    expect(twins).toThrow(/column c of data file data\/f\.parquet: .*names that differ only in case/);
    expect(() => nestedProjection('c', c.type, node('c', 1), 'f')).toThrow(/not a struct in this file/);
    expect(() => nestedProjection('c', column('map<string, int>').type, node('c', 1), 'f')).toThrow(
      /not a map in this file/,
    );
  });
});
