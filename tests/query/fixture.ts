/**
 * A governed-query world for tests: a real catalog (SQLite in a temporary folder, or a fresh
 * PostgreSQL database), tables with data written as Iceberg snapshots, principals with grants, masks,
 * row filters and tag policies, and a GovernedQueryEngine over it. The raw data is also kept as
 * plain DuckDB tables in `raw` (an ordinary, ungoverned DuckDB) for computing expected answers
 * independently.
 *
 * Tables (rows are a pure function of their index, so tests can compute expectations):
 * - crm.accounts(id long, name string, email string, region string, ssn string, balance double)
 *   200 rows; region cycles west/east/north/south; email tagged `pii.email`; ssn tagged `pii`.
 * - crm.orders(id long, account_id long, amount decimal(12,2), qty int, price double, ordered_at date)
 *   2000 rows.
 * - hr.salaries(id long, salary long) 50 rows.
 *
 * Principals:
 * - `alice` (role analyst, attribute region=west): USAGE catalog + crm, SELECT on crm. Role analyst:
 *   email masked by tag policy (hash, on tag pii), ssn masked null by a column mask, row filter
 *   `region = principal.region` on crm.accounts.
 * - `bob` (role partial, region=east): SELECT on columns crm.accounts.id, crm.accounts.region only;
 *   SELECT on crm.orders; row filter on orders `qty > 2` for role partial.
 * - `carol` (no roles): USAGE only, no SELECT.
 * - `dave` (role auditor): USAGE and SELECT on the catalog but no USAGE on a namespace, so he
 *   reaches no table until a test grants it (determinism.test.ts does).
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Actor, Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { appendFiles, type Engine, openEngine, writeDataFile } from '@lakekit/iceberg';
import { GovernedQueryEngine } from '@lakekit/query';
import { createFileIO } from '@lakekit/storage';

export type Backend = 'sqlite' | 'postgres';

interface PgClient {
  connect(): Promise<void>;
  query(sql: string): Promise<unknown>;
  end(): Promise<void>;
}
const pg = createRequire(join(import.meta.dirname, '..', '..', 'catalog', 'package.json'))('pg') as {
  Client: new (c: { connectionString: string }) => PgClient;
};

async function adminQuery(sql: string): Promise<void> {
  const c = new pg.Client({ connectionString: process.env['LAKEKIT_TEST_POSTGRES_URL']! });
  await c.connect();
  try {
    await c.query(sql);
  } finally {
    await c.end();
  }
}

/** SELECTs generating each table's rows (shared by the Iceberg tables and the raw copies). */
export const SOURCES = {
  'crm.accounts': `SELECT i::BIGINT AS id, 'name-' || i AS name, 'user' || i || '@example.com' AS email,
      (['west','east','north','south'])[(i % 4) + 1] AS region, printf('%03d-%02d-%04d', i % 1000, i % 100, i) AS ssn,
      (i * 37 % 1000) / 7.0::DOUBLE AS balance
    FROM range(200) t(i)`,
  'crm.orders': `SELECT i::BIGINT AS id, (i % 200)::BIGINT AS account_id, CAST((i * 13 % 10000) / 100.0 AS DECIMAL(12,2)) AS amount,
      (i % 7)::INTEGER AS qty, (i * 0.1 + 1.0 / (i + 3))::DOUBLE AS price, DATE '2026-01-01' + (i % 300)::INTEGER AS ordered_at
    FROM range(2000) t(i)`,
  'hr.salaries': 'SELECT i::BIGINT AS id, (50000 + i * 1000)::BIGINT AS salary FROM range(50) t(i)',
} as const;

export interface QueryWorld {
  backend: Backend;
  catalog: Catalog;
  engine: GovernedQueryEngine;
  /** An ordinary DuckDB with the raw rows as tables `crm_accounts`, `crm_orders`, `hr_salaries`. */
  raw: Engine;
  dir: string;
  as(name: string): Actor;
  close(): Promise<void>;
}

