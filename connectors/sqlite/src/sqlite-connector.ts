/** The SQLite connector: a database file opened read-only (see the package README). */
import { resolve } from 'node:path';
import type { Connector, ConnectorContext, ConnectorFactory, SourceInfo, SourceStream } from '@lakekit/core';
import type Database from 'better-sqlite3';
import { openDatabase } from './open-database.js';
import { type SqliteConfig, sqliteConfigSchema } from './sqlite-config.js';
import { sqliteError } from './sqlite-error.js';
import { SqliteSession } from './sqlite-session.js';
import { listStreams, tableFilter } from './sqlite-streams.js';

/** A configured SQLite source. */
export class SqliteConnector implements Connector {
  readonly kind = 'sqlite';
  /** The database file's absolute path. */
  readonly path: string;
  private readonly name: string;
  private readonly include: (table: string) => boolean;
  private db: Database.Database | undefined;

  constructor(name: string, config: SqliteConfig, context: ConnectorContext) {
    this.name = name;
    this.path = resolve(context.baseDir, config.path);
    this.include = tableFilter(config.tables);
  }

  async test(): Promise<SourceInfo> {
    const db = this.connection();
    const { v } = db.prepare('SELECT sqlite_version() AS v').get() as { v: string };
    return { kind: this.kind, version: `SQLite ${v}`, target: this.path };
  }

  async discover(): Promise<SourceStream[]> {
    const db = this.connection();
    try {
      return listStreams(db, this.include).map(({ table: _t, hasRowid: _r, ...s }) => s);
    } catch (e) {
      throw sqliteError(e, `source ${this.name}: cannot list tables of ${this.path}`, { source: this.name });
    }
  }

  async session(): Promise<SqliteSession> {
    const db = openDatabase(this.path, this.name);
    try {
      db.exec('BEGIN');
      // The transaction's first read fixes the snapshot every stream is read from.
      db.prepare('SELECT count(*) FROM sqlite_schema').get();
      const streams = listStreams(db, this.include);
      return new SqliteSession(db, streams, this.name);
    } catch (e) {
      db.close();
      throw sqliteError(e, `source ${this.name}: cannot begin a read of ${this.path}`, { source: this.name });
    }
  }

  async close(): Promise<void> {
    this.db?.close();
    this.db = undefined;
  }

  private connection(): Database.Database {
    this.db ??= openDatabase(this.path, this.name);
    return this.db;
  }
}

/** The `sqlite` connector kind. */
export const sqliteConnector: ConnectorFactory<SqliteConfig> = {
  kind: 'sqlite',
  configSchema: sqliteConfigSchema,
  secrets: [],
  create: (name, config, context) => new SqliteConnector(name, config, context),
};
