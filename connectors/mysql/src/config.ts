/**
 * The `sources:` entry of a MySQL/MariaDB source, validated with zod (strict: a typo is an error, not
 * a silently ignored key), and the connection settings it resolves to. A source is either a `url`
 * (`mysql://user:pass@host:port/db`) or `host`/`port`/`user`/`password`/`database`; never both.
 */
import { ConfigError } from '@lakekit/core';
import * as z from 'zod';
import { isUtcZone } from './zone-offset.js';

/** Accepts numbers and numeric strings (what `${VAR}` substitution yields). */
const numberish = z.preprocess(
  (v) => (typeof v === 'string' && /^\d+$/.test(v.trim()) ? Number(v) : v),
  z.number(),
);

/** The config of a `type: mysql` source (MySQL 5.7+, MariaDB 10.3+). */
export const mysqlConfigSchema = z
  .strictObject({
    /** `mysql://user:password@host:port/database` (also `mariadb://`); percent-encode special characters. */
    url: z
      .string()
      .min(1)
      .optional()
      .describe(
        'Where to connect: `mysql://user:password@host:port/database` (also `mariadb://`; percent-encode special characters). Either `url` or `host`, not both',
      ),
    host: z.string().min(1).optional().describe('Server host name, when there is no `url`'),
    port: numberish
      .pipe(z.number().int().min(1).max(65535))
      .optional()
      .describe('Server port (with `host`). Default: `3306`'),
    user: z.string().min(1).optional().describe('User name (with `host`). Default: `root`'),
    password: z.string().optional().describe('Password (with `host`; a secret: use `${VAR}`)'),
    database: z.string().min(1).optional().describe('Database of the connection (with `host`)'),
    /** Databases whose tables and views `discover()` lists (default: the connection's database, else all). */
    databases: z
      .array(z.string().min(1))
      .min(1)
      .optional()
      .describe(
        "Databases whose tables and views discovery lists. Default: the connection's database, else all",
      ),
    /**
     * The time zone the application writes DATETIME values in (`UTC`, `Europe/Berlin`, `+02:00`).
     * UTC (the default): DATETIME → Iceberg `timestamp`, values as stored. Any other zone: DATETIME →
     * `timestamptz`, each value placed in that zone.
     */
    timezone: z
      .string()
      .min(1)
      .default('UTC')
      .describe(
        'Time zone the application writes DATETIME values in (`UTC`, `Europe/Berlin`, `+02:00`). UTC: DATETIME → Iceberg `timestamp`, values as stored; any other zone: DATETIME → `timestamptz`, each value placed in that zone',
      ),
    connect_timeout_seconds: numberish
      .pipe(z.number().positive())
      .default(10)
      .describe('Give up connecting after this many seconds'),
    /** DATE/DATETIME/TIMESTAMP values with a zero month or day (`0000-00-00`): fail (default) or read as NULL. */
    // YAML reads a bare `null` as null: accept it as the option 'null'.
    zero_dates: z
      .preprocess((v) => (v === null ? 'null' : v), z.enum(['error', 'null']))
      .default('error')
      .describe(
        'DATE, DATETIME and TIMESTAMP values with a zero month or day (`0000-00-00`): fail (`error`) or read as NULL (`null`)',
      ),
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
    try {
      if (!isUtcZone(c.timezone)) new Intl.DateTimeFormat('en-US', { timeZone: c.timezone });
    } catch {
      if (!/^[+-]\d{2}:?\d{2}$/.test(c.timezone)) {
        ctx.addIssue({ code: 'custom', path: ['timezone'], message: `unknown time zone ${c.timezone}` });
      }
    }
  });

/** A validated `type: mysql` source config. */
export type MysqlConfig = z.output<typeof mysqlConfigSchema>;

/** Where and how to connect (the password stays out of `target`). */
export interface MysqlConnectionSettings {
  readonly host: string;
  readonly port: number;
  readonly user: string;
  readonly password: string | undefined;
  readonly database: string | undefined;
  readonly connectTimeoutMs: number;
  /** `mysql://user@host:port/db`: safe to print. */
  readonly target: string;
}

/** Resolves a config to connection settings; a malformed URL is a ConfigError naming the source. */
export function connectionSettings(source: string, config: MysqlConfig): MysqlConnectionSettings {
  let host = config.host ?? 'localhost';
  let port = config.port ?? 3306;
  let user = config.user ?? 'root';
  let password = config.password;
  let database = config.database;
  if (config.url !== undefined) {
    let u: URL;
    try {
      u = new URL(config.url);
    } catch {
      throw new ConfigError(
        `source ${source}: url is not a valid URL (mysql://user:password@host:port/database)`,
        {
          context: { source },
        },
      );
    }
    if (u.protocol !== 'mysql:' && u.protocol !== 'mariadb:') {
      throw new ConfigError(`source ${source}: url must start with mysql:// (got ${u.protocol}//)`, {
        context: { source },
      });
    }
    const params = [...u.searchParams.keys()];
    if (params.length > 0) {
      throw new ConfigError(`source ${source}: url parameters are not supported (${params.join(', ')})`, {
        context: { source },
      });
    }
    host = u.hostname.replace(/^\[(.*)\]$/, '$1') || 'localhost';
    port = u.port ? Number(u.port) : 3306;
    user = u.username ? decodeURIComponent(u.username) : 'root';
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
    connectTimeoutMs: Math.round(config.connect_timeout_seconds * 1000),
    target: `mysql://${encodeURIComponent(user)}@${hostPart}:${port}/${database ? encodeURIComponent(database) : ''}`,
  };
}
