import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CommitConflictError, type TableIdentifier, UsageError } from '@lakekit/core';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from './duckdb-engine.js';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, readMetadata, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import { writeDataFile } from './parquet-writer.js';
import { parseIcebergType } from './parse-type.js';
import { type ColumnSpec, newSchema } from './schema.js';
import { appendFiles } from './snapshot-producer.js';
import { Table } from './table.js';
import { updateSchema } from './update-schema.js';

const io = createFileIO();
let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

let n = 0;
async function newTable(
  columns: ColumnSpec[],
  backend = new MemoryCatalogBackend(),
  patch: (md: ReturnType<typeof newTableMetadata>) => void = () => undefined,
): Promise<Table> {
  const id: TableIdentifier = { namespace: ['evo'], name: `t${++n}` };
  const md = newTableMetadata(`file://${mkdtempSync(join(tmpdir(), 'lk-evo-'))}`, newSchema(columns));
  patch(md);
  const location = nextMetadataLocation(md.location);
  await writeMetadata(io, location, md);
  await backend.createPointer(id, location);
  return new Table(id, io, backend, location, md);
}

async function reload(t: Table): Promise<Table> {
  const location = (await t.backend.loadPointer(t.id))!;
  return new Table(t.id, io, t.backend, location, await readMetadata(io, location));
}

/** Writes the rows of a SELECT (columns named like the table's) with the current schema and appends them. */
async function write(t: Table, selectSql: string, columns: string[]) {
  const files = await writeDataFile({
    engine,
    io,
    selectSql,
    sourceColumns: columns,
    schema: t.schema(),
    tableLocation: t.metadata.location,
    tableName: t.name,
  });
  return appendFiles(t, files);
}

/** All rows of the table's current state (or a snapshot), ordered by the first column, as JSON values. */
async function rows(
  t: Table,
  selector?: Parameters<Table['readSql']>[1],
): Promise<Record<string, unknown>[]> {
  return engine.all(`SELECT * FROM (${await t.readSql(engine, selector)}) ORDER BY 1`);
}

async function columnTypes(t: Table): Promise<Record<string, string>> {
  const r = await engine.all(`DESCRIBE ${await t.readSql(engine)}`);
  return Object.fromEntries(r.map((c) => [String(c['column_name']), String(c['column_type'])]));
}

