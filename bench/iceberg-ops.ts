/**
 * In-process benchmarks of table operations (Foundation II), through the library: process start-up
 * alone costs ~0.3 s here, so these are timed inside one process.
 *  - one small append commit on a table that already has 1,000 snapshots (target: median ≤ 50 ms)
 *  - scan planning of that table (target: ≤ 50 ms)
 *  - updating 1% of the rows of a 1M-row table by key vs loading the table (target: ≤ 10%)
 * Run: `pnpm bench:ops` (bundled by esbuild, then run by node). Prints a Markdown section.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describeFile } from '@lakekit/connector-files';
import { fromDuckDBType } from '@lakekit/core';
import {
  appendFiles,
  applyRowDelta,
  type ColumnSpec,
  type Engine,
  MemoryCatalogBackend,
  newSchema,
  newTableMetadata,
  nextMetadataLocation,
  openEngine,
  planScan,
  Table,
  writeDataFile,
  writeMetadata,
} from '@lakekit/iceberg';
import { createFileIO } from '@lakekit/storage';

const io = createFileIO();
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};
const now = () => performance.now();

async function newTable(dir: string, name: string): Promise<Table> {
  return newTableWith(dir, name, [
    { name: 'id', type: { kind: 'long' } },
    { name: 'qty', type: { kind: 'int' } },
    { name: 'sku', type: { kind: 'string' } },
  ]);
}

async function newTableWith(dir: string, name: string, columns: ColumnSpec[]): Promise<Table> {
  const backend = new MemoryCatalogBackend();
  const id = { namespace: ['bench'], name };
  const md = newTableMetadata(`file://${dir}/${name}`, newSchema(columns));
  const location = nextMetadataLocation(md.location);
  await writeMetadata(io, location, md);
  await backend.createPointer(id, location);
  return new Table(id, io, backend, location, md);
}

async function smallFile(engine: Engine, t: Table, i: number) {
  return writeDataFile({
    engine,
    io,
    selectSql: `SELECT ${i}::BIGINT AS id, 1 AS qty, 'sku-${i}' AS sku`,
    sourceColumns: ['id', 'qty', 'sku'],
    schema: t.schema(),
    tableLocation: t.metadata.location,
    tableName: t.name,
  });
}

async function main() {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-bench-'));
  const engine = await openEngine();
  const lines: string[] = [];
  try {
    // 1. Appends on a table with 1,000 snapshots.
    const t = await newTable(dir, 'history');
    for (let i = 0; i < 1000; i++) await appendFiles(t, await smallFile(engine, t, i));
    const appendMs: number[] = [];
    for (let i = 0; i < 30; i++) {
      const files = await smallFile(engine, t, 1000 + i);
      const t0 = now();
      await appendFiles(t, files);
      appendMs.push(now() - t0);
    }
    const planMs: number[] = [];
    let planned = 0;
    for (let i = 0; i < 20; i++) {
      const t0 = now();
      planned = (await planScan(io, t.currentSnapshot())).data.length;
      planMs.push(now() - t0);
    }
    lines.push(
      `| append commit, table with ${t.metadata.snapshots.length - 30}+ snapshots (median of 30) | ${median(appendMs).toFixed(1)} ms | ≤ 50 ms |`,
      `| scan planning, ${planned} data files in ${t.metadata.snapshots.length} snapshots (median of 20) | ${median(planMs).toFixed(1)} ms | ≤ 50 ms |`,
    );

    // 2. Update 1% of a 1M-row table by key vs loading it (the in-process `lake load` path: sniff the
    //    CSV, read it with explicit types, write Parquet with field ids and statistics, commit).
    // The bundle runs from packages/iceberg/ (see bench/run-ops.mjs); the CSV is pnpm bench's.
    const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
    const csv = join(root, 'bench', 'out', 'orders-1000000.csv');
    if (!existsSync(csv))
      execFileSync(process.execPath, [join(csv, '..', '..', 'generate-csv.mjs'), csv, '1000000']);
    const loadMs: number[] = [];
    let big: Table | undefined;
    for (let i = 0; i < 3; i++) {
      const t0 = now();
      const desc = await describeFile(engine.conn, csv);
      let next = 10_000;
      const table = await newTableWith(
        dir,
        `orders${i}`,
        desc.columns.map((c) => ({ name: c.name, type: fromDuckDBType(c.duckdbType, () => next++) })),
      );
      const files = await writeDataFile({
        engine,
        io,
        selectSql: desc.readSql,
        sourceColumns: desc.columns.map((c) => c.name),
        schema: table.schema(),
        tableLocation: table.metadata.location,
        tableName: table.name,
      });
      await appendFiles(table, files);
      loadMs.push(now() - t0);
      big = table;
    }
    const updMs: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t1 = now();
      const r = await applyRowDelta(big!, engine, {
        keyColumns: ['order_id'],
        // 10,000 changed orders, as an upstream extract would deliver them (not read from the table).
        rowsSql: `SELECT range * 100 + ${i + 1} AS order_id, 7 AS customer_id, 'west' AS region, 'shipped' AS status, 3 AS quantity, 9.99 AS unit_price, 0.05 AS discount, DATE '2026-11-29' AS order_date, TIMESTAMP '2026-11-29 12:00:00' AS updated_at FROM range(10000)`,
      });
      updMs.push(now() - t1);
      if (r.deletedRows !== 10000) throw new Error(`expected 10000 replaced rows, got ${r.deletedRows}`);
    }
    lines.push(
      `| load 1,000,000 rows × 9 columns from CSV into a new table, in-process (median of 3) | ${median(loadMs).toFixed(0)} ms | |`,
      `| update 1% (10,000 rows) by key, merge-on-read (median of 5) | ${median(updMs).toFixed(0)} ms = ${((100 * median(updMs)) / median(loadMs)).toFixed(1)}% of the load | ≤ 10% |`,
    );
  } finally {
    engine.close();
    rmSync(dir, { recursive: true, force: true });
  }
  process.stdout.write(
    `## Table operations (in-process)\n\n- date: ${new Date().toISOString()}\n- machine: ${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}\n- command: \`pnpm bench:ops\`\n\n| operation | measured | target |\n|---|---|---|\n${lines.join('\n')}\n`,
  );
}

await main();
