import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../duckdb-engine.js';
import { FileContent } from '../manifest-model.js';
import { writeDataFile } from '../parquet-writer.js';
import { applyRowDelta } from '../row-delta.js';
import { planScan } from '../scan.js';
import { commitSnapshot } from '../snapshot-producer.js';
import type { Table } from '../table.js';
import { compactFiles } from './compact-files.js';
import { expireSnapshots } from './expire-snapshots.js';
import { TestWarehouse } from './test-warehouse.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

async function files(t: Table) {
  return planScan(t.io, t.currentSnapshot());
}

/** Makes `run` happen right after the next `refresh` of `t`: a commit that lands while `t` works. */
function concurrently(t: Table, run: () => Promise<unknown>): void {
  const refresh = t.refresh.bind(t);
  t.refresh = async () => {
    await refresh();
    t.refresh = refresh;
    await run();
  };
}

describe('compactFiles', () => {
  it('packs 20 small files into one with the same rows', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 20; i++) await w.append(i * 50, i * 50 + 50, { qty: i });
    const rows = await w.rows();
    const before = t.currentSnapshot()!;
    const r = await compactFiles(t, engine);
    expect(r).toMatchObject({
      groups: 1,
      rewrittenDataFiles: 20,
      addedDataFiles: 1,
      removedDeleteFiles: 0,
      rows: 1000,
    });
    expect(r.snapshot!.summary).toMatchObject({
      operation: 'replace',
      'added-data-files': '1',
      'deleted-data-files': '20',
      'total-data-files': '1',
      'total-records': '1000',
      'lakekit.operation': 'compact',
    });
    expect((await files(t)).data).toHaveLength(1);
    expect(await w.rows()).toEqual(rows);
    // The snapshot before compaction still reads its own files.
    expect(await w.rows({ snapshotId: before['snapshot-id'] })).toEqual(rows);
    // Nothing small left: no new snapshot. Fewer files than min-input-files: none either.
    expect((await compactFiles(t, engine)).snapshot).toBeUndefined();
    await w.append(5000, 5010);
    expect((await compactFiles(t, engine)).snapshot).toBeUndefined();
    expect((await compactFiles(t, engine, { minInputFiles: 2 })).rewrittenDataFiles).toBe(2);
    // After expiry only the compacted file is left on disk.
    const x = await expireSnapshots(t, { olderThanMs: Date.now() + 1, retainLast: 1 });
    expect(x.deletedDataFiles).toBe(22);
    expect((await w.allFiles()).filter((f) => f.endsWith('.parquet'))).toHaveLength(1);
    expect((await w.rows()).length).toBe(1010);
  });

  it('rewrites a file thinned out by position deletes, applying them, and drops the delete file', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    await w.append(0, 3000);
    await w.append(3000, 6000);
    const d = await applyRowDelta(t, engine, { where: 'id < 3000 AND id % 3 = 0', copyOnWriteRatio: 0.9 });
    expect(d).toMatchObject({ deletedRows: 1000, positionDeleteFiles: 1, rewrittenFiles: 0 });
    const small = await applyRowDelta(t, engine, { where: 'id = 4000', copyOnWriteRatio: 0.9 });
    expect(small.positionDeleteFiles).toBe(1);
    const rows = await w.rows();
    expect(rows).toHaveLength(6000 - 1001);
    // A tiny target: neither file is "small", only the delete ratio selects one.
    const r = await compactFiles(t, engine, { targetFileSizeBytes: 1000 });
    expect(r).toMatchObject({ rewrittenDataFiles: 1, addedDataFiles: 1, removedDeleteFiles: 1, rows: 2000 });
    expect(await w.rows()).toEqual(rows);
    const plan = await files(t);
    expect(plan.data.map((f) => f.dataFile.recordCount).sort()).toEqual([2000, 3000]);
    // The delete file of the other file (1 row of 3000: below the ratio) stays.
    expect(plan.deletes.map((f) => f.dataFile.recordCount)).toEqual([1]);
    expect(r.snapshot!.summary).toMatchObject({
      'removed-position-deletes': '1000',
      'total-position-deletes': '1',
    });
  });

  it('applies equality deletes, and drops them once no data file they apply to is left', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 6; i++) await w.append(i * 10, i * 10 + 10);
    const eq = await writeDataFile({
      engine,
      io: w.io,
      selectSql: 'SELECT * FROM (VALUES (3::BIGINT), (42::BIGINT)) v(id)',
      sourceColumns: ['id'],
      schema: { schemaId: 0, fields: [t.schema().fields[0]!] },
      tableLocation: t.metadata.location,
      tableName: t.name,
    });
    await commitSnapshot(t, {
      operation: 'delete',
      added: eq.map((f) => ({ ...f, content: FileContent.EQUALITY_DELETES, equalityIds: [1] })),
    });
    const rows = await w.rows();
    expect(rows).toHaveLength(58);
    const r = await compactFiles(t, engine);
    expect(r).toMatchObject({ rewrittenDataFiles: 6, addedDataFiles: 1, removedDeleteFiles: 1, rows: 58 });
    expect(await w.rows()).toEqual(rows);
    expect((await files(t)).deletes).toHaveLength(0);
  });

  it('rebases onto a concurrent append', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 8; i++) await w.append(i * 10, i * 10 + 10);
    const rows = await w.rows();
    const other = await w.load();
    concurrently(t, () => w.append(1000, 1010, { table: other, qty: 7 }));
    const r = await compactFiles(t, engine);
    expect(r.rewrittenDataFiles).toBe(8);
    // The append landed first; the compaction was rebased onto it and kept its file.
    expect(r.snapshot!['parent-snapshot-id']).toBe(other.currentSnapshot()!['snapshot-id']);
    expect(await w.rows()).toEqual([...rows, ...Array.from({ length: 10 }, (_, i) => [1000 + i, 7])]);
    expect((await files(t)).data).toHaveLength(2);
  });

  it('fails with a conflict when a concurrent commit deletes rows of an input file, losing nothing', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 8; i++) await w.append(i * 10, i * 10 + 10);
    const other = await w.load();
    concurrently(t, () => applyRowDelta(other, engine, { where: 'id = 15', copyOnWriteRatio: 0.9 }));
    const before = new Set((await w.allFiles()).filter((f) => f.endsWith('.parquet')));
    await expect(compactFiles(t, engine)).rejects.toThrow(
      /a concurrent commit \(snapshot \d+\) added deletes .* to rows of files this compaction rewrites/,
    );
    const fresh = await w.load();
    const rows = await w.rows(undefined, fresh);
    expect(rows).toHaveLength(79);
    expect(rows.some(([id]) => id === 15)).toBe(false);
    // The only new Parquet file is the concurrent position delete file: the compaction's output is gone.
    const added = (await w.allFiles()).filter((f) => f.endsWith('.parquet') && !before.has(f));
    expect(added).toEqual((await files(fresh)).deletes.map((d) => d.dataFile.filePath));
    // Run again on the new head, it compacts and applies the delete.
    const r = await compactFiles(fresh, engine);
    expect(r).toMatchObject({ rewrittenDataFiles: 8, removedDeleteFiles: 1, rows: 79 });
    expect(await w.rows(undefined, fresh)).toEqual(rows);
  });

  it('fails with a conflict when a concurrent commit rewrote an input file', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 8; i++) await w.append(i * 10, i * 10 + 10);
    const other = await w.load();
    // Copy-on-write: the concurrent delete removes the input file and adds a rewritten one.
    concurrently(t, () => applyRowDelta(other, engine, { where: 'id >= 10 AND id < 19' }));
    const before = new Set((await w.allFiles()).filter((f) => f.endsWith('.parquet')));
    await expect(compactFiles(t, engine)).rejects.toThrow(/no rows were lost|no longer live/);
    const fresh = await w.load();
    expect(await w.rows(undefined, fresh)).toHaveLength(71);
    // Only the concurrent writer's new file was added; the failed compaction's output is gone.
    const added = (await w.allFiles()).filter((f) => f.endsWith('.parquet') && !before.has(f));
    expect(added).toHaveLength(1);
    expect((await files(fresh)).data.map((f) => f.dataFile.filePath)).toContain(added[0]);
  });
});
