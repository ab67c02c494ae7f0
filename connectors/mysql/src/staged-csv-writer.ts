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

function hasSpecial(b: Uint8Array, s: number, e: number): boolean {
  for (let j = s; j < e; j++) {
    const c = b[j]!;
    if (c === QUOTE || c === COMMA || c === LF || c === CR) return true;
  }
  return false;
}

function bytesOf(v: Exclude<RawValue, null | undefined>): Uint8Array {
  return v instanceof Uint8Array ? v : Buffer.from(String(v), 'utf8');
}

/** A length-coded value's length and where its bytes start (`len` -1: NULL). */
function lengthCoded(src: Uint8Array, pos: number): { len: number; at: number } {
  const tag = src[pos]!;
  if (tag < 0xfb) return { len: tag, at: pos + 1 };
  if (tag === 0xfb) return { len: -1, at: pos + 1 };
  if (tag === 0xfc) return { len: src[pos + 1]! | (src[pos + 2]! << 8), at: pos + 3 };
  if (tag === 0xfd) return { len: src[pos + 1]! | (src[pos + 2]! << 8) | (src[pos + 3]! << 16), at: pos + 4 };
  return {
    len: src[pos + 1]! + src[pos + 2]! * 2 ** 8 + src[pos + 3]! * 2 ** 16 + src[pos + 4]! * 2 ** 24,
    at: pos + 9,
  };
}

/** Every value of a text-protocol row packet's payload `src[start, end)`, as copies (NULL: null). */
export function decodeRowPacket(src: Uint8Array, start: number, end: number): (Buffer | null)[] {
  const out: (Buffer | null)[] = [];
  let pos = start;
  while (pos < end) {
    const { len, at } = lengthCoded(src, pos);
    out.push(len < 0 ? null : Buffer.from(src.subarray(at, at + len)));
    pos = len < 0 ? at : at + len;
  }
  return out;
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
    const n = this.encoders.length;
    for (let i = 0; i < n; i++) {
      if (i > 0) this.byte(COMMA);
      const v = row[i];
      if (v === null || v === undefined) continue;
      const b = bytesOf(v);
      this.field(i, b, 0, b.length);
    }
    this.byte(LF);
    return this.endRow();
  }

  /**
   * Adds one row straight from a text-protocol row packet's payload (`src[start, end)`): each value
   * is a length-coded string (0xfb: NULL), copied from the packet without a Buffer per value.
   * Values after the first `columns.length` (keyset columns) are skipped.
   */
  addPacket(src: Uint8Array, start: number, end: number): StagedBatch | undefined {
    this.startRow();
    const n = this.encoders.length;
    let pos = start;
    for (let i = 0; i < n; i++) {
      if (i > 0) this.byte(COMMA);
      if (pos >= end) throw new DataError(`stream ${this.opts.stream}: a row packet ended early`);
      const tag = src[pos]!;
      let len = tag;
      if (tag < 0xfb) pos++;
      else if (tag === 0xfb) {
        pos++;
        continue;
      } else {
        const coded = lengthCoded(src, pos);
        len = coded.len;
        pos = coded.at;
      }
      this.field(i, src, pos, pos + len);
      pos += len;
    }
    this.byte(LF);
    return this.endRow();
  }

  /** One non-NULL value `src[s, e)` as column `i`'s field. */
  private field(i: number, src: Uint8Array, s: number, e: number): void {
    switch (this.encoders[i]) {
      case 'plain':
        this.copy(src, s, e);
        break;
      case 'text':
        this.text(src, s, e);
        break;
      case 'hex':
        if (e === s) this.emptyString();
        else this.copy(src, s, e);
        break;
      case 'date':
        if (this.validDate(src, s, e, i)) this.copy(src, s, e);
        break;
      case 'zoned':
        if (this.validDate(src, s, e, i)) {
          const wall = Buffer.from(src.buffer, src.byteOffset + s, e - s).toString('latin1');
          this.put(Buffer.from(wall + (this.offsetOf(wall) ?? ''), 'latin1'));
        }
        break;
      case 'time':
        this.checkTime(src, s, e, i);
        this.copy(src, s, e);
        break;
    }
  }

  private emptyString(): void {
    this.byte(QUOTE);
    this.byte(QUOTE);
  }

  /** Copies `src[s, e)` as it is (short values by hand: cheaper than a native call). */
  private copy(src: Uint8Array, s: number, e: number): void {
    const len = e - s;
    if (len >= 48 || this.off + len > STAGED_BUFFER_BYTES) {
      this.put(src.subarray(s, e));
      return;
    }
    const buf = this.buf;
    let off = this.off;
    for (let j = s; j < e; j++) buf[off++] = src[j]!;
    this.off = off;
  }

  /** Text: copied while scanning for `"` `,` CR LF; quoted (with `""` for `"`) when one is found. */
  private text(src: Uint8Array, s: number, e: number): void {
    const len = e - s;
    if (len === 0) {
      this.emptyString();
      return;
    }
    if (this.off + len > STAGED_BUFFER_BYTES) this.flush();
    if (len > STAGED_BUFFER_BYTES) {
      if (!hasSpecial(src, s, e)) {
        this.put(src.subarray(s, e));
        return;
      }
    } else {
      const buf = this.buf;
      const start = this.off;
      let off = start;
      let special = false;
      for (let j = s; j < e; j++) {
        const c = src[j]!;
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
    for (let j = s; j < e; j++) {
      const c = src[j]!;
      if (c === QUOTE) this.byte(QUOTE);
      this.byte(c);
    }
    this.byte(QUOTE);
  }

  /** DATE/DATETIME/TIMESTAMP text; a zero month or day (`0000-00-00`, `2026-00-10`) is no date. */
  private validDate(src: Uint8Array, s: number, e: number, i: number): boolean {
    if ((src[s + 5] === ZERO && src[s + 6] === ZERO) || (src[s + 8] === ZERO && src[s + 9] === ZERO)) {
      if (this.opts.zeroDates === 'null') return false;
      throw this.valueError(
        i,
        src.subarray(s, e),
        'is a zero date, which has no Iceberg value (set zero_dates: null to read zero dates as NULL)',
      );
    }
    return true;
  }

  /** TIME text: Iceberg's time is a time of day, MySQL's TIME a duration of up to ±838 hours. */
  private checkTime(src: Uint8Array, s: number, e: number, i: number): void {
    const c0 = src[s]!;
    if (c0 === 0x2d || src[s + 2] !== 0x3a || (c0 - ZERO) * 10 + (src[s + 1]! - ZERO) >= 24) {
      throw this.valueError(
        i,
        src.subarray(s, e),
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
