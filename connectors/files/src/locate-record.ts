/**
 * DuckDB's JSON errors count records (non-blank lines), not lines. This maps a record number back to
 * the file's line number by scanning the file, synchronously because it runs inside `readError`.
 */
import { closeSync, openSync, readSync } from 'node:fs';

/** Where a record is: its 1-based line number and (the start of) its text. */
export interface RecordLocation {
  line: number;
  text: string;
}

const MAX_TEXT = 65_536;

/** Finds the `record`-th non-blank line of an uncompressed text file; undefined if there is none. */
export function locateRecord(path: string, record: number): RecordLocation | undefined {
  if (record < 1 || path.toLowerCase().endsWith('.gz')) return undefined;
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return undefined;
  }
  try {
    const buf = Buffer.alloc(1 << 20);
    let line = 1;
    let seen = 0;
    let hasContent = false;
    let parts: Buffer[] = [];
    let partsSize = 0;
    const finishLine = (): RecordLocation | undefined => {
      if (hasContent && ++seen === record) {
        return { line, text: Buffer.concat(parts).toString('utf8').replace(/\r$/, '') };
      }
      line++;
      hasContent = false;
      parts = [];
      partsSize = 0;
      return undefined;
    };
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null);
      if (n === 0) return hasContent ? finishLine() : undefined;
      let pos = 0;
      while (pos < n) {
        const nl = buf.indexOf(10, pos);
        const end = nl === -1 || nl >= n ? n : nl;
        if (!hasContent) {
          for (let i = pos; i < end; i++) {
            const c = buf[i]!;
            if (c !== 32 && c !== 9 && c !== 13) {
              hasContent = true;
              break;
            }
          }
        }
        if (partsSize < MAX_TEXT) {
          const piece = Buffer.from(buf.subarray(pos, Math.min(end, pos + MAX_TEXT - partsSize)));
          parts.push(piece);
          partsSize += piece.length;
        }
        if (end === n) break;
        const found = finishLine();
        if (found) return found;
        pos = end + 1;
      }
    }
  } finally {
    closeSync(fd);
  }
}
