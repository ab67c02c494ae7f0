/** The first bytes of a (possibly gzipped) file, to check a header line or sniff JSON's shape. */
import { createReadStream } from 'node:fs';
import type { Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { DataError } from '@lakekit/core';

/** Reads up to `maxBytes` of the file's (decompressed) text; a read failure is a DataError. */
export async function readHead(path: string, maxBytes = 65_536): Promise<string> {
  const raw = createReadStream(path, path.toLowerCase().endsWith('.gz') ? {} : { end: maxBytes - 1 });
  const stream: Readable = path.toLowerCase().endsWith('.gz') ? raw.pipe(createGunzip()) : raw;
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of stream) {
      chunks.push(chunk as Buffer);
      size += (chunk as Buffer).length;
      if (size >= maxBytes) break;
    }
  } catch (e) {
    throw new DataError(`${path}: cannot read: ${(e as Error).message}`, {
      context: { file: path },
      cause: e,
    });
  } finally {
    raw.destroy();
    stream.destroy();
  }
  return Buffer.concat(chunks).subarray(0, maxBytes).toString('utf8');
}
