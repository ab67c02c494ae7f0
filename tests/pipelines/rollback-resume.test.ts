/**
 * Recovery after `lake table rollback`: a stream's stored position belongs to the snapshot that
 * published it. When main is rolled back past that snapshot, the next run continues from the
 * position of the newest snapshot of the stream that main still has (from its summary), so the rows
 * of the rolled-back loads are read again — exactly once — for append and merge streams alike.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

const CONFIG = `sources:
  shop: { type: sqlite, path: ./shop.db }
pipelines:
  shop_sync:
    source: shop
    streams:
      events: { target: shop.events, mode: append, cursor: id }
      customers: { target: shop.customers, mode: merge, primary_key: [id], cursor: updated_at }
`;

interface History {
  snapshots: { snapshotId: string }[];
}

describe('a pipeline after its tables were rolled back', () => {
  let cwd: string;
  let db: Database.Database;
  const lake = (args: string[]) => runLake(args, { cwd });
  const rows = async (sql: string) =>
    (await lakeJson<{ rows: unknown[][] }>(['query', sql], { cwd })).rows.map((r) => r.map(String).join(' '));

  beforeAll(() => {
    cwd = workspace(CONFIG);
    db = new Database(join(cwd, 'shop.db'));
    db.exec(`CREATE TABLE events (id INTEGER PRIMARY KEY, what TEXT NOT NULL);
      CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at TEXT NOT NULL);`);
  });

  it('reads the rolled-back rows again, once, and says why', async () => {
    const addEvents = (from: number, to: number) => {
      for (let i = from; i <= to; i++) db.prepare('INSERT INTO events VALUES (?, ?)').run(i, `e${i}`);
    };
    addEvents(1, 5);
    const upsert = db.prepare(
      'INSERT INTO customers VALUES (?, ?, ?) ON CONFLICT(id) DO UPDATE SET name = excluded.name, updated_at = excluded.updated_at',
    );
    upsert.run(1, 'ann', '2026-01-01 00:00:00');
    upsert.run(2, 'bob', '2026-01-01 00:00:00');
    upsert.run(3, 'cy', '2026-01-01 00:00:00');
    const first = await lake(['run', 'shop_sync']);
    expect(first.code, first.stderr).toBe(0);

    const at = async (table: string) =>
      (await lakeJson<History>(['table', 'history', table], { cwd })).snapshots.at(-1)!.snapshotId;
    const eventsFirst = await at('shop.events');
    const customersFirst = await at('shop.customers');

    addEvents(6, 10);
    upsert.run(2, 'bobby', '2026-02-01 00:00:00');
    upsert.run(4, 'dee', '2026-02-01 00:00:00');
    expect((await lake(['run', 'shop_sync'])).code).toBe(0);
    expect(await rows('select count(*) from shop.events')).toEqual(['10']);

    // A bad second load is rolled back on both tables.
    expect((await lake(['table', 'rollback', 'shop.events', '--to', eventsFirst])).code).toBe(0);
    expect((await lake(['table', 'rollback', 'shop.customers', '--to', customersFirst])).code).toBe(0);
    expect(await rows('select count(*) from shop.events')).toEqual(['5']);

    const third = await lake(['run', 'shop_sync']);
    expect(third.code, third.stderr).toBe(0);
    expect(third.stderr).toContain(`shop.events: main no longer contains snapshot`);
    expect(third.stderr).toContain(`continuing from the position of snapshot ${eventsFirst}`);
    expect(third.stderr).toContain(`continuing from the position of snapshot ${customersFirst}`);
    // Every event exactly once; the customers as the source has them now.
    expect(await rows('select count(*), count(distinct id), min(id), max(id) from shop.events')).toEqual([
      '10 10 1 10',
    ]);
    expect(await rows('select id, name from shop.customers order by id')).toEqual([
      '1 ann',
      '2 bobby',
      '3 cy',
      '4 dee',
    ]);

    // Back on track: the next run has nothing to say and reads nothing new.
    const fourth = await lake(['run', 'shop_sync']);
    expect(fourth.code).toBe(0);
    expect(fourth.stderr).not.toContain('main no longer contains');
    expect(await rows('select count(*) from shop.events')).toEqual(['10']);
  });
});