describe('updateSchema on a real warehouse: old files keep reading by field id', () => {
  it('adds, renames, widens, moves, drops and makes optional; new files read together with old ones', async () => {
    const t = await newTable([
      { name: 'id', type: { kind: 'long' }, required: true },
      { name: 'name', type: { kind: 'string' } },
      { name: 'qty', type: { kind: 'int' } },
      { name: 'price', type: { kind: 'float' } },
      { name: 'amount', type: { kind: 'decimal', precision: 9, scale: 2 } },
      { name: 'note', type: { kind: 'string' } },
    ]);
    const first = await write(
      t,
      `SELECT * FROM (VALUES (1, 'ann', 2147483647, 1.5, 1234567.89, 'x'), (2, 'bob', -5, NULL, -0.01, 'y')) AS v(id, name, qty, price, amount, note)`,
      ['id', 'name', 'qty', 'price', 'amount', 'note'],
    );
    const schema0 = t.schema();

    // add: old rows read NULL
    let s = await updateSchema(t, [{ kind: 'add-column', path: 'email', type: { kind: 'string' } }]);
    expect(s.schemaId).toBe(1);
    expect(t.metadata['last-column-id']).toBe(7);
    expect((await rows(t)).map((r) => [r['id'], r['email']])).toEqual([
      ['1', null],
      ['2', null],
    ]);

    // rename: values kept under the new name
    await updateSchema(t, [{ kind: 'rename-column', path: 'name', newName: 'full_name' }]);
    expect((await rows(t)).map((r) => r['full_name'])).toEqual(['ann', 'bob']);
    expect(await rows(t)).not.toContainEqual(expect.objectContaining({ name: expect.anything() }));

    // widen: INT32, FLOAT and DECIMAL(9,2) in the old file are read as BIGINT, DOUBLE and DECIMAL(12,2)
    s = await updateSchema(t, [
      { kind: 'widen-column', path: 'qty', type: { kind: 'long' } },
      { kind: 'widen-column', path: 'price', type: { kind: 'double' } },
      { kind: 'widen-column', path: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 } },
    ]);
    expect(await columnTypes(t)).toMatchObject({ qty: 'BIGINT', price: 'DOUBLE', amount: 'DECIMAL(12,2)' });
    expect((await rows(t)).map((r) => [r['qty'], r['price'], r['amount']])).toEqual([
      ['2147483647', 1.5, '1234567.89'],
      ['-5', null, '-0.01'],
    ]);

    // move: columns come back in the new order
    await updateSchema(t, [
      { kind: 'move-column', path: 'email', position: { first: true } },
      { kind: 'move-column', path: 'amount', position: { before: 'qty' } },
    ]);
    expect(Object.keys(await columnTypes(t))).toEqual([
      'email',
      'id',
      'full_name',
      'amount',
      'qty',
      'price',
      'note',
    ]);

    // drop: the column vanishes; make optional
    await updateSchema(t, [
      { kind: 'drop-column', path: 'note' },
      { kind: 'make-optional', path: 'id' },
    ]);
    expect(Object.keys(await columnTypes(t))).not.toContain('note');
    expect(t.schema().fields.find((f) => f.name === 'id')!.required).toBe(false);

    // a write with the new schema, read together with the old file
    await write(
      t,
      `SELECT 'c@x' AS email, 3 AS id, 'cy' AS full_name, 99999999.99 AS amount, 9007199254740993 AS qty, 0.1::DOUBLE AS price`,
      ['email', 'id', 'full_name', 'amount', 'qty', 'price'],
    );
    expect(
      await engine.all(
        `SELECT id, email, full_name, amount, qty, price FROM (${await t.readSql(engine)}) ORDER BY id`,
      ),
    ).toEqual([
      { id: '1', email: null, full_name: 'ann', amount: '1234567.89', qty: '2147483647', price: 1.5 },
      { id: '2', email: null, full_name: 'bob', amount: '-0.01', qty: '-5', price: null },
      { id: '3', email: 'c@x', full_name: 'cy', amount: '99999999.99', qty: '9007199254740993', price: 0.1 },
    ]);

    // the first snapshot still reads with the schema it was written with (time travel)
    expect(await rows(t, { snapshotId: first['snapshot-id'] })).toEqual([
      { id: '1', name: 'ann', qty: 2147483647, price: 1.5, amount: '1234567.89', note: 'x' },
      { id: '2', name: 'bob', qty: -5, price: null, amount: '-0.01', note: 'y' },
    ]);

    // a re-add of a dropped name gets a new id: old files read NULL, not the old values
    await updateSchema(t, [{ kind: 'add-column', path: 'note', type: { kind: 'string' } }]);
    expect((await rows(t)).map((r) => r['note'])).toEqual([null, null, null]);

    // going back to an earlier shape reuses that schema's id; metadata on storage matches
    const reloaded = await reload(t);
    expect(reloaded.metadata).toEqual(t.metadata);
    expect(reloaded.metadata.schemas.map((x) => x['schema-id'])).toEqual([0, 1, 2, 3, 4, 5, 6]);
    expect(schema0.schemaId).toBe(0);
  });

  it('reuses the id of an identical earlier schema and commits nothing for a no-op', async () => {
    const t = await newTable([{ name: 'a', type: { kind: 'int' } }]);
    await updateSchema(t, [{ kind: 'rename-column', path: 'a', newName: 'b' }]);
    const location = t.metadataLocation;
    expect((await updateSchema(t, [{ kind: 'rename-column', path: 'b', newName: 'b' }])).schemaId).toBe(1);
    expect(t.metadataLocation).toBe(location);
    const back = await updateSchema(t, [{ kind: 'rename-column', path: 'b', newName: 'a' }]);
    expect(back.schemaId).toBe(0);
    expect(t.metadata['current-schema-id']).toBe(0);
    expect(t.metadata.schemas).toHaveLength(2);
  });

  it('rebases on a concurrent schema change; a change that no longer applies is a conflict', async () => {
    const backend = new MemoryCatalogBackend();
    const t = await newTable(
      [
        { name: 'id', type: { kind: 'long' } },
        { name: 'name', type: { kind: 'string' } },
      ],
      backend,
    );
    const [a, b] = [await reload(t), await reload(t)];
    await updateSchema(a, [{ kind: 'add-column', path: 'x', type: { kind: 'int' } }]);
    await updateSchema(b, [{ kind: 'add-column', path: 'y', type: { kind: 'int' } }]);
    const now = await reload(t);
    expect(now.schema().fields.map((f) => [f.id, f.name])).toEqual([
      [1, 'id'],
      [2, 'name'],
      [3, 'x'],
      [4, 'y'],
    ]);
    expect(now.metadata['last-column-id']).toBe(4);

    const [c, d] = [await reload(t), await reload(t)];
    await updateSchema(c, [{ kind: 'rename-column', path: 'name', newName: 'n1' }]);
    const lost = updateSchema(d, [{ kind: 'rename-column', path: 'name', newName: 'n2' }]);
    await expect(lost).rejects.toBeInstanceOf(CommitConflictError);
    await expect(lost).rejects.toThrow(/no longer applies: no column name/);
    expect((await reload(t)).schema().fields.map((f) => f.name)).toEqual(['id', 'n1', 'x', 'y']);
  });

  it('refuses to drop a partition source column, naming it', async () => {
    const t = await newTable(
      [
        { name: 'id', type: { kind: 'long' } },
        { name: 'day', type: { kind: 'date' } },
      ],
      undefined,
      (md) => {
        md['partition-specs'] = [
          { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'day_day', transform: 'day' }] },
        ];
        md['last-partition-id'] = 1000;
      },
    );
    const e = updateSchema(t, [{ kind: 'drop-column', path: 'day' }]);
    await expect(e).rejects.toBeInstanceOf(UsageError);
    await expect(e).rejects.toThrow(
      /cannot drop column day of table evo\.t\d+: it is the source of partition field day_day/,
    );
    expect(t.metadata.schemas).toHaveLength(1);
  });
});

