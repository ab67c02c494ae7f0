/**
 * `FileIO` on S3 and S3-compatible servers (MinIO, moto, Ceph …) for `s3://` and `s3a://` URIs.
 * The AWS SDK is imported on first use so commands that never touch S3 start fast. Retries and the
 * connection timeout are short, so a wrong or dead endpoint fails in seconds with a message naming it.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { stat as fsStat, mkdir, open, readFile, rename, unlink, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, posix } from 'node:path';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type * as S3 from '@aws-sdk/client-s3';
import {
  AlreadyExistsError,
  ConfigError,
  type FileInfo,
  type FileIO,
  isLakeError,
  type LakeError,
  NotFoundError,
  StorageError,
} from '@lakekit/core';

/** Connection and behaviour settings of an `S3FileIO`. */
export interface S3FileIOOptions {
  /** Endpoint of an S3-compatible server; default `AWS_ENDPOINT_URL_S3`/`AWS_ENDPOINT_URL`, else AWS. */
  endpoint?: string;
  /** Default `AWS_REGION`, `AWS_DEFAULT_REGION`, else `us-east-1`. */
  region?: string;
  /** Path-style URLs (`endpoint/bucket/key`); default true when an endpoint is set. */
  forcePathStyle?: boolean;
  /** Explicit credentials; without them the SDK default chain (`AWS_ACCESS_KEY_ID` …) is used. */
  accessKeyId?: string;
  secretAccessKey?: string;
  sessionToken?: string;
  /** Where `localPath` keeps downloads; default `os.tmpdir()/lakekit-cache`. */
  cacheDir?: string;
  /** Attempts per request, first included (default 3). */
  maxAttempts?: number;
  /** Give up connecting after this long (default 2000 ms). */
  connectionTimeoutMs?: number;
  /** `upload` switches to multipart above this size (default 16 MiB). */
  multipartThresholdBytes?: number;
  /** Part size of multipart uploads (default 8 MiB; S3 needs at least 5 MiB). */
  partSizeBytes?: number;
  /** Keys per ListObjectsV2 page (default 1000). */
  listPageSize?: number;
  /**
   * How `createIfAbsent` refuses existing files: `if-none-match` (atomic, the default) or
   * `head-then-put` for servers that reject conditional writes (racy, see `createIfAbsent`).
   */
  conditionalWrites?: 'if-none-match' | 'head-then-put';
}

interface S3Location {
  scheme: string;
  bucket: string;
  key: string;
}

interface SdkError {
  name?: string;
  message?: string;
  code?: string;
  $metadata?: { httpStatusCode?: number };
}

const MiB = 1024 * 1024;
const UPLOAD_CONCURRENCY = 4;

/** Splits `s3://bucket/key` (or `s3a://`); the key is taken verbatim, it may be empty. */
export function parseS3Uri(location: string): S3Location {
  const m = /^(s3a?):\/\/([^/]+)(?:\/(.*))?$/i.exec(location);
  if (m === null) {
    throw new ConfigError(`not an S3 location (s3://bucket/key): ${location}`, { context: { location } });
  }
  return { scheme: m[1]!.toLowerCase(), bucket: m[2]!, key: m[3] ?? '' };
}

