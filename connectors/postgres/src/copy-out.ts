/**
 * Runs `COPY (…) TO STDOUT` on a pg connection and yields the raw bytes of the rows as they arrive.
 * While the COPY runs it reads the connection's socket itself (as pg-copy-streams does): each socket
 * chunk is compacted in place — the 5-byte headers of the CopyData messages (one per row) dropped, the
 * payloads moved together — so a chunk costs one pass and no Buffer per row. At CopyDone, or at an
 * ErrorResponse, the socket goes back to pg with the bytes not yet read, and pg finishes the query
 * (CommandComplete / the error) as usual. A COPY that does not run to its end leaves the connection
 * mid-protocol: `onInterrupted` is called so the owner can discard it. An abort signal stops at once.
 */
import type { Readable } from 'node:stream';
import pg from 'pg';

const COPY_DATA = 0x64; // 'd'
const COPY_DONE = 0x63; // 'c'
const ERROR_RESPONSE = 0x45; // 'E'

/** Stop reading the socket while this many bytes wait for the consumer. */
const HIGH_WATER = 8 * 1024 * 1024;

interface PgConnection {
  stream: Readable;
  query(text: string): void;
}

/** A pg "submittable": pg calls `submit` with the connection, then the handle* methods. */
class CopyOut {
  private connection!: PgConnection;
  private pgOnData: ((chunk: Buffer) => void) | undefined;
  private readonly onReadable = () => this.pump();
  private readonly queue: Buffer[] = [];
  private queued = 0;
  private header = Buffer.alloc(5);
  private headerLength = 0;
  private remaining = 0;
  private code = 0;
  private attached = false;
  private finished = false;
  private error: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(private readonly text: string) {}

  submit(connection: PgConnection): void {
    this.connection = connection;
    const stream = connection.stream;
    const listeners = stream.listeners('data') as ((chunk: Buffer) => void)[];
    if (listeners.length !== 1) throw new Error('COPY TO: unexpected listeners on the pg connection');
    this.pgOnData = listeners[0];
    stream.removeListener('data', this.pgOnData!);
    stream.pause();
    this.attached = true;
    stream.on('readable', this.onReadable);
    connection.query(this.text);
  }

  handleError(err: Error): void {
    this.error ??= err;
    this.notify();
  }

  handleCommandComplete(): void {}

  handleReadyForQuery(): void {
    this.finished = true;
    this.notify();
  }

  /** Data, in order; ends when the query completed (throws its error). */
  async *chunks(signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    const onAbort = () => this.notify();
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      for (;;) {
        signal?.throwIfAborted();
        const next = this.queue.shift();
        if (next) {
          this.queued -= next.length;
          if (this.attached && this.queued < HIGH_WATER) this.pump();
          yield next;
          continue;
        }
        if (this.error) throw this.error;
        if (this.finished) return;
        await new Promise<void>((resolve) => {
          this.wake = resolve;
        });
      }
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  /** Gives the socket back to pg, with `rest` (bytes already read but not ours) first. */
  detach(rest?: Buffer): void {
    if (!this.attached) return;
    this.attached = false;
    const stream = this.connection.stream;
    stream.removeListener('readable', this.onReadable);
    stream.on('data', this.pgOnData!);
    if (rest && rest.length > 0) this.pgOnData!(rest);
    process.nextTick(() => stream.resume());
  }

  get complete(): boolean {
    return this.finished || this.error !== undefined;
  }

  private notify(): void {
    const w = this.wake;
    this.wake = undefined;
    w?.();
  }

  private pump(): void {
    const stream = this.connection.stream;
    while (this.attached && this.queued < HIGH_WATER) {
      const chunk = stream.read() as Buffer | null;
      if (chunk === null) break;
      const data = this.parse(chunk);
      if (data && data.length > 0) {
        this.queue.push(data);
        this.queued += data.length;
        this.notify();
      }
    }
  }

  /** Compacts the CopyData payloads of `chunk` to its front; returns them (a view of `chunk`). */
  private parse(chunk: Buffer): Buffer | undefined {
    const len = chunk.length;
    let r = 0;
    let w = 0;
    while (r < len) {
      if (this.remaining > 0) {
        const n = Math.min(this.remaining, len - r);
        if (this.code === COPY_DATA) {
          if (w !== r) chunk.copyWithin(w, r, r + n);
          w += n;
        }
        r += n;
        this.remaining -= n;
        continue;
      }
      // A message header (type, int32 length), possibly split across chunks.
      const start = r;
      while (this.headerLength < 5 && r < len) this.header[this.headerLength++] = chunk[r++]!;
      if (this.headerLength < 5) break;
      this.headerLength = 0;
      this.code = this.header[0]!;
      this.remaining = this.header.readUInt32BE(1) - 4;
      if (this.code === ERROR_RESPONSE) {
        // pg parses the error (and what follows) itself.
        this.remaining = 0;
        const rest =
          start + 5 === r ? chunk.subarray(start) : Buffer.concat([this.header, chunk.subarray(r)]);
        this.detach(rest);
        return w > 0 ? chunk.subarray(0, w) : undefined;
      }
      if (this.code === COPY_DONE) {
        // Empty message; CommandComplete and ReadyForQuery follow for pg to read.
        this.remaining = 0;
        const out = w > 0 ? Buffer.from(chunk.subarray(0, w)) : undefined;
        this.detach(chunk.subarray(r));
        return out;
      }
    }
    return w > 0 ? chunk.subarray(0, w) : undefined;
  }
}

/** Yields the bytes `COPY … TO STDOUT` writes. */
export async function* copyOut(
  client: pg.ClientBase,
  sql: string,
  signal: AbortSignal | undefined,
  onInterrupted: () => void,
): AsyncGenerator<Buffer> {
  signal?.throwIfAborted();
  const copy = new CopyOut(sql);
  // A submittable: pg queues it, calls submit() when the connection is free, and reports the
  // outcome through its handle* methods (no promise).
  client.query(copy as unknown as pg.QueryConfig);
  let complete = false;
  try {
    for await (const chunk of copy.chunks(signal)) yield chunk;
    complete = true;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    // The server reported an error (ErrorResponse): pg read it, the protocol is back in sync.
    if (e instanceof pg.DatabaseError) complete = true;
    throw e;
  } finally {
    if (!complete && !copy.complete) {
      copy.detach();
      onInterrupted();
    }
  }
}
