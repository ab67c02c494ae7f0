/**
 * Driver errors (mssql/tedious: a `code` such as ELOGIN, ETIMEOUT or ESOCKET, and for server errors
 * a `number`) → LakeErrors naming the source and, where known, the stream. Lost or refused
 * connections, timeouts, deadlock victims (1205), lock timeouts (1222) and Azure SQL's transient
 * errors are retryable; a failed login is `auth` and never retried. Messages never carry the password.
 */
import { isLakeError, type LakeError, NotFoundError, SourceError } from '@lakekit/core';

/** Server error numbers a retry may get past. */
const RETRYABLE_NUMBERS = new Set([
  -2, // timeout
  1205, // deadlock victim
  1222, // lock request timeout
  3960, // snapshot isolation update conflict
  4221, // login to a read-only replica timed out
  10053, // transport-level error
  10054, // connection reset by peer
  10060, // connect timeout
  10928, // Azure SQL: resource limit
  10929, // Azure SQL: resource limit
  40143, // Azure SQL: service busy
  40197, // Azure SQL: service error, retry
  40501, // Azure SQL: service busy
  40613, // Azure SQL: database unavailable
  49918, // Azure SQL: not enough resources
  49919, // Azure SQL: too many operations
  49920, // Azure SQL: too many operations
]);
const RETRYABLE_CODES = new Set([
  'ETIMEOUT',
  'ESOCKET',
  'ECONNCLOSED',
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
]);
/** Login failed (18456), cannot open the login's database (4060), password expired (18487/18488). */
const AUTH_NUMBERS = new Set([18456, 4060, 18487, 18488]);

/** Where an error happened, for its message and context. */
export interface MssqlErrorSite {
  readonly source: string;
  /** `mssql://user@host:port/db` (no password). */
  readonly target: string;
  readonly stream?: string;
  /** The password, removed from the driver's message should it ever appear there. */
  readonly password?: string;
}

interface DriverError {
  code?: unknown;
  number?: unknown;
  message?: unknown;
  originalError?: DriverError;
}

/** The server error number of a driver error (on it or on the tedious error it wraps). */
function errorNumber(e: DriverError): number | undefined {
  if (typeof e.number === 'number') return e.number;
  if (e.originalError && typeof e.originalError.number === 'number') return e.originalError.number;
  return undefined;
}

/** Whether a driver error is transient (lost connection, timeout, deadlock victim …). */
export function isRetryableMssqlError(e: unknown): boolean {
  const d = (e ?? {}) as DriverError;
  const n = errorNumber(d);
  if (n !== undefined && RETRYABLE_NUMBERS.has(n)) return true;
  const codes = [d.code, d.originalError?.code];
  return codes.some((c) => typeof c === 'string' && RETRYABLE_CODES.has(c));
}

/** Turns a driver error into a LakeError naming the source (and stream); LakeErrors pass through. */
export function mssqlError(site: MssqlErrorSite, e: unknown, doing?: string): LakeError {
  if (isLakeError(e)) return e;
  const d = (e ?? {}) as DriverError;
  const code = typeof d.code === 'string' ? d.code : undefined;
  const number = errorNumber(d);
  let detail = typeof d.message === 'string' && d.message !== '' ? d.message : (code ?? String(e));
  if (site.password) detail = detail.replaceAll(site.password, '***');
  const where = `source ${site.source} (${site.target})${site.stream ? `, stream ${site.stream}` : ''}`;
  const context = {
    source: site.source,
    stream: site.stream,
    code: code ?? (number === undefined ? undefined : String(number)),
  };
  const text = `${where}: ${doing ? `${doing}: ` : ''}${detail}`;
  if (number === 208 && site.stream) {
    return new NotFoundError('stream', `${where}: no such table or view (${detail})`, { context, cause: e });
  }
  if (code === 'ELOGIN' || (number !== undefined && AUTH_NUMBERS.has(number))) {
    return new SourceError(text, { auth: true, context, cause: e });
  }
  return new SourceError(text, { retryable: isRetryableMssqlError(e), context, cause: e });
}
