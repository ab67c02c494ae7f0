/**
 * PyIceberg round trip: PyIceberg's own SqlCatalog opens the Lakekit catalog and reads every table
 * Lakekit writes (each type, after replace, an older snapshot by time travel) with exactly the rows
 * written; a table PyIceberg creates, appends to and evolves is read and appended to by Lakekit and
 * read back by PyIceberg. Runs on a local warehouse and on S3 (moto).
 */
import { join } from 'node:path';
import { openEngine } from '@lakekit/iceberg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';
import {
  localPeerCatalog,
  type PeerCatalog,
  type PeerRead,
  pyicebergRead,
  runPython,
  s3Endpoint,
} from '../helpers/peers.js';
import { createBucket, putObject } from '../helpers/s3.js';

const peer = join(import.meta.dirname, '..', 'peers', 'pyiceberg_peer.py');

/** Rows in canonical form (see canonical() in pyiceberg_peer.py): the values Lakekit is given. */
const COLUMNS = ['b', 'i', 'l', 'f', 'd', 'dec', 'dt', 't', 'ts', 'tstz', 's', 'u', 'bin'];
const ROWS: unknown[][] = [
  [
    true,
    '1',
    '9007199254740993',
    1.5,
    2.25,
    '12345.67',
    '2024-02-29',
    '45296789012',
    '1704103200123456',
    '1704103200500000',
    'héllo, "world"',
    'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
    'deadbeef',
  ],
  [
    false,
    '-2147483648',
    '-9223372036854775808',
    -0.25,
    1e300,
    '-0.01',
    '1969-12-31',
    '0',
    '-2208988800000000',
    '4102444800000000',
    '',
    '00000000-0000-0000-0000-000000000000',
    '',
  ],
  [null, null, null, null, null, null, null, null, null, null, null, null, null],
];
const SOURCE_SQL = `SELECT * FROM (VALUES
  (true, 1::INTEGER, 9007199254740993::BIGINT, 1.5::FLOAT, 2.25::DOUBLE, 12345.67::DECIMAL(9,2), DATE '2024-02-29', TIME '12:34:56.789012', TIMESTAMP '2024-01-01 10:00:00.123456', TIMESTAMPTZ '2024-01-01 10:00:00.5+00', 'héllo, "world"', 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'::UUID, '\\xDE\\xAD\\xBE\\xEF'::BLOB),
  (false, (-2147483648)::INTEGER, (-9223372036854775808)::BIGINT, (-0.25)::FLOAT, 1e300::DOUBLE, (-0.01)::DECIMAL(9,2), DATE '1969-12-31', TIME '00:00:00', TIMESTAMP '1900-01-01 00:00:00', TIMESTAMPTZ '2100-01-01 00:00:00+00', '', '00000000-0000-0000-0000-000000000000'::UUID, ''::BLOB),
  (NULL::BOOLEAN, NULL::INTEGER, NULL::BIGINT, NULL::FLOAT, NULL::DOUBLE, NULL::DECIMAL(9,2), NULL::DATE, NULL::TIME, NULL::TIMESTAMP, NULL::TIMESTAMPTZ, NULL::VARCHAR, NULL::UUID, NULL::BLOB)
) AS v(${COLUMNS.join(', ')})`;

const byFirstColumns = (a: unknown[], b: unknown[]) => JSON.stringify(a).localeCompare(JSON.stringify(b));

