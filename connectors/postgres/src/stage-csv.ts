/**
 * Writes a CSV byte stream (COPY … TO STDOUT (FORMAT csv), no header) into staged files of at most
 * `batchRows` records each, every file starting with the header line. Bytes go from the socket to the
 * file in large buffered writes; the only work per record is the boundary scan. A file is opened when
 * its first byte arrives, so an empty stream stages nothing.
 */
import { once } from 'node:events';
import { createWriteStream, type WriteStream } from 'node:fs';
import { join } from 'node:path';
import type { StagedBatch } from '@lakekit/core';
import { CsvRecordScanner } from './csv-record-scanner.js';

/** Where and how to stage one CSV stream. */
export interface StageOptions {
  readonly dir: string;
  /** File name prefix, unique per extract (`public.accounts-1a2b3c-`). */
  readonly prefix: string;
  readonly columns: readonly string[];
  readonly batchRows: number;
  /** Numbering continues from here (for several streams staged into one extract). */
  readonly firstIndex?: number;
}

/** The header line: every name quoted (RFC 4180), so names with commas or quotes survive. */
export function csvHeader(columns: readonly string[]): Buffer {
  return Buffer.from(`${columns.map((c) => `"${c.replaceAll('"', '""')}"`).join(',')}\n`, 'utf8');
}

const WRITE_BUFFER = 8 * 1024 * 1024;

class StagedFile {
  readonly out: WriteStream;
  rows = 0;
  bytes = 0;

  constructor(
    readonly path: string,
    header: Buffer,
  ) {
    this.out = createWriteStream(path, { highWaterMark: WRITE_BUFFER });
    this.write(header);
  }

  /** Queues bytes; resolves at once unless the write buffer is full. */
  write(chunk: Buffer): Promise<void> | undefined {
    this.bytes += chunk.length;
    if (this.out.write(chunk)) return undefined;
    return once(this.out, 'drain').then(() => undefined);
  }

  async finish(): Promise<void> {
    this.out.end();
    await once(this.out, 'close');
  }
}

/**
 * Stages `source` (CSV chunks) and yields a batch whenever a file holds `batchRows` records, and one
 * for the rest at the end. On a failure the current file is closed and the error rethrown.
 */
export async function* stageCsv(
  source: AsyncIterable<Buffer>,
  options: StageOptions,
): AsyncGenerator<StagedBatch> {
  const header = csvHeader(options.columns);
  const scanner = new CsvRecordScanner();
  let index = options.firstIndex ?? 0;
  let file: StagedFile | undefined;
  const batch = (f: StagedFile): StagedBatch => ({
    path: f.path,
    format: 'csv',
    columns: options.columns,
    rows: f.rows,
    bytes: f.bytes,
  });
  try {
    for await (const chunk of source) {
      let pos = 0;
      while (pos < chunk.length) {
        if (!file)
          file = new StagedFile(
            join(options.dir, `${options.prefix}${String(index++).padStart(5, '0')}.csv`),
            header,
          );
        const { records, end } = scanner.scan(chunk, pos, options.batchRows - file.rows);
        const full = file.write(pos === 0 && end === chunk.length ? chunk : chunk.subarray(pos, end));
        if (full) await full;
        file.rows += records;
        pos = end;
        if (file.rows >= options.batchRows) {
          const done = file;
          file = undefined;
          await done.finish();
          yield batch(done);
        }
      }
    }
    if (file) {
      // COPY ends every record with a newline; count a trailing unterminated one all the same.
      if (scanner.midRecord) file.rows++;
      const done = file;
      file = undefined;
      await done.finish();
      yield batch(done);
    }
  } finally {
    if (file) {
      file.out.destroy();
    }
  }
}
