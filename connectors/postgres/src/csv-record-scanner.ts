/**
 * Finds CSV record boundaries in a byte stream, so a COPY stream can be cut into staged files of N
 * rows without parsing it. A record ends at a `\n` outside quotes; inside a quoted field a newline is
 * data, and `""` is an escaped quote (seen here as a quote closing and one reopening). The quote state
 * carries across chunks, so a field may start in one Buffer and end in the next. Work per record is a
 * couple of native `indexOf` calls: no decoding, no per-byte JavaScript.
 */

const QUOTE = 0x22;
const NEWLINE = 0x0a;

/** What one `scan` found. */
export interface ScanResult {
  /** Complete records that ended in the scanned range. */
  readonly records: number;
  /** Where scanning stopped: just past the last counted record end, or the end of the buffer. */
  readonly end: number;
}

/** A scanner for one CSV stream; feed it the stream's chunks in order. */
export class CsvRecordScanner {
  private inQuote = false;
  private partial = false;

  /** Whether bytes of an unfinished record have been scanned (the stream did not end with `\n`). */
  get midRecord(): boolean {
    return this.partial;
  }

  /**
   * Scans `buf` from `start` until `maxRecords` records have ended (then `end` is just past the
   * last one's `\n`) or the buffer is exhausted (`end` = `buf.length`).
   */
  scan(buf: Buffer, start: number, maxRecords: number): ScanResult {
    const len = buf.length;
    let pos = start;
    let records = 0;
    let inQuote = this.inQuote;
    let nextQuote = -1;
    let nextNewline = -1;
    while (pos < len && records < maxRecords) {
      if (inQuote) {
        const q = buf.indexOf(QUOTE, pos);
        if (q === -1) {
          pos = len;
          break;
        }
        inQuote = false;
        pos = q + 1;
        continue;
      }
      if (nextQuote < pos) {
        nextQuote = buf.indexOf(QUOTE, pos);
        if (nextQuote === -1) nextQuote = len;
      }
      if (nextNewline < pos) {
        nextNewline = buf.indexOf(NEWLINE, pos);
        if (nextNewline === -1) nextNewline = len;
      }
      if (nextNewline < nextQuote) {
        records++;
        pos = nextNewline + 1;
      } else if (nextQuote < len) {
        inQuote = true;
        pos = nextQuote + 1;
      } else {
        pos = len;
      }
    }
    this.inQuote = inQuote;
    if (pos > start) this.partial = inQuote || buf[pos - 1] !== NEWLINE;
    return { records, end: pos };
  }
}
