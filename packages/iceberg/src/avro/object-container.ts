/**
 * Avro object container files (Avro spec, "Object Container Files") in memory. The header schema is
 * written from the caller's JSON text, because avsc drops custom attributes such as `field-id` when it
 * re-exports a parsed type, and reading uses the writer schema found in the file's own header.
 */
import { randomBytes } from 'node:crypto';
import { deflateRawSync, inflateRawSync } from 'node:zlib';
import { DataError, MetadataError } from '@lakekit/core';
import avro from 'avsc';
import { avroType } from './avro-type.js';
import { decompressAvroSnappyBlock } from './snappy.js';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const RECORDS_PER_BLOCK = 1000;

const headerType = avro.Type.forSchema({
  type: 'record',
  name: 'org.apache.avro.file.Header',
  fields: [
    { name: 'magic', type: { type: 'fixed', name: 'Magic', size: 4 } },
    { name: 'meta', type: { type: 'map', values: 'bytes' } },
    { name: 'sync', type: { type: 'fixed', name: 'Sync', size: 16 } },
  ],
});
const countType = avro.Type.forSchema('long');

/** The contents of a decoded container file. */
export interface DecodedContainer {
  /** The writer schema as parsed JSON. */
  schema: unknown;
  /** All header metadata (including `avro.schema` and `avro.codec`) as UTF-8 text. */
  metadata: Record<string, string>;
  /** Records decoded with the writer schema; longs are `bigint`. */
  records: unknown[];
}

/** Writes records into an Avro object container file (deflate by default) whose header schema is `schemaJson` verbatim. */
export function encodeObjectContainer(
  schemaJson: string,
  records: readonly unknown[],
  metadata: Record<string, string>,
  codec: 'null' | 'deflate' = 'deflate',
): Buffer {
  const { type } = parsedSchema(schemaJson);
  const meta: Record<string, Buffer> = {};
  for (const [k, v] of Object.entries(metadata)) meta[k] = Buffer.from(v, 'utf8');
  meta['avro.schema'] = Buffer.from(schemaJson, 'utf8');
  meta['avro.codec'] = Buffer.from(codec, 'utf8');
  const sync = randomBytes(16);
  const parts: Buffer[] = [headerType.toBuffer({ magic: MAGIC, meta, sync })];
  for (let i = 0; i < records.length; i += RECORDS_PER_BLOCK) {
    const chunk = records.slice(i, i + RECORDS_PER_BLOCK);
    const raw = Buffer.concat(chunk.map((r, j) => encodeRecord(type, r, i + j)));
    const data = codec === 'deflate' ? deflateRawSync(raw) : raw;
    parts.push(countType.toBuffer(chunk.length), countType.toBuffer(data.length), data, sync);
  }
  return Buffer.concat(parts);
}

const parsed = new Map<string, { schema: unknown; type: ReturnType<typeof avroType> }>();

/**
 * The parsed schema and avsc type of a header's schema text, cached: building an avsc type costs far
 * more than decoding a small manifest, and a table's manifests share a handful of schemas.
 */
function parsedSchema(schemaText: string): { schema: unknown; type: ReturnType<typeof avroType> } {
  let hit = parsed.get(schemaText);
  if (hit === undefined) {
    try {
      const schema = JSON.parse(schemaText) as unknown;
      hit = { schema, type: avroType(schema as object) };
    } catch (cause) {
      throw new MetadataError('Avro file header carries an invalid schema', { cause });
    }
    if (parsed.size >= 256) parsed.delete(parsed.keys().next().value as string);
    parsed.set(schemaText, hit);
  }
  return hit;
}

/** Reads an Avro object container file with the writer schema from its header (codecs null, deflate, snappy). */
export function decodeObjectContainer(bytes: Uint8Array): DecodedContainer {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4 || !buf.subarray(0, 4).equals(MAGIC)) {
    throw new MetadataError('not an Avro object container file (bad magic bytes)');
  }
  const header = decodeAt(headerType, buf, 0, 'header') as {
    value: { meta: Record<string, Buffer>; sync: Buffer };
    offset: number;
  };
  const metadata: Record<string, string> = {};
  for (const [k, v] of Object.entries(header.value.meta)) metadata[k] = v.toString('utf8');
  const schemaText = metadata['avro.schema'];
  if (schemaText === undefined) throw new MetadataError('Avro file header has no avro.schema');
  const { schema, type } = parsedSchema(schemaText);
  const codec = metadata['avro.codec'] ?? 'null';
  const decompress = blockDecompressor(codec);
  const sync = header.value.sync;
  const records: unknown[] = [];
  let pos = header.offset;
  while (pos < buf.length) {
    const countRes = decodeAt(countType, buf, pos, 'block count');
    const sizeRes = decodeAt(countType, buf, countRes.offset, 'block size');
    const count = countRes.value as number;
    const size = sizeRes.value as number;
    const start = sizeRes.offset;
    if (count < 0 || size < 0 || start + size + 16 > buf.length) {
      throw new MetadataError('Avro block is truncated or malformed', { context: { offset: pos } });
    }
    const data = decompress(buf.subarray(start, start + size));
    let p = 0;
    for (let i = 0; i < count; i++) {
      const rec = decodeAt(type, data, p, 'record');
      records.push(rec.value);
      p = rec.offset;
    }
    if (!buf.subarray(start + size, start + size + 16).equals(sync)) {
      throw new MetadataError('Avro block sync marker does not match the header', {
        context: { offset: pos },
      });
    }
    pos = start + size + 16;
  }
  return { schema, metadata, records };
}

/** Encodes one record; on a mismatch, names the first offending field path instead of avsc's message. */
function encodeRecord(type: ReturnType<typeof avroType>, record: unknown, index: number): Buffer {
  try {
    return type.toBuffer(record);
  } catch (cause) {
    let path = '';
    type.isValid(record, {
      errorHook: (p: string[]) => {
        if (path === '') path = p.join('.') || '(record)';
      },
    });
    throw new DataError(`record ${index} does not fit the Avro schema at ${path || '(unknown)'}`, {
      cause,
      context: { record: index, field: path },
    });
  }
}

function blockDecompressor(codec: string): (data: Buffer) => Buffer {
  switch (codec) {
    case 'null':
      return (data) => data;
    case 'deflate':
      return (data) => {
        try {
          return inflateRawSync(data);
        } catch (cause) {
          throw new MetadataError('cannot inflate a deflate-compressed Avro block', { cause });
        }
      };
    case 'snappy':
      return (data) => {
        const out = decompressAvroSnappyBlock(data);
        return Buffer.from(out.buffer, out.byteOffset, out.byteLength);
      };
    default:
      throw new MetadataError(`Avro codec "${codec}" is not supported (readable: null, deflate, snappy)`, {
        context: { codec },
      });
  }
}

function decodeAt(
  type: { decode(buf: Buffer, pos?: number): { value: unknown; offset: number } },
  buf: Buffer,
  pos: number,
  what: string,
): { value: unknown; offset: number } {
  let res: { value: unknown; offset: number };
  try {
    res = type.decode(buf, pos);
  } catch (cause) {
    throw new MetadataError(`cannot decode Avro ${what}`, { cause, context: { offset: pos } });
  }
  if (res.offset < 0) throw new MetadataError(`Avro ${what} is truncated`, { context: { offset: pos } });
  return res;
}
