/**
 * S3FileIO against a real moto server (started by tests/run-all.sh): the shared FileIO conformance
 * suite, multipart upload, the download cache, errors for a dead endpoint and a missing bucket, and
 * that PyArrow's own S3 client reads what Lakekit wrote.
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NotFoundError, StorageError } from '@lakekit/core';
import { S3FileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runFileIOConformance } from '../../packages/storage/src/file-io-conformance.js';
import { runPython, s3Endpoint } from '../helpers/peers.js';

// Fails this file (not skips it) when run outside tests/run-all.sh.
const endpoint = s3Endpoint();
const bucket = `lakekit-storage-${Date.now()}-${randomBytes(3).toString('hex')}`;
let scratch: string;
let n = 0;

const makeIO = (options: ConstructorParameters<typeof S3FileIO>[0] = {}) =>
  new S3FileIO({ endpoint, cacheDir: join(scratch, 'cache'), ...options });

beforeAll(async () => {
  scratch = await mkdtemp(join(tmpdir(), 'lakekit-s3-test-'));
  const io = makeIO();
  await io.createBucket(bucket);
  await io.close();
});
afterAll(async () => {
  await rm(scratch, { recursive: true, force: true });
});

// listPageSize 2 makes every list in the suite page through ListObjectsV2 continuation tokens.
runFileIOConformance('s3 (moto)', async () => ({
  io: makeIO({ listPageSize: 2 }),
  root: `s3://${bucket}/conformance-${++n}`,
}));

/** Runs a small Python program with the peers venv; returns its stdout. */
async function python(code: string, args: string[]): Promise<string> {
  const file = join(scratch, `peer-${randomBytes(4).toString('hex')}.py`);
  await writeFile(file, code);
  const r = await runPython(file, args, {
    AWS_ACCESS_KEY_ID: process.env['AWS_ACCESS_KEY_ID'] ?? 'testing',
    AWS_SECRET_ACCESS_KEY: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'testing',
  });
  if (r.code !== 0) throw new Error(`python failed (${r.code}): ${r.stderr}`);
  return r.stdout.trim();
}

describe('S3FileIO on moto', () => {
  it('uploads a 20 MiB file as multipart, readable by PyArrow, with ranged reads across parts', async () => {
    const io = makeIO();
    const src = join(scratch, 'big.bin');
    const data = randomBytes(20 * 1024 * 1024 + 123);
    await writeFile(src, data);
    const loc = `s3://${bucket}/big/part-0.bin`;
    await io.upload(src, loc);
    expect((await io.stat(loc))?.size).toBe(data.length);

    const boundary = 8 * 1024 * 1024; // default part size
    const range = await io.readRange(loc, boundary - 10, 20);
    expect(Buffer.from(range).equals(data.subarray(boundary - 10, boundary + 10))).toBe(true);

    const peer = await python(
      [
        'import hashlib, json, sys, boto3',
        'from pyarrow import fs',
        'endpoint, bucket, key = sys.argv[1:4]',
        's3 = fs.S3FileSystem(endpoint_override=endpoint, region="us-east-1")',
        'with s3.open_input_stream(f"{bucket}/{key}") as f: digest = hashlib.sha256(f.read()).hexdigest()',
        'etag = boto3.client("s3", endpoint_url=endpoint, region_name="us-east-1").head_object(Bucket=bucket, Key=key)["ETag"]',
        'print(json.dumps({"sha256": digest, "etag": etag}))',
      ].join('\n'),
      [endpoint, bucket, 'big/part-0.bin'],
    );
    const { sha256, etag } = JSON.parse(peer) as { sha256: string; etag: string };
    expect(sha256).toBe(createHash('sha256').update(data).digest('hex'));
    expect(etag).toMatch(/-3"$/); // a multipart ETag: 3 parts of 8 + 8 + 4 MiB
    await io.close();
  });

  it('reads objects PyArrow wrote, through s3a:// too', async () => {
    await python(
      [
        'import sys',
        'from pyarrow import fs',
        'endpoint, path = sys.argv[1:3]',
        's3 = fs.S3FileSystem(endpoint_override=endpoint, region="us-east-1")',
        'with s3.open_output_stream(path) as f: f.write(b"written by pyarrow")',
      ].join('\n'),
      [endpoint, `${bucket}/from-python/hello.txt`],
    );
    const io = makeIO();
    expect(Buffer.from(await io.read(`s3a://${bucket}/from-python/hello.txt`)).toString()).toBe(
      'written by pyarrow',
    );
    expect((await io.list(`s3a://${bucket}/from-python`)).map((f) => f.location)).toEqual([
      `s3a://${bucket}/from-python/hello.txt`,
    ]);
    await io.close();
  });

  it('caches downloads by URI and refreshes them when the object changes', async () => {
    const io = makeIO();
    const loc = `s3://${bucket}/cache/data.parquet`;
    await io.write(loc, 'version 1');
    const first = await io.localPath(loc);
    expect(first.startsWith(join(scratch, 'cache'))).toBe(true);
    expect(await readFile(first, 'utf8')).toBe('version 1');
    const before = await stat(first);
    expect(await io.localPath(loc)).toBe(first);
    expect((await stat(first)).ino).toBe(before.ino); // reused, not downloaded again
    await io.write(loc, 'version 2, longer');
    expect(await readFile(await io.localPath(loc), 'utf8')).toBe('version 2, longer');
    await io.close();
  });

  it('names the bucket when it does not exist', async () => {
    const io = makeIO();
    const loc = 's3://lakekit-no-such-bucket/x.json';
    const e = await io.read(loc).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(NotFoundError);
    expect((e as Error).message).toContain('bucket "lakekit-no-such-bucket" does not exist');
    await io.close();
  });

  it('fails within seconds with a StorageError naming a dead endpoint and the location', async () => {
    const dead = 'http://127.0.0.1:1';
    const io = new S3FileIO({ endpoint: dead, accessKeyId: 'x', secretAccessKey: 'y' });
    const started = Date.now();
    const e = await io.read('s3://some-bucket/some/key.json').catch((err: unknown) => err);
    const elapsed = Date.now() - started;
    expect(e).toBeInstanceOf(StorageError);
    expect((e as StorageError).message).toContain(dead);
    expect((e as StorageError).message).toContain('s3://some-bucket/some/key.json');
    expect((e as StorageError).retryable).toBe(true);
    expect((e as StorageError).context['endpoint']).toBe(dead);
    expect(elapsed).toBeLessThan(10_000);
    await io.close();
  });
});
