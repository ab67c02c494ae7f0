import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from './duckdb-engine.js';
import { FileContent } from './manifest-model.js';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, readMetadata, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import { writeDataFile } from './parquet-writer.js';
import { applyRowDelta } from './row-delta.js';
import { planScan } from './scan.js';
import { newSchema } from './schema.js';
import { appendFiles, commitSnapshot } from './snapshot-producer.js';
import { Table } from './table.js';

const id = { namespace: ['inv'], name: 'stock' };
const io = createFileIO();
let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

async function newTable(backend = new MemoryCatalogBackend()): Promise<Table> {
  const dir = mkdtempSync(join(tmpdir(), 'lk-rd-'));
  const md = newTableMetadata(
    `file://${dir}`,
    newSchema([
      { name: 'id', type: { kind: 'long' } },
      { name: 'qty', type: { kind: 'int' } },
    ]),
  );
  const location = nextMetadataLocation(md.location);
  await writeMetadata(io, location, md);
  await backend.createPointer(id, location);
  return new Table(id, io, backend, location, md);
}

async function append(t: Table, from: number, to: number, qty = 1) {
  const files = await writeDataFile({
    engine,
    io,
    selectSql: `SELECT range AS id, ${qty} AS qty FROM range(${from}, ${to})`,
    sourceColumns: ['id', 'qty'],
    schema: t.schema(),
    tableLocation: t.metadata.location,
    tableName: t.name,
  });
  return appendFiles(t, files);
}

async function rows(t: Table, selector?: Parameters<Table['readSql']>[1]): Promise<[number, number][]> {
  const r = await engine.all(`SELECT id, qty FROM (${await t.readSql(engine, selector)}) ORDER BY id, qty`);
  return r.map((x) => [Number(x['id']), Number(x['qty'])]);
}

describe('row-level changes (merge-on-read)', () => {
  it('deletes a few rows with a position delete file, and merges by key', async () => {
    const t = await newTable();
    await append(t, 0, 100);
    await append(t, 100, 200);
    const before = t.currentSnapshot()!;
    const del = await applyRowDelta(t, engine, { where: 'id % 50 = 7' });
    expect(del).toMatchObject({ deletedRows: 4, positionDeleteFiles: 1, rewrittenFiles: 0 });
    expect(del.snapshot!.summary).toMatchObject({
      operation: 'delete',
      'added-position-deletes': '4',
      'total-records': '200',
    });
    const after = await rows(t);
    expect(after).toHaveLength(196);
    expect(after.some(([i]) => i % 50 === 7)).toBe(false);
    // time travel still sees the deleted rows
    expect(await rows(t, { snapshotId: before['snapshot-id'] })).toHaveLength(200);

    const merged = await applyRowDelta(t, engine, {
      keyColumns: ['id'],
      rowsSql:
        'SELECT * FROM (VALUES (3::BIGINT, 30), (150::BIGINT, 1500), (1000::BIGINT, 10000)) v(id, qty)',
    });
    expect(merged).toMatchObject({ deletedRows: 2, addedRows: 3 });
    const m = await rows(t);
    expect(m).toHaveLength(197);
    expect(m.filter(([i]) => i === 3 || i === 150 || i === 1000)).toEqual([
      [3, 30],
      [150, 1500],
      [1000, 10000],
    ]);
    const plan = await planScan(io, t.currentSnapshot());
    expect(plan.deletes.map((d) => d.dataFile.content)).toEqual([
      FileContent.POSITION_DELETES,
      FileContent.POSITION_DELETES,
    ]);
  });

  it('deletes by a set of key values', async () => {
    const t = await newTable();
    await append(t, 0, 100);
    const r = await applyRowDelta(t, engine, {
      keyColumns: ['id'],
      keysSql: 'SELECT * FROM (VALUES (5::BIGINT), (50::BIGINT), (500::BIGINT)) v(id)',
    });
    expect(r).toMatchObject({ deletedRows: 2, addedRows: 0 });
    expect(r.snapshot!.summary.operation).toBe('delete');
    const ids = (await rows(t)).map(([i]) => i);
    expect(ids).toHaveLength(98);
    expect(ids.includes(5) || ids.includes(50)).toBe(false);
  });

  it('rewrites a file that loses most rows (copy-on-write)', async () => {
    const t = await newTable();
    await append(t, 0, 10);
    await append(t, 10, 20);
    const r = await applyRowDelta(t, engine, { where: 'id < 8' });
    expect(r).toMatchObject({ deletedRows: 8, rewrittenFiles: 1, positionDeleteFiles: 0 });
    expect((await rows(t)).map(([i]) => i)).toEqual([8, 9, 10, 11, 12, 13, 14, 15, 16, 17, 18, 19]);
    const plan = await planScan(io, t.currentSnapshot());
    expect(plan.deletes).toHaveLength(0);
    expect(plan.data.map((f) => f.dataFile.recordCount).sort()).toEqual([10, 2]);
  });

  it('fails with a conflict when a concurrent commit added rows with keys it replaces, rebases otherwise', async () => {
    const backend = new MemoryCatalogBackend();
    const t = await newTable(backend);
    await append(t, 0, 10);
    const other = new Table(t.id, io, backend, t.metadataLocation, t.metadata);
    await append(other, 100, 101); // a concurrent append of an unrelated key
    const ok = await applyRowDelta(t, engine, {
      keyColumns: ['id'],
      rowsSql: 'SELECT 5::BIGINT AS id, 50 AS qty',
    });
    expect(ok.deletedRows).toBe(1);
    expect((await rows(t)).length).toBe(11);

    const stale = new Table(
      t.id,
      io,
      backend,
      t.metadataLocation,
      await readMetadata(io, t.metadataLocation),
    );
    await append(t, 6, 7, 99); // concurrently adds another row with key 6
    await expect(
      applyRowDelta(stale, engine, { keyColumns: ['id'], rowsSql: 'SELECT 6::BIGINT AS id, 60 AS qty' }),
    ).rejects.toThrow(/concurrent commit added 1 row\(s\) matching/);
    expect((await rows(t)).filter(([i]) => i === 6)).toEqual([
      [6, 1],
      [6, 99],
    ]);
  });

  it('applies equality deletes written by other engines, honouring sequence numbers', async () => {
    const t = await newTable();
    await append(t, 0, 5);
    // An equality delete file on `id` (field 1), as Flink writes them.
    const eq = await writeDataFile({
      engine,
      io,
      selectSql: 'SELECT * FROM (VALUES (1::BIGINT), (3::BIGINT)) v(id)',
      sourceColumns: ['id'],
      schema: { schemaId: 0, fields: [t.schema().fields[0]!] },
      tableLocation: t.metadata.location,
      tableName: t.name,
    });
    await commitSnapshot(t, {
      operation: 'delete',
      added: eq.map((f) => ({ ...f, content: FileContent.EQUALITY_DELETES, equalityIds: [1] })),
    });
    expect((await rows(t)).map(([i]) => i)).toEqual([0, 2, 4]);
    // Rows appended after the delete (higher sequence number) are not deleted by it.
    await append(t, 3, 4, 7);
    expect(await rows(t)).toEqual([
      [0, 1],
      [2, 1],
      [3, 7],
      [4, 1],
    ]);
  });
});
