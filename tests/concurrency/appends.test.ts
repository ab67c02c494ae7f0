/**
 * Concurrency through the real CLI: 8 writer processes × 25 appends on one table commit through the
 * catalog's compare-and-swap (SQLite file and PostgreSQL): all 200 commits are present, the row
 * total is exact and history is linear. An overwrite planned on a stale head fails with one clear
 * conflict and loses nothing (library level, deterministic).
 */
import { randomUUID } from 'node:crypto';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog } from '@lakekit/catalog';
import { appendFiles, openEngine, readMetadata, replaceFiles, Table, writeDataFile } from '@lakekit/iceberg';
import { createFileIO } from '@lakekit/storage';
import { describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

const WRITERS = 8;
const APPENDS = 25;

function postgresUrl(): string {
  const base = process.env['LAKEKIT_TEST_POSTGRES_URL'];
  if (!base)
    throw new Error(
      'LAKEKIT_TEST_POSTGRES_URL is not set; run integration tests with: bash tests/run-all.sh',
    );
  return base;
}

async function freshPostgresDatabase(): Promise<string> {
  const url = new URL(postgresUrl());
  const name = `lakekit_conc_${randomUUID().replaceAll('-', '').slice(0, 12)}`;
  const { default: pg } = await import('pg');
  const client = new pg.Client({ connectionString: url.toString() });
  await client.connect();
  await client.query(`CREATE DATABASE ${name}`);
  await client.end();
  url.pathname = `/${name}`;
  return url.toString();
}

const catalogs: [string, () => Promise<string>][] = [
  ['SQLite', async () => 'sqlite:./catalog.db'],
  ['PostgreSQL', freshPostgresDatabase],
];

for (const [label, catalogUri] of catalogs) {
  describe(`concurrent appends (${label} catalog)`, () => {
    it(`${WRITERS} processes × ${APPENDS} appends: every commit present, exact total, linear history`, async () => {
      const uri = await catalogUri();
      const cwd = workspace(`warehouse: ./warehouse\ncatalog:\n  uri: ${uri}\n  name: lakekit\n`);
      for (let w = 0; w < WRITERS; w++) {
        for (let a = 0; a < APPENDS; a++)
          writeFileSync(join(cwd, `w${w}-${a}.csv`), `writer,seq,n\n${w},${a},1\n${w},${a},2\n`);
      }
      await lakeJson(['namespace', 'create', 'c'], { cwd });
      await lakeJson(['load', 'w0-0.csv', '--table', 'c.events'], { cwd });
      const writer = async (w: number) => {
        const failures: string[] = [];
        for (let a = w === 0 ? 1 : 0; a < APPENDS; a++) {
          const r = await runLake(['load', `w${w}-${a}.csv`, '--table', 'c.events'], { cwd });
          if (r.code !== 0) failures.push(r.stderr);
        }
        return failures;
      };
      const failures = (await Promise.all(Array.from({ length: WRITERS }, (_, w) => writer(w)))).flat();
      expect(failures).toEqual([]);

      const h = await lakeJson<{
        snapshots: {
          snapshotId: string;
          parentId: string | null;
          sequenceNumber: string;
          currentAncestor: boolean;
        }[];
      }>(['table', 'history', 'c.events'], { cwd });
      expect(h.snapshots).toHaveLength(WRITERS * APPENDS);
      // Linear: every snapshot is on main's history, and each one's parent is the one before it.
      expect(h.snapshots.every((s) => s.currentAncestor)).toBe(true);
      const bySeq = [...h.snapshots].sort((a, b) => Number(a.sequenceNumber) - Number(b.sequenceNumber));
      for (let i = 1; i < bySeq.length; i++) expect(bySeq[i]!.parentId).toBe(bySeq[i - 1]!.snapshotId);
      const q = await lakeJson<{ rows: unknown[][] }>(
        ['query', 'select count(*), sum(n), count(distinct writer * 1000 + seq) from c.events'],
        { cwd },
      );
      expect(q.rows).toEqual([[2 * WRITERS * APPENDS, 3 * WRITERS * APPENDS, WRITERS * APPENDS]]);
    }, 900_000);

    it('an overwrite planned before a concurrent append fails with one clear conflict; nothing is lost', async () => {
      const dir = mkdtempSync(join(tmpdir(), 'lk-race-'));
      const raw = await catalogUri();
      const uri = raw.startsWith('sqlite:') ? `sqlite:${dir}/catalog.db` : raw;
      const io = createFileIO();
      const catalog = await Catalog.open({ uri, name: 'lakekit', warehouse: `file://${dir}/wh`, io });
      const engine = await openEngine();
      try {
        await catalog.createNamespace(['c']);
        const t = await catalog.createTable({ namespace: ['c'], name: 'race' }, [
          { name: 'id', type: { kind: 'long' } },
        ]);
        const write = (from: number, to: number) =>
          writeDataFile({
            engine,
            io,
            selectSql: `SELECT range AS id FROM range(${from}, ${to})`,
            sourceColumns: ['id'],
            schema: t.schema(),
            tableLocation: t.metadata.location,
            tableName: t.name,
          });
        await appendFiles(t, await write(0, 10));
        const stale = new Table(
          t.id,
          io,
          catalog.store,
          t.metadataLocation,
          await readMetadata(io, t.metadataLocation),
        );
        await appendFiles(t, await write(10, 15)); // the racing append commits first
        await expect(replaceFiles(stale, await write(100, 101))).rejects.toThrow(
          /another writer committed to main while this overwrite was prepared; nothing was changed/,
        );
        const after = await catalog.loadTable(t.id);
        const rows = await engine.all(`SELECT count(*) AS n FROM (${await after.readSql(engine)})`);
        expect(Number(rows[0]!['n'])).toBe(15);
        expect(after.metadata.snapshots).toHaveLength(2);
      } finally {
        engine.close();
        await catalog.close();
      }
    });
  });
}
