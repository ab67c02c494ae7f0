/**
 * node-postgres errors → LakeErrors naming the source, its redacted address and, where known, the
 * stream. SQLSTATE decides the class: rejected credentials are `auth`, connection faults,
 * serialization failures and deadlocks are `retryable`, an undefined table is a NotFoundError.
 * Messages quote the server's message, which never holds the password.
 */
import { isLakeError, type LakeError, NotFoundError, SourceError } from '@lakekit/core';

/** Where an error happened: the source's name and redacted URL, the stream when there is one. */
export interface ErrorScope {
  readonly source: string;
  readonly target: string;
  readonly stream?: string;
}

/** Socket-level error codes of a server that cannot be reached (for now). */
const RETRYABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
]);

/** SQLSTATEs outside class 08 worth a retry: serialization failure, deadlock, shutdown, overload. */
const RETRYABLE_SQLSTATES = new Set(['40001', '40P01', '57P01', '57P02', '57P03', '53300', '53000']);

/** The error's code (SQLSTATE or Node socket code), when it has one. */
function codeOf(e: unknown): string | undefined {
  const code = (e as { code?: unknown } | null)?.code;
  return typeof code === 'string' ? code : undefined;
}

/** Whether an error means the connection is gone (it cannot serve another statement). */
export function isConnectionLost(e: unknown): boolean {
  const code = codeOf(e);
  if (code && (RETRYABLE_NODE_CODES.has(code) || code.startsWith('08') || code === '57P01')) return true;
  const message = e instanceof Error ? e.message : '';
  return /Connection terminated|timeout expired|Client has encountered a connection error/i.test(message);
}

/** Converts any error from node-postgres into a LakeError for `scope` (LakeErrors pass through). */
export function pgError(e: unknown, scope: ErrorScope, doing: string): LakeError {
  if (isLakeError(e)) return e;
  const code = codeOf(e);
  const detail = e instanceof Error ? e.message : String(e);
  const where = scope.stream
    ? `postgres source ${scope.source}, stream ${scope.stream}`
    : `postgres source ${scope.source} (${scope.target})`;
  const context = { source: scope.source, target: scope.target, stream: scope.stream, sqlstate: code };
  if (code === '28P01' || code === '28000') {
    return new SourceError(
      `postgres source ${scope.source}: authentication failed for ${scope.target} (${detail})`,
      {
        auth: true,
        context,
        cause: e,
      },
    );
  }
  if (code === '42P01') {
    const table = /relation "([^"]+)"/.exec(detail)?.[1] ?? scope.stream ?? 'unknown';
    return new NotFoundError('table', `${where}: table ${table} does not exist (${detail})`, {
      context: { ...context, table },
      cause: e,
    });
  }
  const lost = isConnectionLost(e);
  const retryable = lost || (code !== undefined && RETRYABLE_SQLSTATES.has(code));
  const unreachable = lost ? ` (${scope.target} unreachable or connection lost)` : '';
  return new SourceError(
    `${where}: ${doing} failed${unreachable}: ${detail || code}${code ? ` [${code}]` : ''}`,
    {
      retryable,
      context,
      cause: e,
    },
  );
}
