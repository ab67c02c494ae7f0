/**
 * Schema evolution through the real `lake` binary: `table alter` each way, `load --evolve`, and
 * `lake query` seeing the right values in files written before and after each change (reads are by
 * field id), old snapshots read with their own schema, and errors that name the column.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '@lakekit/iceberg';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

interface Query {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}
interface Altered {
  table: string;
  schemaId: number;
  columns: { id: number; name: string; type: string; required: boolean }[];
}

describe('lake table alter and load --evolve', () => {
  let cwd: string;
  const query = (sql: string) => lakeJson<Query>(['query', sql], { cwd });
  const alter = (...args: string[]) => lakeJson<Altered>(['table', 'alter', 'ev.orders', ...args], { cwd });

  beforeAll(async () => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    const engine = await openEngine();
    await engine.run(
      `COPY (SELECT * FROM (VALUES (1::BIGINT, 'ann', 2147483647::INTEGER, 1.5::FLOAT, 1234567.89::DECIMAL(9,2), 'x'), (2::BIGINT, 'bob', -5::INTEGER, NULL::FLOAT, -0.01::DECIMAL(9,2), 'y')) AS v(id, name, qty, price, amount, note)) TO '${join(cwd, 'orders.parquet')}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT 3::BIGINT AS id, 'cy' AS customer, 9007199254740993::BIGINT AS qty, 0.1::DOUBLE AS price, 99999999.99::DECIMAL(12,2) AS amount, {'street': 'main st', 'zip': '0150'} AS address) TO '${join(cwd, 'more.parquet')}' (FORMAT parquet)`,
    );
    engine.close();
  });

  it('alters a table each way while queries keep seeing the right values', async () => {
    const load = await lakeJson(['load', 'orders.parquet', '--table', 'ev.orders'], { cwd });
    const first = String(load['snapshotId']);

    // add-column (with position and doc): NULL in the old file
    let s = await alter('add-column', 'email', 'string', '--after', 'name', '--doc', 'contact address');
    expect(s).toMatchObject({ table: 'ev.orders', schemaId: 1 });
    expect(s.columns.map((c) => c.name)).toEqual(['id', 'name', 'email', 'qty', 'price', 'amount', 'note']);
    expect(s.columns[2]).toEqual({ id: 7, name: 'email', type: 'string', required: false });
    expect((await query('select id, email from ev.orders order by id')).rows).toEqual([
      [1, null],
      [2, null],
    ]);

    // rename-column: the values stay
    await alter('rename-column', 'name', 'customer');
    expect((await query('select id, customer from ev.orders order by id')).rows).toEqual([
      [1, 'ann'],
      [2, 'bob'],
    ]);
    const gone = await runLake(['query', 'select name from ev.orders'], { cwd });
    expect(gone.code).not.toBe(0);

    // widen-column: INT32, FLOAT, DECIMAL(9,2) in the old file read as BIGINT, DOUBLE, DECIMAL(12,2);
    // an unquoted decimal(12, 2) arrives as two arguments and still parses
    await alter('widen-column', 'qty', 'long');
    await alter('widen-column', 'price', 'double');
    s = await alter('widen-column', 'amount', 'decimal(12,', '2)');
    expect(s.columns.find((c) => c.name === 'amount')!.type).toBe('decimal(12, 2)');
    const widened = await query('select qty, price, amount from ev.orders order by id');
    expect(widened.columns.map((c) => c.type)).toEqual(['BIGINT', 'DOUBLE', 'DECIMAL(12,2)']);
    expect(widened.rows).toEqual([
      [2147483647, 1.5, '1234567.89'],
      [-5, null, '-0.01'],
    ]);

    // move-column: select * comes back in the new order
    await alter('move-column', 'amount', '--first');
    await alter('move-column', 'email', '--before', 'note');
    await alter('move-column', 'id', '--after', 'amount');
    expect((await query('select * from ev.orders order by id limit 1')).columns.map((c) => c.name)).toEqual([
      'amount',
      'id',
      'customer',
      'qty',
      'price',
      'email',
      'note',
    ]);

    // drop-column: gone from select *
    s = await alter('drop-column', 'note');
    expect(s.columns.map((c) => c.name)).not.toContain('note');
    expect((await query('select * from ev.orders order by id')).rows).toEqual([
      ['1234567.89', 1, 'ann', 2147483647, 1.5, null],
      ['-0.01', 2, 'bob', -5, null, null],
    ]);

    // make-optional of an optional column changes nothing (plain output says so)
    const same = await runLake(['table', 'alter', 'ev.orders', 'make-optional', 'id'], { cwd });
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^id\s+column\s+type\s+required/);
    expect(same.stdout).toMatch(/\n2\s+customer\s+string\s+false/);

    // a nested column added by alter, then filled by a new file written with the new schema
    s = await alter('add-column', 'address', 'struct<street: string, zip: string>');
    expect(s.columns.at(-1)).toMatchObject({ name: 'address', type: 'struct<street: string, zip: string>' });
    const more = await lakeJson(['load', 'more.parquet', '--table', 'ev.orders'], { cwd });
    expect(more['rows']).toBe(1);
    s = await alter('add-column', 'address.city', 'string', '--first');
    const all = await query(
      'select id, customer, qty, price, amount, email, address from ev.orders order by id',
    );
    expect(all.rows).toEqual([
      [1, 'ann', 2147483647, 1.5, '1234567.89', null, null],
      [2, 'bob', -5, null, '-0.01', null, null],
      [3, 'cy', '9007199254740993', 0.1, '99999999.99', null, { city: null, street: 'main st', zip: '0150' }],
    ]);

    // the first snapshot still reads with its own schema
    const old = await query(`select * from ev.orders AT (VERSION => ${first}) order by id`);
    expect(old.columns.map((c) => `${c.name} ${c.type}`)).toEqual([
      'id BIGINT',
      'name VARCHAR',
      'qty INTEGER',
      'price FLOAT',
      'amount DECIMAL(9,2)',
      'note VARCHAR',
    ]);
    expect(old.rows[0]).toEqual([1, 'ann', 2147483647, 1.5, '1234567.89', 'x']);

    // table show agrees
    const show = await lakeJson<{ schemaId: number; columns: { name: string }[] }>(
      ['table', 'show', 'ev.orders'],
      {
        cwd,
      },
    );
    expect(show.schemaId).toBe(s.schemaId);
    expect(show.columns.map((c) => c.name)).toEqual([
      'amount',
      'id',
      'customer',
      'qty',
      'price',
      'email',
      'address',
    ]);
  });

  it('load --evolve adds the file columns the table lacks; without it they stay an error', async () => {
    writeFileSync(join(cwd, 'c1.csv'), 'id,region\n1,west\n');
    writeFileSync(join(cwd, 'c2.csv'), 'id,region,Channel,score\n2,east,web,1.5\n');
    await lakeJson(['load', 'c1.csv', '--table', 'ev.visits'], { cwd });
    const refused = await runLake(['--json', 'load', 'c2.csv', '--table', 'ev.visits'], { cwd });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stderr).error.message).toMatch(
      /column "Channel", which table ev\.visits does not have.*--evolve/,
    );

    const evolved = await lakeJson(['load', 'c2.csv', '--table', 'ev.visits', '--evolve'], { cwd });
    expect(evolved['rows']).toBe(1);
    const show = await lakeJson<{ columns: { id: number; name: string; type: string }[] }>(
      ['table', 'show', 'ev.visits'],
      { cwd },
    );
    expect(show.columns.map((c) => [c.id, c.name, c.type])).toEqual([
      [1, 'id', 'long'],
      [2, 'region', 'string'],
      [3, 'Channel', 'string'],
      [4, 'score', 'double'],
    ]);
    expect((await query('select * from ev.visits order by id')).rows).toEqual([
      [1, 'west', null, null],
      [2, 'east', 'web', 1.5],
    ]);
    // Nothing new: --evolve commits no schema change.
    writeFileSync(join(cwd, 'c3.csv'), 'ID,channel\n3,store\n');
    await lakeJson(['load', 'c3.csv', '--table', 'ev.visits', '--evolve'], { cwd });
    const after = await lakeJson<{ schemaId: number }>(['table', 'show', 'ev.visits'], { cwd });
    expect(after.schemaId).toBe(1);
    expect((await query('select id, channel from ev.visits where id = 3')).rows).toEqual([[3, 'store']]);
  });

  it('refuses what Iceberg does not allow, naming the column (exit 2)', async () => {
    await lakeJson(['load', 'c1.csv', '--table', 'ev.errs'], { cwd });
    const cases: [string[], RegExp][] = [
      [['widen-column', 'region', 'long'], /cannot change column region from string to long/],
      [['widen-column', 'id', 'int'], /column id from long to int/],
      [['rename-column', 'missing', 'x'], /no column missing/],
      [['add-column', 'ID', 'int'], /"ID" would clash with existing column "id"/],
      [['add-column', 'x', 'varchar'], /invalid type "varchar"/],
      [['move-column', 'id'], /--first, --after <column> or --before <column>/],
      [['move-column', 'id', '--first', '--after', 'region'], /only one of --first, --after, --before/],
      [['drop-column', 'id', 'region'], /expected 1 argument/],
      [['rename-column', 'id', 'x', '--doc', 'd'], /--doc does not apply to rename-column/],
      [['frobnicate', 'id'], /unknown action "frobnicate"/],
    ];
    for (const [args, message] of cases) {
      const r = await runLake(['--json', 'table', 'alter', 'ev.errs', ...args], { cwd });
      expect(r.code, args.join(' ')).toBe(2);
      expect(JSON.parse(r.stderr).error.message).toMatch(message);
    }
    const onlyColumn = await runLake(['table', 'alter', 'ev.errs', 'drop-column', 'region'], { cwd });
    expect(onlyColumn.code).toBe(0);
    const last = await runLake(['table', 'alter', 'ev.errs', 'drop-column', 'id'], { cwd });
    expect(last.code).toBe(2);
    expect(last.stderr).toMatch(/the table's only column/);
  });

  it('a nested field renamed, or dropped and added again, after files were written: read by field id', async () => {
    await alter('rename-column', 'address.zip', 'postcode');
    expect((await query('select id, address from ev.orders order by id')).rows).toEqual([
      [1, null],
      [2, null],
      [3, { city: null, street: 'main st', postcode: '0150' }],
    ]);
    await alter('drop-column', 'address.street');
    await alter('add-column', 'address.street', 'string');
    expect((await query('select address from ev.orders where id = 3')).rows).toEqual([
      [{ city: null, postcode: '0150', street: null }],
    ]);
  });
});
