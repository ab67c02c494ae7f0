/**
 * Connections through mysql2's callback API (its streaming rows and pause/resume live there), with
 * the few promise helpers the connector needs. Every value arrives as the server's text or a plain
 * number: dates as strings, BIGINT and DECIMAL as strings, JSON unparsed — nothing the driver could
 * round or shift by a time zone.
 */
import { type Connection, createConnection, type QueryError } from 'mysql2';
import type { MysqlConnectionSettings } from './config.js';
import { type MysqlErrorSite, mysqlError } from './mysql-error.js';

/** Opens a connection; failures are LakeErrors naming the source (auth, retryable …). */
export async function openConnection(
  settings: MysqlConnectionSettings,
  site: MysqlErrorSite,
): Promise<Connection> {
  const conn = createConnection({
    host: settings.host,
    port: settings.port,
    user: settings.user,
    password: settings.password,
    database: settings.database,
    connectTimeout: settings.connectTimeoutMs,
    charset: 'UTF8MB4_GENERAL_CI',
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
    decimalNumbers: false,
    jsonStrings: true,
    multipleStatements: false,
    enableKeepAlive: true,
  });
  // A connection that dies between commands reports here; commands report their own errors.
  conn.on('error', () => {});
  try {
    await new Promise<void>((resolve, reject) =>
      conn.connect((e: QueryError | null) => (e ? reject(e) : resolve())),
    );
  } catch (e) {
    conn.destroy();
    throw mysqlError(site, e, 'cannot connect');
  }
  return conn;
}

/** Runs a statement and returns its rows as objects (for small metadata queries). */
export function queryRows<T = Record<string, unknown>>(conn: Connection, sql: string): Promise<T[]> {
  return new Promise((resolve, reject) => {
    conn.query(sql, (e: QueryError | null, rows: unknown) => (e ? reject(e) : resolve(rows as T[])));
  });
}

/** Closes a connection politely, or ends it when the server does not answer. */
export async function closeConnection(conn: Connection): Promise<void> {
  await new Promise<void>((resolve) => {
    const timer = setTimeout(() => {
      conn.destroy();
      resolve();
    }, 2000);
    conn.end(() => {
      clearTimeout(timer);
      resolve();
    });
  });
}
