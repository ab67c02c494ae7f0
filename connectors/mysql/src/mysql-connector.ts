/**
 * The `mysql` connector (MySQL 5.7+ and MariaDB 10.3+): `test()` and `discover()` use a short-lived
 * connection each; a session holds one connection in a consistent snapshot (see `mysql-session.ts`).
 */
import type { Connector, ConnectorFactory, SourceInfo, SourceStream } from '@lakekit/core';
import {
  connectionSettings,
  type MysqlConfig,
  type MysqlConnectionSettings,
  mysqlConfigSchema,
} from './config.js';
import { discoverStreams, userDatabases } from './discover-streams.js';
import { closeConnection, openConnection, queryRows } from './mysql-client.js';
import { type MysqlErrorSite, mysqlError } from './mysql-error.js';
import { type MysqlSession, openMysqlSession } from './mysql-session.js';

/** `MariaDB 10.11.19` or `MySQL 8.0.36` from `SELECT VERSION()`. */
export function serverVersion(version: string): string {
  const number = /^\d+(\.\d+)*/.exec(version)?.[0] ?? version;
  return /mariadb/i.test(version) ? `MariaDB ${number}` : `MySQL ${number}`;
}

class MysqlConnector implements Connector {
  readonly kind = 'mysql';
  private readonly settings: MysqlConnectionSettings;
  private readonly site: MysqlErrorSite;
  private readonly sessions = new Set<MysqlSession>();

  constructor(
    name: string,
    private readonly config: MysqlConfig,
  ) {
    this.settings = connectionSettings(name, config);
    this.site = { source: name, target: this.settings.target, password: this.settings.password };
  }

  async test(): Promise<SourceInfo> {
    const conn = await openConnection(this.settings, this.site);
    try {
      const [row] = await queryRows<{ v: string }>(conn, 'SELECT VERSION() AS v');
      return { kind: this.kind, version: serverVersion(String(row?.v ?? '')), target: this.settings.target };
    } catch (e) {
      throw mysqlError(this.site, e);
    } finally {
      await closeConnection(conn);
    }
  }

  async discover(): Promise<SourceStream[]> {
    const conn = await openConnection(this.settings, this.site);
    try {
      const databases =
        this.config.databases ??
        (this.settings.database ? [this.settings.database] : await userDatabases(conn));
      return await discoverStreams(conn, databases, this.config.timezone);
    } catch (e) {
      throw mysqlError(this.site, e, 'discovery failed');
    } finally {
      await closeConnection(conn);
    }
  }

  async session(): Promise<MysqlSession> {
    const only = this.config.databases?.length === 1 ? this.config.databases[0] : undefined;
    const session: MysqlSession = await openMysqlSession({
      site: this.site,
      settings: this.settings,
      config: this.config,
      defaultDatabase: this.settings.database ?? only,
      onClose: () => this.sessions.delete(session),
    });
    this.sessions.add(session);
    return session;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }
}

/** The `type: mysql` connector (MySQL and MariaDB). */
export const mysqlConnector: ConnectorFactory<MysqlConfig> = {
  kind: 'mysql',
  configSchema: mysqlConfigSchema,
  secrets: ['url', 'password'],
  create(name, config) {
    return new MysqlConnector(name, config);
  },
};
