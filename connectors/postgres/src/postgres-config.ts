/**
 * The `sources.<name>` entry of a PostgreSQL source, as users write it in YAML (snake_case keys, an
 * unknown key is an error). Values may come from `${VAR}` substitution, so booleans and numbers are
 * also accepted as strings.
 */
import type { ClientConfig } from 'pg';
import * as z from 'zod';

const booleanish = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const seconds = z.preprocess(
  (v) => (typeof v === 'string' && v.trim() !== '' && !Number.isNaN(Number(v)) ? Number(v) : v),
  z.number().positive(),
);

/** The config schema of a PostgreSQL source (everything but `type`). */
export const postgresConfigSchema = z.strictObject({
  /** `postgres://user:password@host:port/database?sslmode=…` (the password is a secret). */
  url: z
    .string()
    .regex(/^postgres(?:ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .describe('`postgres://user:password@host:port/database?sslmode=…` (the password is a secret)'),
  /** Schemas to discover (default: every schema but pg_catalog, information_schema and pg_toast). */
  schemas: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe('Schemas to discover. Default: every schema but pg_catalog, information_schema and pg_toast'),
  /**
   * For servers that accept one connection at a time (PGlite): every operation goes through one
   * lazily opened connection, one after the other. Default false (a pool).
   */
  single_connection: booleanish
    .default(false)
    .describe(
      'For servers that accept one connection at a time (PGlite): every operation goes through one connection, one after the other',
    ),
  /** `application_name` the server shows in pg_stat_activity. Default `lakekit`. */
  application_name: z
    .string()
    .min(1)
    .default('lakekit')
    .describe('`application_name` the server shows in pg_stat_activity'),
  /** Give up connecting after this many seconds. Default 30. */
  connect_timeout_seconds: seconds.default(30).describe('Give up connecting after this many seconds'),
  /** Server-side `statement_timeout` for every statement (default: the server's setting). */
  statement_timeout_seconds: seconds
    .optional()
    .describe(
      "Server-side `statement_timeout` of every statement, in seconds. Default: the server's setting",
    ),
  /**
   * TLS: `true`/`verify-full` (verify the certificate), `require` (encrypt, do not verify),
   * `false`/`disable`. Default: what the URL's `sslmode` says (none: no TLS).
   */
  ssl: z
    .union([booleanish, z.enum(['disable', 'require', 'verify-full'])])
    .optional()
    .describe(
      "TLS: `true` or `verify-full` (verify the certificate), `require` (encrypt, do not verify), `false` or `disable`. Default: what the URL's `sslmode` says (none: no TLS)",
    ),
});

/** A PostgreSQL source's config with defaults applied. */
export type PostgresConfig = z.output<typeof postgresConfigSchema>;

/** The node-postgres client options for a config. */
export function clientConfig(config: PostgresConfig): ClientConfig {
  const options: ClientConfig = {
    connectionString: config.url,
    application_name: config.application_name,
    connectionTimeoutMillis: Math.round(config.connect_timeout_seconds * 1000),
    keepAlive: true,
  };
  if (config.statement_timeout_seconds !== undefined) {
    options.statement_timeout = Math.round(config.statement_timeout_seconds * 1000);
  }
  if (config.ssl === true || config.ssl === 'verify-full') options.ssl = { rejectUnauthorized: true };
  else if (config.ssl === 'require') options.ssl = { rejectUnauthorized: false };
  else if (config.ssl === false || config.ssl === 'disable') options.ssl = false;
  return options;
}
