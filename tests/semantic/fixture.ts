/**
 * A semantic-layer world for tests: a real catalog (SQLite in a temporary folder) with a small shop
 * written as Iceberg snapshots, the semantic models of tests/semantic/models loaded against the
 * catalog, principals with grants, a row filter and a mask, and a GovernedQueryEngine. The same rows
 * are kept as plain tables in `raw` (an ordinary DuckDB) for computing expected answers by hand.
 *
 * Tables (rows are pure functions of their index):
 * - shop.customers(id, name, email, region, state, signed_up date) 60 rows; customer 59 has no state
 *   and no region.
 * - shop.products(id, name, category) 12 rows.
 * - shop.orders(id, customer_id, ordered_at date, status, channel) 400 rows; customer_id 60 does not
 *   exist (orphan orders).
 * - shop.order_lines(order_id, line_no, product_id, qty, unit_price decimal, discount double):
 *   order i has i % 4 lines (some orders have none).
 * - shop.payments(id, order_id, paid_at timestamp, amount decimal, method): order i has i % 3
 *   payments (some have none, some two).
 *
 * Principals:
 * - `wendy` (role west): USAGE and SELECT on namespace shop; row filter `region = 'west'` on
 *   shop.customers; payments.amount masked to NULL.
 * - `pat` (role limited): SELECT on customers, orders, order_lines and products, not payments.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { type Actor, Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { appendFiles, type Engine, openEngine, writeDataFile } from '@lakekit/iceberg';
import { catalogColumns, GovernedQueryEngine, loadSemanticModels, type SemanticModel } from '@lakekit/query';
import { createFileIO } from '@lakekit/storage';

export const MODELS_DIR = join(import.meta.dirname, 'models');

/** SELECTs generating each table's rows (shared by the Iceberg tables and the raw copies). */
export const SOURCES = {
  'shop.customers': `SELECT i::BIGINT AS id, 'customer-' || i AS name, 'c' || i || '@example.com' AS email,
      CASE WHEN i = 59 THEN NULL ELSE (['west','west','west','east','east','midwest','midwest','midwest','south','south'])[(i % 10) + 1] END AS region,
      CASE WHEN i = 59 THEN NULL ELSE (['CA','OR','WA','NY','MA','IL','OH','MN','TX','FL'])[(i % 10) + 1] END AS state,
      DATE '2024-01-01' + (i * 11)::INTEGER AS signed_up
    FROM range(60) t(i)`,
  'shop.products': `SELECT i::BIGINT AS id, 'product-' || lpad(i::VARCHAR, 2, '0') AS name,
      (['tools','toys','food'])[(i % 3) + 1] AS category
    FROM range(12) t(i)`,
  'shop.orders': `SELECT i::BIGINT AS id, ((i * 7) % 61)::BIGINT AS customer_id,
      DATE '2025-10-01' + ((i * 3) % 420)::INTEGER AS ordered_at,
      (['completed','completed','cancelled','pending'])[(i % 4) + 1] AS status,
      CASE WHEN i % 3 = 0 THEN 'store' ELSE 'web' END AS channel
    FROM range(400) t(i)`,
  'shop.order_lines': `SELECT o.i::BIGINT AS order_id, l.j::INTEGER AS line_no, ((o.i + l.j * 5) % 12)::BIGINT AS product_id,
      (1 + (o.i + l.j) % 5)::INTEGER AS qty,
      CAST(((o.i * 7 + l.j * 3) % 50) + 0.99 AS DECIMAL(10,2)) AS unit_price,
      CASE WHEN (o.i + l.j) % 7 = 0 THEN NULL ELSE ((o.i + l.j) % 10) / 100.0 END::DOUBLE AS discount
    FROM range(400) o(i), range(3) l(j) WHERE l.j < o.i % 4`,
  'shop.payments': `SELECT (o.i * 10 + p.j)::BIGINT AS id, o.i::BIGINT AS order_id,
      (DATE '2025-10-01' + ((o.i * 3) % 420)::INTEGER + INTERVAL (p.j * 2) DAY + INTERVAL (o.i % 24) HOUR)::TIMESTAMP AS paid_at,
      CAST(((o.i * 13 + p.j * 17) % 9000) / 100.0 + 5 AS DECIMAL(12,2)) AS amount,
      CASE WHEN (o.i + p.j) % 2 = 0 THEN 'card' ELSE 'cash' END AS method
    FROM range(400) o(i), range(2) p(j) WHERE p.j < o.i % 3`,
} as const;

