/**
 * Runs `COPY (…) TO STDOUT` on a connection and yields the raw bytes as they arrive (pg-copy-streams).
 * A COPY that does not run to its end leaves the connection mid-protocol: `onInterrupted` is called so
 * the owner can discard the connection. An abort signal stops the COPY at once.
 */
import pg from 'pg';
import { to as copyTo } from 'pg-copy-streams';

/** Yields the bytes `COPY … TO STDOUT` writes. */
export async function* copyOut(
  client: pg.ClientBase,
  sql: string,
  signal: AbortSignal | undefined,
  onInterrupted: () => void,
): AsyncGenerator<Buffer> {
  signal?.throwIfAborted();
  const stream = client.query(copyTo(sql, { highWaterMark: 1024 * 1024 }));
  const abort = () => stream.destroy(signal?.reason instanceof Error ? signal.reason : new Error('aborted'));
  signal?.addEventListener('abort', abort, { once: true });
  let complete = false;
  try {
    for await (const chunk of stream) yield chunk as Buffer;
    complete = true;
  } catch (e) {
    if (signal?.aborted) throw signal.reason;
    // The server reported an error (ErrorResponse): the protocol is back in sync.
    if (e instanceof pg.DatabaseError) complete = true;
    throw e;
  } finally {
    signal?.removeEventListener('abort', abort);
    if (!complete) onInterrupted();
  }
}
