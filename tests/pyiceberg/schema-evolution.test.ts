/**
 * PyIceberg reads Lakekit tables after each kind of schema change `lake table alter` makes (add,
 * rename, widen, move, drop, make optional; nested fields too) with exactly the expected rows, from
 * files written before and after the change: the metadata Lakekit commits is what Iceberg readers
 * resolve by field id.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { openEngine } from '@lakekit/iceberg';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, workspace } from '../helpers/cli.js';
import {
  localPeerCatalog,
  type PeerCatalog,
  type PeerRead,
  pyicebergRead,
  runPython,
} from '../helpers/peers.js';

const schemaPeer = join(import.meta.dirname, '..', 'peers', 'pyiceberg_schema_peer.py');

interface PeerSchema {
  schema_id: number;
  last_column_id: number;
  fields: { id: number; name: string; type: string; required: boolean }[];
}

const byId = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));

describe('PyIceberg reads Lakekit tables after schema evolution', () => {
  let cwd: string;
  let catalog: PeerCatalog;

  beforeAll(async () => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    catalog = localPeerCatalog(cwd);
    const engine = await openEngine();
    await engine.run(
      `COPY (SELECT * FROM (VALUES (1::BIGINT, 'ann', 2147483647::INTEGER, 1.5::FLOAT, 1234567.89::DECIMAL(9,2), 'x'), (2::BIGINT, 'bob', -5::INTEGER, NULL::FLOAT, -0.01::DECIMAL(9,2), 'y')) AS v(id, name, qty, price, amount, note)) TO '${join(cwd, 'orders.parquet')}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT 3::BIGINT AS id, 'cy' AS customer, 'c@x' AS email, 9007199254740993::BIGINT AS qty, 0.1::DOUBLE AS price, 99999999.99::DECIMAL(12,2) AS amount) TO '${join(cwd, 'more.parquet')}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT 1::BIGINT AS id, {'street': 'main st', 'zip': '0150'} AS address, [{'x': 1::INTEGER, 'y': 2::INTEGER}, {'x': 3::INTEGER, 'y': NULL::INTEGER}] AS points) TO '${join(cwd, 'nested1.parquet')}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT 2::BIGINT AS id, {'city': 'Oslo', 'street': 'ring rd', 'postcode': '0250'} AS address, [{'px': 5::INTEGER, 'y': 5000000000::BIGINT}] AS points) TO '${join(cwd, 'nested2.parquet')}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT * FROM (VALUES (1::BIGINT, {'street': 'main st', 'zip': '0150'}, [{'x': 1::INTEGER, 'y': 2::INTEGER}, NULL], MAP {'k': {'v': 7::INTEGER, 'w': 'a'}, 'n': NULL}), (2::BIGINT, NULL, NULL, NULL), (3::BIGINT, {'street': NULL, 'zip': NULL}, [], MAP {})) AS v(id, address, points, attrs)) TO '${join(cwd, 'nested3.parquet')}' (FORMAT parquet)`,
    );
    await engine.run(
      `COPY (SELECT 4::BIGINT AS id, {'street': 's4', 'postcode': 'p4'} AS address, [{'px': 40::INTEGER, 'y': 41::INTEGER}] AS points, MAP {'q': {'val': 42::INTEGER, 'w': 'b'}} AS attrs) TO '${join(cwd, 'nested4.parquet')}' (FORMAT parquet)`,
    );
    engine.close();
  });

  const read = async (table: string, snapshotId?: string): Promise<PeerRead> => {
    const got = await pyicebergRead(catalog, table, snapshotId ? { snapshotId } : {});
    return { ...got, rows: [...got.rows].sort(byId) };
  };
  const schema = async (table: string, command = 'schema'): Promise<PeerSchema> => {
    const r = await runPython(schemaPeer, [command, JSON.stringify({ catalog, table })]);
    if (r.code !== 0) throw new Error(`PyIceberg ${command} of ${table} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as PeerSchema;
  };
  const alter = (table: string, ...args: string[]) =>
    lakeJson<{ schemaId: number }>(['table', 'alter', table, ...args], { cwd });
  /** Lakekit's rows of a query in the peer's canonical form (integers as strings, maps as [k, v] pairs). */
  const lakeRows = async (sql: string): Promise<unknown[][]> => {
    const canonical = (v: unknown): unknown => {
      if (typeof v === 'number') return String(v);
      if (Array.isArray(v)) {
        return v.map((x) =>
          x !== null && typeof x === 'object' && !Array.isArray(x) && Object.keys(x).join() === 'key,value'
            ? [canonical((x as { key: unknown }).key), canonical((x as { value: unknown }).value)]
            : canonical(x),
        );
      }
      if (v !== null && typeof v === 'object') {
        return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, canonical(x)]));
      }
      return v;
    };
    const got = await lakeJson<{ rows: unknown[][] }>(['query', sql], { cwd });
    return got.rows.map((r) => canonical(r) as unknown[]);
  };

  it('after add, rename, widen, move and drop, and with files written before and after', async () => {
    const load = await lakeJson(['load', 'orders.parquet', '--table', 'evo.orders'], { cwd });
    const first = String(load['snapshotId']);

    await alter('evo.orders', 'add-column', 'email', 'string', '--after', 'name');
    let got = await read('evo.orders');
    expect(got.columns).toEqual(['id', 'name', 'email', 'qty', 'price', 'amount', 'note']);
    expect(got.rows).toEqual([
      ['1', 'ann', null, '2147483647', 1.5, '1234567.89', 'x'],
      ['2', 'bob', null, '-5', null, '-0.01', 'y'],
    ]);

    await alter('evo.orders', 'rename-column', 'name', 'customer');
    got = await read('evo.orders');
    expect(got.columns).toEqual(['id', 'customer', 'email', 'qty', 'price', 'amount', 'note']);
    expect(got.rows.map((r) => r[1])).toEqual(['ann', 'bob']);

    await alter('evo.orders', 'widen-column', 'qty', 'long');
    await alter('evo.orders', 'widen-column', 'price', 'double');
    await alter('evo.orders', 'widen-column', 'amount', 'decimal(12, 2)');
    got = await read('evo.orders');
    expect(got.types).toEqual(['long', 'string', 'string', 'long', 'double', 'decimal(12, 2)', 'string']);
    expect(got.rows).toEqual([
      ['1', 'ann', null, '2147483647', 1.5, '1234567.89', 'x'],
      ['2', 'bob', null, '-5', null, '-0.01', 'y'],
    ]);

    await alter('evo.orders', 'move-column', 'amount', '--first');
    await alter('evo.orders', 'move-column', 'email', '--after', 'note');
    got = await read('evo.orders');
    expect(got.columns).toEqual(['amount', 'id', 'customer', 'qty', 'price', 'note', 'email']);
    expect(got.rows).toEqual([
      ['-0.01', '2', 'bob', '-5', null, 'y', null],
      ['1234567.89', '1', 'ann', '2147483647', 1.5, 'x', null],
    ]);

    const dropped = await alter('evo.orders', 'drop-column', 'note');
    got = await read('evo.orders');
    expect(got.columns).toEqual(['amount', 'id', 'customer', 'qty', 'price', 'email']);

    // A file written with the new schema reads together with the old one.
    await lakeJson(['load', 'more.parquet', '--table', 'evo.orders'], { cwd });
    got = await read('evo.orders');
    expect(got.rows).toEqual([
      ['-0.01', '2', 'bob', '-5', null, null],
      ['1234567.89', '1', 'ann', '2147483647', 1.5, null],
      ['99999999.99', '3', 'cy', '9007199254740993', 0.1, 'c@x'],
    ]);
    const s = await schema('evo.orders');
    expect(s.schema_id).toBe(dropped.schemaId);
    expect(s.last_column_id).toBe(7);
    expect(s.fields.map((f) => [f.id, f.name])).toEqual([
      [5, 'amount'],
      [1, 'id'],
      [2, 'customer'],
      [3, 'qty'],
      [4, 'price'],
      [7, 'email'],
    ]);

    // The first snapshot reads with the schema it was written with.
    const old = await read('evo.orders', first);
    expect(old.columns).toEqual(['id', 'name', 'qty', 'price', 'amount', 'note']);
    expect(old.rows).toEqual([
      ['1', 'ann', '2147483647', 1.5, '1234567.89', 'x'],
      ['2', 'bob', '-5', null, '-0.01', 'y'],
    ]);
  });

  it('after make-optional on a required column PyIceberg created, NULLs written by Lakekit read back', async () => {
    const created = await schema('evo.req', 'create_required');
    expect(created.fields[0]).toMatchObject({ name: 'id', required: true });
    await alter('evo.req', 'make-optional', 'id');
    expect((await schema('evo.req')).fields[0]).toMatchObject({ id: 1, name: 'id', required: false });
    writeFileSync(join(cwd, 'noid.csv'), 'id,name\n,cy\n');
    await lakeJson(['load', 'noid.csv', '--table', 'evo.req'], { cwd });
    expect((await read('evo.req')).rows).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
      [null, 'cy'],
    ]);
  });

  it('after nested changes: a field added to a struct, a nested rename and a widen inside a list', async () => {
    await lakeJson(['load', 'orders.parquet', '--table', 'evo.places'], { cwd });
    for (const c of ['name', 'qty', 'price', 'amount', 'note']) await alter('evo.places', 'drop-column', c);
    await alter('evo.places', 'add-column', 'address', 'struct<street: string, zip: string>');
    await alter('evo.places', 'add-column', 'points', 'list<struct<x: int, y: int>>');
    // Old rows (ids 1, 2) are replaced by a file with nested values.
    await lakeJson(['load', 'nested1.parquet', '--table', 'evo.places', '--mode', 'replace'], { cwd });

    await alter('evo.places', 'add-column', 'address.city', 'string', '--first');
    await alter('evo.places', 'rename-column', 'address.zip', 'postcode');
    await alter('evo.places', 'rename-column', 'points.x', 'px');
    await alter('evo.places', 'widen-column', 'points.y', 'long');
    const got = await read('evo.places');
    expect(got.columns).toEqual(['id', 'address', 'points']);
    expect(got.types).toEqual([
      'long',
      'struct<14: city: optional string, 8: street: optional string, 9: postcode: optional string>',
      'list<struct<12: px: optional int, 13: y: optional long>>',
    ]);
    expect(got.rows).toEqual([
      [
        '1',
        { city: null, street: 'main st', postcode: '0150' },
        [
          { px: '1', y: '2' },
          { px: '3', y: null },
        ],
      ],
    ]);
    // Lakekit appends a file with the new nested names; PyIceberg reads both by field id.
    await lakeJson(['load', 'nested2.parquet', '--table', 'evo.places'], { cwd });
    expect((await read('evo.places')).rows[1]).toEqual([
      '2',
      { city: 'Oslo', street: 'ring rd', postcode: '0250' },
      [{ px: '5', y: '5000000000' }],
    ]);
  });

  it('after nested renames and drop + re-add under an old name, Lakekit reads what PyIceberg reads', async () => {
    await lakeJson(['load', 'orders.parquet', '--table', 'evo.nest'], { cwd });
    for (const c of ['name', 'qty', 'price', 'amount', 'note']) await alter('evo.nest', 'drop-column', c);
    await alter('evo.nest', 'add-column', 'address', 'struct<street: string, zip: string>');
    await alter('evo.nest', 'add-column', 'points', 'list<struct<x: int, y: int>>');
    await alter('evo.nest', 'add-column', 'attrs', 'map<string, struct<v: int, w: string>>');
    await lakeJson(['load', 'nested3.parquet', '--table', 'evo.nest', '--mode', 'replace'], { cwd });

    await alter('evo.nest', 'rename-column', 'address.zip', 'postcode');
    await alter('evo.nest', 'rename-column', 'points.x', 'px');
    await alter('evo.nest', 'rename-column', 'attrs.v', 'val');
    await lakeJson(['load', 'nested4.parquet', '--table', 'evo.nest'], { cwd });
    await alter('evo.nest', 'drop-column', 'address.street');
    await alter('evo.nest', 'add-column', 'address.street', 'string', '--first');
    await alter('evo.nest', 'widen-column', 'points.y', 'long');

    const peerRows = (await read('evo.nest')).rows;
    const expected = [
      [
        '1',
        { street: null, postcode: '0150' },
        [{ px: '1', y: '2' }, null],
        [
          ['k', { val: '7', w: 'a' }],
          ['n', null],
        ],
      ],
      ['2', null, null, null],
      ['3', { street: null, postcode: null }, [], []],
      ['4', { street: null, postcode: 'p4' }, [{ px: '40', y: '41' }], [['q', { val: '42', w: 'b' }]]],
    ];
    // PyIceberg reads a NULL list or map as empty (apache/iceberg-python#251, #3833); the file holds NULL.
    expect(peerRows).toEqual(expected.map((r) => (r[0] === '2' ? ['2', null, [], []] : r)));
    expect(await lakeRows('select id, address, points, attrs from evo.nest order by id')).toEqual(expected);
  });
});