const long = { kind: 'long' } as const;
const str = { kind: 'string' } as const;
const SPECS = {
  'shop.customers': [
    { name: 'id', type: long, required: true },
    { name: 'name', type: str },
    { name: 'email', type: str },
    { name: 'region', type: str },
    { name: 'state', type: str },
    { name: 'signed_up', type: { kind: 'date' } as const },
  ],
  'shop.products': [
    { name: 'id', type: long, required: true },
    { name: 'name', type: str },
    { name: 'category', type: str },
  ],
  'shop.orders': [
    { name: 'id', type: long, required: true },
    { name: 'customer_id', type: long },
    { name: 'ordered_at', type: { kind: 'date' } as const },
    { name: 'status', type: str },
    { name: 'channel', type: str },
  ],
  'shop.order_lines': [
    { name: 'order_id', type: long, required: true },
    { name: 'line_no', type: { kind: 'int' } as const, required: true },
    { name: 'product_id', type: long },
    { name: 'qty', type: { kind: 'int' } as const },
    { name: 'unit_price', type: { kind: 'decimal', precision: 10, scale: 2 } as const },
    { name: 'discount', type: { kind: 'double' } as const },
  ],
  'shop.payments': [
    { name: 'id', type: long, required: true },
    { name: 'order_id', type: long },
    { name: 'paid_at', type: { kind: 'timestamp' } as const },
    { name: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 } as const },
    { name: 'method', type: str },
  ],
};

export interface SemanticWorld {
  catalog: Catalog;
  engine: GovernedQueryEngine;
  model: SemanticModel;
  /** An ordinary DuckDB with the raw rows as `shop_customers`, `shop_orders`, … */
  raw: Engine;
  dir: string;
  as(name: string): Actor;
  close(): Promise<void>;
}

export async function startSemanticWorld(): Promise<SemanticWorld> {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-semantic-'));
  const catalog = await Catalog.open({
    uri: `sqlite:${join(dir, 'catalog.db')}`,
    name: 'lakekit',
    warehouse: pathToFileURL(join(dir, 'warehouse')).href,
    io: createFileIO({}),
  });
  const writer = await openEngine();
  const raw = await openEngine();
  await catalog.createNamespace(['shop']);
  for (const [name, columns] of Object.entries(SPECS)) {
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
  await gov.createPrincipal(A, { name: 'wendy', kind: 'user' });
  await gov.createPrincipal(A, { name: 'pat', kind: 'user' });
  await gov.createRole(A, { name: 'west' });
  await gov.createRole(A, { name: 'limited' });
  await gov.addMember(A, 'west', 'wendy');
  await gov.addMember(A, 'limited', 'pat');
  const grant = (
    privilege: 'USAGE' | 'SELECT',
    securable: Parameters<typeof gov.grant>[1]['securable'],
    role: string,
  ) => gov.grant(A, { privilege, securable, grantee: { type: 'role', name: role } });
  for (const role of ['west', 'limited']) {
    await grant('USAGE', { type: 'catalog' }, role);
    await grant('USAGE', { type: 'namespace', name: 'shop' }, role);
  }
  await grant('SELECT', { type: 'namespace', name: 'shop' }, 'west');
  for (const t of ['customers', 'orders', 'order_lines', 'products'])
    await grant('SELECT', { type: 'table', name: `shop.${t}` }, 'limited');
  await gov.setRowFilter(A, { table: 'shop.customers', role: 'west', predicate: "region = 'west'" });
  await gov.setMask(A, { table: 'shop.payments', column: 'amount', role: 'west', kind: 'null' });

  const model = await loadSemanticModels(MODELS_DIR, { columnsOf: catalogColumns(catalog) });
  const engine = await GovernedQueryEngine.open({ catalog });
  return {
    catalog,
    engine,
    model,
    raw,
    dir,
    as: (name) => (name === 'local-admin' ? LOCAL_ADMIN : { name }),
    close: async () => {
      engine.close();
      raw.close();
      await catalog.close().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Rows as JSON values, for comparing answers from the governed engine and from `raw`. */
export async function rawRows(raw: Engine, sql: string): Promise<unknown[][]> {
  const conn = raw.conn;
  const reader = await conn.runAndReadAll(sql);
  return reader.getRowsJson().map((r) => r.map((v) => normalize(v)));
}

/** Integers as numbers (as the governed engine gives BIGINT), everything else as DuckDB's JSON. */
export function normalize(v: unknown): unknown {
  if (typeof v === 'string' && /^-?\d+$/.test(v) && Number.isSafeInteger(Number(v))) return Number(v);
  return v;
}
