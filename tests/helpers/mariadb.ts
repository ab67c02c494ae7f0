/**
 * MariaDB for integration tests: the server tests/services/mariadb.sh starts (env
 * LAKEKIT_TEST_MARIADB_URL) and a throwaway database on it, so tests in one run never see each
 * other's tables. Values come back as the server prints them (dates, decimals and bigints as text).
 */
import { type Connection, createConnection } from 'mysql2/promise';

/** The server URL (env LAKEKIT_TEST_MARIADB_URL); throws with instructions when unset. */
export function mariadbUrl(): URL {
  const url = process.env['LAKEKIT_TEST_MARIADB_URL'];
  if (!url) throw new Error('LAKEKIT_TEST_MARIADB_URL is not set: run tests through tests/run-all.sh');
  return new URL(url);
}

/** A database created for one test file: its name, its URL, a connection to it, and `drop()`. */
export interface ScratchDatabase {
  readonly name: string;
  /** `mysql://user@host:port/<name>` for a `type: mysql` source. */
  readonly url: string;
  /** Session in UTC (TIMESTAMP values print as UTC); rows as arrays of the server's text. */
  readonly conn: Connection;
  /** Runs SQL, returning rows as arrays. */
  rows(sql: string): Promise<unknown[][]>;
  /** Drops the database and closes the connection; safe to call twice. */
  drop(): Promise<void>;
}

/** Creates a database with a unique name (`<prefix>_<pid>_<n>`) on the test server. */
export async function createScratchDatabase(prefix: string): Promise<ScratchDatabase> {
  const server = mariadbUrl();
  const name = `${prefix}_${process.pid}_${Date.now() % 100000}`;
  const conn = await createConnection({
    host: server.hostname,
    port: Number(server.port || 3306),
    user: decodeURIComponent(server.username || 'root'),
    ...(server.password ? { password: decodeURIComponent(server.password) } : {}),
    dateStrings: true,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  await conn.query(`CREATE DATABASE \`${name}\``);
  await conn.query(`USE \`${name}\``);
  await conn.query(`SET time_zone = '+00:00'`);
  const url = new URL(server.toString());
  url.pathname = `/${name}`;
  let dropped = false;
  return {
    name,
    url: url.toString(),
    conn,
    async rows(sql) {
      const [rows] = await conn.query({ sql, rowsAsArray: true });
      return rows as unknown[][];
    },
    async drop() {
      if (dropped) return;
      dropped = true;
      try {
        await conn.query(`DROP DATABASE IF EXISTS \`${name}\``);
      } finally {
        await conn.end();
      }
    },
  };
}
