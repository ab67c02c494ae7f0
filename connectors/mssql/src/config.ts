/**
 * The `sources:` entry of a SQL Server source, validated with zod (strict: a typo is an error), and
 * the connection settings it resolves to. Where the server is comes from `url`
 * (`mssql://user:pass@host:port/db`) or `host`/`port`/`user`/`password`/`database`, never both;
 * `encrypt` and `trust_server_certificate` apply to either.
 */
import { ConfigError } from '@lakekit/core';
import type { config as PoolConfig } from 'mssql';
import * as z from 'zod';

/** Accepts numbers and numeric strings (what `${VAR}` substitution yields). */
const numberish = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
  z.number(),
);
/** Accepts YAML booleans and the strings "true"/"false". */
const booleanish = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** The config of a `type: mssql` source (SQL Server 2016+, Azure SQL). */
export const mssqlConfigSchema = z
  .strictObject({
    /** `mssql://user:password@host:port/database` (also `sqlserver://`); percent-encode special characters. */
    url: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Where to connect: `mssql://user:password@host:port/database` (also `sqlserver://`; percent-encode special characters). Either `url` or `host`, not both',
      ),
    host: z.string().min(1).optional().describe('Server host name, when there is no `url`'),
    port: numberish
      .pipe(z.number().int().min(1).max(65535))
      .optional()
      .describe('Server port (with `host`). Default: `1433`'),
    user: z.string().min(1).optional().describe('SQL Server login (with `host`)'),
    password: z.string().optional().describe('Password (with `host`; a secret: use `${VAR}`)'),
    database: z.string().min(1).optional().describe('Database of the connection (with `host`)'),
    /** TLS for the connection (default true, as Azure SQL requires). */
    encrypt: booleanish.default(true).describe('TLS for the connection (Azure SQL requires it)'),
    /** Accept a server certificate no trusted CA signed (self-signed test servers). Default false. */
    trust_server_certificate: booleanish
      .default(false)
      .describe('Accept a server certificate no trusted CA signed (self-signed test servers)'),
    /** Schemas whose tables and views `discover()` lists (default: every schema but the system ones). */
    schemas: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe('Schemas whose tables and views discovery lists. Default: every schema but the system ones'),
    connect_timeout_seconds: numberish
      .pipe(z.number().positive())
      .default(15)
      .describe('Give up connecting after this many seconds'),
  })
  .superRefine((c, ctx) => {
    if (c.url !== undefined) {
      for (const k of ['host', 'port', 'user', 'password', 'database'] as const) {
        if (c[k] !== undefined)
          ctx.addIssue({ code: 'custom', path: [k], message: `give either url or ${k}, not both` });
      }
    } else if (c.host === undefined) {
      ctx.addIssue({ code: 'custom', path: ['url'], message: 'url or host is required' });
    }
  });

/** A validated `type: mssql` source config. */
export type MssqlConfig = z.output<typeof mssqlConfigSchema>;

/** Where and how to connect (the password stays out of `target`). */
export interface MssqlConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string | undefined;
  readonly password: string | undefined;
  readonly database: string | undefined;
  readonly encrypt: boolean;
  readonly trustServerCertificate: boolean;
  readonly connectTimeoutMs: number;
  /** `mssql://user@host:port/db`: safe to print. */
  readonly target: string;
}

/** Resolves a config to connection settings; a malformed URL is a ConfigError naming the source. */
export function connectionSettings(source: string, config: MssqlConfig): MssqlConnectionSettings {
  let host = config.host ?? 'localhost';
  let port = config.port ?? 1433;
  let user = config.user;
  let password = config.password;
  let database = config.database;
  if (config.url !== undefined) {
    let u: URL;
    try {
      u = new URL(config.url);
    } catch {
      throw new ConfigError(
        `source ${source}: url is not a valid URL (mssql://user:password@host:port/database)`,
        {
          context: { source },
        },
      );
    }
    if (u.protocol !== 'mssql:' && u.protocol !== 'sqlserver:') {
      throw new ConfigError(`source ${source}: url must start with mssql:// (got ${u.protocol}//)`, {
        context: { source },
      });
    }
    const params = [...u.searchParams.keys()];
    if (params.length > 0) {
      throw new ConfigError(
        `source ${source}: url parameters are not supported (${params.join(', ')}); use encrypt and trust_server_certificate`,
        { context: { source } },
      );
    }
    host = u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    port = u.port ? Number(u.port) : 1433;
    user = u.username ? decodeURIComponent(u.username) : undefined;
    password = u.password ? decodeURIComponent(u.password) : undefined;
    const path = decodeURIComponent(u.pathname.replace(/^\//, ''));
    database = path === '' ? undefined : path;
  }
  const hostPart = host.includes(':') ? `[${host}]` : host;
  return {
    host,
    port,
    user,
    password,
    database,
    encrypt: config.encrypt,
    trustServerCertificate: config.trust_server_certificate,
    connectTimeoutMs: Math.round(config.connect_timeout_seconds * 1000),
    target: `mssql://${user ? `${encodeURIComponent(user)}@` : ''}${hostPart}:${port}/${database ? encodeURIComponent(database) : ''}`,
  };
}

/**
 * The mssql pool config of a session or a short-lived connection: one connection, no request
 * timeout (an extract streams for as long as the table takes; the socket itself is watched).
 */
export function poolConfig(s: MssqlConnectionSettings): PoolConfig {
  return {
    server: s.host,
    port: s.port,
    user: s.user,
    password: s.password,
    database: s.database,
    connectionTimeout: s.connectTimeoutMs,
    requestTimeout: 0,
    pool: { min: 0, max: 1 },
    options: {
      encrypt: s.encrypt,
      trustServerCertificate: s.trustServerCertificate,
      appName: 'lakekit',
    },
  };
}
