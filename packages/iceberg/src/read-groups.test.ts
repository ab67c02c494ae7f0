import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TableIdentifier } from '@lakekit/core';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from './duckdb-engine.js';
import { FileContent } from './manifest-model.js';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import { writeDataFile } from './parquet-writer.js';
import { parseIcebergType } from './parse-type.js';
import { ROW_FILE, ROW_POS, readSql } from './read-sql.js';
import { applyRowDelta } from './row-delta.js';
import { planScan } from './scan.js';
import { type ColumnSpec, newSchema } from './schema.js';
import type { SchemaChange } from './schema-update.js';
import { appendFiles, commitSnapshot } from './snapshot-producer.js';
import { Table } from './table.js';
import { updateSchema } from './update-schema.js';

const io = createFileIO();
let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

const columns: ColumnSpec[] = [
  { name: 'id', type: { kind: 'long' } },
  { name: 'address', type: parseIcebergType('struct<street: string, zip: string>') },
  { name: 'points', type: parseIcebergType('list<struct<x: int, y: int>>') },
  { name: 'attrs', type: parseIcebergType('map<string, struct<v: int, w: string>>') },
  { name: 'meta', type: parseIcebergType('struct<a: int>') },
];

/** Rows 1-3 of the first file: values, NULL nested columns, and nested values holding NULLs. */
const FIRST = `SELECT * FROM (VALUES
  (1, {'street': 'main', 'zip': '123'}, [{'x': 1, 'y': 2}, NULL], MAP {'k': {'v': 7, 'w': 'w1'}, 'n': NULL}, {'a': 1}),
  (2, NULL, NULL, NULL, NULL),
  (3, {'street': NULL, 'zip': NULL}, [], MAP {}, {'a': NULL})
) v(id, address, points, attrs, meta)`;

let n = 0;
async function newTable(): Promise<Table> {
  const id: TableIdentifier = { namespace: ['nested'], name: `t${++n}` };
  const md = newTableMetadata(`file://${mkdtempSync(join(tmpdir(), 'lk-nested-'))}`, newSchema(columns));
  const location = nextMetadataLocation(md.location);
  const backend = new MemoryCatalogBackend();
  await writeMetadata(io, location, md);
  await backend.createPointer(id, location);
  return new Table(id, io, backend, location, md);
}

/** Writes the rows of a SELECT (columns named like the table's current ones) and appends them. */
async function write(t: Table, selectSql: string): Promise<void> {
  const files = await writeDataFile({
    engine,
    io,
    selectSql,
    sourceColumns: t.schema().fields.map((f) => f.name),
    schema: t.schema(),
    tableLocation: t.metadata.location,
    tableName: t.name,
  });
  await appendFiles(t, files);
}

async function rows(t: Table): Promise<Record<string, unknown>[]> {
  return engine.all(`SELECT * FROM (${await t.readSql(engine)}) ORDER BY id`);
}

async function types(t: Table): Promise<Record<string, string>> {
  const r = await engine.all(`DESCRIBE ${await t.readSql(engine)}`);
  return Object.fromEntries(r.map((c) => [String(c['column_name']), String(c['column_type'])]));
}

async function evolve(t: Table, ...changes: SchemaChange[]): Promise<void> {
  await updateSchema(t, changes);
}

