import { createFileIO, MemoryFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from './duckdb-engine.js';
import { type DataFile, FileContent } from './manifest-model.js';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, readMetadata, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import { rollbackTo } from './rollback.js';
import { planFiles } from './scan.js';
import { newSchema } from './schema.js';
import { appendFiles, replaceFiles } from './snapshot-producer.js';
import { Table } from './table.js';

const id = { namespace: ['crm'], name: 'accounts' };

function fakeFile(n: number, rows: number): DataFile {
  return {
    content: FileContent.DATA,
    filePath: `memory://wh/crm.db/accounts/data/f${n}.parquet`,
    fileFormat: 'PARQUET',
    partition: {},
    recordCount: rows,
    fileSizeInBytes: 100 * rows,
    valueCounts: new Map([[1, rows]]),
  };
}

async function newTable(io: MemoryFileIO, backend: MemoryCatalogBackend): Promise<Table> {
  const md = newTableMetadata(
    'memory://wh/crm.db/accounts',
    newSchema([{ name: 'id', type: { kind: 'long' } }]),
  );
  const location = nextMetadataLocation(md.location);
  await writeMetadata(io, location, md);
  await backend.createPointer(id, location);
  return new Table(id, io, backend, location, md);
}

async function load(io: MemoryFileIO, backend: MemoryCatalogBackend): Promise<Table> {
  const location = (await backend.loadPointer(id))!;
  return new Table(id, io, backend, location, await readMetadata(io, location));
}

describe('commits', () => {
  it('appends, inherits sequence numbers, and keeps totals', async () => {
    const io = new MemoryFileIO();
    const backend = new MemoryCatalogBackend();
    const t = await newTable(io, backend);
    const s1 = await appendFiles(t, [fakeFile(1, 10)]);
    const s2 = await appendFiles(t, [fakeFile(2, 5)]);
    expect(s2['parent-snapshot-id']).toBe(s1['snapshot-id']);
    expect(s2['sequence-number']).toBe(2n);
    expect(s2.summary).toMatchObject({
      operation: 'append',
      'added-records': '5',
      'total-records': '15',
      'total-data-files': '2',
    });
    const files = await planFiles(io, t.currentSnapshot());
    expect(files.map((f) => [f.dataFile.filePath.slice(-10), f.sequenceNumber]).sort()).toEqual([
      ['f1.parquet', 1n],
      ['f2.parquet', 2n],
    ]);
    // The metadata on storage is what the table object holds, and metadata files are never rewritten.
    const reloaded = await load(io, backend);
    expect(reloaded.metadata).toEqual(t.metadata);
    expect(reloaded.metadataLocation).toMatch(/\/metadata\/00002-[0-9a-f-]+\.metadata\.json$/);
    expect(reloaded.metadata['metadata-log']).toHaveLength(2);
  });

  it('merges small manifests once a snapshot would list more than commit.manifest.min-count-to-merge', async () => {
    const io = new MemoryFileIO();
    const backend = new MemoryCatalogBackend();
    const t = await newTable(io, backend);
    t.metadata.properties['commit.manifest.min-count-to-merge'] = '5';
    for (let i = 0; i < 12; i++) await appendFiles(t, [fakeFile(i, 1)]);
    const { readManifestList } = await import('./scan.js');
    const manifests = await readManifestList(io, t.currentSnapshot()!);
    expect(manifests.length).toBeLessThanOrEqual(5);
    const files = await planFiles(io, t.currentSnapshot());
    expect(files.map((f) => Number(f.sequenceNumber)).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i + 1),
    );
    expect(t.currentSnapshot()!.summary['total-data-files']).toBe('12');
  });

  it('rebases an append that lost the race: no commit is lost', async () => {
    const io = new MemoryFileIO();
    const backend = new MemoryCatalogBackend();
    await newTable(io, backend);
    const writers = await Promise.all(Array.from({ length: 6 }, () => load(io, backend)));
    // All six start from the same base; all but one lose the first compare-and-swap.
    await Promise.all(writers.map((w, i) => appendFiles(w, [fakeFile(i, i + 1)])));
    const t = await load(io, backend);
    expect(t.metadata.snapshots).toHaveLength(6);
    expect(t.currentSnapshot()!.summary['total-records']).toBe(String(1 + 2 + 3 + 4 + 5 + 6));
    expect((await planFiles(io, t.currentSnapshot())).length).toBe(6);
    // Orphans of lost attempts were removed: one manifest list per snapshot remains.
    const lists = (await io.list('memory://wh/')).filter((f) => /\/snap-/.test(f.location));
    expect(lists).toHaveLength(6);
  });

  it('replace removes every earlier file in one snapshot, and fails rather than drop a concurrent append', async () => {
    const io = new MemoryFileIO();
    const backend = new MemoryCatalogBackend();
    const t = await newTable(io, backend);
    await appendFiles(t, [fakeFile(1, 10)]);
    const s = await replaceFiles(t, [fakeFile(2, 3)]);
    expect(s.summary).toMatchObject({
      operation: 'overwrite',
      'deleted-data-files': '1',
      'deleted-records': '10',
      'total-records': '3',
    });
    expect((await planFiles(io, t.currentSnapshot())).map((f) => f.dataFile.recordCount)).toEqual([3]);

    const stale = await load(io, backend);
    await appendFiles(await load(io, backend), [fakeFile(3, 7)]);
    await expect(replaceFiles(stale, [fakeFile(4, 1)])).rejects.toThrow(
      /another writer committed to main while this overwrite was prepared/,
    );
    const after = await load(io, backend);
    expect(after.currentSnapshot()!.summary['total-records']).toBe('10');
  });

  it('rolls back to an earlier snapshot and time-travels by id and timestamp', async () => {
    const io = new MemoryFileIO();
    const backend = new MemoryCatalogBackend();
    const t = await newTable(io, backend);
    const s1 = await appendFiles(t, [fakeFile(1, 10)]);
    await new Promise((r) => setTimeout(r, 5));
    const s2 = await appendFiles(t, [fakeFile(2, 5)]);
    await rollbackTo(t, s1['snapshot-id']);
    expect(t.currentSnapshot()!['snapshot-id']).toBe(s1['snapshot-id']);
    expect(t.history().map((h) => [h.snapshotId, h.isCurrent, h.isCurrentAncestor])).toEqual([
      [s1['snapshot-id'], true, true],
      [s2['snapshot-id'], false, false],
    ]);
    expect(t.snapshot({ snapshotId: s2['snapshot-id'] })).toBe(t.metadata.snapshots[1]);
    expect(t.snapshot({ timestampMs: s2['timestamp-ms'] - 1 })?.['snapshot-id']).toBe(s1['snapshot-id']);
    expect(() => t.snapshot({ timestampMs: s1['timestamp-ms'] - 1 })).toThrow(/no snapshot at or before/);
    expect(() => t.snapshot({ snapshotId: 42n })).toThrow(/has no snapshot 42/);
  });
});

