// Acme's source systems, filled from the generator's dataset:
// - the CRM in PostgreSQL: embedded PGlite served over the PostgreSQL wire protocol (pglite-socket,
//   one connection at a time), or a real server (--servers) in a database of its own;
// - the ERP (SQL Server-style schema, schema.mjs): a SQLite file, or a MariaDB database (--servers);
//   the same schema as a T-SQL script for SQL Server is written next to it (not executed);
// - the inventory: daily CSV stock drops in a folder, and a local HTTP JSON API of products and
//   warehouses (node:http on 127.0.0.1, a port of its own), paged the way Lakekit's http connector pages.
import { once } from 'node:events';
import { mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { stockCsv } from './generate.mjs';
import {
  CRM_TABLES,
  createStatements,
  ERP_TABLES,
  erpTable,
  insertStatements,
  mssqlScript,
  updateStatements,
} from './schema.mjs';

const root = dirname(dirname(dirname(fileURLToPath(import.meta.url))));
/** Drivers come from the connector packages that use them (the examples have no package of their own). */
const requireFrom = (pkg) => createRequire(join(root, pkg, 'package.json'));

/** @typedef {ReturnType<typeof import('./generate.mjs').generate>} Dataset */

/** The CRM's schema in PostgreSQL. */
export const CRM_SCHEMA = 'crm';
/** The databases the servers mode creates (dropped first). */
export const SERVER_DATABASES = { crm: 'acme_crm', erp: 'acme_erp' };

/** DDL and rows of the CRM as PostgreSQL statements. @param {Dataset} ds */
function crmStatements(ds) {
  const out = [
    `CREATE SCHEMA ${CRM_SCHEMA}`,
    ...createStatements('postgres', CRM_TABLES, { schema: CRM_SCHEMA }),
  ];
  for (const t of CRM_TABLES) {
    out.push(...insertStatements('postgres', t, ds.crm[t.name], { schema: CRM_SCHEMA }));
  }
  out.push(`ANALYZE`);
  return out;
}

/**
 * Starts the CRM. Embedded: PGlite (its files in `dataDir`, so the data can be read again after the
 * demo) behind a pglite-socket server on 127.0.0.1; servers: a fresh database on `serverUrl`.
 * @param {{ dataset: Dataset, servers: boolean, dataDir: string, serverUrl?: string }} options
 * @returns {Promise<{ url: string, singleConnection: boolean, describe: string, stop(): Promise<void> }>}
 */
export async function startCrm({ dataset, servers, dataDir, serverUrl }) {
  const statements = crmStatements(dataset);
  if (!servers) {
    const { PGlite } = await import('@electric-sql/pglite');
    const { PGLiteSocketServer } = await import('@electric-sql/pglite-socket');
    rmSync(dataDir, { recursive: true, force: true });
    mkdirSync(dirname(dataDir), { recursive: true });
    const db = await PGlite.create({ dataDir });
    await db.exec(statements.join(';\n'));
    const server = new PGLiteSocketServer({ db, port: 0, host: '127.0.0.1' });
    await server.start();
    const url = `postgres://postgres@${server.getServerConn()}/postgres`;
    return {
      url,
      singleConnection: true,
      describe: `PGlite (embedded PostgreSQL, files in ${dataDir}) served at ${url}`,
      async stop() {
        await server.stop();
        await db.close();
      },
    };
  }
  if (!serverUrl)
    throw new Error('--servers needs a PostgreSQL URL (LAKEKIT_TEST_POSTGRES_URL or --postgres-url)');
  const { Client } = requireFrom('connectors/postgres')('pg');
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS ${SERVER_DATABASES.crm} WITH (FORCE)`);
    await admin.query(`CREATE DATABASE ${SERVER_DATABASES.crm}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${SERVER_DATABASES.crm}`;
  const client = new Client({ connectionString: url.toString() });
  await client.connect();
  try {
    await client.query(statements.join(';\n'));
  } finally {
    await client.end();
  }
  return {
    url: url.toString(),
    singleConnection: false,
    describe: `PostgreSQL server, database ${SERVER_DATABASES.crm} (${redact(url)})`,
    async stop() {},
  };
}

/** A URL without its password. @param {URL} url */
function redact(url) {
  const u = new URL(url.toString());
  if (u.password) u.password = '***';
  return u.toString();
}

/**
 * The ERP: written once, changed later (the fixes). SQLite file, or a MariaDB database.
 * Also writes the T-SQL script for SQL Server (`mssqlFile`), which nothing here runs.
 * @param {{ dataset: Dataset, servers: boolean, file: string, mssqlFile: string, serverUrl?: string }} options
 * @returns {Promise<{ url?: string, describe: string, exec(statements: string[]): Promise<void> }>}
 */
export async function writeErp({ dataset, servers, file, mssqlFile, serverUrl }) {
  mkdirSync(dirname(mssqlFile), { recursive: true });
  writeFileSync(mssqlFile, mssqlScript(dataset, { fixes: dataset.fixes }));
  if (!servers) {
    const Database = requireFrom('connectors/sqlite')('better-sqlite3');
    for (const f of [file, `${file}-wal`, `${file}-shm`]) rmSync(f, { force: true });
    mkdirSync(dirname(file), { recursive: true });
    const exec = async (statements) => {
      const db = new Database(file);
      try {
        db.pragma('journal_mode = WAL');
        db.transaction(() => {
          for (const s of statements) db.exec(s);
        })();
      } finally {
        db.close();
      }
    };
    await exec(erpStatements('sqlite', dataset));
    return { describe: `SQLite file ${file}`, exec };
  }
  if (!serverUrl)
    throw new Error('--servers needs a MariaDB URL (LAKEKIT_TEST_MARIADB_URL or --mariadb-url)');
  const mysql = requireFrom('connectors/mysql')('mysql2/promise');
  const server = new URL(serverUrl);
  const connect = (database) =>
    mysql.createConnection({
      host: server.hostname,
      port: Number(server.port || 3306),
      user: decodeURIComponent(server.username || 'root'),
      ...(server.password ? { password: decodeURIComponent(server.password) } : {}),
      ...(database ? { database } : {}),
      timezone: 'Z',
    });
  const admin = await connect();
  try {
    await admin.query(`DROP DATABASE IF EXISTS \`${SERVER_DATABASES.erp}\``);
    await admin.query(
      `CREATE DATABASE \`${SERVER_DATABASES.erp}\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci`,
    );
  } finally {
    await admin.end();
  }
  const exec = async (statements) => {
    const conn = await connect(SERVER_DATABASES.erp);
    try {
      await conn.query(`SET time_zone = '+00:00'`);
      await conn.beginTransaction();
      for (const s of statements) await conn.query(s);
      await conn.commit();
    } finally {
      await conn.end();
    }
  };
  await exec(erpStatements('mariadb', dataset));
  const url = new URL(serverUrl);
  url.pathname = `/${SERVER_DATABASES.erp}`;
  return {
    url: url.toString(),
    describe: `MariaDB server, database ${SERVER_DATABASES.erp} (${redact(url)})`,
    exec,
  };
}

