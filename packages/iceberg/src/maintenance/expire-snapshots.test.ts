import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../duckdb-engine.js';
import { createBranch, createTag } from '../refs.js';
import { applyRowDelta } from '../row-delta.js';
import { replaceFiles } from '../snapshot-producer.js';
import type { SnapshotSelector } from '../table.js';
import type { SnapshotJson } from '../table-metadata.js';
import { expireSnapshots, planExpiry } from './expire-snapshots.js';
import { TestWarehouse } from './test-warehouse.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

const tick = () => new Promise((r) => setTimeout(r, 3));
const ids = (ss: readonly SnapshotJson[]) => ss.map((s) => s['snapshot-id']);

describe('expireSnapshots', () => {
  it('expires by age and by count, keeping main readable, and deletes only unreachable files', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    const s1 = await w.append(0, 10);
    await tick();
    const s2 = await w.append(10, 20);
    await tick();
    // An overwrite: the files of s1 and s2 stay reachable from s1 and s2 only.
    const s3 = await replaceFiles(t, await w.dataFile(100, 105));
    await tick();
    const cutoff = Date.now();
    await tick();
    const s4 = await w.append(105, 110);
    const before = await w.rows();
    const oldFiles = await w.neededFiles([s1, s2]);
    const keptBefore = await w.neededFiles([s4]);

    // Dry run: nothing changes, the same plan is listed.
    const dry = await expireSnapshots(t, { olderThanMs: cutoff, dryRun: true });
    expect(dry.dryRun).toBe(true);
    expect(dry.removedSnapshotIds).toEqual(ids([s1, s2, s3]));
    expect(t.metadata.snapshots).toHaveLength(4);
    expect(await w.missing(dry.files)).toEqual([]);

    // By age: s1..s3 are older than the cutoff; s4 (main's head) is newer.
    const r = await expireSnapshots(t, { olderThanMs: cutoff });
    expect(r.removedSnapshotIds).toEqual(ids([s1, s2, s3]));
    expect(r.files.sort()).toEqual(dry.files.sort());
    expect(ids(t.metadata.snapshots)).toEqual(ids([s4]));
    expect(r).toMatchObject({ deletedManifestLists: 3, deletedDataFiles: 2, failedFiles: [] });
    expect(await w.rows()).toEqual(before);
    // What s4 reads is all there; s1/s2's data files (overwritten by s3) and manifest lists are gone.
    expect(await w.missing(keptBefore)).toEqual([]);
    const gone = [...oldFiles, s3['manifest-list']].filter((f) => !keptBefore.has(f));
    expect(gone.length).toBeGreaterThanOrEqual(5);
    expect(await w.missing(gone)).toEqual(gone);
    // The snapshot log lost the expired snapshots; time travel to them fails instead of lying.
    expect(t.metadata['snapshot-log'].map((e) => e['snapshot-id'])).toEqual(ids([s4]));
    expect(() => t.snapshot({ timestampMs: s2['timestamp-ms'] })).toThrow(/no snapshot at or before/);
    // The metadata on storage says the same.
    expect(ids((await w.load()).metadata.snapshots)).toEqual(ids([s4]));

    // By count: everything is old enough, the last 2 of main's history stay.
    await tick();
    const s5 = await w.append(110, 120);
    await tick();
    const s6 = await w.append(120, 130);
    const r2 = await expireSnapshots(t, { olderThanMs: Date.now() + 1, retainLast: 2 });
    expect(r2.removedSnapshotIds).toEqual(ids([s4]));
    expect(ids(t.metadata.snapshots)).toEqual(ids([s5, s6]));
    expect(await w.missing(await w.neededFiles([s5, s6]))).toEqual([]);
    expect(await w.rows()).toHaveLength(5 + 5 + 20);
    // Nothing left to expire: no commit.
    const location = t.metadataLocation;
    const r3 = await expireSnapshots(t, { olderThanMs: Date.now() + 1, retainLast: 2 });
    expect(r3.removedSnapshotIds).toEqual([]);
    expect(t.metadataLocation).toBe(location);
  });

  it('keeps what tags and branches need (their own retention), removes refs past max-ref-age-ms', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    const s1 = await w.append(0, 100);
    await createTag(t, 'ancient', { maxRefAgeMs: 1 });
    await tick();
    const s2 = await w.append(100, 200);
    await createTag(t, 'v1');
    await tick();
    const s3 = await w.append(200, 300);
    await createBranch(t, 'audit', { minSnapshotsToKeep: 2, maxSnapshotAgeMs: 1 });
    await tick();
    const a1 = await w.append(1000, 1010, { branch: 'audit' });
    await tick();
    const a2 = await w.append(1010, 1020, { branch: 'audit' });
    await tick();
    // main: a delete (position deletes), then an overwrite that leaves the older files to the refs.
    const d = await applyRowDelta(t, engine, { where: 'id % 10 = 3', copyOnWriteRatio: 0.9 });
    expect(d.positionDeleteFiles).toBe(1);
    const s4 = d.snapshot!;
    await tick();
    const s5 = await replaceFiles(t, await w.dataFile(5000, 5010));
    await tick();

    const selectors: [string, SnapshotSelector][] = [
      ...t.metadata.snapshots.map(
        (s) =>
          [`snapshot ${s['snapshot-id']}`, { snapshotId: s['snapshot-id'] }] as [string, SnapshotSelector],
      ),
      ...Object.keys(t.metadata.refs).map(
        (name) => [`ref ${name}`, { ref: name }] as [string, SnapshotSelector],
      ),
    ];
    const before = new Map<string, [number, number][]>();
    for (const [name, sel] of selectors) before.set(name, await w.rows(sel));
    const all = t.metadata.snapshots;
    const neededBefore = new Map<bigint, Set<string>>();
    for (const s of all) neededBefore.set(s['snapshot-id'], await w.neededFiles([s]));

    const r = await expireSnapshots(t, { olderThanMs: Date.now() + 1, retainLast: 1 });
    // main keeps its head; v1 its snapshot; audit its head and one ancestor (min-snapshots-to-keep 2);
    // `ancient` was past its max-ref-age-ms, so it and s1 go.
    expect(r.removedRefs).toEqual(['ancient']);
    expect(new Set(r.removedSnapshotIds)).toEqual(new Set(ids([s1, s3, s4])));
    const kept = t.metadata.snapshots;
    expect(new Set(ids(kept))).toEqual(new Set(ids([s2, a1, a2, s5])));
    expect(Object.keys(t.metadata.refs).sort()).toEqual(['audit', 'main', 'v1']);

    // Every kept snapshot and every ref reads exactly what it read before.
    for (const [name, sel] of selectors) {
      const id = 'snapshotId' in (sel ?? {}) ? (sel as { snapshotId: bigint }).snapshotId : undefined;
      if (id !== undefined && !kept.some((s) => s['snapshot-id'] === id)) continue;
      if (name === 'ref ancient') continue;
      expect(await w.rows(sel), name).toEqual(before.get(name));
    }
    // Files every kept snapshot needs are all present; files only removed snapshots needed are gone.
    const needed = await w.neededFiles(kept);
    expect(await w.missing(needed)).toEqual([]);
    const removed = all.filter((s) => !kept.some((k) => k['snapshot-id'] === s['snapshot-id']));
    const onlyRemoved = removed
      .flatMap((s) => [...neededBefore.get(s['snapshot-id'])!])
      .filter((f) => !needed.has(f));
    expect(onlyRemoved.length).toBeGreaterThan(0);
    expect(await w.missing(onlyRemoved)).toEqual(onlyRemoved);
    // The position delete file of s4 was live only in s4 (s5 overwrote everything).
    expect(r.deletedDeleteFiles).toBe(1);
  });

  it('never expires protected snapshots (answer receipts), and table properties set the defaults', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create({ 'history.expire.min-snapshots-to-keep': '3' });
    const s1 = await w.append(0, 10);
    const s2 = await w.append(10, 20);
    const s3 = await w.append(20, 30);
    const s4 = await w.append(30, 40);
    const s5 = await w.append(40, 50);
    const plan = planExpiry(t.metadata, { olderThanMs: Date.now() + 1 });
    expect(ids(plan.remove)).toEqual(ids([s1, s2]));
    // Snapshots newer than the default max age (5 days) stay without a cutoff.
    expect(planExpiry(t.metadata, { retainLast: 1 }).remove).toEqual([]);
    const r = await expireSnapshots(t, {
      olderThanMs: Date.now() + 1,
      retainLast: 1,
      protectedSnapshotIds: new Set([s2['snapshot-id']]),
    });
    expect(r.removedSnapshotIds).toEqual(ids([s1, s3, s4]));
    expect(ids(t.metadata.snapshots)).toEqual(ids([s2, s5]));
    expect(await w.rows({ snapshotId: s2['snapshot-id'] })).toHaveLength(20);
    expect(await w.missing(await w.neededFiles([s2, s5]))).toEqual([]);
    await expect(expireSnapshots(t, { retainLast: 0 })).rejects.toThrow(/positive whole number/);
  });
});
