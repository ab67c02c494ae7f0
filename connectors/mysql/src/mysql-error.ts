/**
 * Driver errors (mysql2: a `code` such as ER_ACCESS_DENIED_ERROR or ECONNREFUSED, an `errno`) →
 * LakeErrors naming the source and, where known, the stream. Whether a retry may help is decided
 * here once: lost connections, deadlocks and lock wait timeouts are transient; rejected credentials
 * are `auth` and never retried. Messages never carry the password.
 */
import { isLakeError, type LakeError, NotFoundError, SourceError } from '@lakekit/core';

/** Server error numbers and client codes that a retry may get past. */
const RETRYABLE_ERRNO = new Set([
  1040, // ER_CON_COUNT_ERROR: too many connections
  1053, // ER_SERVER_SHUTDOWN
  1205, // ER_LOCK_WAIT_TIMEOUT
  1213, // ER_LOCK_DEADLOCK
  1412, // ER_TABLE_DEF_CHANGED: DDL during the consistent snapshot
  1927, // ER_CONNECTION_KILLED (MariaDB)
  2002, // CR_CONNECTION_ERROR
  2003, // CR_CONN_HOST_ERROR
  2006, // CR_SERVER_GONE_ERROR
  2013, // CR_SERVER_LOST
]);
const RETRYABLE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'PROTOCOL_CONNECTION_LOST',
  'PROTOCOL_SEQUENCE_TIMEOUT',
  'ER_LOCK_DEADLOCK',
  'ER_LOCK_WAIT_TIMEOUT',
]);
const AUTH_ERRNO = new Set([
  1044, // ER_DBACCESS_DENIED_ERROR
  1045, // ER_ACCESS_DENIED_ERROR
  1698, // ER_ACCESS_DENIED_NO_PASSWORD_ERROR
  1251, // ER_NOT_SUPPORTED_AUTH_MODE
]);

/** Where an error happened, for its message and context. */
export interface MysqlErrorSite {
  readonly source: string;
  /** `mysql://user@host:port/db` (no password). */
  readonly target: string;
  readonly stream?: string;
  /** The password, removed from the driver's message should it ever appear there. */
  readonly password?: string;
}

interface DriverError {
  code?: unknown;
  errno?: unknown;
  message?: unknown;
  fatal?: unknown;
}

/** Whether a driver error is transient (connection lost, deadlock, lock wait timeout …). */
export function isRetryableMysqlError(e: unknown): boolean {
  const d = (e ?? {}) as DriverError;
  if (typeof d.errno === 'number' && RETRYABLE_ERRNO.has(d.errno)) return true;
  return typeof d.code === 'string' && RETRYABLE_CODES.has(d.code);
}

/** Turns a driver error into a LakeError naming the source (and stream); LakeErrors pass through. */
export function mysqlError(site: MysqlErrorSite, e: unknown, doing?: string): LakeError {
  if (isLakeError(e)) return e;
  const d = (e ?? {}) as DriverError;
  const code = typeof d.code === 'string' ? d.code : undefined;
  const errno = typeof d.errno === 'number' ? d.errno : undefined;
  let detail = typeof d.message === 'string' && d.message !== '' ? d.message : (code ?? String(e));
  if (site.password) detail = detail.replaceAll(site.password, '***');
  const where = `source ${site.source} (${site.target})${site.stream ? `, stream ${site.stream}` : ''}`;
  const context = {
    source: site.source,
    stream: site.stream,
    code: code ?? (errno === undefined ? undefined : String(errno)),
  };
  const text = `${where}: ${doing ? `${doing}: ` : ''}${detail}`;
  if (errno === 1146 && site.stream) {
    return new NotFoundError('stream', `${where}: no such table or view (${detail})`, { context, cause: e });
  }
  if ((errno !== undefined && AUTH_ERRNO.has(errno)) || code === 'ER_ACCESS_DENIED_ERROR') {
    return new SourceError(text, { auth: true, context, cause: e });
  }
  return new SourceError(text, { retryable: isRetryableMysqlError(e), context, cause: e });
}
