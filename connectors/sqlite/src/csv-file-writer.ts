/**
 * Staged CSV in the canonical dialect (RFC 4180, see `@lakekit/core`'s connector module): NULL is an
 * unquoted empty field, an empty string is `""`, and a field is quoted only when it has to be. The
 * files themselves (buffering, one file every `batchRows` rows) are `StagedFileWriter`'s.
 */
import { type StagedBatch, StagedFileWriter } from '@lakekit/core';

const NEEDS_QUOTES = /[",\r\n]/;

/** One field's CSV text: `null` → empty, `''` → `""`, quoted when it holds `"` `,` CR or LF or edge spaces. */
export function csvField(text: string | null): string {
  if (text === null) return '';
  if (text === '') return '""';
  if (NEEDS_QUOTES.test(text) || text.charCodeAt(0) <= 32 || text.charCodeAt(text.length - 1) <= 32) {
    return `"${text.replaceAll('"', '""')}"`;
  }
  return text;
}

/** Rows of field texts → staged CSV files of at most `batchRows` rows each. */
export class CsvFileWriter extends StagedFileWriter {
  constructor(options: { dir: string; stream: string; columns: readonly string[]; batchRows: number }) {
    super({ ...options, format: 'csv', header: `${options.columns.map(csvField).join(',')}\n` });
  }

  /** Appends a row of field texts (`null` for NULL); returns the file it completed, if any. */
  writeRow(fields: readonly (string | null)[]): StagedBatch | undefined {
    this.startRow();
    let line = '';
    for (let i = 0; i < fields.length; i++) {
      if (i > 0) line += ',';
      line += csvField(fields[i]!);
    }
    this.putString(`${line}\n`);
    return this.endRow();
  }
}
