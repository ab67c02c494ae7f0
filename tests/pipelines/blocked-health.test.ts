/**
 * Quality as read: a run blocked by its gate judged a snapshot that was never published, so answers
 * over main (which kept its good data) are healthy — `--require-healthy` answers them — while `lake
 * quality`, the data engineer's view of the latest checks, still shows the blocked run's failure.
 */
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

const CONFIG = `sources:
  shop: { type: sqlite, path: ./shop.db }
pipelines:
  shop_sync:
    source: shop
    streams:
      orders: { target: shop.orders, mode: append, cursor: id }
    checks:
      shop.orders:
        - range: { column: amount, min: 0 }
`;

interface Answer {
  rows: unknown[][];
  receipt: { warnings: string[]; tables: { quality: { status: string } }[] };
}

describe('answers after a blocked run', () => {
  it('are healthy over the published data; the blocked run still shows in lake quality', async () => {
    const cwd = workspace(CONFIG);
    const db = new Database(join(cwd, 'shop.db'));
    db.exec('CREATE TABLE orders (id INTEGER PRIMARY KEY, amount REAL NOT NULL)');
    const add = db.prepare('INSERT INTO orders VALUES (?, ?)');
    for (let i = 1; i <= 5; i++) add.run(i, i * 10);
    expect((await runLake(['run', 'shop_sync'], { cwd })).code).toBe(0);

    add.run(6, -1); // breaks the range check: the next run is blocked
    const blocked = await runLake(['run', 'shop_sync'], { cwd });
    expect(blocked.code, blocked.stderr).toBe(3);

    const answer = await lakeJson<Answer>(
      ['query', 'select count(*) from shop.orders', '--require-healthy'],
      {
        cwd,
      },
    );
    expect(answer.rows.map((r) => String(r[0]))).toEqual(['5']);
    expect(answer.receipt.tables[0]!.quality.status).toBe('healthy');
    expect(answer.receipt.warnings).toEqual([]);

    const quality = await runLake(['quality', 'shop.orders'], { cwd });
    expect(quality.stdout + quality.stderr).toMatch(/fail/);
  });
});
