import { describe, expect, it } from 'vitest';
import { runFileIOConformance } from './file-io-conformance.js';
import { type MemoryFile, MemoryFileIO } from './memory-file-io.js';

let n = 0;
runFileIOConformance('memory', async () => ({ io: new MemoryFileIO(), root: `memory://test-${++n}` }));

describe('MemoryFileIO specifics', () => {
  it('shares files between instances given the same map', async () => {
    const files = new Map<string, MemoryFile>();
    await new MemoryFileIO(files).write('memory://shared/a', 'a');
    expect(await new MemoryFileIO(files).exists('memory://shared/a')).toBe(true);
  });

  it('returns copies, so callers cannot change stored bytes', async () => {
    const io = new MemoryFileIO();
    const data = new Uint8Array([1, 2, 3]);
    await io.write('memory://m/x', data);
    data[0] = 9;
    const read = await io.read('memory://m/x');
    read[1] = 9;
    expect([...(await io.read('memory://m/x'))]).toEqual([1, 2, 3]);
  });
});
