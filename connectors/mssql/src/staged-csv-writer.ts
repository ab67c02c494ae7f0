/**
 * Writes rows as staged CSV files (RFC 4180, see `@lakekit/core`'s connector module): a field is
 * quoted only when it must be, NULL is an empty unquoted field and the empty string `""`. A new
 * file starts every `batchRows` rows. Values arrive as driver values (strings, numbers, booleans);
 * each row becomes one string, encoded into a 1 MB buffer that is written with one synchronous call
 * when full — rows arrive in order from one socket, and a blocking write to local disk keeps that
 * order without a promise per row. (The MySQL connector has the byte-level twin of this writer.)
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StagedBatch } from '@lakekit/core';

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

const BUFFER_BYTES = 1 << 20;
const NEEDS_QUOTES = /[",\r\n]/;

/** A text field: quoted when it holds a separator, quote or line break; the empty string as `""`. */
export function csvText(s: string): string {
  if (s.length === 0) return '""';
  return NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

/** Rows → staged CSV files of at most `batchRows` rows each. */
export class StagedCsvWriter {
  private readonly encoders: Encoder[];
  private readonly header: string;
  private readonly prefix: string;
  private readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  private off = 0;
  private fd: number | undefined;
  private path = '';
  private rows = 0;
  private bytes = 0;
  private files = 0;

  constructor(private readonly opts: StagedCsvWriterOptions) {
    this.encoders = opts.columns.map((c) => c.encoder);
    this.header = `${opts.columns.map((c) => csvText(c.name)).join(',')}\n`;
    const safe = opts.stream.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
    this.prefix = `${safe}-${randomUUID().slice(0, 8)}`;
  }

  /** Adds one row (the first `columns.length` values); returns the file it completed, if any. */
  add(row: readonly unknown[]): StagedBatch | undefined {
    if (this.fd === undefined) this.open();
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
    this.write(`${line}\n`);
    this.rows++;
    return this.rows >= this.opts.batchRows ? this.close() : undefined;
  }

  /** Closes the last file; returns it when it holds rows. */
  finish(): StagedBatch | undefined {
    return this.fd === undefined ? undefined : this.close();
  }

  /** Closes and deletes the file being written (after a failure). */
  discard(): void {
    if (this.fd === undefined) return;
    closeSync(this.fd);
    this.fd = undefined;
    this.off = 0;
    rmSync(this.path, { force: true });
  }

  /** Deletes a file this writer completed that nobody will read (the extract failed first). */
  remove(batch: StagedBatch): void {
    rmSync(batch.path, { force: true });
  }

  private open(): void {
    this.files++;
    this.path = join(this.opts.dir, `${this.prefix}-${String(this.files).padStart(5, '0')}.csv`);
    this.fd = openSync(this.path, 'w');
    this.rows = 0;
    this.bytes = 0;
    this.off = 0;
    this.write(this.header);
  }

  /** Encodes text into the buffer (at most 3 bytes per UTF-16 unit), flushing first when it may not fit. */
  private write(s: string): void {
    if (this.off + s.length * 3 > BUFFER_BYTES) {
      this.flush();
      if (s.length * 3 > BUFFER_BYTES) {
        this.bytes += writeSync(this.fd!, s);
        return;
      }
    }
    this.off += this.buf.write(s, this.off, 'utf8');
  }

  private flush(): void {
    let done = 0;
    while (done < this.off) done += writeSync(this.fd!, this.buf, done, this.off - done);
    this.bytes += this.off;
    this.off = 0;
  }

  private close(): StagedBatch {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    return {
      path: this.path,
      format: 'csv',
      columns: this.opts.columns.map((c) => c.name),
      rows: this.rows,
      bytes: this.bytes,
    };
  }
}
