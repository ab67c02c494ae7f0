import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../duckdb-engine.js';
import { createTag } from '../refs.js';
import { planScan, readManifestList } from '../scan.js';
import { runMaintenance } from './run-maintenance.js';
import { TestWarehouse } from './test-warehouse.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

describe('runMaintenance', () => {
  it('expires, compacts, rewrites manifests and removes orphans as the policy says', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    for (let i = 0; i < 10; i++) await w.append(i * 10, i * 10 + 10);
    await createTag(t, 'release');
    const tagged = await w.rows({ ref: 'release' });
    for (let i = 10; i < 16; i++) await w.append(i * 10, i * 10 + 10);
    const rows = await w.rows();

    const r = await runMaintenance(t, engine, {
      expireOlderThanMs: 0,
      retainLast: 1,
      rewriteManifestsAt: 5,
      orphanOlderThanMs: 60_000,
    });
    // Expiry kept main's head and the tag's snapshot; compaction packed all 16 files into one;
    // the compaction left 17 manifests (16 with only DELETED entries), rewritten into one.
    expect(r.expire.removedSnapshotIds).toHaveLength(14);
    expect(r.compact).toMatchObject({ rewrittenDataFiles: 16, addedDataFiles: 1 });
    expect(r.manifestCount).toBe(17);
    expect(r.rewriteManifests).toMatchObject({ manifestsAfter: 1 });
    expect(r.removeOrphans.orphanFiles).toEqual([]);
    expect(await w.rows()).toEqual(rows);
    expect(await w.rows({ ref: 'release' })).toEqual(tagged);
    expect((await planScan(t.io, t.currentSnapshot())).data).toHaveLength(1);
    expect(await readManifestList(t.io, t.currentSnapshot()!)).toHaveLength(1);

    // A policy without compaction, below the manifest threshold: those steps are skipped.
    const again = await runMaintenance(t, engine, { compact: false });
    expect(again.compact).toBeUndefined();
    expect(again.rewriteManifests).toBeUndefined();
    expect(again.expire.removedSnapshotIds).toEqual([]);
  });
});
