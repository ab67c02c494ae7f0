/**
 * Writes rows as staged CSV files (RFC 4180, see `@lakekit/core`'s connector module): a field is
 * quoted only when it must be, NULL is an empty unquoted field and the empty string `""`. A new
 * file starts every `batchRows` rows. Values arrive as driver values (strings, numbers, booleans);
 * each row becomes one string, encoded into a 1 MB buffer that is written with one synchronous call
 * when full (the file side is `StagedFileWriter` of @lakekit/core; the MySQL connector has the
 * byte-level twin of this writer).
 */
import { type StagedBatch, StagedFileWriter } from '@lakekit/core';

/**
 * How a value becomes a field: `plain` (numbers, booleans and server-formatted text that never
 * needs quoting), `text` (quoted when it holds `,` `"` CR or LF; the empty string as `""`),
 * `hex` (hex digits; the empty binary as `""`).
 */
export type Encoder = 'plain' | 'text' | 'hex';

/** What a writer needs to know. */
export interface StagedCsvWriterOptions {
  readonly dir: string;
  /** The stream, for file names. */
  readonly stream: string;
  readonly columns: readonly { readonly name: string; readonly encoder: Encoder }[];
  /** Rows per file. */
  readonly batchRows: number;
}

const NEEDS_QUOTES = /[",\r\n]/;

/** A text field: quoted when it holds a separator, quote or line break; the empty string as `""`. */
export function csvText(s: string): string {
  if (s.length === 0) return '""';
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows → staged CSV files of at most `batchRows` rows each. */
export class StagedCsvWriter extends StagedFileWriter {
  private readonly encoders: Encoder[];

  constructor(opts: StagedCsvWriterOptions) {
    super({
      dir: opts.dir,
      stream: opts.stream,
      format: 'csv',
      columns: opts.columns.map((c) => c.name),
      batchRows: opts.batchRows,
      header: `${opts.columns.map((c) => csvText(c.name)).join(',')}\n`,
    });
    this.encoders = opts.columns.map((c) => c.encoder);
  }

  /** Adds one row (the first `columns.length` values); returns the file it completed, if any. */
  add(row: readonly unknown[]): StagedBatch | undefined {
    this.startRow();
    const enc = this.encoders;
    const n = enc.length;
    let line = '';
    for (let i = 0; i < n; i++) {
      if (i > 0) line += ',';
      const v = row[i];
      if (v === null || v === undefined) continue;
      switch (enc[i]) {
        case 'plain':
          line += typeof v === 'string' ? v : String(v);
          break;
        case 'text':
          line += csvText(typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('utf8') : String(v));
          break;
        case 'hex': {
          const s = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('hex') : String(v);
          line += s.length === 0 ? '""' : s;
          break;
        }
      }
    }
    this.putString(`${line}\n`);
    return this.endRow();
  }
}
