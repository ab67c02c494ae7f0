/**
 * Lakekit's row-level changes read by PyIceberg: position delete files (delete by predicate, merge
 * by key) and copy-on-write rewrites give PyIceberg exactly the rows Lakekit's own reader returns.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, workspace } from '../helpers/cli.js';
import { localPeerCatalog, type PeerCatalog, pyicebergRead } from '../helpers/peers.js';

describe('PyIceberg reads Lakekit delete files', () => {
  let cwd: string;
  let catalog: PeerCatalog;
  const read = async (table: string, snapshotId?: string) =>
    (await pyicebergRead(catalog, table, snapshotId ? { snapshotId } : {})).rows.sort(
      (a, b) => Number(a[0]) - Number(b[0]),
    );
  const lakeRows = async (sql: string) =>
    (await lakeJson<{ rows: unknown[][] }>(['query', sql], { cwd })).rows;

  beforeAll(async () => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    catalog = localPeerCatalog(cwd);
    const lines = ['id,sku,qty'];
    for (let i = 1; i <= 1000; i++) lines.push(`${i},sku-${i % 37},${i % 11}`);
    writeFileSync(join(cwd, 'stock.csv'), `${lines.join('\n')}\n`);
    await lakeJson(['load', 'stock.csv', '--table', 'inv.stock'], { cwd });
  });

  it('a delete by predicate (position deletes) and a merge by key', async () => {
    const del = await lakeJson(['table', 'delete', 'inv.stock', '--where', "sku = 'sku-5'"], { cwd });
    expect(del).toMatchObject({ positionDeleteFiles: 1, rewrittenFiles: 0 });
    const deleted = Number(del['deletedRows']);
    expect(deleted).toBe(27);

    writeFileSync(join(cwd, 'update.csv'), 'id,sku,qty\n1,sku-1,100\n2,sku-2,200\n5000,sku-new,1\n');
    const merged = await lakeJson(
      ['load', 'update.csv', '--table', 'inv.stock', '--mode', 'merge', '--key', 'id'],
      { cwd },
    );
    expect(merged).toMatchObject({ mode: 'merge', rows: 3, replacedRows: 2 });

    const expected = await lakeRows('select id, sku, qty from inv.stock order by id');
    expect(expected).toHaveLength(1000 - 27 + 1);
    const got = await read('inv.stock');
    expect(got).toEqual(expected.map(([id, sku, qty]) => [String(id), sku, String(qty)]));
    expect(got.find((r) => r[0] === '1')).toEqual(['1', 'sku-1', '100']);
    expect(got.some((r) => r[1] === 'sku-5')).toBe(false);
  });

  it('an overwrite by filter replaces exactly the matching rows', async () => {
    const before = await lakeRows("select count(*) from inv.stock where sku = 'sku-9'");
    writeFileSync(join(cwd, 'sku9.csv'), 'id,sku,qty\n7000,sku-9,1\n7001,sku-9,2\n');
    const r = await lakeJson(
      ['load', 'sku9.csv', '--table', 'inv.stock', '--mode', 'overwrite', '--where', "sku = 'sku-9'"],
      { cwd },
    );
    expect(r).toMatchObject({ mode: 'overwrite', rows: 2, replacedRows: Number(before[0]![0]) });
    const expected = await lakeRows('select id, sku, qty from inv.stock order by id');
    expect(expected.filter((x) => x[1] === 'sku-9').map((x) => x[0])).toEqual([7000, 7001]);
    expect(await read('inv.stock')).toEqual(expected.map(([id, sku, qty]) => [String(id), sku, String(qty)]));
  });

  it('a delete by a set of key values (a file of keys)', async () => {
    writeFileSync(join(cwd, 'gone.csv'), 'id\n10\n11\n99999\n');
    const r = await lakeJson(
      ['load', 'gone.csv', '--table', 'inv.stock', '--mode', 'delete', '--key', 'id'],
      { cwd },
    );
    expect(r).toMatchObject({ mode: 'delete', rows: 0, replacedRows: 2 });
    const expected = await lakeRows('select id, sku, qty from inv.stock order by id');
    expect(expected.some((x) => x[0] === 10 || x[0] === 11)).toBe(false);
    expect(await read('inv.stock')).toEqual(expected.map(([id, sku, qty]) => [String(id), sku, String(qty)]));
  });

  it('a delete that empties most of a file rewrites it (copy-on-write), and PyIceberg agrees', async () => {
    const del = await lakeJson(['table', 'delete', 'inv.stock', '--where', 'id <= 990'], { cwd });
    expect(del['rewrittenFiles']).toBeGreaterThan(0);
    const expected = await lakeRows('select id, sku, qty from inv.stock order by id');
    expect(await read('inv.stock')).toEqual(expected.map(([id, sku, qty]) => [String(id), sku, String(qty)]));
    expect(expected.map((r) => r[0])).toEqual([
      991, 992, 993, 994, 995, 996, 997, 998, 999, 1000, 5000, 7000, 7001,
    ]);
  });
});