function objectLocation(location: string): S3Location {
  const loc = parseS3Uri(location);
  if (loc.key === '' || loc.key.endsWith('/')) {
    throw new ConfigError(`S3 location names no object (s3://bucket/key): ${location}`, {
      context: { location },
    });
  }
  return loc;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

function statusOf(e: unknown): number | undefined {
  return (e as SdkError | undefined)?.$metadata?.httpStatusCode;
}

/** `FileIO` for `s3://` and `s3a://` locations. */
export class S3FileIO implements FileIO {
  readonly schemes = ['s3', 's3a'] as const;
  /** The endpoint as shown in error messages. */
  readonly endpoint: string;
  private readonly region: string;
  private readonly options: S3FileIOOptions;
  private conditionalWrites: 'if-none-match' | 'head-then-put';
  private sdk: Promise<{ s3: typeof S3; client: S3.S3Client }> | undefined;
  private readonly downloads = new Map<string, Promise<string>>();

  constructor(options: S3FileIOOptions = {}) {
    const env = process.env;
    const endpoint = options.endpoint ?? env['AWS_ENDPOINT_URL_S3'] ?? env['AWS_ENDPOINT_URL'];
    this.region = options.region ?? env['AWS_REGION'] ?? env['AWS_DEFAULT_REGION'] ?? 'us-east-1';
    this.options = { ...options, ...(endpoint ? { endpoint } : {}) };
    this.endpoint = endpoint ?? `https://s3.${this.region}.amazonaws.com`;
    this.conditionalWrites = options.conditionalWrites ?? 'if-none-match';
  }

  private load(): Promise<{ s3: typeof S3; client: S3.S3Client }> {
    if (this.sdk !== undefined) return this.sdk;
    const loading = (async () => {
      // The SDK warns on every run under Node 20 about its own future releases; that is for whoever
      // upgrades the pinned SDK, not for CLI users. An explicit setting of the variable wins.
      process.env['AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED'] ??= 'true';
      const s3 = await import('@aws-sdk/client-s3');
      const o = this.options;
      const client = new s3.S3Client({
        region: this.region,
        ...(o.endpoint ? { endpoint: o.endpoint } : {}),
        forcePathStyle: o.forcePathStyle ?? o.endpoint !== undefined,
        ...(o.accessKeyId !== undefined && o.secretAccessKey !== undefined
          ? {
              credentials: {
                accessKeyId: o.accessKeyId,
                secretAccessKey: o.secretAccessKey,
                ...(o.sessionToken !== undefined ? { sessionToken: o.sessionToken } : {}),
              },
            }
          : {}),
        maxAttempts: o.maxAttempts ?? 3,
        requestHandler: { connectionTimeout: o.connectionTimeoutMs ?? 2000, socketTimeout: 30_000 },
        // The SDK's default extra CRC checksums (aws-chunked bodies) break several S3-compatible
        // servers; S3 itself accepts plain requests, and TLS/Content-Length guard the transfer.
        requestChecksumCalculation: 'WHEN_REQUIRED',
        responseChecksumValidation: 'WHEN_REQUIRED',
      });
      return { s3, client };
    })();
    this.sdk = loading;
    loading.catch(() => {
      if (this.sdk === loading) this.sdk = undefined; // let the next call try again
    });
    return loading;
  }

  /** Runs one SDK call, turning SDK and network errors into Lakekit errors about `location`. */
  private async call<T>(
    op: string,
    location: string,
    fn: (s3: typeof S3, client: S3.S3Client) => Promise<T>,
  ): Promise<T> {
    try {
      const { s3, client } = await this.load();
      return await fn(s3, client);
    } catch (e) {
      throw this.toLakeError(e, op, location);
    }
  }

  private toLakeError(e: unknown, op: string, location: string): LakeError {
    if (isLakeError(e)) return e;
    const err = (e ?? {}) as SdkError;
    const status = statusOf(e);
    const name = err.name ?? 'Error';
    const detail = err.message && err.message !== 'UnknownError' ? `${name}: ${err.message}` : name;
    const context = { location, endpoint: this.endpoint };
    const options = { context, cause: e };
    if (status === undefined) {
      if (name === 'CredentialsProviderError') {
        return new StorageError(
          `no S3 credentials for ${location}: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY ` +
            `or the storage s3 accessKeyId/secretAccessKey options (${err.message})`,
          options,
        );
      }
      if (err.code === 'ERR_MODULE_NOT_FOUND') {
        return new StorageError(`the AWS SDK (@aws-sdk/client-s3) is not installed: ${err.message}`, options);
      }
      return new StorageError(`cannot reach S3 endpoint ${this.endpoint} to ${op} ${location}: ${detail}`, {
        ...options,
        retryable: true,
      });
    }
    if (status === 404) {
      const bucket = parseS3Uri(location).bucket;
      if (name === 'NoSuchBucket') {
        return new NotFoundError(
          'file',
          `bucket "${bucket}" does not exist at ${this.endpoint} (${location})`,
          options,
        );
      }
      return new NotFoundError('file', `file not found: ${location}`, options);
    }
    if (status === 401 || status === 403) {
      return new StorageError(
        `S3 endpoint ${this.endpoint} denied ${op} ${location} (${detail}); check the credentials`,
        options,
      );
    }
    return new StorageError(`S3 ${op} ${location} failed at ${this.endpoint} (HTTP ${status}, ${detail})`, {
      ...options,
      retryable: status >= 500 || status === 429 || status === 409,
    });
  }

  async read(location: string): Promise<Uint8Array> {
    const { bucket, key } = objectLocation(location);
    return this.call('read', location, async (s3, client) => {
      const res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key }));
      return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
    });
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    const { bucket, key } = objectLocation(location);
    if (length <= 0) {
      if ((await this.stat(location)) === undefined) {
        throw new NotFoundError('file', `file not found: ${location}`, { context: { location } });
      }
      return new Uint8Array();
    }
    return this.call('read', location, async (s3, client) => {
      try {
        const range = `bytes=${offset}-${offset + length - 1}`;
        const res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key, Range: range }));
        return res.Body ? await res.Body.transformToByteArray() : new Uint8Array();
      } catch (e) {
        if (statusOf(e) === 416) return new Uint8Array(); // offset at or past the end
        throw e;
      }
    });
  }

  async readStream(location: string): Promise<Readable> {
    const { bucket, key } = objectLocation(location);
    return this.call('read', location, async (s3, client) => {
      const res = await client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key }));
      if (res.Body instanceof Readable) return res.Body;
      return Readable.from(res.Body ? [Buffer.from(await res.Body.transformToByteArray())] : []);
    });
  }

  async write(location: string, data: Uint8Array | string): Promise<void> {
    const { bucket, key } = objectLocation(location);
    const body = toBytes(data);
    await this.call('write', location, (s3, client) =>
      client.send(
        new s3.PutObjectCommand({ Bucket: bucket, Key: key, Body: body, ContentLength: body.length }),
      ),
    );
  }

  /**
   * PutObject with `If-None-Match: *`, which S3 (since 2024), MinIO and moto honour atomically:
   * the loser of a race gets 412 → AlreadyExistsError. Caveat: if a request succeeds but its response
   * is lost, the SDK's retry sees 412 for our own object. Servers that reject the header (501) make
   * this instance fall back to HEAD-then-PUT, which is racy: two writers can both see "absent" and
   * the later PUT silently replaces the earlier file.
   */
  async createIfAbsent(location: string, data: Uint8Array | string): Promise<void> {
    const { bucket, key } = objectLocation(location);
    const body = toBytes(data);
    const exists = () =>
      new AlreadyExistsError('file', `file already exists: ${location}`, { context: { location } });
    if (this.conditionalWrites === 'head-then-put') {
      if (await this.exists(location)) throw exists();
      await this.write(location, body);
      return;
    }
    try {
      await this.load().then(({ s3, client }) =>
        client.send(
          new s3.PutObjectCommand({
            Bucket: bucket,
            Key: key,
            Body: body,
            ContentLength: body.length,
            IfNoneMatch: '*',
          }),
        ),
      );
    } catch (e) {
      const status = statusOf(e);
      if (status === 412) throw exists();
      if (status === 501) {
        this.conditionalWrites = 'head-then-put';
        await this.createIfAbsent(location, body);
        return;
      }
      throw this.toLakeError(e, 'create', location);
    }
  }

  /** Uploads a local file; above `multipartThresholdBytes` as a multipart upload. */
  async upload(localPath: string, location: string): Promise<void> {
    const { bucket, key } = objectLocation(location);
    let size: number;
    try {
      size = (await fsStat(localPath)).size;
    } catch (e) {
      throw new StorageError(`cannot upload ${localPath} to ${location}: ${(e as Error).message}`, {
        context: { location },
        cause: e,
      });
    }
    if (size <= (this.options.multipartThresholdBytes ?? 16 * MiB)) {
      const body = await readFile(localPath);
      await this.write(location, body);
      return;
    }
    await this.call('upload', location, async (s3, client) => {
      const created = await client.send(new s3.CreateMultipartUploadCommand({ Bucket: bucket, Key: key }));
      const uploadId = created.UploadId;
      if (uploadId === undefined) throw new Error('CreateMultipartUpload returned no UploadId');
      const partSize = Math.max(5 * MiB, this.options.partSizeBytes ?? 8 * MiB);
      const partCount = Math.ceil(size / partSize);
      const parts: S3.CompletedPart[] = [];
      const fh = await open(localPath, 'r');
      let next = 0;
      let failed = false;
      const worker = async (): Promise<void> => {
        while (!failed && next < partCount) {
          const index = next++;
          const start = index * partSize;
          const buf = Buffer.alloc(Math.min(partSize, size - start));
          let got = 0;
          while (got < buf.length) {
            const { bytesRead } = await fh.read(buf, got, buf.length - got, start + got);
            if (bytesRead === 0) throw new Error(`${localPath} shrank while uploading`);
            got += bytesRead;
          }
          const res = await client.send(
            new s3.UploadPartCommand({
              Bucket: bucket,
              Key: key,
              UploadId: uploadId,
              PartNumber: index + 1,
              Body: buf,
              ContentLength: buf.length,
            }),
          );
          parts[index] = { ETag: res.ETag, PartNumber: index + 1 };
        }
      };
      try {
        await Promise.all(
          Array.from({ length: Math.min(UPLOAD_CONCURRENCY, partCount) }, () =>
            worker().catch((e: unknown) => {
              failed = true;
              throw e;
            }),
          ),
        );
        await client.send(
          new s3.CompleteMultipartUploadCommand({
            Bucket: bucket,
            Key: key,
            UploadId: uploadId,
            MultipartUpload: { Parts: parts },
          }),
        );
      } catch (e) {
        await client
          .send(new s3.AbortMultipartUploadCommand({ Bucket: bucket, Key: key, UploadId: uploadId }))
          .catch(() => undefined);
        throw e;
      } finally {
        await fh.close();
      }
    });
  }

  /**
   * Downloads to `<cacheDir>/<sha256 of the URI>/<file name>` and reuses that copy while the object's
   * size and modification time are unchanged (one HEAD per call).
   */
  async localPath(location: string): Promise<string> {
    const pending = this.downloads.get(location);
    if (pending !== undefined) return pending;
    const download = this.download(location).finally(() => this.downloads.delete(location));
    this.downloads.set(location, download);
    return download;
  }

  private async download(location: string): Promise<string> {
    const { bucket, key } = objectLocation(location);
    const info = await this.stat(location);
    if (info === undefined) {
      throw new NotFoundError('file', `file not found: ${location}`, { context: { location } });
    }
    const cacheDir = this.options.cacheDir ?? join(tmpdir(), 'lakekit-cache');
    const dir = join(cacheDir, createHash('sha256').update(location).digest('hex'));
    const path = join(dir, posix.basename(key));
    const cached = await fsStat(path).catch(() => undefined);
    if (cached?.size === info.size && Math.abs(cached.mtimeMs - info.lastModifiedMs) < 1) return path;
    const tmp = `${path}.${randomBytes(6).toString('hex')}.tmp`;
    try {
      await mkdir(dir, { recursive: true });
      const res = await this.call('download', location, (s3, client) =>
        client.send(new s3.GetObjectCommand({ Bucket: bucket, Key: key })),
      );
      const body = res.Body instanceof Readable ? res.Body : Readable.from([]);
      await pipeline(body, createWriteStream(tmp));
      // Stamp the copy with what was downloaded, so a later change of the object is noticed.
      const mtime = res.LastModified ?? new Date(info.lastModifiedMs);
      await utimes(tmp, mtime, mtime);
      await rename(tmp, path);
      return path;
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      if (isLakeError(e)) throw e;
      throw new StorageError(`cannot cache ${location} in ${dir}: ${(e as Error).message}`, {
        context: { location },
        cause: e,
      });
    }
  }

  async stat(location: string): Promise<FileInfo | undefined> {
    const { bucket, key } = objectLocation(location);
    try {
      return await this.call('stat', location, async (s3, client) => {
        const res = await client.send(new s3.HeadObjectCommand({ Bucket: bucket, Key: key }));
        return { location, size: res.ContentLength ?? 0, lastModifiedMs: res.LastModified?.getTime() ?? 0 };
      });
    } catch (e) {
      if (e instanceof NotFoundError) return undefined;
      throw e;
    }
  }

  async exists(location: string): Promise<boolean> {
    return (await this.stat(location)) !== undefined;
  }

  /** Lists objects below `prefix`, taken as a directory (`s3://b/a` lists `a/…`, not `ab`). */
  async list(prefix: string): Promise<FileInfo[]> {
    const { scheme, bucket, key } = parseS3Uri(prefix);
    const dir = key.replace(/\/+$/, '');
    const keyPrefix = dir === '' ? '' : `${dir}/`;
    return this.call('list', prefix, async (s3, client) => {
      const out: FileInfo[] = [];
      let token: string | undefined;
      do {
        const res = await client.send(
          new s3.ListObjectsV2Command({
            Bucket: bucket,
            Prefix: keyPrefix,
            MaxKeys: this.options.listPageSize ?? 1000,
            ...(token !== undefined ? { ContinuationToken: token } : {}),
          }),
        );
        for (const obj of res.Contents ?? []) {
          if (obj.Key === undefined || obj.Key.endsWith('/')) continue; // "directory" markers
          out.push({
            location: `${scheme}://${bucket}/${obj.Key}`,
            size: obj.Size ?? 0,
            lastModifiedMs: obj.LastModified?.getTime() ?? 0,
          });
        }
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token !== undefined);
      return out.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
    });
  }

  async delete(location: string): Promise<void> {
    const { bucket, key } = objectLocation(location);
    try {
      await this.call('delete', location, (s3, client) =>
        client.send(new s3.DeleteObjectCommand({ Bucket: bucket, Key: key })),
      );
    } catch (e) {
      if (!(e instanceof NotFoundError)) throw e;
    }
  }

  /** Creates a bucket (for tests and local S3-compatible servers); an existing own bucket is fine. */
  async createBucket(bucket: string): Promise<void> {
    const location = `s3://${bucket}`;
    try {
      await this.load().then(({ s3, client }) =>
        client.send(
          new s3.CreateBucketCommand({
            Bucket: bucket,
            ...(this.region !== 'us-east-1'
              ? {
                  CreateBucketConfiguration: {
                    LocationConstraint: this.region as S3.BucketLocationConstraint,
                  },
                }
              : {}),
          }),
        ),
      );
    } catch (e) {
      if ((e as SdkError).name === 'BucketAlreadyOwnedByYou') return;
      throw this.toLakeError(e, 'create bucket', location);
    }
  }

  async close(): Promise<void> {
    const sdk = this.sdk;
    this.sdk = undefined;
    if (sdk !== undefined) (await sdk.catch(() => undefined))?.client.destroy();
  }
}
