import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UnsupportedError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { createFileIO } from './file-io-router.js';
import { LocalFileIO } from './local-file-io.js';
import { MemoryFileIO } from './memory-file-io.js';
import { S3FileIO } from './s3-file-io.js';

describe('createFileIO', () => {
  it('dispatches by scheme; plain paths are local', async () => {
    const io = createFileIO({ s3: { endpoint: 'http://127.0.0.1:1' } });
    expect(io.ioFor('/tmp/x')).toBeInstanceOf(LocalFileIO);
    expect(io.ioFor('file:///tmp/x')).toBeInstanceOf(LocalFileIO);
    expect(io.ioFor('memory://m/x')).toBeInstanceOf(MemoryFileIO);
    expect(io.ioFor('s3://b/x')).toBeInstanceOf(S3FileIO);
    expect(io.ioFor('s3a://b/x')).toBe(io.ioFor('s3://b/y'));
    expect(() => io.ioFor('gs://b/x')).toThrow(UnsupportedError);
    await io.close();
  });

  it('passes upload moves to local storage', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'lakekit-router-'));
    const io = createFileIO();
    try {
      await io.write(join(dir, 'src'), 'data');
      await io.upload(join(dir, 'src'), `file://${dir}/dst`, { move: true });
      expect(await io.exists(join(dir, 'src'))).toBe(false);
      expect(Buffer.from(await io.read(join(dir, 'dst'))).toString()).toBe('data');
    } finally {
      await io.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
