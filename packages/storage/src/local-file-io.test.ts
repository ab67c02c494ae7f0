import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyExistsError, ConfigError } from '@lakekit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runFileIOConformance } from './file-io-conformance.js';
import { LocalFileIO } from './local-file-io.js';

const dirs: string[] = [];
async function tempDir(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'lakekit-local-io-'));
  dirs.push(dir);
  return dir;
}
afterEach(async () => {
  await Promise.all(dirs.splice(0).map((d) => rm(d, { recursive: true, force: true })));
});

runFileIOConformance('local', async () => ({ io: new LocalFileIO(), root: `file://${await tempDir()}` }));

describe('LocalFileIO specifics', () => {
  let dir: string;
  const io = new LocalFileIO();
  beforeEach(async () => {
    dir = await tempDir();
  });

  it('accepts plain paths and file:/ forms, and lists as file:// URIs', async () => {
    await io.write(join(dir, 'x', 'plain.txt'), 'plain');
    expect(await readFile(join(dir, 'x', 'plain.txt'), 'utf8')).toBe('plain');
    expect(Buffer.from(await io.read(`file:${dir}/x/plain.txt`)).toString()).toBe('plain');
    expect(Buffer.from(await io.read(`file://localhost${dir}/x/plain.txt`)).toString()).toBe('plain');
    expect((await io.list(dir)).map((f) => f.location)).toEqual([`file://${dir}/x/plain.txt`]);
    expect(await io.localPath(`file://${dir}/x/plain.txt`)).toBe(join(dir, 'x', 'plain.txt'));
  });

  it('rejects file URIs that name a host', async () => {
    await expect(io.read('file://server/share/a.txt')).rejects.toBeInstanceOf(ConfigError);
  });

  it('leaves no temp files behind, also after a refused create', async () => {
    await io.write(join(dir, 'a.json'), '1');
    await io.createIfAbsent(join(dir, 'b.json'), '1');
    await expect(io.createIfAbsent(join(dir, 'b.json'), '2')).rejects.toBeInstanceOf(AlreadyExistsError);
    expect((await readdir(dir)).sort()).toEqual(['a.json', 'b.json']);
  });

  it('upload copies by default and renames with { move: true }', async () => {
    const src = join(dir, 'src.bin');
    await writeFile(src, 'payload');
    await io.upload(src, join(dir, 'out', 'copy.bin'));
    expect(await readFile(src, 'utf8')).toBe('payload');
    await io.upload(src, join(dir, 'out', 'moved.bin'), { move: true });
    expect(await io.exists(src)).toBe(false);
    expect(await readFile(join(dir, 'out', 'moved.bin'), 'utf8')).toBe('payload');
    expect((await readdir(join(dir, 'out'))).sort()).toEqual(['copy.bin', 'moved.bin']);
  });

  it('does not count directories as files', async () => {
    await io.write(join(dir, 'd', 'f'), 'f');
    expect(await io.stat(join(dir, 'd'))).toBeUndefined();
    expect(await io.list(join(dir, 'd', 'f'))).toEqual([]);
  });
});
