/** better-sqlite3's errors as SourceErrors naming the source (busy and locked databases are retryable). */
import { type ErrorContext, SourceError } from '@lakekit/core';

const RETRYABLE = new Set(['SQLITE_BUSY', 'SQLITE_LOCKED', 'SQLITE_IOERR']);

/** `${what}: <SQLite's message>` as a SourceError; `code` (SQLITE_…) decides `retryable`. */
export function sqliteError(e: unknown, what: string, context: ErrorContext = {}): SourceError {
  const code = (e as { code?: unknown }).code;
  const codeText = typeof code === 'string' ? code : undefined;
  return new SourceError(`${what}: ${(e as Error).message ?? String(e)}${codeText ? ` (${codeText})` : ''}`, {
    retryable: codeText !== undefined && [...RETRYABLE].some((c) => codeText.startsWith(c)),
    context: { ...context, ...(codeText ? { sqliteCode: codeText } : {}) },
    cause: e,
  });
}
