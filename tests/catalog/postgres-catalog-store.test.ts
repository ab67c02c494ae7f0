/**
 * The catalog store on PostgreSQL (server started by tests/services/postgres.sh, URL in
 * LAKEKIT_TEST_POSTGRES_URL): the shared conformance suite, PyIceberg's column types, concurrent
 * first opens, connection errors that never show the password, PyIceberg's SqlCatalog and the `lake`
 * CLI on the same PostgreSQL catalog. Each run of this file works in a database of its own.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Catalog, SqlCatalogStore } from '@lakekit/catalog';
import { runCatalogStoreConformance } from '@lakekit/catalog/conformance';
import { LakeError } from '@lakekit/core';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';
import { runPython } from '../helpers/peers.js';

/** The server URL (env LAKEKIT_TEST_POSTGRES_URL); throws with instructions when unset. */
function serverUrl(): string {
  const value = process.env['LAKEKIT_TEST_POSTGRES_URL'];
  if (value === undefined || value === '') {
    throw new Error(
      'LAKEKIT_TEST_POSTGRES_URL is not set (the PostgreSQL server started by tests/services/postgres.sh); run integration tests with: bash tests/run-all.sh',
    );
  }
  return value;
}

/** The bits of node-postgres this file uses (pg is a dependency of @lakekit/catalog, not of the tests). */
interface PgClient {
  connect(): Promise<void>;
  query<R = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<{ rows: R[] }>;
  end(): Promise<void>;
}
const pg = createRequire(join(import.meta.dirname, '..', '..', 'catalog', 'package.json'))('pg') as {
  Client: new (config: { connectionString: string }) => PgClient;
};

/** The server URL with another user, password and database. */
function urlFor(database: string, auth?: { user: string; password: string }): string {
  const url = new URL(serverUrl());
  url.pathname = `/${database}`;
  if (auth) {
    url.username = encodeURIComponent(auth.user);
    url.password = encodeURIComponent(auth.password);
  }
  return url.toString();
}

async function withClient<T>(database: string, fn: (c: PgClient) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: urlFor(database) });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

const prefix = `lakekit_test_${randomBytes(5).toString('hex')}`;
/** The database of this file; more (`${prefix}_x`) for tests that need a fresh one. */
const database = prefix;
const databases: string[] = [];
async function createDatabase(name: string, owner?: string): Promise<string> {
  await withClient('postgres', (c) => c.query(`CREATE DATABASE ${name}${owner ? ` OWNER ${owner}` : ''}`));
  databases.push(name);
  return urlFor(name);
}

/** A role that must log in with a password (see pg_hba.conf written by tests/services/postgres.sh). */
const PW_ROLE = 'lakekit_pw_test';
const PW_GOOD = 'p@ss:w/rd %41?#é';
const PW_BAD = 'Wr0ng-S3cret-Value';

// Without a server every test fails with the instructions (a failing beforeAll would mark them skipped).
const configured = Boolean(process.env['LAKEKIT_TEST_POSTGRES_URL']);
beforeEach(() => {
  serverUrl();
});
beforeAll(async () => {
  if (!configured) return;
  await createDatabase(database);
  await withClient('postgres', async (c) => {
    await c.query(`DROP ROLE IF EXISTS ${PW_ROLE}`);
    await c.query(`CREATE ROLE ${PW_ROLE} LOGIN PASSWORD '${PW_GOOD.replaceAll("'", "''")}'`);
  });
  await createDatabase(`${prefix}_pw`, PW_ROLE);
});
afterAll(async () => {
  if (databases.length === 0) return;
  await withClient('postgres', async (c) => {
    for (const d of databases) await c.query(`DROP DATABASE IF EXISTS ${d} WITH (FORCE)`);
    await c.query(`DROP ROLE IF EXISTS ${PW_ROLE}`);
  });
});

runCatalogStoreConformance('PostgreSQL', (name) => SqlCatalogStore.open(urlFor(database), name));