for (const storage of ['local', 's3'] as const) {
  describe(`PyIceberg round trip (${storage} warehouse)`, () => {
    let cwd: string;
    let catalog: PeerCatalog;
    let env: Record<string, string>;
    let typesFile: string;
    let bucket = '';

    beforeAll(async () => {
      let yaml: string;
      env = {};
      if (storage === 's3') {
        const endpoint = s3Endpoint();
        bucket = `lakekit-rt-${Date.now()}`;
        await createBucket(endpoint, bucket);
        yaml = `warehouse: s3://${bucket}/wh\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\ns3:\n  endpoint: \${S3_ENDPOINT}\n  region: us-east-1\n  force_path_style: true\n`;
        env = { S3_ENDPOINT: endpoint };
        cwd = workspace(yaml);
        catalog = {
          name: 'lakekit',
          uri: `sqlite:///${join(cwd, 'catalog.db')}`,
          warehouse: `s3://${bucket}/wh`,
          properties: {
            's3.endpoint': endpoint,
            's3.region': 'us-east-1',
            's3.access-key-id': process.env['AWS_ACCESS_KEY_ID'] ?? 'testing',
            's3.secret-access-key': process.env['AWS_SECRET_ACCESS_KEY'] ?? 'testing',
            's3.force-virtual-addressing': 'false',
          },
        };
      } else {
        yaml = 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n';
        cwd = workspace(yaml);
        catalog = localPeerCatalog(cwd);
      }
      typesFile = join(cwd, 'types.parquet');
      const engine = await openEngine();
      await engine.run(`COPY (${SOURCE_SQL}) TO '${typesFile}' (FORMAT parquet)`);
      engine.close();
    });

    const read = (table: string, snapshotId?: string): Promise<PeerRead> =>
      pyicebergRead(catalog, table, snapshotId ? { snapshotId } : {});

    it('PyIceberg reads every type Lakekit writes, exactly', async () => {
      const load = await lakeJson(['load', typesFile, '--table', 'rt.types'], { cwd, env });
      expect(load['rows']).toBe(3);
      const got = await read('rt.types');
      expect(got.columns).toEqual(COLUMNS);
      expect(got.types).toEqual([
        'boolean',
        'int',
        'long',
        'float',
        'double',
        'decimal(9, 2)',
        'date',
        'time',
        'timestamp',
        'timestamptz',
        'string',
        'uuid',
        'binary',
      ]);
      expect([...got.rows].sort(byFirstColumns)).toEqual([...ROWS].sort(byFirstColumns));
      expect(got.current).toBe(String(load['snapshotId']));
    });

    it('PyIceberg reads after a replace and reads an older snapshot by time travel', async () => {
      const csv = join(cwd, 'people.csv');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(csv, 'id,name\n1,ann\n2,bob\n');
      const first = await lakeJson(['load', csv, '--table', 'rt.people'], { cwd, env });
      writeFileSync(csv, 'id,name\n3,cy\n');
      await lakeJson(['load', csv, '--table', 'rt.people'], { cwd, env });
      writeFileSync(csv, 'id,name\n9,zed\n');
      const replaced = await lakeJson(['load', csv, '--table', 'rt.people', '--mode', 'replace'], {
        cwd,
        env,
      });

      const now = await read('rt.people');
      expect(now.rows).toEqual([['9', 'zed']]);
      expect(now.current).toBe(String(replaced['snapshotId']));
      expect(now.snapshots).toHaveLength(3);
      const old = await read('rt.people', String(first['snapshotId']));
      expect(old.rows.sort(byFirstColumns)).toEqual([
        ['1', 'ann'],
        ['2', 'bob'],
      ]);

      // Lakekit's own time travel agrees.
      const q = await lakeJson<{ rows: unknown[][] }>(
        ['query', `select id, name from rt.people AT (VERSION => ${first['snapshotId']}) order by id`],
        { cwd, env },
      );
      expect(q.rows).toEqual([
        [1, 'ann'],
        [2, 'bob'],
      ]);
    });

    it('a table PyIceberg created, appended to and evolved is read and appended to by Lakekit, and read back by PyIceberg', async () => {
      const created = await runPython(peer, ['create', JSON.stringify({ catalog, table: 'py.orders' })]);
      expect(created.stderr).not.toMatch(/Traceback/);
      expect(created.code).toBe(0);
      const pySnapshots = (JSON.parse(created.stdout) as { snapshots: string[] }).snapshots;
      expect(pySnapshots.length).toBe(3);

      // Lakekit reads by field id: the renamed column keeps its values, the new column is NULL in old files.
      const q = await lakeJson<{ columns: { name: string }[]; rows: unknown[][] }>(
        ['query', 'select order_id, customer_name, amount, channel from py.orders order by order_id'],
        { cwd, env },
      );
      expect(q.rows).toEqual([
        [1, 'ann', 10.5, null],
        [2, 'bob', 20.25, null],
        [3, 'cy', 7, null],
        [4, 'dee', 1.25, 'web'],
      ]);
      const csv = join(cwd, 'more-orders.csv');
      const { writeFileSync } = await import('node:fs');
      writeFileSync(csv, 'order_id,customer_name,amount,channel\n5,eve,3.5,store\n');
      const appended = await lakeJson(['load', csv, '--table', 'py.orders'], { cwd, env });
      expect(appended['created']).toBe(false);

      const back = await read('py.orders');
      expect(back.rows.sort(byFirstColumns)).toEqual([
        ['1', 'ann', 10.5, null],
        ['2', 'bob', 20.25, null],
        ['3', 'cy', 7, null],
        ['4', 'dee', 1.25, 'web'],
        ['5', 'eve', 3.5, 'store'],
      ]);
      expect(back.snapshots.slice(0, 3)).toEqual(pySnapshots);
      // Lakekit's history lists PyIceberg's snapshots with their 63-bit ids intact.
      const history = await lakeJson<{ snapshots: { snapshotId: string }[] }>(
        ['table', 'history', 'py.orders'],
        { cwd, env },
      );
      expect(history.snapshots.map((s) => s.snapshotId)).toEqual(back.snapshots);
    });

    if (storage === 's3') {
      it('loads input files straight from s3:// URIs and prefixes', async () => {
        const { writeFileSync } = await import('node:fs');
        writeFileSync(join(cwd, 'in1.csv'), 'sku,qty\nA,1\nB,2\n');
        writeFileSync(join(cwd, 'in2.csv'), 'sku,qty\nC,3\n');
        await putObject(s3Endpoint(), bucket, 'drops/2026-11-28.csv', join(cwd, 'in1.csv'));
        await putObject(s3Endpoint(), bucket, 'drops/2026-11-29.csv', join(cwd, 'in2.csv'));
        const one = await lakeJson(['load', `s3://${bucket}/drops/2026-11-28.csv`, '--table', 'inv.stock'], {
          cwd,
          env,
        });
        expect(one['rows']).toBe(2);
        const all = await lakeJson(
          ['load', `s3://${bucket}/drops/`, '--table', 'inv.stock', '--mode', 'replace'],
          { cwd, env },
        );
        expect(all['rows']).toBe(3);
        const got = await read('inv.stock');
        expect(got.rows.sort(byFirstColumns)).toEqual([
          ['A', '1'],
          ['B', '2'],
          ['C', '3'],
        ]);
      });
    }

    afterAll(async () => {
      const r = await runLake(['table', 'list'], { cwd, env });
      expect(r.code).toBe(0);
    });
  });
}
