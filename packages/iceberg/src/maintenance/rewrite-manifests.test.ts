import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../duckdb-engine.js';
import { applyRowDelta } from '../row-delta.js';
import { type LiveFile, planScan, readManifestList } from '../scan.js';
import type { Table } from '../table.js';
import { expireSnapshots } from './expire-snapshots.js';
import { rewriteManifests } from './rewrite-manifests.js';
import { TestWarehouse } from './test-warehouse.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

/** Live files with everything a reader resolves: path, content, snapshot id, sequence numbers. */
async function live(t: Table) {
  const plan = await planScan(t.io, t.currentSnapshot());
  const row = (f: LiveFile) =>
    [f.dataFile.filePath, f.dataFile.content, f.snapshotId, f.sequenceNumber, f.fileSequenceNumber].join(' ');
  return { data: plan.data.map(row).sort(), deletes: plan.deletes.map(row).sort() };
}

async function manifestCount(t: Table): Promise<number> {
  return (await readManifestList(t.io, t.currentSnapshot()!)).length;
}

describe('rewriteManifests', () => {
  it('merges small manifests into one, keeping live files, snapshot ids and sequence numbers', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 12; i++) await w.append(i * 10, i * 10 + 10);
    await applyRowDelta(t, engine, { where: 'id % 10 = 1', copyOnWriteRatio: 0.9 });
    const before = await live(t);
    const rows = await w.rows();
    const previous = t.currentSnapshot()!;
    expect(await manifestCount(t)).toBe(13);

    const r = await rewriteManifests(t);
    expect(r).toMatchObject({
      manifestsBefore: 13,
      manifestsAfter: 2,
      rewrittenManifests: 12,
      addedManifests: 1,
    });
    expect(r.entries).toBe(12);
    expect(r.snapshot!.summary).toMatchObject({
      operation: 'replace',
      'manifests-created': '1',
      'manifests-replaced': '12',
      'manifests-kept': '1',
      'total-records': previous.summary['total-records'],
      'total-data-files': '12',
    });
    expect(await manifestCount(t)).toBe(2);
    expect(await live(t)).toEqual(before);
    expect(await w.rows()).toEqual(rows);
    // Nothing left to merge: no new snapshot.
    expect((await rewriteManifests(t)).snapshot).toBeUndefined();

    // Expiring the old snapshots removes the replaced manifests, never a data file.
    const x = await expireSnapshots(t, { olderThanMs: Date.now() + 1, retainLast: 1 });
    expect(x.deletedManifests).toBe(12);
    expect(x.deletedDataFiles + x.deletedDeleteFiles).toBe(0);
    expect(await w.rows()).toEqual(rows);
  });

  it('splits by max entries per manifest or target count, and rebases onto a concurrent append', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 12; i++) await w.append(i * 10, i * 10 + 10);
    const before = await live(t);
    const r = await rewriteManifests(t, { maxEntriesPerManifest: 5 });
    expect(r).toMatchObject({ manifestsAfter: 3, rewrittenManifests: 12, addedManifests: 3 });
    expect(await live(t)).toEqual(before);
    const r2 = await rewriteManifests(t, { targetManifestCount: 1 });
    expect(r2.manifestsAfter).toBe(1);
    expect(await live(t)).toEqual(before);

    // A writer appends right after the rewrite loaded the table: the rewrite is rebased onto it.
    for (let i = 0; i < 3; i++) await w.append(1000 + i * 10, 1010 + i * 10);
    const other = await w.load();
    const refresh = t.refresh.bind(t);
    t.refresh = async () => {
      await refresh();
      t.refresh = refresh;
      await w.append(5000, 5005, { table: other });
    };
    const r3 = await rewriteManifests(t, { targetManifestCount: 1 });
    expect(r3.rewrittenManifests).toBe(4);
    expect(await manifestCount(t)).toBe(2); // the merged one and the concurrent append's
    expect((await w.rows()).filter(([id]) => id >= 5000)).toHaveLength(5);
    expect((await w.rows()).length).toBe(120 + 30 + 5);
    await expect(rewriteManifests(t, { targetManifestCount: 1, maxEntriesPerManifest: 2 })).rejects.toThrow(
      /not both/,
    );
  });
});