describe('data files written by DuckDB', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
  });
  afterAll(() => engine.close());

  it('reads back by field id, after a rename', async () => {
    const io = createFileIO();
    const { mkdtempSync } = await import('node:fs');
    const { tmpdir } = await import('node:os');
    const dir = mkdtempSync(`${tmpdir()}/lk-`);
    const { writeDataFile } = await import('./parquet-writer.js');
    const schema = newSchema([
      { name: 'id', type: { kind: 'long' } },
      { name: 'name', type: { kind: 'string' } },
      { name: 'amount', type: { kind: 'decimal', precision: 10, scale: 2 } },
      { name: 'at', type: { kind: 'timestamptz' } },
    ]);
    const files = await writeDataFile({
      engine,
      io,
      selectSql:
        "SELECT * FROM (VALUES (1, 'b', 1.5, TIMESTAMPTZ '2024-01-01 00:00:00+00'), (2, 'a', -3.25, NULL)) v(id, name, amount, \"at\")",
      sourceColumns: ['id', 'name', 'amount', 'at'],
      schema,
      tableLocation: `file://${dir}`,
      tableName: 'crm.accounts',
    });
    expect(files).toHaveLength(1);
    const f = files[0]!;
    expect(f.recordCount).toBe(2);
    expect(f.nullValueCounts?.get(4)).toBe(1);
    expect(Buffer.from(f.lowerBounds!.get(1)!).readBigInt64LE()).toBe(1n);
    expect(Buffer.from(f.upperBounds!.get(1)!).readBigInt64LE()).toBe(2n);
    expect(Buffer.from(f.lowerBounds!.get(2)!).toString()).toBe('a');
    // decimal bounds: big-endian two's complement unscaled values (-325 and 150)
    expect(Buffer.from(f.lowerBounds!.get(3)!).readIntBE(0, f.lowerBounds!.get(3)!.length)).toBe(-325);
    expect(Buffer.from(f.upperBounds!.get(3)!).readIntBE(0, f.upperBounds!.get(3)!.length)).toBe(150);

    // Rename column 2 in the reading schema: the values stay, because files are read by id.
    const renamed = {
      ...schema,
      fields: schema.fields.map((x) => (x.id === 2 ? { ...x, name: 'full_name' } : x)),
    };
    const { readSql } = await import('./read-sql.js');
    const sql = await readSql(engine, io, renamed, [
      {
        dataFile: f,
        snapshotId: 1n,
        sequenceNumber: 1n,
        fileSequenceNumber: 1n,
        manifest: undefined as never,
      },
    ]);
    expect(await engine.all(`SELECT id, full_name FROM (${sql}) ORDER BY id`)).toEqual([
      { id: '1', full_name: 'b' },
      { id: '2', full_name: 'a' },
    ]);

    // A file without field ids (written by a tool that knows nothing of Iceberg) is refused, not read as NULLs.
    const foreign = `${dir}/foreign.parquet`;
    await engine.run(`COPY (SELECT 1::BIGINT AS id) TO '${foreign}' (FORMAT parquet)`);
    const live = {
      dataFile: { ...f, filePath: `file://${foreign}` },
      snapshotId: 1n,
      sequenceNumber: 1n,
      fileSequenceNumber: 1n,
      manifest: undefined as never,
    };
    await expect(readSql(engine, io, schema, [live])).rejects.toThrow(/has no Iceberg field ids/);
  });
});