/** A fresh catalog on the backend (PostgreSQL needs LAKEKIT_TEST_POSTGRES_URL). */
export async function startQueryWorld(backend: Backend = 'sqlite'): Promise<QueryWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-query-'));
  let uri = `sqlite:${join(dir, 'catalog.db')}`;
  let database: string | undefined;
  if (backend === 'postgres') {
    const url = process.env['LAKEKIT_TEST_POSTGRES_URL'];
    if (!url)
      throw new Error(
        'LAKEKIT_TEST_POSTGRES_URL is not set (run integration tests with: bash tests/run-all.sh)',
      );
    database = `gq_${randomBytes(5).toString('hex')}`;
    await adminQuery(`CREATE DATABASE ${database}`);
    const u = new URL(url);
    u.pathname = `/${database}`;
    uri = u.toString();
  }
  const catalog = await Catalog.open({
    uri,
    name: 'lakekit',
    warehouse: pathToFileURL(join(dir, 'warehouse')).href,
    io: createFileIO({}),
  });
  const writer = await openEngine();
  const raw = await openEngine();
  const str = { kind: 'string' } as const;
  const long = { kind: 'long' } as const;
  await catalog.createNamespace(['crm']);
  await catalog.createNamespace(['hr']);
  const specs = {
    'crm.accounts': [
      { name: 'id', type: long, required: true },
      { name: 'name', type: str },
      { name: 'email', type: str },
      { name: 'region', type: str },
      { name: 'ssn', type: str },
      { name: 'balance', type: { kind: 'double' } as const },
    ],
    'crm.orders': [
      { name: 'id', type: long },
      { name: 'account_id', type: long },
      { name: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 } as const },
      { name: 'qty', type: { kind: 'int' } as const },
      { name: 'price', type: { kind: 'double' } as const },
      { name: 'ordered_at', type: { kind: 'date' } as const },
    ],
    'hr.salaries': [
      { name: 'id', type: long },
      { name: 'salary', type: long },
    ],
  };
  for (const [name, columns] of Object.entries(specs)) {
    const [ns, t] = name.split('.') as [string, string];
    const table = await catalog.createTable({ namespace: [ns], name: t }, columns);
    const select = SOURCES[name as keyof typeof SOURCES];
    const files = await writeDataFile({
      engine: writer,
      io: table.io,
      selectSql: select,
      sourceColumns: columns.map((c) => c.name),
      schema: table.schema(),
      tableLocation: table.metadata.location,
      tableName: table.name,
    });
    await appendFiles(table, files);
    await raw.run(`CREATE TABLE ${name.replace('.', '_')} AS ${select}`);
  }
  writer.close();

  const gov = catalog.governance;
  const A = LOCAL_ADMIN;
  await gov.createPrincipal(A, { name: 'alice', kind: 'user', attributes: { region: 'west' } });
  await gov.createPrincipal(A, { name: 'bob', kind: 'user', attributes: { region: 'east' } });
  await gov.createPrincipal(A, { name: 'carol', kind: 'user' });
  await gov.createPrincipal(A, { name: 'dave', kind: 'service' });
  for (const r of ['analyst', 'partial', 'auditor']) await gov.createRole(A, { name: r });
  await gov.addMember(A, 'analyst', 'alice');
  await gov.addMember(A, 'partial', 'bob');
  await gov.addMember(A, 'auditor', 'dave');
  const grant = (
    privilege: 'USAGE' | 'SELECT',
    securable: Parameters<typeof gov.grant>[1]['securable'],
    role: string,
  ) => gov.grant(A, { privilege, securable, grantee: { type: 'role', name: role } });
  for (const role of ['analyst', 'partial', 'auditor']) await grant('USAGE', { type: 'catalog' }, role);
  await grant('USAGE', { type: 'namespace', name: 'crm' }, 'analyst');
  await grant('SELECT', { type: 'namespace', name: 'crm' }, 'analyst');
  await grant('USAGE', { type: 'namespace', name: 'crm' }, 'partial');
  await grant('SELECT', { type: 'column', table: 'crm.accounts', column: 'id' }, 'partial');
  await grant('SELECT', { type: 'column', table: 'crm.accounts', column: 'region' }, 'partial');
  await grant('SELECT', { type: 'table', name: 'crm.orders' }, 'partial');
  await grant('SELECT', { type: 'catalog' }, 'auditor');
  await gov.grant(A, {
    privilege: 'USAGE',
    securable: { type: 'catalog' },
    grantee: { type: 'principal', name: 'carol' },
  });
  await gov.addTag(A, { table: 'crm.accounts', column: 'email', tag: 'pii.email' });
  await gov.addTag(A, { table: 'crm.accounts', column: 'ssn', tag: 'pii' });
  await gov.setTagPolicy(A, { name: 'pii-hash', tag: 'pii', role: 'analyst', mask: { kind: 'hash' } });
  await gov.setMask(A, { table: 'crm.accounts', column: 'ssn', role: 'analyst', kind: 'null' });
  await gov.setRowFilter(A, {
    table: 'crm.accounts',
    role: 'analyst',
    predicate: 'region = principal.region',
  });
  await gov.setRowFilter(A, { table: 'crm.orders', role: 'partial', predicate: 'qty > 2' });

  const engine = await GovernedQueryEngine.open({ catalog });
  return {
    backend,
    catalog,
    engine,
    raw,
    dir,
    as: (name) => (name === 'local-admin' ? LOCAL_ADMIN : { name }),
    close: async () => {
      engine.close();
      raw.close();
      await catalog.close().catch(() => undefined);
      if (database) await adminQuery(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