describe('PostgreSQL catalog store', () => {
  it('creates the Iceberg SQL-catalog tables with the column types PyIceberg declares', async () => {
    const s = await SqlCatalogStore.open(urlFor(database), 'lakekit');
    await s.close();
    const columns = await withClient(database, (c) =>
      c.query<{
        table_name: string;
        column_name: string;
        data_type: string;
        len: number;
        is_nullable: string;
      }>(
        `SELECT table_name, column_name, data_type, character_maximum_length AS len, is_nullable
           FROM information_schema.columns
          WHERE table_schema = current_schema() AND table_name IN ('iceberg_tables', 'iceberg_namespace_properties')
          ORDER BY table_name, ordinal_position`,
      ),
    );
    const show = (r: {
      table_name: string;
      column_name: string;
      data_type: string;
      len: number;
      is_nullable: string;
    }) =>
      `${r.table_name}.${r.column_name} ${r.data_type}(${r.len})${r.is_nullable === 'NO' ? ' not null' : ''}`;
    expect(columns.rows.map(show)).toEqual([
      'iceberg_namespace_properties.catalog_name character varying(255) not null',
      'iceberg_namespace_properties.namespace character varying(255) not null',
      'iceberg_namespace_properties.property_key character varying(255) not null',
      'iceberg_namespace_properties.property_value character varying(1000) not null',
      'iceberg_tables.catalog_name character varying(255) not null',
      'iceberg_tables.table_namespace character varying(255) not null',
      'iceberg_tables.table_name character varying(255) not null',
      'iceberg_tables.metadata_location character varying(1000)',
      'iceberg_tables.previous_metadata_location character varying(1000)',
      'iceberg_tables.iceberg_type character varying(5)',
    ]);
    const keys = await withClient(database, (c) =>
      c.query<{ table_name: string; column_name: string }>(
        `SELECT k.table_name, k.column_name
           FROM information_schema.table_constraints t
           JOIN information_schema.key_column_usage k USING (constraint_schema, constraint_name)
          WHERE t.constraint_type = 'PRIMARY KEY' AND t.table_schema = current_schema()
            AND t.table_name IN ('iceberg_tables', 'iceberg_namespace_properties')
          ORDER BY k.table_name, k.ordinal_position`,
      ),
    );
    expect(keys.rows.map((r) => `${r.table_name}.${r.column_name}`)).toEqual([
      'iceberg_namespace_properties.catalog_name',
      'iceberg_namespace_properties.namespace',
      'iceberg_namespace_properties.property_key',
      'iceberg_tables.catalog_name',
      'iceberg_tables.table_namespace',
      'iceberg_tables.table_name',
    ]);
  });

  it('adds iceberg_type to a table PyIceberg created without it, keeping its rows', async () => {
    const name = `${prefix}_pyfirst`;
    const uri = await createDatabase(name);
    await withClient(name, async (c) => {
      await c.query(`CREATE TABLE iceberg_tables (
        catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL, table_name VARCHAR(255) NOT NULL,
        metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000),
        PRIMARY KEY (catalog_name, table_namespace, table_name))`);
      await c.query(`INSERT INTO iceberg_tables VALUES ('lakekit', 'crm', 'py', 'p0', NULL)`);
    });
    const s = await SqlCatalogStore.open(uri, 'lakekit');
    try {
      expect(await s.loadPointer({ namespace: ['crm'], name: 'py' })).toBe('p0');
      expect(await s.swapPointer({ namespace: ['crm'], name: 'py' }, 'p0', 'p1')).toBe(true);
      expect(await s.listNamespaces()).toEqual([['crm']]);
    } finally {
      await s.close();
    }
  });

  it('migrates a fresh database once when several processes open it at the same time', async () => {
    const uri = await createDatabase(`${prefix}_race`);
    const stores = await Promise.all(Array.from({ length: 6 }, () => SqlCatalogStore.open(uri, 'lakekit')));
    try {
      await stores[0]!.createNamespace(['crm']);
      expect(await stores[5]!.namespaceExists(['crm'])).toBe(true);
      // Every migration recorded exactly once (none run twice by the racing openers).
      const done = await stores[1]!.knex('lakekit_migrations').select('name').orderBy('name');
      expect(done).toEqual([
        { name: '0001_iceberg_sql_catalog' },
        { name: '0002_pipelines' },
        { name: '0003_governance' },
        { name: '0004_answers' },
      ]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('logs in with a password that needs escaping in the URI', async () => {
    const s = await SqlCatalogStore.open(
      urlFor(`${prefix}_pw`, { user: PW_ROLE, password: PW_GOOD }),
      'lakekit',
    );
    try {
      await s.createNamespace(['crm']);
      expect(await s.listNamespaces()).toEqual([['crm']]);
    } finally {
      await s.close();
    }
  });

  describe('connection errors are catalog_unavailable, name host:port/database, never the password', () => {
    async function openError(uri: string): Promise<LakeError> {
      const e = await SqlCatalogStore.open(uri, 'lakekit').then(
        async (s) => {
          await s.close();
          return undefined;
        },
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(LakeError);
      const lake = e as LakeError;
      expect(lake.code).toBe('catalog_unavailable');
      const everything = `${lake.message}\n${lake.stack}\n${JSON.stringify(lake.context)}\n${String(lake.cause ?? '')}`;
      expect(everything).not.toContain(PW_BAD);
      expect(everything).not.toContain(encodeURIComponent(PW_BAD));
      return lake;
    }

    it('server down', async () => {
      const port = await new Promise<number>((resolve) => {
        const srv = createServer().listen(0, '127.0.0.1', () => {
          const p = (srv.address() as { port: number }).port;
          srv.close(() => resolve(p));
        });
      });
      const e = await openError(`postgres://postgres:${PW_BAD}@127.0.0.1:${port}/lake`);
      expect(e.message).toContain(`127.0.0.1:${port}/lake`);
      expect(e.message).toContain(`postgres://postgres:***@127.0.0.1:${port}/lake`);
      expect(e.message).toMatch(/ECONNREFUSED/);
    });

    it('wrong password', async () => {
      const host = new URL(serverUrl()).host;
      const e = await openError(urlFor(`${prefix}_pw`, { user: PW_ROLE, password: PW_BAD }));
      expect(e.message).toContain(`${host}/${prefix}_pw`);
      expect(e.message).toMatch(/password authentication failed/);
      expect(e.context['uri']).toBe(`postgres://${PW_ROLE}:***@${host}/${prefix}_pw`);
    });

    it('missing database', async () => {
      const host = new URL(serverUrl()).host;
      const e = await openError(urlFor(`${prefix}_missing`, { user: 'postgres', password: PW_BAD }));
      expect(e.message).toContain(`${host}/${prefix}_missing`);
      expect(e.message).toMatch(/does not exist/);
    });
  });
});

/** PyIceberg's SqlCatalog on the same PostgreSQL catalog, through SQLAlchemy + psycopg2. */
const PEER = `
import json, sys
import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog

args = json.loads(sys.argv[1])
catalog = SqlCatalog(args["name"], uri=args["uri"], warehouse=args["warehouse"])
out = {}
if args["command"] == "inspect":
    out["namespaces"] = sorted(".".join(ns) for ns in catalog.list_namespaces())
    out["children_of_a"] = sorted(".".join(ns) for ns in catalog.list_namespaces("a"))
    out["crm_properties"] = catalog.load_namespace_properties("crm")
    out["tables"] = sorted(".".join(t) for t in catalog.list_tables("crm"))
    table = catalog.load_table("crm.accounts")
    out["metadata_location"] = table.metadata_location
    out["columns"] = [f.name for f in table.schema().fields]
elif args["command"] == "create":
    catalog.create_namespace("py")
    schema = pa.schema([pa.field("id", pa.int64()), pa.field("label", pa.string())])
    table = catalog.create_table("py.events", schema=schema)
    table.append(pa.table({"id": [1, 2], "label": ["a", "b"]}, schema=schema))
    out["metadata_location"] = table.metadata_location
elif args["command"] == "count":
    out["rows"] = catalog.load_table(args["table"]).scan().to_arrow().num_rows
print(json.dumps(out))
`;

describe('PyIceberg and the lake CLI on a PostgreSQL catalog', () => {
  let dir: string;
  let uri: string;
  let warehouse: string;
  let peer: string;

  beforeAll(async () => {
    if (!configured) return;
    uri = await createDatabase(`${prefix}_peers`);
    dir = mkdtempSync(join(tmpdir(), 'lakekit-pg-'));
    warehouse = `file://${join(dir, 'warehouse')}`;
    peer = join(dir, 'peer.py');
    writeFileSync(peer, PEER);
  });
  afterAll(() => {
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function py<T>(command: string, extra: Record<string, string> = {}): Promise<T> {
    const sqlalchemyUri = uri.replace(/^postgres(ql)?:\/\//, 'postgresql+psycopg2://');
    const r = await runPython(peer, [
      JSON.stringify({ command, name: 'lakekit', uri: sqlalchemyUri, warehouse, ...extra }),
    ]);
    if (r.code !== 0) throw new Error(`PyIceberg ${command} failed (exit ${r.code}): ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  }

  it('PyIceberg lists the namespaces and tables Lakekit created and loads the table', async () => {
    const catalog = await Catalog.open({ uri, name: 'lakekit', warehouse, io: createFileIO() });
    let pointer: string | undefined;
    try {
      await catalog.createNamespace(['crm']);
      await catalog.createNamespace(['a', 'b']);
      await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, [
        { name: 'id', type: { kind: 'long' }, required: true },
        { name: 'name', type: { kind: 'string' } },
      ]);
      pointer = await catalog.store.loadPointer({ namespace: ['crm'], name: 'accounts' });
    } finally {
      await catalog.close();
    }
    const got = await py<Record<string, unknown>>('inspect');
    expect(got).toEqual({
      namespaces: ['a', 'crm'],
      children_of_a: ['a.b'],
      crm_properties: { exists: 'true' },
      tables: ['crm.accounts'],
      metadata_location: pointer,
      columns: ['id', 'name'],
    });
  });

  it('Lakekit sees a table PyIceberg creates and appends to', async () => {
    const created = await py<{ metadata_location: string }>('create');
    const catalog = await Catalog.open({ uri, name: 'lakekit', warehouse, io: createFileIO() });
    try {
      expect(await catalog.listNamespaces()).toContainEqual(['py']);
      expect(await catalog.listTables(['py'])).toEqual([{ namespace: ['py'], name: 'events' }]);
      const id = { namespace: ['py'], name: 'events' };
      expect(await catalog.store.loadPointer(id)).toBe(created.metadata_location);
      const row = await catalog.store
        .knex('iceberg_tables')
        .where({ catalog_name: 'lakekit', table_name: 'events' })
        .first();
      expect(row.previous_metadata_location).toMatch(/\.metadata\.json$/);
      const table = await catalog.loadTable(id);
      expect(table.schema().fields.map((f) => f.name)).toEqual(['id', 'label']);
      expect(table.currentSnapshot()).toBeDefined();
    } finally {
      await catalog.close();
    }
  });

  it('the lake CLI loads into a PostgreSQL catalog that PyIceberg then reads', async () => {
    const cwd = workspace(`warehouse: ${warehouse}\ncatalog:\n  uri: ${uri}\n  name: lakekit\n`);
    writeFileSync(join(cwd, 'people.csv'), 'id,name\n1,ana\n2,bo\n3,cy\n');
    const load = await lakeJson(['load', 'people.csv', '--table', 'cli.people'], { cwd });
    expect(load['rows']).toBe(3);
    expect(await py<{ rows: number }>('count', { table: 'cli.people' })).toEqual({ rows: 3 });
  });

  it('the lake CLI reports a wrong password without showing it', async () => {
    const bad = urlFor(`${prefix}_pw`, { user: PW_ROLE, password: PW_BAD });
    const cwd = workspace(`warehouse: ${warehouse}\ncatalog:\n  uri: ${bad}\n  name: lakekit\n`);
    const r = await runLake(['namespace', 'list'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/password authentication failed/);
    expect(r.stderr).toContain(`${PW_ROLE}:***@`);
    expect(r.stdout + r.stderr).not.toContain(PW_BAD);
  });
});
