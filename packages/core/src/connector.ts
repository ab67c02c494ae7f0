/**
 * The `Connector` interface every source kind implements (connectors/*), and the staging contract
 * between connectors and the pipeline runner.
 *
 * A connector knows its source (how to connect, introspect and read) and nothing of Iceberg: it
 * writes what it reads into local **staged files** in a canonical text encoding (below), and the
 * runner turns staged files into Parquet with DuckDB (one converter for every source, so a value
 * that does not fit its column fails the same way everywhere, naming the stream and column).
 *
 * ## Staged files
 * - `csv`: RFC 4180 — comma separator, `"` quote, `""` escape, `\n` or `\r\n` line ends, UTF-8, a
 *   header line with the column names in `StagedBatch.columns` order. **NULL is an unquoted empty
 *   field; an empty string is `""`.** (What PostgreSQL's `COPY … (FORMAT csv, HEADER)` writes.)
 * - `jsonl`: one JSON object per line, keys = column names; a missing key or `null` is NULL.
 * - `parquet`: a Parquet file whose column names are the stream's column names (any physical types
 *   DuckDB can cast to the target types).
 *
 * Canonical text of a value by its Iceberg type (CSV fields; JSON strings or numbers in JSONL):
 * | type | text |
 * |---|---|
 * | boolean | `t`/`f` or `true`/`false` (also `1`/`0`) |
 * | int, long | decimal digits with optional `-` |
 * | decimal(p,s) | plain decimal (`-123.45`), no exponent |
 * | float, double | decimal or exponent form, `NaN`, `Infinity`, `-Infinity` |
 * | date | `YYYY-MM-DD` |
 * | time | `HH:MM:SS[.ffffff]` |
 * | timestamp | `YYYY-MM-DD HH:MM:SS[.ffffff]` (or `T` separator), no offset |
 * | timestamptz | as timestamp plus an offset (`+00`, `+02:00`, `Z`); without one it is UTC |
 * | string | the text itself |
 * | uuid | `xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx` |
 * | binary, fixed | lowercase or uppercase hex digits, no prefix |
 * | list, map, struct | JSON text (`[1,2]`, `{"k":"v"}`) |
 */
import type { IcebergType } from './types.js';

/** A source column as introspected, with its Iceberg type when it has one. */
export interface SourceColumn {
  readonly name: string;
  /** The type as the source names it: `numeric(12,2)`, `timestamp with time zone`, `varchar(40)`. */
  readonly sourceType: string;
  /**
   * The Iceberg type values map to. Absent when the type has no mapping (`unsupported` says why):
   * extracting such a column is an error naming it unless the stream casts it to text.
   */
  readonly type?: IcebergType;
  readonly unsupported?: string;
  readonly nullable: boolean;
  /** A comment the source keeps on the column, when it has one. */
  readonly description?: string;
}

/** A stream: a table, a view, an API resource or a set of files. */
export interface SourceStream {
  /** As the pipeline names it: `public.accounts`, `dbo.customers`, `accounts`, `stock/*.csv`. */
  readonly name: string;
  readonly columns: readonly SourceColumn[];
  /** Primary key columns in key order ([] when the source declares none). */
  readonly primaryKey: readonly string[];
  /** Columns that can serve as incremental cursors (timestamps, dates, integer keys, row versions). */
  readonly cursorCandidates: readonly string[];
  /** Estimated row count when the source keeps one (statistics), else undefined. */
  readonly estimatedRows?: number;
}

/** What `test()` learned about a reachable source. */
export interface SourceInfo {
  readonly kind: string;
  /** Server product and version (`PostgreSQL 16.4`), when the source has one. */
  readonly version?: string;
  /** Where the source is, safe to print: credentials removed. */
  readonly target: string;
}

/** One column to extract. */
export interface ExtractColumn {
  readonly name: string;
  /** Convert to text at the source (for types without a mapping); the runner casts the text. */
  readonly asText?: boolean;
}