/** DDL and rows of the ERP in a dialect. @param {'sqlite' | 'mariadb'} dialect @param {Dataset} ds */
export function erpStatements(dialect, ds) {
  const out = createStatements(dialect, ERP_TABLES);
  for (const t of ERP_TABLES) out.push(...insertStatements(dialect, t, ds.erp[t.name]));
  return out;
}

/** The ERP team's corrections of the rows the quality gate refused. @param {'sqlite' | 'mariadb' | 'mssql'} dialect @param {Dataset} ds */
export function fixStatements(dialect, ds) {
  return Object.entries(ds.fixes).flatMap(([table, changes]) =>
    updateStatements(dialect, erpTable(table), changes),
  );
}

/**
 * Writes the daily stock drops into `dir` (one CSV per day), leaving out the late day unless
 * `late` is true (then only the late day is written). Each file is written under a hidden name and
 * renamed, so a reader never sees half a file.
 * @param {Dataset} ds @param {string} dir @param {{ late?: boolean }} [options] @returns {string[]} the files written
 */
export function writeStockDrops(ds, dir, options = {}) {
  mkdirSync(dir, { recursive: true });
  const written = [];
  for (const drop of ds.inventory.stock) {
    if ((drop.day === ds.inventory.lateDay) !== Boolean(options.late)) continue;
    const name = `stock_${drop.day}.csv`;
    writeFileSync(join(dir, `.${name}.tmp`), stockCsv(drop));
    renameSync(join(dir, `.${name}.tmp`), join(dir, name));
    written.push(name);
  }
  return written;
}

/**
 * The inventory system's HTTP API on 127.0.0.1 (a free port):
 *   GET /api/v1/products?page=1&per_page=50[&updated_since=ISO]  → { data, page, per_page, total }
 *   GET /api/v1/warehouses                                       → { data }
 * Bearer token required. Products are sorted by (updated_at, sku): a stable order to page through.
 * @param {Dataset} ds @param {{ token: string }} options
 * @returns {Promise<{ url: string, requests: () => number, stop(): Promise<void> }>}
 */
export async function startInventoryApi(ds, { token }) {
  const products = [...ds.inventory.products].sort((a, b) =>
    a.updated_at < b.updated_at ? -1 : a.updated_at > b.updated_at ? 1 : a.sku < b.sku ? -1 : 1,
  );
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    const send = (status, body) => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(body));
    };
    if (req.headers.authorization !== `Bearer ${token}`) return send(401, { error: 'unauthorized' });
    const u = new URL(req.url ?? '/', 'http://localhost');
    if (u.pathname === '/api/v1/warehouses') return send(200, { data: ds.inventory.warehouses });
    if (u.pathname === '/api/v1/products') {
      const page = Number(u.searchParams.get('page') ?? 1);
      const size = Math.min(100, Number(u.searchParams.get('per_page') ?? 25));
      if (!(page >= 1) || !(size >= 1)) return send(400, { error: 'bad page or per_page' });
      const since = u.searchParams.get('updated_since');
      const sinceMs = since ? Date.parse(since) : Number.NEGATIVE_INFINITY;
      if (Number.isNaN(sinceMs)) return send(400, { error: 'bad updated_since' });
      const rows = products.filter((p) => Date.parse(p.updated_at) >= sinceMs);
      return send(200, {
        data: rows.slice((page - 1) * size, page * size),
        page,
        per_page: size,
        total: rows.length,
      });
    }
    return send(404, { error: 'not found' });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = /** @type {import('node:net').AddressInfo} */ (server.address());
  return {
    url: `http://127.0.0.1:${address.port}/api/v1`,
    requests: () => requests,
    async stop() {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(() => resolve(undefined)));
    },
  };
}
