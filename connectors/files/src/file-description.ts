/** What `describeFile` finds out about one or more files of the same layout. */
import type { FileFormat } from './detect-format.js';

/** A column as DuckDB reads it. */
export interface FileColumn {
  readonly name: string;
  /** DuckDB's type name: `BIGINT`, `DOUBLE`, `DATE`, `VARCHAR[]`, `STRUCT(x BIGINT)`, … */
  readonly duckdbType: string;
}

/** The format, columns and a SELECT that reads the files with an explicit dialect and types. */
export interface FileDescription {
  readonly format: FileFormat;
  /** Absolute paths read (globs expanded, sorted). */
  readonly files: readonly string[];
  readonly columns: readonly FileColumn[];
  /**
   * `SELECT * FROM read_csv(…)` / `read_json(…)` / `read_parquet(…)`: nothing left to auto-detect,
   * so a row that does not fit fails (run it on the same connection; map errors with `readError`).
   */
  readonly readSql: string;
}

/** Options of `describeFile`. */
export interface DescribeFileOptions {
  /** Overrides the format detected from the extension. */
  format?: FileFormat;
  /** CSV field delimiter (`,` `;` `\t` `|` …); sniffed when absent (`\t` for .tsv). */
  delimiter?: string;
  /** Whether CSV files have a header line; sniffed when absent. */
  header?: boolean;
  /** CSV lines before the header (a title, notes); default 0, never guessed. */
  skip?: number;
  /** Rows (CSV) or records (JSON) sampled per file to detect types; default 20480. */
  sampleSize?: number;
}

export const DEFAULT_SAMPLE_SIZE = 20_480;
