/** Staged JSON Lines files (one object per line, see `@lakekit/core`'s connector module), written synchronously through a buffer. */
import { closeSync, openSync, writeSync } from 'node:fs';

const FLUSH_AT = 1 << 20;

function bigintAsText(_key: string, v: unknown): unknown {
  // The converter reads JSON strings of digits into long and decimal columns exactly.
  return typeof v === 'bigint' ? v.toString() : v;
}

/** A staged JSONL file being written. */
export class JsonlFileWriter {
  readonly path: string;
  rows = 0;
  bytes = 0;
  private readonly fd: number;
  private buffer = '';

  constructor(path: string) {
    this.path = path;
    this.fd = openSync(path, 'w');
  }

  /** Appends one record. */
  write(record: Record<string, unknown>): void {
    let line: string;
    try {
      line = JSON.stringify(record);
    } catch {
      line = JSON.stringify(record, bigintAsText);
    }
    this.buffer += `${line}\n`;
    this.rows++;
    if (this.buffer.length >= FLUSH_AT) this.flush();
  }

  /** Writes what is buffered and closes the file. */
  close(): void {
    this.flush();
    closeSync(this.fd);
  }

  private flush(): void {
    if (this.buffer === '') return;
    const data = Buffer.from(this.buffer, 'utf8');
    let off = 0;
    while (off < data.length) off += writeSync(this.fd, data, off);
    this.bytes += data.length;
    this.buffer = '';
  }
}
