import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Engine, openEngine } from './duckdb-engine.js';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import { writeDataFile } from './parquet-writer.js';
import { resolvePartitionSpec } from './partition-descriptors.js';
import { specFieldsFor } from './partition-evolution.js';
import { applyTransform, parseTransform } from './partitioning/transforms.js';
import { planScan } from './scan.js';
import { newSchema } from './schema.js';
import { appendFiles } from './snapshot-producer.js';
import { Table } from './table.js';

const io = createFileIO();
let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

const schema = newSchema([
  { name: 'id', type: { kind: 'long' } },
  { name: 'name', type: { kind: 'string' } },
  { name: 'at', type: { kind: 'timestamptz' } },
]);

async function table(partitionBy: string): Promise<Table> {
  const dir = mkdtempSync(join(tmpdir(), 'lk-pw-'));
  const base = newTableMetadata(`file://${dir}`, schema);
  const md = newTableMetadata(`file://${dir}`, schema, {}, specFieldsFor(base, partitionBy));
  const location = nextMetadataLocation(md.location);
  await writeMetadata(io, location, md);
  const backend = new MemoryCatalogBackend();
  const id = { namespace: ['p'], name: 't' };
  await backend.createPointer(id, location);
  return new Table(id, io, backend, location, md);
}

const SOURCE = `SELECT range AS id, 'n' || (range % 7) AS name, TIMESTAMPTZ '2023-12-31 20:00:00+00' + INTERVAL (range * 3) HOUR AS "at" FROM range(200)`;

describe('partitioned writes', () => {
  it('writes one file per partition whose tuple equals the transforms of every row in it', async () => {
    const t = await table('day(at), bucket(4, id), truncate(1, name)');
    const spec = resolvePartitionSpec(t.metadata);
    const files = await writeDataFile({
      engine,
      io,
      selectSql: SOURCE,
      sourceColumns: ['id', 'name', 'at'],
      schema,
      tableLocation: t.metadata.location,
      tableName: t.name,
      partitionSpec: spec,
    });
    expect(files.reduce((a, f) => a + f.recordCount, 0)).toBe(200);
    expect(files.length).toBeGreaterThan(20);
    for (const f of files) {
      const rows = await engine.all(
        `SELECT id, name, CAST(epoch_us("at") AS VARCHAR) AS us FROM read_parquet('${f.filePath.replace('file://', '')}')`,
      );
      for (const r of rows) {
        expect(f.partition).toEqual({
          at_day: applyTransform(parseTransform('day'), { kind: 'timestamptz' }, BigInt(String(r['us']))),
          id_bucket_4: applyTransform(parseTransform('bucket[4]'), { kind: 'long' }, BigInt(String(r['id']))),
          name_trunc_1: applyTransform(parseTransform('truncate[1]'), { kind: 'string' }, r['name']),
        });
      }
    }
    await appendFiles(t, files);
    // Pruning by partition: a filter on one day and one id reads only files of that day and bucket.
    const day = 19723; // 2024-01-01
    const filter = {
      op: 'and' as const,
      args: [
        { op: 'gte' as const, fieldId: 3, value: BigInt(day) * 86_400_000_000n },
        { op: 'lt' as const, fieldId: 3, value: BigInt(day + 1) * 86_400_000_000n },
        { op: 'eq' as const, fieldId: 1, value: 5n },
      ],
    };
    const plan = await planScan(io, t.currentSnapshot(), { filter, schema, specs: t.partitionSpecs() });
    expect(plan.data.length).toBeGreaterThan(0);
    expect(plan.data.length).toBeLessThan(files.length / 4);
    for (const f of plan.data) {
      expect(f.dataFile.partition['at_day']).toBe(day);
      expect(f.dataFile.partition['id_bucket_4']).toBe(
        applyTransform(parseTransform('bucket[4]'), { kind: 'long' }, 5n),
      );
    }
    const rows = await engine.all(
      `SELECT count(*) AS n FROM (${await t.readSql(engine, undefined, filter)}) WHERE id = 5`,
    );
    expect(Number(rows[0]!['n'])).toBe(1);
    // Manifest summaries let a filter outside every partition skip the manifest entirely.
    const none = await planScan(io, t.currentSnapshot(), {
      filter: { op: 'lt', fieldId: 3, value: 0n },
      schema,
      specs: t.partitionSpecs(),
    });
    expect(none.data).toHaveLength(0);
  });
});
