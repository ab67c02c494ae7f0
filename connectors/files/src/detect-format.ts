/** File formats by extension, so a typo'd or unknown file fails before DuckDB guesses. */
import { DataError } from '@lakekit/core';

/** The formats this connector reads. */
export type FileFormat = 'csv' | 'jsonl' | 'parquet';

const EXTENSIONS: ReadonlyArray<readonly [RegExp, FileFormat]> = [
  [/\.(csv|tsv)(\.gz)?$/i, 'csv'],
  [/\.(jsonl|ndjson|json)(\.gz)?$/i, 'jsonl'],
  [/\.parquet$/i, 'parquet'],
];

/** The format of a file from its extension (`.csv`, `.tsv`, `.jsonl`, `.ndjson`, `.json`, `.parquet`, `.gz` for text). */
export function detectFormat(path: string): FileFormat {
  for (const [re, format] of EXTENSIONS) if (re.test(path)) return format;
  throw new DataError(
    `${path}: unknown file type; expected .csv, .tsv, .jsonl, .ndjson, .json (each optionally .gz) or .parquet`,
    { context: { file: path } },
  );
}
