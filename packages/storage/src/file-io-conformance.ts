/**
 * One behaviour suite every `FileIO` must pass (local, memory, S3 against moto), so backends cannot
 * drift apart: same errors, same list semantics, same atomic create. Test-only; not exported.
 */
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Readable } from 'node:stream';
import { AlreadyExistsError, type FileIO, isLakeError, NotFoundError } from '@lakekit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { joinUri } from './uri.js';

async function drain(stream: Readable): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks);
}

function text(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString('utf8');
}

/** Registers the shared FileIO tests; `makeIO` gives a fresh instance and an empty root location. */
export function runFileIOConformance(
  name: string,
  makeIO: () => Promise<{ io: FileIO; root: string }>,
): void {
  describe(`FileIO conformance: ${name}`, () => {
    let io: FileIO;
    let root: string;
    let scratch: string;
    const at = (...parts: string[]) => joinUri(root, ...parts);

    beforeEach(async () => {
      ({ io, root } = await makeIO());
      scratch = await mkdtemp(join(tmpdir(), 'lakekit-conformance-'));
    });
    afterEach(async () => {
      await io.close();
      await rm(scratch, { recursive: true, force: true });
    });

    it('writes and reads bytes and strings, replacing on write', async () => {
      await io.write(at('a', 'bytes.bin'), new Uint8Array([0, 1, 2, 255]));
      expect([...(await io.read(at('a', 'bytes.bin')))]).toEqual([0, 1, 2, 255]);
      await io.write(at('a', 'text.txt'), 'héllo');
      expect(text(await io.read(at('a', 'text.txt')))).toBe('héllo');
      await io.write(at('a', 'text.txt'), 'replaced');
      expect(text(await io.read(at('a', 'text.txt')))).toBe('replaced');
      await io.write(at('empty'), new Uint8Array());
      expect((await io.read(at('empty'))).length).toBe(0);
    });

    it('throws NotFoundError(file) for missing files on every read', async () => {
      const missing = at('no', 'such.file');
      for (const attempt of [
        () => io.read(missing),
        () => io.readRange(missing, 0, 4),
        () => io.readStream(missing),
        () => io.localPath(missing),
      ]) {
        const e = await attempt().then(
          () => undefined,
          (err: unknown) => err,
        );
        expect(e).toBeInstanceOf(NotFoundError);
        expect(isLakeError(e) && e.code).toBe('file_not_found');
        expect(isLakeError(e) && e.context['location']).toBe(missing);
      }
    });

    it('reads ranges, clamped at the end', async () => {
      const loc = at('range.txt');
      await io.write(loc, '0123456789');
      expect(text(await io.readRange(loc, 0, 3))).toBe('012');
      expect(text(await io.readRange(loc, 4, 2))).toBe('45');
      expect(text(await io.readRange(loc, 7, 10))).toBe('789');
      expect(text(await io.readRange(loc, 10, 5))).toBe('');
      expect(text(await io.readRange(loc, 3, 0))).toBe('');
    });

    it('streams a file', async () => {
      const data = Buffer.alloc(300_000, 7);
      data.write('start', 0);
      await io.write(at('stream.bin'), data);
      expect((await drain(await io.readStream(at('stream.bin')))).equals(data)).toBe(true);
    });

    it('createIfAbsent creates once, then throws AlreadyExistsError and keeps the first file', async () => {
      const loc = at('metadata', 'v1.metadata.json');
      await io.createIfAbsent(loc, '{"v":1}');
      const e = await io.createIfAbsent(loc, '{"v":2}').then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(AlreadyExistsError);
      expect(isLakeError(e) && e.code).toBe('file_already_exists');
      expect(isLakeError(e) && e.context['location']).toBe(loc);
      expect(text(await io.read(loc))).toBe('{"v":1}');
    });

    it('createIfAbsent lets exactly one of concurrent writers win', async () => {
      const loc = at('metadata', 'race.metadata.json');
      const results = await Promise.allSettled(
        Array.from({ length: 8 }, (_, i) => io.createIfAbsent(loc, `writer ${i}`)),
      );
      const won = results.flatMap((r, i) => (r.status === 'fulfilled' ? [i] : []));
      expect(won).toHaveLength(1);
      for (const r of results) {
        if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
      }
      expect(text(await io.read(loc))).toBe(`writer ${won[0]}`);
    });

    it('uploads a local file and gives back a local copy', async () => {
      const src = join(scratch, 'data.parquet');
      const data = Buffer.from('PAR1 not really parquet PAR1');
      await writeFile(src, data);
      const loc = at('data', 'part-0.parquet');
      await io.upload(src, loc);
      expect(Buffer.from(await io.read(loc)).equals(data)).toBe(true);
      expect(await readFile(src)).toEqual(data); // the source stays
      const local = await io.localPath(loc);
      expect((await readFile(local)).equals(data)).toBe(true);
      expect(local.endsWith('.parquet')).toBe(true);
    });

    it('stats and checks existence', async () => {
      const loc = at('stat', 'f.txt');
      expect(await io.stat(loc)).toBeUndefined();
      expect(await io.exists(loc)).toBe(false);
      await io.write(loc, 'twelve bytes');
      const info = await io.stat(loc);
      expect(info?.size).toBe(12);
      expect(Math.abs(Date.now() - (info?.lastModifiedMs ?? 0))).toBeLessThan(10 * 60_000);
      expect(await io.exists(loc)).toBe(true);
    });

    it('lists recursively below a directory prefix, sorted, not siblings sharing the name', async () => {
      for (const p of ['t/a/1', 't/a/2', 't/a/b/3', 't/ab/4', 't/z']) await io.write(at(p), p);
      const expected = ['t/a/1', 't/a/2', 't/a/b/3'].map((p) => at(p));
      const listed = await io.list(at('t', 'a'));
      expect(listed.map((f) => f.location)).toEqual(expected);
      expect(listed.map((f) => f.size)).toEqual([5, 5, 7]);
      expect((await io.list(`${at('t', 'a')}/`)).map((f) => f.location)).toEqual(expected);
      expect(await io.list(at('nothing', 'here'))).toEqual([]);
      // Locations from list are usable as they are.
      const first = listed[0];
      expect(first && text(await io.read(first.location))).toBe('t/a/1');
    });

    it('deletes, and deleting a missing file is fine', async () => {
      const loc = at('del.txt');
      await io.write(loc, 'x');
      await io.delete(loc);
      expect(await io.exists(loc)).toBe(false);
      await io.delete(loc);
      await io.delete(at('never', 'there.txt'));
    });
  });
}
