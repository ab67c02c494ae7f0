/**
 * The one error base of Lakekit. Every error carries a stable `code`, whether a retry may help
 * (`retryable`), and the context that names the thing at fault (file, table, column, line).
 */
export type ErrorContext = Record<string, string | number | bigint | boolean | undefined>;

export interface LakeErrorOptions {
  /** Whether repeating the same call may succeed (a transient fault, a lost commit race). */
  retryable?: boolean;
  /** What the error is about: file, table, column, line, key … */
  context?: ErrorContext;
  cause?: unknown;
}

/** Base class of all Lakekit errors. */
export class LakeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly context: ErrorContext;
  /** Process exit code a CLI should use for this error (1 failure, 2 usage/config). */
  readonly exitCode: number = 1;

  constructor(code: string, message: string, options: LakeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = new.target.name;
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.context = options.context ?? {};
  }
}

/** A configuration file or option is wrong: exit code 2. */
export class ConfigError extends LakeError {
  override readonly exitCode = 2;
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('config_invalid', message, options);
  }
}

/** The command line was used wrongly: exit code 2. */
export class UsageError extends LakeError {
  override readonly exitCode = 2;
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('usage', message, options);
  }
}

/** The caller is known but lacks a privilege (HTTP 403); the message names what is missing. */
export class ForbiddenError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('forbidden', message, options);
  }
}

/** The caller could not be identified: no, malformed, unknown, expired or revoked token (HTTP 401). */
export class UnauthorizedError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('unauthorized', message, options);
  }
}

/** A table, namespace, snapshot or file that was asked for does not exist. */
export class NotFoundError extends LakeError {
  constructor(what: string, message: string, options: LakeErrorOptions = {}) {
    super(`${what}_not_found`, message, options);
  }
}

/** Something already exists where it must not (a namespace, table or metadata file). */
export class AlreadyExistsError extends LakeError {
  constructor(what: string, message: string, options: LakeErrorOptions = {}) {
    super(`${what}_already_exists`, message, options);
  }
}

/** Input data is malformed or does not fit the table (names file, line, column). */
export class DataError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('data_invalid', message, options);
  }
}

/** Another writer committed first and this commit cannot be rebased on top of it. */
export class CommitConflictError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('commit_conflict', message, { retryable: true, ...options });
  }
}

/** Object storage or a server could not be reached or answered with a fault. */
export class StorageError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('storage_error', message, options);
  }
}

/** Metadata read from disk or from another writer does not follow the spec. */
export class MetadataError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('metadata_invalid', message, options);
  }
}

/**
 * A source system failed: unreachable, wrong credentials, a query error. `retryable` marks transient
 * faults (connection reset, deadlock, serialization failure, HTTP 429/5xx) the runner retries with
 * backoff; context names the source and, where known, the stream. Code `source_error`, or
 * `source_auth` for rejected credentials.
 */
export class SourceError extends LakeError {
  constructor(message: string, options: LakeErrorOptions & { auth?: boolean } = {}) {
    super(options.auth ? 'source_auth' : 'source_error', message, options);
  }
}

/** A feature the table uses that this version of Lakekit cannot honour (fails loudly, never ignores). */
export class UnsupportedError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('unsupported', message, options);
  }
}

/** Whether a value is a LakeError (also across bundle copies). */
export function isLakeError(e: unknown): e is LakeError {
  return (
    e instanceof LakeError ||
    (e instanceof Error && typeof (e as LakeError).code === 'string' && 'retryable' in e)
  );
}

/** An answer's inputs failed an `error` check or are stale, and the caller required healthy inputs (HTTP 409). */
export class UnhealthyInputError extends LakeError {
  constructor(message: string, options: LakeErrorOptions = {}) {
    super('unhealthy_input', message, options);
  }
}

/** A query ran past its time limit or was cancelled by its caller (HTTP 408 / 499). */
export class QueryCancelledError extends LakeError {
  constructor(
    readonly reason: 'timeout' | 'cancelled',
    message: string,
    options: LakeErrorOptions = {},
  ) {
    super(reason, message, options);
  }
}
