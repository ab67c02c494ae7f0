import { deflateRawSync, deflateSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { avroType } from './avro-type.js';
import { decodeObjectContainer, encodeObjectContainer } from './object-container.js';
import { crc32, snappyDecompress } from './snappy.js';

// Written by fastavro 1.13 (codec snappy): rows {id: 2**62 + 1, name: 'snappy'} and {id: -1, name: None}.
const FASTAVRO_SNAPPY =
  'T2JqAQQUYXZyby5jb2RlYwxzbmFwcHkWYXZyby5zY2hlbWH2AXsidHlwZSI6ICJyZWNvcmQiLCAibmFtZSI6ICJyb3ciLCAiZmllbGRzIjogW3sibmFtZSI6ICJpZCIsICJ0eXBlIjogImxvbmcifSwgeyJuYW1lIjogIm5hbWUiLCAidHlwZSI6IFsibnVsbCIsICJzdHJpbmciXX1dfQCYipu+6meajDO1BkYrlnpJBCwUBIKADQEoAQIMc25hcHB5AQC430NemIqbvupnmowztQZGK5Z6SQ==';

const SCHEMA = JSON.stringify({
  type: 'record',
  name: 'row',
  fields: [
    { name: 'id', type: 'long', 'field-id': 1 },
    { name: 'name', type: ['null', 'string'], default: null, 'field-id': 2 },
  ],
});

describe('encodeObjectContainer / decodeObjectContainer', () => {
  it('writes the Avro magic, the schema text verbatim and deflate blocks', () => {
    const bytes = encodeObjectContainer(SCHEMA, [{ id: 1n, name: 'a' }], { k: 'v' });
    expect([...bytes.subarray(0, 4)]).toEqual([0x4f, 0x62, 0x6a, 0x01]);
    const { schema, metadata, records } = decodeObjectContainer(bytes);
    expect(metadata['avro.schema']).toBe(SCHEMA);
    expect(metadata['avro.codec']).toBe('deflate');
    expect(metadata.k).toBe('v');
    expect(schema).toEqual(JSON.parse(SCHEMA));
    expect(records).toEqual([{ id: 1n, name: 'a' }]);
  });

  it('compresses blocks with raw deflate (no zlib header), as the Avro spec requires', () => {
    const rows = Array.from({ length: 3 }, (_, i) => ({ id: BigInt(i), name: 'x'.repeat(50) }));
    const type = avroType(JSON.parse(SCHEMA));
    const raw = Buffer.concat(rows.map((r) => type.toBuffer(r)));
    const bytes = encodeObjectContainer(SCHEMA, rows, {});
    expect(bytes.includes(deflateRawSync(raw))).toBe(true);
    expect(bytes.includes(deflateSync(raw))).toBe(false);
  });

  it('round-trips longs beyond 2^53 and many blocks', () => {
    const rows = Array.from({ length: 2_500 }, (_, i) => ({
      id: 2n ** 62n + BigInt(i),
      name: i % 2 ? null : `r${i}`,
    }));
    for (const codec of ['null', 'deflate'] as const) {
      expect(decodeObjectContainer(encodeObjectContainer(SCHEMA, rows, {}, codec)).records).toEqual(rows);
    }
  });

  it('names the field of a record that does not fit the schema', () => {
    expect(() =>
      encodeObjectContainer(
        SCHEMA,
        [
          { id: 1n, name: 'a' },
          { id: 5, name: 'b' },
        ],
        {},
      ),
    ).toThrow('record 1 does not fit the Avro schema at id');
  });

  it('reads a file without blocks', () => {
    expect(decodeObjectContainer(encodeObjectContainer(SCHEMA, [], {})).records).toEqual([]);
  });

  it('rejects bad magic, unknown codecs, truncation and a wrong sync marker', () => {
    expect(() => decodeObjectContainer(Uint8Array.of(1, 2, 3, 4, 5))).toThrow(/bad magic/);
    const bytes = encodeObjectContainer(SCHEMA, [{ id: 1n, name: null }], {}, 'null');
    const zstd = Buffer.from(
      bytes.toString('latin1').replace('avro.codec\x08null', 'avro.codec\x08zstd'),
      'latin1',
    );
    expect(() => decodeObjectContainer(zstd)).toThrow(/codec "zstd" is not supported/);
    expect(() => decodeObjectContainer(bytes.subarray(0, bytes.length - 3))).toThrow(/truncated/);
    const badSync = Buffer.from(bytes);
    badSync[badSync.length - 1]! ^= 0xff;
    expect(() => decodeObjectContainer(badSync)).toThrow(/sync marker/);
  });

  it('reads a snappy-compressed file written by fastavro', () => {
    const { metadata, records } = decodeObjectContainer(Buffer.from(FASTAVRO_SNAPPY, 'base64'));
    expect(metadata['avro.codec']).toBe('snappy');
    expect(records).toEqual([
      { id: 2n ** 62n + 1n, name: 'snappy' },
      { id: -1n, name: null },
    ]);
  });
});

describe('snappyDecompress / crc32', () => {
  it('decodes literals and overlapping copies', () => {
    // length 12, literal "abc", copy (1-byte offset) of 9 bytes from offset 3.
    const stream = Uint8Array.of(12, 0x08, 0x61, 0x62, 0x63, ((9 - 4) << 2) | 1, 3);
    expect(Buffer.from(snappyDecompress(stream)).toString()).toBe('abcabcabcabc');
    // copy with a 2-byte offset
    const two = Uint8Array.of(6, 0x08, 0x78, 0x79, 0x7a, ((3 - 1) << 2) | 2, 3, 0);
    expect(Buffer.from(snappyDecompress(two)).toString()).toBe('xyzxyz');
  });

  it('rejects copies before the start of the output', () => {
    expect(() => snappyDecompress(Uint8Array.of(5, 0x00, 0x61, 0x11, 4))).toThrow(/out of range/);
  });

  it('computes the IEEE CRC-32', () => {
    expect(crc32(Buffer.from('123456789'))).toBe(0xcbf43926);
  });
});