describe('nested columns read by field id, old and new files together', () => {
  it('renames, drops and re-adds, moves, widens, adds and swaps nested fields of structs, lists and maps', async () => {
    const t = await newTable();
    await write(t, FIRST);
    expect(await t.readSql(engine)).not.toContain('UNION ALL');

    // rename a struct field, a field of a list's struct elements and of a map's struct values
    await evolve(
      t,
      { kind: 'rename-column', path: 'address.zip', newName: 'postcode' },
      { kind: 'rename-column', path: 'points.x', newName: 'px' },
      { kind: 'rename-column', path: 'attrs.v', newName: 'val' },
    );
    await write(
      t,
      `SELECT 4 AS id, {'street': 's4', 'postcode': 'p4'} AS address, [{'px': 40, 'y': 41}] AS points, MAP {'q': {'val': 42, 'w': 'w4'}} AS attrs, {'a': 43} AS meta`,
    );
    expect(await types(t)).toEqual({
      id: 'BIGINT',
      address: 'STRUCT(street VARCHAR, postcode VARCHAR)',
      points: 'STRUCT(px INTEGER, y INTEGER)[]',
      attrs: 'MAP(VARCHAR, STRUCT(val INTEGER, w VARCHAR))',
      meta: 'STRUCT(a INTEGER)',
    });
    expect(await rows(t)).toEqual([
      {
        id: '1',
        address: { street: 'main', postcode: '123' },
        points: [{ px: 1, y: 2 }, null],
        attrs: [
          { key: 'k', value: { val: 7, w: 'w1' } },
          { key: 'n', value: null },
        ],
        meta: { a: 1 },
      },
      { id: '2', address: null, points: null, attrs: null, meta: null },
      { id: '3', address: { street: null, postcode: null }, points: [], attrs: [], meta: { a: null } },
      {
        id: '4',
        address: { street: 's4', postcode: 'p4' },
        points: [{ px: 40, y: 41 }],
        attrs: [{ key: 'q', value: { val: 42, w: 'w4' } }],
        meta: { a: 43 },
      },
    ]);

    // drop and add again under the old name: a new field id, so older files read NULL there
    await evolve(
      t,
      { kind: 'drop-column', path: 'address.street' },
      { kind: 'add-column', path: 'address.street', type: { kind: 'string' } },
      { kind: 'drop-column', path: 'points.y' },
      { kind: 'add-column', path: 'points.y', type: { kind: 'int' } },
      { kind: 'drop-column', path: 'attrs.w' },
      { kind: 'add-column', path: 'attrs.w', type: { kind: 'string' } },
    );
    await write(
      t,
      `SELECT 5 AS id, {'postcode': 'p5', 'street': 's5'} AS address, [{'px': 50, 'y': 51}] AS points, MAP {'r': {'val': 52, 'w': 'w5'}} AS attrs, {'a': 53} AS meta`,
    );
    const afterReAdd = [
      {
        id: '1',
        address: { postcode: '123', street: null },
        points: [{ px: 1, y: null }, null],
        attrs: [
          { key: 'k', value: { val: 7, w: null } },
          { key: 'n', value: null },
        ],
        meta: { a: 1 },
      },
      { id: '2', address: null, points: null, attrs: null, meta: null },
      { id: '3', address: { postcode: null, street: null }, points: [], attrs: [], meta: { a: null } },
      {
        id: '4',
        address: { postcode: 'p4', street: null },
        points: [{ px: 40, y: null }],
        attrs: [{ key: 'q', value: { val: 42, w: null } }],
        meta: { a: 43 },
      },
      {
        id: '5',
        address: { postcode: 'p5', street: 's5' },
        points: [{ px: 50, y: 51 }],
        attrs: [{ key: 'r', value: { val: 52, w: 'w5' } }],
        meta: { a: 53 },
      },
    ];
    expect(await rows(t)).toEqual(afterReAdd);
    expect(((await t.readSql(engine)).match(/read_parquet\(/g) ?? []).length).toBe(3);

    // move nested fields: the values follow their ids into the new order
    await evolve(
      t,
      { kind: 'move-column', path: 'address.street', position: { first: true } },
      { kind: 'move-column', path: 'points.y', position: { before: 'points.px' } },
    );
    expect(await types(t)).toMatchObject({
      address: 'STRUCT(street VARCHAR, postcode VARCHAR)',
      points: 'STRUCT(y INTEGER, px INTEGER)[]',
    });
    expect(await rows(t)).toEqual(afterReAdd);

    // widen nested int -> long inside a list's elements and a map's values
    await evolve(
      t,
      { kind: 'widen-column', path: 'points.px', type: { kind: 'long' } },
      { kind: 'widen-column', path: 'attrs.val', type: { kind: 'long' } },
    );
    await write(
      t,
      `SELECT 6 AS id, {'street': 's6', 'postcode': 'p6'} AS address, [{'y': 61, 'px': 6000000000}] AS points, MAP {'s': {'val': 6000000001, 'w': 'w6'}} AS attrs, NULL AS meta`,
    );
    expect(await types(t)).toMatchObject({
      points: 'STRUCT(y INTEGER, px BIGINT)[]',
      attrs: 'MAP(VARCHAR, STRUCT(val BIGINT, w VARCHAR))',
    });
    const widened = await rows(t);
    expect(widened.map((r) => [r['id'], r['points'], r['attrs']])).toEqual([
      [
        '1',
        [{ y: null, px: '1' }, null],
        [
          { key: 'k', value: { val: '7', w: null } },
          { key: 'n', value: null },
        ],
      ],
      ['2', null, null],
      ['3', [], []],
      ['4', [{ y: null, px: '40' }], [{ key: 'q', value: { val: '42', w: null } }]],
      ['5', [{ y: 51, px: '50' }], [{ key: 'r', value: { val: '52', w: 'w5' } }]],
      ['6', [{ y: 61, px: '6000000000' }], [{ key: 's', value: { val: '6000000001', w: 'w6' } }]],
    ]);

    // add nested fields; and replace every field of `meta`, so older files have none of its fields
    await evolve(
      t,
      { kind: 'add-column', path: 'address.city', type: { kind: 'string' } },
      { kind: 'add-column', path: 'points.z', type: { kind: 'double' } },
      { kind: 'add-column', path: 'attrs.extra', type: { kind: 'boolean' } },
      { kind: 'add-column', path: 'meta.b', type: { kind: 'string' } },
      { kind: 'drop-column', path: 'meta.a' },
    );
    await write(
      t,
      `SELECT 7 AS id, {'street': 's7', 'postcode': 'p7', 'city': 'c7'} AS address, [{'y': 71, 'px': 70, 'z': 7.5}] AS points, MAP {'t': {'val': 72, 'w': 'w7', 'extra': true}} AS attrs, {'b': 'b7'} AS meta`,
    );
    const added = await rows(t);
    expect(added.map((r) => [r['id'], r['address'], r['points'], r['attrs'], r['meta']])).toEqual([
      [
        '1',
        { street: null, postcode: '123', city: null },
        [{ y: null, px: '1', z: null }, null],
        [
          { key: 'k', value: { val: '7', w: null, extra: null } },
          { key: 'n', value: null },
        ],
        { b: null },
      ],
      ['2', null, null, null, null],
      ['3', { street: null, postcode: null, city: null }, [], [], { b: null }],
      [
        '4',
        { street: null, postcode: 'p4', city: null },
        [{ y: null, px: '40', z: null }],
        [{ key: 'q', value: { val: '42', w: null, extra: null } }],
        { b: null },
      ],
      [
        '5',
        { street: 's5', postcode: 'p5', city: null },
        [{ y: 51, px: '50', z: null }],
        [{ key: 'r', value: { val: '52', w: 'w5', extra: null } }],
        { b: null },
      ],
      [
        '6',
        { street: 's6', postcode: 'p6', city: null },
        [{ y: 61, px: '6000000000', z: null }],
        [{ key: 's', value: { val: '6000000001', w: 'w6', extra: null } }],
        null,
      ],
      [
        '7',
        { street: 's7', postcode: 'p7', city: 'c7' },
        [{ y: 71, px: '70', z: 7.5 }],
        [{ key: 't', value: { val: '72', w: 'w7', extra: true } }],
        { b: 'b7' },
      ],
    ]);

    // swap two names (and rename the column itself): each file's fields are matched by id, not name
    await evolve(
      t,
      { kind: 'rename-column', path: 'address.street', newName: 'tmp' },
      { kind: 'rename-column', path: 'address.postcode', newName: 'street' },
      { kind: 'rename-column', path: 'address.tmp', newName: 'postcode' },
      { kind: 'rename-column', path: 'address', newName: 'home' },
    );
    const swapped = await engine.all(`SELECT id, home FROM (${await t.readSql(engine)}) ORDER BY id`);
    expect(swapped.map((r) => [r['id'], r['home']])).toEqual([
      ['1', { postcode: null, street: '123', city: null }],
      ['2', null],
      ['3', { postcode: null, street: null, city: null }],
      ['4', { postcode: null, street: 'p4', city: null }],
      ['5', { postcode: 's5', street: 'p5', city: null }],
      ['6', { postcode: 's6', street: 'p6', city: null }],
      ['7', { postcode: 's7', street: 'p7', city: 'c7' }],
    ]);
  });

  it('applies position deletes over files of different nested names, and rewrites such files', async () => {
    const t = await newTable();
    await write(
      t,
      `SELECT 1 AS id, {'street': 'a', 'zip': 'z1'} AS address, [{'x': 1, 'y': 1}] AS points, NULL AS attrs, NULL AS meta
       UNION ALL SELECT 2, {'street': 'b', 'zip': 'z2'}, [{'x': 2, 'y': 2}], NULL, NULL
       UNION ALL SELECT 3, {'street': 'c', 'zip': 'z3'}, [{'x': 3, 'y': 3}], NULL, NULL
       UNION ALL SELECT 8, {'street': 'h', 'zip': 'z8'}, [{'x': 8, 'y': 8}], NULL, NULL`,
    );
    await evolve(
      t,
      { kind: 'rename-column', path: 'address.zip', newName: 'postcode' },
      { kind: 'rename-column', path: 'points.x', newName: 'px' },
    );
    await write(
      t,
      `SELECT 4 AS id, {'street': 'd', 'postcode': 'p4'} AS address, [{'px': 4, 'y': 4}] AS points, NULL AS attrs, NULL AS meta
       UNION ALL SELECT 5, {'street': 'e', 'postcode': 'p5'}, [{'px': 5, 'y': 5}], NULL, NULL
       UNION ALL SELECT 6, {'street': 'f', 'postcode': 'p6'}, [{'px': 6, 'y': 6}], NULL, NULL`,
    );
    const del = await applyRowDelta(t, engine, { where: 'id IN (1, 5)', copyOnWriteRatio: 2 });
    expect(del).toMatchObject({ deletedRows: 2, positionDeleteFiles: 1, rewrittenFiles: 0 });
    const picked = async () =>
      (await rows(t)).map((r) => [r['id'], (r['address'] as { postcode: string }).postcode, r['points']]);
    expect(await picked()).toEqual([
      ['2', 'z2', [{ px: 2, y: 2 }]],
      ['3', 'z3', [{ px: 3, y: 3 }]],
      ['4', 'p4', [{ px: 4, y: 4 }]],
      ['6', 'p6', [{ px: 6, y: 6 }]],
      ['8', 'z8', [{ px: 8, y: 8 }]],
    ]);

    // rows keep their data file and position
    const plan = await planScan(io, t.currentSnapshot());
    const sql = await readSql(engine, io, t.schema(), plan, { withPositions: true });
    expect(sql).toContain('UNION ALL');
    const positions = await engine.all(
      `SELECT id, ${ROW_FILE} AS f, ${ROW_POS} AS pos FROM (${sql}) ORDER BY id`,
    );
    const [older, newer] = [...plan.data].sort((a, b) => (a.sequenceNumber < b.sequenceNumber ? -1 : 1));
    expect(positions).toEqual([
      { id: '2', f: older!.dataFile.filePath, pos: '1' },
      { id: '3', f: older!.dataFile.filePath, pos: '2' },
      { id: '4', f: newer!.dataFile.filePath, pos: '0' },
      { id: '6', f: newer!.dataFile.filePath, pos: '2' },
      { id: '8', f: older!.dataFile.filePath, pos: '3' },
    ]);

    // drop and re-add a field, then delete most of the old file: it is rewritten under the new schema
    await evolve(
      t,
      { kind: 'drop-column', path: 'address.street' },
      { kind: 'add-column', path: 'address.street', type: { kind: 'string' } },
    );
    const cow = await applyRowDelta(t, engine, { where: 'id IN (2, 3)' });
    expect(cow).toMatchObject({ deletedRows: 2, rewrittenFiles: 1 });
    expect((await rows(t)).map((r) => [r['id'], r['address'], r['points']])).toEqual([
      ['4', { postcode: 'p4', street: null }, [{ px: 4, y: 4 }]],
      ['6', { postcode: 'p6', street: null }, [{ px: 6, y: 6 }]],
      ['8', { postcode: 'z8', street: null }, [{ px: 8, y: 8 }]],
    ]);

    // an equality delete on a top-level column applies across the groups too
    const eq = await writeDataFile({
      engine,
      io,
      selectSql: 'SELECT * FROM (VALUES (4::BIGINT), (8::BIGINT)) v(id)',
      sourceColumns: ['id'],
      schema: { schemaId: 0, fields: [t.schema().fields[0]!] },
      tableLocation: t.metadata.location,
      tableName: t.name,
    });
    await commitSnapshot(t, {
      operation: 'delete',
      added: eq.map((f) => ({ ...f, content: FileContent.EQUALITY_DELETES, equalityIds: [1] })),
    });
    expect((await rows(t)).map((r) => [r['id'], r['address']])).toEqual([
      ['6', { postcode: 'p6', street: null }],
    ]);
  });

  it('renames to names that need quoting', async () => {
    const t = await newTable();
    await write(t, FIRST);
    const odd = `it's "odd"`;
    await evolve(
      t,
      { kind: 'rename-column', path: 'address.zip', newName: odd },
      { kind: 'rename-column', path: 'address', newName: `a "b" 'c'` },
    );
    await write(
      t,
      `SELECT 4 AS id, {'street': 's4', '${odd.replaceAll("'", "''")}': 'p4'} AS "a ""b"" 'c'", NULL AS points, NULL AS attrs, NULL AS meta`,
    );
    const got = await engine.all(
      `SELECT id, "a ""b"" 'c'" AS a FROM (${await t.readSql(engine)}) ORDER BY id`,
    );
    expect(got.map((r) => r['a'])).toEqual([
      { street: 'main', [odd]: '123' },
      null,
      { street: null, [odd]: null },
      { street: 's4', [odd]: 'p4' },
    ]);
  });

  it('keeps the single read_parquet of today for tables whose nested names never changed', async () => {
    const t = await newTable();
    await write(t, FIRST);
    await write(t, FIRST);
    const sql = await t.readSql(engine);
    expect(sql).toMatch(
      /^SELECT "id", "address", "points", "attrs", "meta" FROM read_parquet\(\[[^\]]+\], schema = MAP \{/,
    );
    expect((sql.match(/read_parquet\(/g) ?? []).length).toBe(1);
    expect(await engine.all(`SELECT count(*) AS n FROM (${sql})`)).toEqual([{ n: '6' }]);
  });
});
