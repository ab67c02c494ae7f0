/**
 * Writes rows as staged CSV files (RFC 4180, see `@lakekit/core`'s connector module): a field is
 * quoted only when it must be, NULL is an empty unquoted field and the empty string `""`. A new
 * file starts every `batchRows` rows.
 *
 * Throughput is the point: values arrive as the server's text bytes (mysql2 with `typeCast: false`
 * hands out views of the packet), and are copied byte by byte into a 1 MB buffer, scanning text for
 * the four bytes that force quoting on the way — no JavaScript string is made for a value, and UTF-8
 * needs no re-encoding. The full buffer is written with one synchronous call: rows arrive in order
 * from one socket, and a blocking write to local disk keeps that order without a promise per row.
 */
import { DataError, STAGED_BUFFER_BYTES, type StagedBatch, StagedFileWriter } from '@lakekit/core';
import type { ColumnPlan, Encoder } from './column-plan.js';
import { wallClockOffset } from './zone-offset.js';

/** What a writer needs to know. */
export interface StagedCsvWriterOptions {
  readonly dir: string;
  /** The stream, for file names and error messages. */
  readonly stream: string;
  readonly columns: readonly Pick<ColumnPlan, 'name' | 'encoder'>[];
  /** Rows per file. */
  readonly batchRows: number;
  /** Zero dates (`0000-00-00`): fail, or write NULL. */
  readonly zeroDates: 'error' | 'null';
  /** The zone of `zoned` columns. */
  readonly timezone: string;
}

/** A value as the driver gives it: the server's text as bytes, or (in tests) a string or number. */
export type RawValue = Uint8Array | string | number | bigint | null | undefined;

const QUOTE = 0x22;
const COMMA = 0x2c;
const LF = 0x0a;
const CR = 0x0d;
const ZERO = 0x30;

/** A text field: quoted when it holds a separator, quote or line break; the empty string as `""`. */
export function csvText(s: string): string {
  if (s.length === 0) return '""';
  return /[",\r\n]/.test(s) ? `"${s.replaceAll('"', '""')}"` : s;
}

function hasSpecial(b: Uint8Array): boolean {
  for (let j = 0; j < b.length; j++) {
    const c = b[j]!;
    if (c === QUOTE || c === COMMA || c === LF || c === CR) return true;
  }
  return false;
}

function bytesOf(v: Exclude<RawValue, null | undefined>): Uint8Array {
  return v instanceof Uint8Array ? v : Buffer.from(String(v), 'utf8');
}

/** Rows → staged CSV files of at most `batchRows` rows each. */
export class StagedCsvWriter extends StagedFileWriter {
  private readonly encoders: Encoder[];
  private readonly offsetOf: (wall: string) => string | undefined;

  constructor(private readonly opts: StagedCsvWriterOptions) {
    super({
      dir: opts.dir,
      stream: opts.stream,
      format: 'csv',
      columns: opts.columns.map((c) => c.name),
      batchRows: opts.batchRows,
      header: `${opts.columns.map((c) => csvText(c.name)).join(',')}\n`,
    });
    this.encoders = opts.columns.map((c) => c.encoder);
    this.offsetOf = this.encoders.includes('zoned') ? wallClockOffset(opts.timezone) : () => undefined;
  }

  /** Adds one row (the first `columns.length` values); returns the file it completed, if any. */
  add(row: readonly RawValue[]): StagedBatch | undefined {
    this.startRow();
    const enc = this.encoders;
    const n = enc.length;
    for (let i = 0; i < n; i++) {
      if (i > 0) this.byte(COMMA);
      const v = row[i];
      if (v === null || v === undefined) continue;
      const b = bytesOf(v);
      switch (enc[i]) {
        case 'plain':
          this.put(b);
          break;
        case 'text':
          this.text(b);
          break;
        case 'hex':
          if (b.length === 0) this.emptyString();
          else this.put(b);
          break;
        case 'date':
          if (this.validDate(b, i)) this.put(b);
          break;
        case 'zoned':
          if (this.validDate(b, i)) {
            const s = Buffer.from(b).toString('latin1');
            this.put(Buffer.from(s + (this.offsetOf(s) ?? ''), 'latin1'));
          }
          break;
        case 'time':
          this.checkTime(b, i);
          this.put(b);
          break;
      }
    }
    this.byte(LF);
    return this.endRow();
  }

  private emptyString(): void {
    this.byte(QUOTE);
    this.byte(QUOTE);
  }

  /** Text: copied while scanning for `"` `,` CR LF; quoted (with `""` for `"`) when one is found. */
  private text(b: Uint8Array): void {
    const len = b.length;
    if (len === 0) {
      this.emptyString();
      return;
    }
    if (this.off + len > STAGED_BUFFER_BYTES) this.flush();
    if (len > STAGED_BUFFER_BYTES) {
      if (!hasSpecial(b)) {
        this.put(b);
        return;
      }
    } else {
      const buf = this.buf;
      const start = this.off;
      let off = start;
      let special = false;
      for (let j = 0; j < len; j++) {
        const c = b[j]!;
        if (c === QUOTE || c === COMMA || c === LF || c === CR) special = true;
        buf[off++] = c;
      }
      if (!special) {
        this.off = off;
        return;
      }
      this.off = start;
    }
    // Quoted: rare enough to go byte by byte through the buffer.
    this.byte(QUOTE);
    for (let j = 0; j < len; j++) {
      const c = b[j]!;
      if (c === QUOTE) this.byte(QUOTE);
      this.byte(c);
    }
    this.byte(QUOTE);
  }

  /** DATE/DATETIME/TIMESTAMP text; a zero month or day (`0000-00-00`, `2026-00-10`) is no date. */
  private validDate(b: Uint8Array, i: number): boolean {
    if ((b[5] === ZERO && b[6] === ZERO) || (b[8] === ZERO && b[9] === ZERO)) {
      if (this.opts.zeroDates === 'null') return false;
      throw this.valueError(
        i,
        b,
        'is a zero date, which has no Iceberg value (set zero_dates: null to read zero dates as NULL)',
      );
    }
    return true;
  }

  /** TIME text: Iceberg's time is a time of day, MySQL's TIME a duration of up to ±838 hours. */
  private checkTime(b: Uint8Array, i: number): void {
    const c0 = b[0]!;
    if (c0 === 0x2d || b[2] !== 0x3a || (c0 - ZERO) * 10 + (b[1]! - ZERO) >= 24) {
      throw this.valueError(
        i,
        b,
        'is not a time of day (00:00:00 to 23:59:59.999999); extract the column as text',
      );
    }
  }

  private valueError(i: number, value: Uint8Array, why: string): DataError {
    const column = this.opts.columns[i]!.name;
    const text = Buffer.from(value).toString('utf8');
    return new DataError(`stream ${this.opts.stream}, column ${column}: value '${text}' ${why}`, {
      context: { stream: this.opts.stream, column, value: text },
    });
  }
}
