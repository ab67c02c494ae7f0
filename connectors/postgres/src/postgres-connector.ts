/**
 * The PostgreSQL connector: `postgresConnector` builds a `Connector` from a `sources:` entry. It reads
 * the catalog for discovery and opens REPEATABLE READ sessions whose extracts stream COPY output
 * straight into staged CSV files (see `postgres-session.ts`).
 */
import {
  ConfigError,
  type Connector,
  type ConnectorFactory,
  redactUrl,
  type SourceInfo,
  type SourceSession,
  type SourceStream,
} from '@lakekit/core';
import { introspect } from './introspect.js';
import { type PgConnections, poolConnections, singleConnection } from './pg-connections.js';
import { type ErrorScope, pgError } from './pg-error.js';
import { clientConfig, type PostgresConfig, postgresConfigSchema } from './postgres-config.js';
import { PostgresSession } from './postgres-session.js';

/** A configured PostgreSQL source. */
export class PostgresConnector implements Connector {
  readonly kind = 'postgres';
  private readonly scope: ErrorScope;
  private readonly connections: PgConnections;

  constructor(
    name: string,
    private readonly config: PostgresConfig,
  ) {
    this.scope = { source: name, target: redactUrl(config.url) };
    const options = clientConfig(config);
    this.connections = config.single_connection ? singleConnection(options) : poolConnections(options);
  }

  async test(): Promise<SourceInfo> {
    let text: string;
    try {
      const r = await this.connections.query<{ version: string }>('SELECT version() AS version');
      text = r.rows[0]?.version ?? '';
    } catch (e) {
      throw pgError(e, this.scope, 'connecting');
    }
    const version = /^PostgreSQL \S+/.exec(text)?.[0] ?? text;
    return { kind: this.kind, target: this.scope.target, ...(version ? { version } : {}) };
  }

  async discover(): Promise<SourceStream[]> {
    try {
      const streams = await introspect((sql, params) => this.connections.query(sql, params), {
        ...(this.config.schemas ? { schemas: this.config.schemas } : {}),
      });
      return streams.map((s) => s.stream);
    } catch (e) {
      throw pgError(e, this.scope, 'reading the catalog');
    }
  }

  session(): Promise<SourceSession> {
    return PostgresSession.open(this.connections, this.scope);
  }

  async close(): Promise<void> {
    await this.connections.close();
  }
}

/** The `postgres` source kind. The URL holds the password, so it is only ever shown redacted. */
export const postgresConnector: ConnectorFactory<PostgresConfig> = {
  kind: 'postgres',
  configSchema: postgresConfigSchema,
  secrets: ['url'],
  create(name, config) {
    const parsed = postgresConfigSchema.safeParse(config);
    if (!parsed.success) {
      const issues = parsed.error.issues
        .map((i) => `${i.path.join('.') || '(config)'}: ${i.message}`)
        .join('; ');
      throw new ConfigError(`postgres source ${name}: invalid config: ${issues}`, {
        context: { source: name },
      });
    }
    return new PostgresConnector(name, parsed.data);
  },
};
