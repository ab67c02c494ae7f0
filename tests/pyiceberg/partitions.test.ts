/**
 * Partitioned tables written by Lakekit, read by PyIceberg: every transform, with and without a row
 * filter (PyIceberg prunes by our partition values, so a wrong value would lose rows), after a
 * partition evolution, and Lakekit's own pruning gives the same answers.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, workspace } from '../helpers/cli.js';
import { localPeerCatalog, type PeerCatalog, pyicebergRead } from '../helpers/peers.js';

describe('partitioned tables', () => {
  let cwd: string;
  let catalog: PeerCatalog;
  const read = async (table: string, filter?: string) =>
    (await pyicebergRead(catalog, table, filter ? { filter } : {})).rows;
  const count = async (sql: string) =>
    Number((await lakeJson<{ rows: unknown[][] }>(['query', sql], { cwd })).rows[0]![0]);

  beforeAll(() => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    catalog = localPeerCatalog(cwd);
    const lines = ['id,name,region,amount,created_at,born'];
    for (let i = 1; i <= 400; i++) {
      const ts = new Date(Date.UTC(2023, 11, 25) + i * 3_600_000 * 7)
        .toISOString()
        .replace('T', ' ')
        .slice(0, 19);
      const born = new Date(Date.UTC(1960 + (i % 30), i % 12, 1 + (i % 27))).toISOString().slice(0, 10);
      lines.push(
        `${i},name-${String.fromCharCode(97 + (i % 26))}${i},${['east', 'west', 'north'][i % 3]},${(i * 1.25).toFixed(2)},${ts},${born}`,
      );
    }
    writeFileSync(join(cwd, 'people.csv'), `${lines.join('\n')}\n`);
  });

  const specs: [string, string, string][] = [
    ['identity', 'region', "region == 'west'"],
    ['day', 'day(created_at)', "created_at >= '2024-01-10T00:00:00'"],
    ['hour', 'hour(created_at)', "created_at < '2023-12-28T05:00:00'"],
    ['month', 'month(born)', "born >= '1975-06-01'"],
    ['year', 'year(born)', "born < '1970-01-01'"],
    ['bucket', 'bucket(8, id)', 'id == 77'],
    ['truncate_int', 'truncate(50, id)', 'id > 333'],
    ['truncate_string', 'truncate(6, name)', "name == 'name-c80'"],
    ['multi', 'region, bucket(4, id), month(created_at)', "region == 'east' and id < 100"],
  ];

  for (const [label, spec, filter] of specs) {
    it(`${label}: ${spec}`, async () => {
      const table = `p.${label}`;
      const loaded = await lakeJson(['load', 'people.csv', '--table', table, '--partition-by', spec], {
        cwd,
      });
      expect(loaded['rows']).toBe(400);
      // `lake table show` gives the spec back in the words --partition-by took.
      const shown = await lakeJson<{ partitionSpec: { text: string; fields: { sourceColumn: string }[] } }>(
        ['table', 'show', table],
        { cwd },
      );
      expect(shown.partitionSpec.text).toBe(spec);
      const all = await read(table);
      expect(all).toHaveLength(400);
      const lakeAll = await lakeJson<{ rows: unknown[][] }>(
        ['query', `select id from ${table} order by id`],
        { cwd },
      );
      expect(all.map((r) => Number(r[0])).sort((a, b) => a - b)).toEqual(lakeAll.rows.map((r) => r[0]));
      // PyIceberg's filtered scan uses our partition values; Lakekit's pushdown uses them too.
      const pyFiltered = await read(table, filter);
      const sqlFilter = filter
        .replaceAll('==', '=')
        .replace(/'(\d{4}-\d\d-\d\d)T(\d\d:\d\d:\d\d)'/g, "TIMESTAMP '$1 $2'");
      const expected = await count(`select count(*) from (select * from ${table}) where ${sqlFilter}`);
      expect(expected).toBeGreaterThan(0);
      expect(pyFiltered).toHaveLength(expected);
      expect(await count(`select count(*) from ${table} where ${sqlFilter}`)).toBe(expected);
    });
  }

  it('partition evolution: new data uses the new spec, old files keep theirs, all rows read', async () => {
    await lakeJson(['load', 'people.csv', '--table', 'p.evolve', '--partition-by', 'region'], { cwd });
    await lakeJson(['load', 'people.csv', '--table', 'p.evolve', '--partition-by', 'bucket(4, id)'], { cwd });
    const rows = await read('p.evolve');
    expect(rows).toHaveLength(800);
    expect(await read('p.evolve', 'id == 5')).toHaveLength(2);
    expect(await count("select count(*) from p.evolve where region = 'west' and id < 50")).toBe(
      2 * Array.from({ length: 49 }, (_, i) => i + 1).filter((i) => i % 3 === 1).length,
    );
  });
});
