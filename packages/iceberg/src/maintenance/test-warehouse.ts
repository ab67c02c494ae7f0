/**
 * Test support for the maintenance tests: a real table in a temporary local warehouse (Parquet
 * written by DuckDB, a memory catalog), with helpers that read rows and list the files snapshots
 * need — what the tests check maintenance never deletes.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileIO } from '@lakekit/core';
import { createFileIO } from '@lakekit/storage';
import type { Engine } from '../duckdb-engine.js';
import { MemoryCatalogBackend } from '../memory-catalog-backend.js';
import { nextMetadataLocation, readMetadata, writeMetadata } from '../metadata-files.js';
import { newTableMetadata } from '../new-table-metadata.js';
import { writeDataFile } from '../parquet-writer.js';
import { planScan, readManifestList } from '../scan.js';
import { newSchema } from '../schema.js';
import { appendFiles, type CommitOptions } from '../snapshot-producer.js';
import { type SnapshotSelector, Table } from '../table.js';
import type { SnapshotJson } from '../table-metadata.js';

/** A table `inv.stock (id long, qty int)` in a fresh temporary folder, and helpers over it. */
export class TestWarehouse {
  readonly io: FileIO = createFileIO();
  readonly backend = new MemoryCatalogBackend();
  readonly id = { namespace: ['inv'], name: 'stock' };
  table!: Table;

  constructor(readonly engine: Engine) {}

  /** Creates the table. */
  async create(properties: Record<string, string> = {}): Promise<Table> {
    const dir = mkdtempSync(join(tmpdir(), 'lk-maint-'));
    const md = newTableMetadata(
      `file://${dir}`,
      newSchema([
        { name: 'id', type: { kind: 'long' } },
        { name: 'qty', type: { kind: 'int' } },
      ]),
    );
    md.properties = { ...md.properties, ...properties };
    const location = nextMetadataLocation(md.location);
    await writeMetadata(this.io, location, md);
    await this.backend.createPointer(this.id, location);
    this.table = new Table(this.id, this.io, this.backend, location, md);
    return this.table;
  }

  /** Another handle on the same table (another writer), loaded from the catalog now. */
  async load(): Promise<Table> {
    const location = (await this.backend.loadPointer(this.id))!;
    return new Table(this.id, this.io, this.backend, location, await readMetadata(this.io, location));
  }

  /** Rows [from, to) with quantity `qty`, written as one data file. */
  async dataFile(from: number, to: number, qty = 1) {
    return writeDataFile({
      engine: this.engine,
      io: this.io,
      selectSql: `SELECT range AS id, ${qty} AS qty FROM range(${from}, ${to})`,
      sourceColumns: ['id', 'qty'],
      schema: this.table.schema(),
      tableLocation: this.table.metadata.location,
      tableName: this.table.name,
    });
  }

  /** Appends rows [from, to) as one file in one snapshot. */
  async append(from: number, to: number, options: CommitOptions & { qty?: number; table?: Table } = {}) {
    const t = options.table ?? this.table;
    return appendFiles(t, await this.dataFile(from, to, options.qty ?? 1), options);
  }

  /** Rows of a snapshot or ref, sorted, as [id, qty]. */
  async rows(selector?: SnapshotSelector, table: Table = this.table): Promise<[number, number][]> {
    const r = await this.engine.all(
      `SELECT id, qty FROM (${await table.readSql(this.engine, selector)}) ORDER BY id, qty`,
    );
    return r.map((x) => [Number(x['id']), Number(x['qty'])]);
  }

  /** Every file a reader of these snapshots opens: manifest lists, manifests, live data and delete files. */
  async neededFiles(snapshots: readonly SnapshotJson[]): Promise<Set<string>> {
    const out = new Set<string>();
    for (const s of snapshots) {
      out.add(s['manifest-list']);
      for (const m of await readManifestList(this.io, s)) out.add(m.manifestPath);
      const plan = await planScan(this.io, s);
      for (const f of [...plan.data, ...plan.deletes]) out.add(f.dataFile.filePath);
    }
    return out;
  }

  /** Paths of `files` that do not exist. */
  async missing(files: Iterable<string>): Promise<string[]> {
    const out: string[] = [];
    for (const f of files) if (!(await this.io.exists(f))) out.push(f);
    return out;
  }

  /** Every file under the table location. */
  async allFiles(): Promise<string[]> {
    return (await this.io.list(`${this.table.metadata.location}/`)).map((f) => f.location);
  }
}
