import { mkdirSync, utimesSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from '../duckdb-engine.js';
import { createTag } from '../refs.js';
import { applyRowDelta } from '../row-delta.js';
import { replaceFiles } from '../snapshot-producer.js';
import { reachableFiles } from './reachable-files.js';
import { normalizeLocation, removeOrphanFiles } from './remove-orphan-files.js';
import { TestWarehouse } from './test-warehouse.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

const DAY = 86_400_000;

describe('removeOrphanFiles', () => {
  it('removes unreferenced files older than the window; keeps fresh ones and everything referenced', async () => {
    const w = new TestWarehouse(engine);
    const t = await w.create();
    await w.append(0, 50);
    await createTag(t, 'v1');
    await w.append(50, 100);
    await applyRowDelta(t, engine, { where: 'id % 7 = 0', copyOnWriteRatio: 0.9 });
    await replaceFiles(t, await w.dataFile(0, 20));
    const root = fileURLToPath(t.metadata.location);
    mkdirSync(`${root}/data/sub`, { recursive: true });
    writeFileSync(`${root}/data/stray-old.parquet`, 'x');
    writeFileSync(`${root}/data/sub/stray-old-2.parquet`, 'x');
    writeFileSync(`${root}/metadata/stray-old-m0.avro`, 'x');
    writeFileSync(`${root}/data/stray-fresh.parquet`, 'x');
    // Everything but the fresh stray is 10 days old: only references protect the table's own files.
    const old = (Date.now() - 10 * DAY) / 1000;
    for (const f of await w.allFiles()) {
      if (!f.endsWith('stray-fresh.parquet')) utimesSync(fileURLToPath(f), old, old);
    }
    const referenced = await reachableFiles(w.io, t.metadata, t.metadataLocation);
    const rowsBefore = await w.rows();
    const tagBefore = await w.rows({ ref: 'v1' });

    const dry = await removeOrphanFiles(t, { dryRun: true });
    const strays = [
      'data/stray-old.parquet',
      'data/sub/stray-old-2.parquet',
      'metadata/stray-old-m0.avro',
    ].map((p) => `${t.metadata.location}/${p}`);
    expect(dry.orphanFiles.sort()).toEqual(strays.sort());
    expect(await w.missing(strays)).toEqual([]);

    const r = await removeOrphanFiles(t);
    expect(r.orphanFiles.sort()).toEqual(strays.sort());
    expect(r).toMatchObject({ recentFiles: 1, failedFiles: [], referencedFiles: referenced.size });
    expect(await w.missing(strays)).toEqual(strays);
    expect(await w.missing(referenced)).toEqual([]);
    expect(await w.missing([`${t.metadata.location}/data/stray-fresh.parquet`])).toEqual([]);
    expect(await w.rows()).toEqual(rowsBefore);
    expect(await w.rows({ ref: 'v1' })).toEqual(tagBefore);
    // Past the window, the fresh stray goes too; the table's files still stay.
    const later = await removeOrphanFiles(t, { olderThanMs: Date.now() + 1000 });
    expect(later.orphanFiles).toEqual([`${t.metadata.location}/data/stray-fresh.parquet`]);
    expect(await w.missing(referenced)).toEqual([]);
  });

  it('compares locations however they are spelled', () => {
    expect(normalizeLocation('file:/tmp/a')).toBe('file:///tmp/a');
    expect(normalizeLocation('file://localhost/tmp/a')).toBe('file:///tmp/a');
    expect(normalizeLocation('/tmp/a')).toBe('file:///tmp/a');
    expect(normalizeLocation('file:///tmp/a')).toBe('file:///tmp/a');
    expect(normalizeLocation('s3a://b/k')).toBe('s3://b/k');
  });
});
