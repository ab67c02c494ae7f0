/**
 * The file side of staging, shared by connectors: rows go through a 1 MiB byte buffer into a staged
 * file, written with synchronous calls (rows arrive in order from one socket or cursor, and a blocking
 * write to local disk keeps that order without a promise per row), and a new file starts every
 * `batchRows` rows. Connectors encode values (the canonical CSV or JSON-lines text of
 * `connector.ts`) and call `put`/`byte`/`putString`, then `endRow`; byte-level encoders write into
 * `buf` at `off` directly (see the MySQL connector).
 */
import { randomUUID } from 'node:crypto';
import { closeSync, openSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import type { StagedBatch, StagedFormat } from './connector.js';

/** Where and how a writer stages its files. */
export interface StagedFileWriterOptions {
  readonly dir: string;
  /** The stream, for file names (and connectors' error messages). */
  readonly stream: string;
  readonly format: Exclude<StagedFormat, 'parquet'>;
  /** Column names, in file order. */
  readonly columns: readonly string[];
  /** Rows per file. */
  readonly batchRows: number;
  /** Written at the start of every file (a CSV header line). */
  readonly header?: string;
}

const BUFFER_BYTES = 1 << 20;

/** Rows → staged files of at most `batchRows` rows each. */
export class StagedFileWriter {
  protected readonly buf = Buffer.allocUnsafe(BUFFER_BYTES);
  protected off = 0;
  private readonly headerBytes: Buffer | undefined;
  private readonly prefix: string;
  private fd: number | undefined;
  private path = '';
  private rows = 0;
  private bytes = 0;
  private files = 0;

  constructor(protected readonly file: StagedFileWriterOptions) {
    if (!(Number.isInteger(file.batchRows) && file.batchRows >= 1))
      throw new RangeError(`batchRows must be a positive integer (got ${file.batchRows})`);
    this.headerBytes = file.header === undefined ? undefined : Buffer.from(file.header, 'utf8');
    const safe = file.stream.replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
    this.prefix = `${safe}-${randomUUID().slice(0, 8)}`;
  }

  /** Opens the next file when none is open (call before writing a row's bytes). */
  protected startRow(): void {
    if (this.fd === undefined) this.open();
  }

  /** Ends a row; returns the file it completed, if any. */
  protected endRow(): StagedBatch | undefined {
    this.rows++;
    return this.rows >= this.file.batchRows ? this.close() : undefined;
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

  protected byte(x: number): void {
    if (this.off >= BUFFER_BYTES) this.flush();
    this.buf[this.off++] = x;
  }

  /** Copies bytes as they are (short values by hand: cheaper than a native call). */
  protected put(b: Uint8Array): void {
    const len = b.length;
    if (this.off + len > BUFFER_BYTES) {
      this.flush();
      if (len > BUFFER_BYTES) {
        this.bytes += writeSync(this.fd!, b);
        return;
      }
    }
    const buf = this.buf;
    let off = this.off;
    if (len < 48) {
      for (let j = 0; j < len; j++) buf[off++] = b[j]!;
      this.off = off;
    } else {
      buf.set(b, off);
      this.off = off + len;
    }
  }

  /** Encodes text as UTF-8 (at most 3 bytes per UTF-16 unit), flushing first when it may not fit. */
  protected putString(s: string): void {
    if (this.off + s.length * 3 > BUFFER_BYTES) {
      this.flush();
      if (s.length * 3 > BUFFER_BYTES) {
        this.bytes += writeSync(this.fd!, s);
        return;
      }
    }
    this.off += this.buf.write(s, this.off, 'utf8');
  }

  /** Writes the buffer out (also when a byte-level encoder needs room). */
  protected flush(): void {
    if (this.off === 0) return;
    let done = 0;
    while (done < this.off) done += writeSync(this.fd!, this.buf, done, this.off - done);
    this.bytes += this.off;
    this.off = 0;
  }

  private open(): void {
    this.files++;
    this.path = join(
      this.file.dir,
      `${this.prefix}-${String(this.files).padStart(5, '0')}.${this.file.format}`,
    );
    this.fd = openSync(this.path, 'w');
    this.rows = 0;
    this.bytes = 0;
    this.off = 0;
    if (this.headerBytes) this.put(this.headerBytes);
  }

  private close(): StagedBatch {
    this.flush();
    closeSync(this.fd!);
    this.fd = undefined;
    return {
      path: this.path,
      format: this.file.format,
      columns: [...this.file.columns],
      rows: this.rows,
      bytes: this.bytes,
    };
  }
}

/** Bytes a byte-level encoder may write into the buffer before it must flush. */
export const STAGED_BUFFER_BYTES = BUFFER_BYTES;
