/**
 * The `mssql` connector (SQL Server 2016+, Azure SQL): `test()` and `discover()` use a short-lived
 * one-connection pool each; a session holds its own connection in one transaction (see
 * `mssql-session.ts`).
 */
import type { Connector, ConnectorFactory, SourceInfo, SourceStream } from '@lakekit/core';
import mssql from 'mssql';
import {
  connectionSettings,
  type MssqlConfig,
  type MssqlConnectionSettings,
  mssqlConfigSchema,
  poolConfig,
} from './config.js';
import { loadStreams } from './load-streams.js';
import { type MssqlErrorSite, mssqlError } from './mssql-error.js';
import { type MssqlSession, openMssqlSession } from './mssql-session.js';

/** `SQL Server 16.0.4135.4` from SERVERPROPERTY('ProductVersion') (and the edition for Azure SQL). */
export function serverVersion(productVersion: string, edition?: string): string {
  return /azure/i.test(edition ?? '') ? `Azure SQL ${productVersion}` : `SQL Server ${productVersion}`;
}

class MssqlConnector implements Connector {
  readonly kind = 'mssql';
  private readonly settings: MssqlConnectionSettings;
  private readonly site: MssqlErrorSite;
  private readonly sessions = new Set<MssqlSession>();

  constructor(
    name: string,
    private readonly config: MssqlConfig,
  ) {
    this.settings = connectionSettings(name, config);
    this.site = { source: name, target: this.settings.target, password: this.settings.password };
  }

  /** A connected one-connection pool; failures are LakeErrors naming the source. */
  private async connect(): Promise<mssql.ConnectionPool> {
    const pool = new mssql.ConnectionPool(poolConfig(this.settings));
    // A connection that dies between requests reports here; requests report their own errors.
    pool.on('error', () => {});
    try {
      await pool.connect();
    } catch (e) {
      await pool.close().catch(() => {});
      throw mssqlError(this.site, e, 'cannot connect');
    }
    return pool;
  }

  async test(): Promise<SourceInfo> {
    const pool = await this.connect();
    try {
      const r = await pool
        .request()
        .query<{ v: string; e: string }>(
          "SELECT CAST(SERVERPROPERTY('ProductVersion') AS nvarchar(128)) AS v, CAST(SERVERPROPERTY('Edition') AS nvarchar(128)) AS e",
        );
      const row = r.recordset[0];
      return {
        kind: this.kind,
        version: serverVersion(String(row?.v ?? ''), row?.e),
        target: this.settings.target,
      };
    } catch (e) {
      throw mssqlError(this.site, e);
    } finally {
      await pool.close().catch(() => {});
    }
  }

  async discover(): Promise<SourceStream[]> {
    const pool = await this.connect();
    try {
      return await loadStreams((sql) => pool.request().query(sql), this.config.schemas);
    } catch (e) {
      throw mssqlError(this.site, e, 'discovery failed');
    } finally {
      await pool.close().catch(() => {});
    }
  }

  async session(): Promise<MssqlSession> {
    const pool = await this.connect();
    const session: MssqlSession = await openMssqlSession(
      {
        site: this.site,
        settings: this.settings,
        config: this.config,
        onClose: () => this.sessions.delete(session),
      },
      pool,
    );
    this.sessions.add(session);
    return session;
  }

  async close(): Promise<void> {
    for (const s of this.sessions) s.destroy();
    this.sessions.clear();
  }
}

/** The `type: mssql` connector (SQL Server and Azure SQL). */
export const mssqlConnector: ConnectorFactory<MssqlConfig> = {
  kind: 'mssql',
  configSchema: mssqlConfigSchema,
  secrets: ['url', 'password'],
  create(name, config) {
    return new MssqlConnector(name, config);
  },
};
