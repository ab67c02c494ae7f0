/**
 * Snappy decompression for Avro blocks written with the `snappy` codec (a raw Snappy stream followed by
 * the big-endian CRC-32 of the uncompressed data). Other writers may use it; Node has no built-in
 * Snappy, and the format is small enough to read without a dependency. Lakekit itself writes deflate.
 */
import { MetadataError } from '@lakekit/core';

/** Decompresses one Avro `snappy` block (Snappy stream + 4-byte CRC-32) and checks its checksum. */
export function decompressAvroSnappyBlock(block: Uint8Array): Uint8Array {
  if (block.length < 4) throw new MetadataError('snappy block is shorter than its checksum');
  const data = snappyDecompress(block.subarray(0, block.length - 4));
  const view = new DataView(block.buffer, block.byteOffset, block.byteLength);
  if (view.getUint32(block.length - 4, false) !== crc32(data)) {
    throw new MetadataError('snappy block checksum does not match its data');
  }
  return data;
}

/** Decompresses a raw (unframed) Snappy stream. */
export function snappyDecompress(src: Uint8Array): Uint8Array {
  let pos = 0;
  const byteAt = (): number => {
    const b = src[pos++];
    if (b === undefined) throw new MetadataError('snappy stream ends early');
    return b;
  };
  let length = 0;
  for (let shift = 0; ; shift += 7) {
    if (shift > 28) throw new MetadataError('snappy length varint is too long');
    const b = byteAt();
    length += (b & 0x7f) * 2 ** shift;
    if ((b & 0x80) === 0) break;
  }
  const out = new Uint8Array(length);
  let op = 0;
  while (pos < src.length) {
    const tag = byteAt();
    const kind = tag & 3;
    if (kind === 0) {
      let n = tag >>> 2;
      if (n >= 60) {
        const extra = n - 59;
        n = 0;
        for (let i = 0; i < extra; i++) n += byteAt() * 2 ** (8 * i);
      }
      n += 1;
      if (pos + n > src.length || op + n > length)
        throw new MetadataError('snappy literal overruns its block');
      out.set(src.subarray(pos, pos + n), op);
      pos += n;
      op += n;
      continue;
    }
    let len: number;
    let offset: number;
    if (kind === 1) {
      len = ((tag >>> 2) & 7) + 4;
      offset = ((tag >>> 5) << 8) | byteAt();
    } else if (kind === 2) {
      len = (tag >>> 2) + 1;
      offset = byteAt() | (byteAt() << 8);
    } else {
      len = (tag >>> 2) + 1;
      offset = byteAt() + byteAt() * 2 ** 8 + byteAt() * 2 ** 16 + byteAt() * 2 ** 24;
    }
    if (offset === 0 || offset > op || op + len > length)
      throw new MetadataError('snappy copy is out of range');
    for (let i = 0; i < len; i++, op++) out[op] = out[op - offset]!;
  }
  if (op !== length) throw new MetadataError('snappy stream is shorter than its declared length');
  return out;
}

let crcTable: Uint32Array | undefined;

/** CRC-32 (IEEE 802.3), as Avro's snappy codec uses it. */
export function crc32(data: Uint8Array): number {
  if (!crcTable) {
    crcTable = new Uint32Array(256);
    for (let n = 0; n < 256; n++) {
      let c = n;
      for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
      crcTable[n] = c >>> 0;
    }
  }
  let crc = 0xffffffff;
  for (const b of data) crc = crcTable[(crc ^ b) & 0xff]! ^ (crc >>> 8);
  return (crc ^ 0xffffffff) >>> 0;
}
