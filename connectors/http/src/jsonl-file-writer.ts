/**
 * Staged JSON Lines (one object per line, see `@lakekit/core`'s connector module); the files
 * themselves (buffering, one file every `batchRows` rows) are `StagedFileWriter`'s.
 */
import { type StagedBatch, StagedFileWriter } from '@lakekit/core';

function bigintAsText(_key: string, v: unknown): unknown {
  // The converter reads JSON strings of digits into long and decimal columns exactly.
  return typeof v === 'bigint' ? v.toString() : v;
}

/** Records → staged JSONL files of at most `batchRows` records each. */
export class JsonlFileWriter extends StagedFileWriter {
  constructor(options: { dir: string; stream: string; columns: readonly string[]; batchRows: number }) {
    super({ ...options, format: 'jsonl' });
  }

  /** Appends one record; returns the file it completed, if any. */
  write(record: Record<string, unknown>): StagedBatch | undefined {
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify(record, bigintAsText);
    }
    this.startRow();
    this.putString(`${line}\n`);
    return this.endRow();
  }
}