/** An incremental read: rows whose cursor column is past the last value a run reached. */
export interface CursorRange {
  readonly column: string;
  /** The last value reached (canonical text, see module comment); absent on the first run. */
  readonly after?: string;
  /** `>=` instead of `>`: rows equal to `after` are read again (merge modes, which are idempotent). */
  readonly inclusive?: boolean;
}

/** What to extract from one stream. */
export interface ExtractRequest {
  readonly stream: string;
  /** The columns, in order (default: every column of the stream). */
  readonly columns?: readonly ExtractColumn[];
  readonly cursor?: CursorRange;
  /**
   * The connector's own position from the previous run's last batch (`StagedBatch.state`), for
   * sources that track what they have read themselves (files: the files already loaded).
   */
  readonly state?: unknown;
  /** Rows per staged file (a hint; default 500,000). Incremental reads use it as the keyset chunk size. */
  readonly batchRows?: number;
  /** Local folder for staged files (exists; the runner deletes it after the run). */
  readonly stagingDir: string;
  readonly signal?: AbortSignal;
}

/** The encodings of staged files (see module comment). */
export type StagedFormat = 'csv' | 'jsonl' | 'parquet';

/** A staged file holding part of a stream (see module comment). The runner deletes it once written. */
export interface StagedBatch {
  readonly path: string;
  readonly format: StagedFormat;
  /** Column names in the file's order (the CSV header). */
  readonly columns: readonly string[];
  /** Rows in the file, when the connector counted them. */
  readonly rows?: number;
  /** Bytes read from the source for this batch (the staged file's size when unknown). */
  readonly bytes: number;
  /**
   * The connector's position after this batch (JSON-serialisable), stored with the data when the
   * batch commits and handed back as `ExtractRequest.state` next run.
   */
  readonly state?: unknown;
}

/**
 * A consistent read of the source: every stream read through one session sees the same state of the
 * source (PostgreSQL: one REPEATABLE READ READ ONLY transaction; MySQL: a consistent snapshot;
 * SQLite: one read transaction; files: the file list taken when the session opened).
 */
export interface SourceSession {
  describe(stream: string): Promise<SourceStream>;
  /** Staged files in source order; a failure throws from the iterator naming stream and cause. */
  extract(request: ExtractRequest): AsyncIterable<StagedBatch>;
  /** Every row's primary key (or the given columns): what `deletes: reconcile` compares. */
  extractKeys(
    request: ExtractRequest & { readonly columns: readonly ExtractColumn[] },
  ): AsyncIterable<StagedBatch>;
  close(): Promise<void>;
}

/** One source kind's implementation for one configured source. */
export interface Connector {
  readonly kind: string;
  /** Connects (checking credentials and reachability); throws a LakeError naming the source. */
  test(): Promise<SourceInfo>;
  /** Every stream the source offers (tables and views; for http, the configured resources). */
  discover(): Promise<SourceStream[]>;
  /** Opens a consistent read (see SourceSession). */
  session(): Promise<SourceSession>;
  /** Releases pools and connections. */
  close(): Promise<void>;
}

/**
 * How the CLI builds a connector from a `sources:` entry: the zod schema of its config (everything
 * but `type`) and a factory. `secrets` lists config keys whose values are never printed or stored.
 */
export interface ConnectorFactory<C = unknown> {
  readonly kind: string;
  readonly configSchema: import('zod').ZodType<C>;
  readonly secrets: readonly string[];
  create(name: string, config: C, context: ConnectorContext): Connector;
}

/** What a connector gets from its host. */
export interface ConnectorContext {
  /** Folder the config file is in: relative paths in a source's config resolve against it. */
  readonly baseDir: string;
  /** FileIO for s3:// locations (files connector). */
  readonly io?: import('./file-io.js').FileIO;
}

/** Removes the password (and any `password=`/`token=` query parameter) from a connection URL for display. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    for (const k of [...u.searchParams.keys()]) {
      if (/pass|secret|token|key/i.test(k)) u.searchParams.set(k, '***');
    }
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]+):[^@/]*@/, '//$1:***@');
  }
}