describe('nested columns', () => {
  const nested: ColumnSpec[] = [
    { name: 'id', type: { kind: 'long' } },
    { name: 'address', type: parseIcebergType('struct<street: string, zip: string>') },
    { name: 'points', type: parseIcebergType('list<struct<x: int, y: int>>') },
    { name: 'attrs', type: parseIcebergType('map<string, int>') },
  ];
  const source = `SELECT 1 AS id, {'street': 'main st', 'zip': '12345'} AS address, [{'x': 1, 'y': 2}] AS points, MAP {'k': 7} AS attrs`;
  const cols = ['id', 'address', 'points', 'attrs'];

  it('writes nested field ids that DuckDB and Iceberg readers see', async () => {
    const t = await newTable(nested);
    await write(t, source, cols);
    const [file] = await t.files();
    const path = file!.dataFile.filePath.replace('file://', '');
    const ids = await engine.all(
      `SELECT name, field_id FROM parquet_schema('${path}') WHERE field_id IS NOT NULL`,
    );
    expect(ids.map((r) => `${r['name']}:${r['field_id']}`)).toEqual(
      t.schema().fields.flatMap((f) => {
        const out = [`${f.name}:${f.id}`];
        const ty = f.type;
        if (ty.kind === 'struct') out.push(...ty.fields.map((c) => `${c.name}:${c.id}`));
        if (ty.kind === 'list' && ty.element.kind === 'struct')
          out.push(`element:${ty.elementId}`, ...ty.element.fields.map((c) => `${c.name}:${c.id}`));
        if (ty.kind === 'map') out.push(`key:${ty.keyId}`, `value:${ty.valueId}`);
        return out;
      }),
    );
    expect(await rows(t)).toEqual([
      {
        id: '1',
        address: { street: 'main st', zip: '12345' },
        points: [{ x: 1, y: 2 }],
        attrs: [{ key: 'k', value: 7 }],
      },
    ]);
  });

  it('evolves nested fields: add, drop, widen and move read correctly from old files', async () => {
    const t = await newTable(nested);
    await write(t, source, cols);
    await updateSchema(t, [
      { kind: 'add-column', path: 'address.city', type: { kind: 'string' }, position: { first: true } },
      { kind: 'drop-column', path: 'address.street' },
      { kind: 'widen-column', path: 'points.x', type: { kind: 'long' } },
      { kind: 'widen-column', path: 'attrs.value', type: { kind: 'long' } },
      { kind: 'rename-column', path: 'points', newName: 'pts' },
    ]);
    await write(
      t,
      `SELECT 2 AS id, {'city': 'Oslo', 'zip': '0150'} AS address, [{'x': 5000000000, 'y': 3}] AS pts, MAP {'q': 8000000000} AS attrs`,
      ['id', 'address', 'pts', 'attrs'],
    );
    expect(await columnTypes(t)).toMatchObject({
      address: 'STRUCT(city VARCHAR, zip VARCHAR)',
      pts: 'STRUCT(x BIGINT, y INTEGER)[]',
      attrs: 'MAP(VARCHAR, BIGINT)',
    });
    expect(await rows(t)).toEqual([
      {
        id: '1',
        address: { city: null, zip: '12345' },
        pts: [{ x: '1', y: 2 }],
        attrs: [{ key: 'k', value: '7' }],
      },
      {
        id: '2',
        address: { city: 'Oslo', zip: '0150' },
        pts: [{ x: '5000000000', y: 3 }],
        attrs: [{ key: 'q', value: '8000000000' }],
      },
    ]);
  });

  it('reads old files by field id after a nested field was renamed, or dropped and added again', async () => {
    const t = await newTable(nested);
    await write(t, source, cols);
    await updateSchema(t, [{ kind: 'rename-column', path: 'address.zip', newName: 'postcode' }]);
    expect((await rows(t)).map((r) => r['address'])).toEqual([{ street: 'main st', postcode: '12345' }]);
    // A field dropped and added again under its old name has a new id: old files read NULL there.
    const u = await newTable(nested);
    await write(u, source, cols);
    await updateSchema(u, [
      { kind: 'drop-column', path: 'address.zip' },
      { kind: 'add-column', path: 'address.zip', type: { kind: 'string' } },
    ]);
    expect((await rows(u)).map((r) => r['address'])).toEqual([{ street: 'main st', zip: null }]);
  });
});
