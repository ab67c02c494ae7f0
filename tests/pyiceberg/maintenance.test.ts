/**
 * A table after Lakekit's maintenance — compaction (with position deletes applied), manifest rewrite
 * and snapshot expiry — is still read by PyIceberg, at its current snapshot and at the older one it
 * kept, with exactly the rows Lakekit returns.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, workspace } from '../helpers/cli.js';
import { localPeerCatalog, type PeerCatalog, pyicebergRead } from '../helpers/peers.js';

describe('PyIceberg reads a table after expire, compact and rewrite-manifests', () => {
  let cwd: string;
  let catalog: PeerCatalog;
  const read = async (table: string, snapshotId?: string) => {
    const doc = await pyicebergRead(catalog, table, snapshotId ? { snapshotId } : {});
    return { ...doc, rows: doc.rows.sort((a, b) => Number(a[0]) - Number(b[0])) };
  };
  const lakeRows = async (sql: string) =>
    (await lakeJson<{ rows: unknown[][] }>(['query', sql], { cwd })).rows.map((r) => r.map(String));

  beforeAll(async () => {
    // Receipts of the comparison queries keep nothing from expiry: this test is about expiry itself.
    cwd = workspace(
      'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\nquery:\n  receipt_retention: 0s\n',
    );
    catalog = localPeerCatalog(cwd);
    for (let f = 0; f < 6; f++) {
      const lines = ['id,sku,qty'];
      for (let i = f * 200; i < f * 200 + 200; i++) lines.push(`${i},sku-${i % 13},${i % 7}`);
      writeFileSync(join(cwd, `part${f}.csv`), `${lines.join('\n')}\n`);
      await lakeJson(['load', `part${f}.csv`, '--table', 'inv.stock'], { cwd });
    }
    const del = await lakeJson(['table', 'delete', 'inv.stock', '--where', "sku = 'sku-4'"], { cwd });
    expect(del['positionDeleteFiles']).toBe(1);
  });

  it('same rows in PyIceberg and Lakekit after each maintenance step', async () => {
    const expected = await lakeRows('select id, sku, qty from inv.stock order by id');
    expect(expected.length).toBeLessThan(1200);
    expect((await read('inv.stock')).rows).toEqual(expected);

    const compact = await lakeJson(['table', 'compact', 'inv.stock'], { cwd });
    expect(compact).toMatchObject({ rewrittenDataFiles: 6, addedDataFiles: 1, removedDeleteFiles: 1 });
    const compacted = compact['snapshotId'] as string;
    // Something to merge: two appends after the compaction add two manifests.
    writeFileSync(join(cwd, 'more.csv'), 'id,sku,qty\n5000,sku-x,1\n5001,sku-y,2\n');
    await lakeJson(['load', 'more.csv', '--table', 'inv.stock'], { cwd });
    await lakeJson(['load', 'more.csv', '--table', 'inv.stock'], { cwd });
    const rewrite = await lakeJson(['table', 'rewrite-manifests', 'inv.stock'], { cwd });
    expect(rewrite['manifestsAfter']).toBeLessThan(rewrite['manifestsBefore'] as number);
    const expire = await lakeJson<{ removedSnapshots: string[]; keptSnapshots: number }>(
      ['table', 'expire', 'inv.stock', '--older-than', '0m', '--retain-last', '4'],
      { cwd },
    );
    expect(expire.keptSnapshots).toBe(4);

    const now = await lakeRows('select id, sku, qty from inv.stock order by id, qty');
    expect(now).toHaveLength(expected.length + 4);
    const got = await read('inv.stock');
    expect(got.snapshots).toHaveLength(4);
    expect(got.snapshots).toContain(compacted);
    expect(got.rows.sort((a, b) => Number(a[0]) - Number(b[0]) || Number(a[2]) - Number(b[2]))).toEqual(now);
    // The compaction snapshot, kept by --retain-last, reads the pre-append rows in PyIceberg too.
    expect((await read('inv.stock', compacted)).rows).toEqual(expected);
  });
});
