/**
 * `createFileIO`: one `FileIO` for every location a table may use, dispatching by URI scheme (plain
 * paths are local files). Each backend is created on first use, so S3 costs nothing until needed.
 */

import type { Readable } from 'node:stream';
import type { FileInfo, FileIO } from '@lakekit/core';
import { UnsupportedError } from '@lakekit/core';
import { LocalFileIO, type UploadOptions } from './local-file-io.js';
import { MemoryFileIO } from './memory-file-io.js';
import { S3FileIO } from './s3-file-io.js';
import { uriScheme } from './uri.js';

/** Storage settings (the `storage` section of the configuration). */
export interface StorageOptions {
  s3?: {
    endpoint?: string;
    region?: string;
    forcePathStyle?: boolean;
    accessKeyId?: string;
    secretAccessKey?: string;
  };
  /** Where remote files are cached for `localPath`; default `os.tmpdir()/lakekit-cache`. */
  cacheDir?: string;
}

/** A `FileIO` over local files, `s3://`/`s3a://` and `memory://`, chosen per location. */
export class FileIORouter implements FileIO {
  readonly schemes = ['file', 's3', 's3a', 'memory'] as const;
  private readonly options: StorageOptions;
  private local: LocalFileIO | undefined;
  private s3: S3FileIO | undefined;
  private memory: MemoryFileIO | undefined;

  constructor(options: StorageOptions = {}) {
    this.options = options;
  }

  /** The backend serving `location`. */
  ioFor(location: string): FileIO {
    const scheme = uriScheme(location);
    switch (scheme) {
      case undefined:
      case 'file':
        this.local ??= new LocalFileIO();
        return this.local;
      case 's3':
      case 's3a':
        this.s3 ??= new S3FileIO({
          ...this.options.s3,
          ...(this.options.cacheDir !== undefined ? { cacheDir: this.options.cacheDir } : {}),
        });
        return this.s3;
      case 'memory':
        this.memory ??= new MemoryFileIO();
        return this.memory;
      default:
        throw new UnsupportedError(
          `no storage for "${scheme}://" locations (${location}); supported: file://, s3://, s3a://, memory://`,
          { context: { location } },
        );
    }
  }

  read(location: string): Promise<Uint8Array> {
    return this.ioFor(location).read(location);
  }
  readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return this.ioFor(location).readRange(location, offset, length);
  }
  readStream(location: string): Promise<Readable> {
    return this.ioFor(location).readStream(location);
  }
  write(location: string, data: Uint8Array | string): Promise<void> {
    return this.ioFor(location).write(location, data);
  }
  createIfAbsent(location: string, data: Uint8Array | string): Promise<void> {
    return this.ioFor(location).createIfAbsent(location, data);
  }
  /** Uploads a local file; `{ move: true }` lets a local destination take the file by renaming it. */
  upload(localPath: string, location: string, options: UploadOptions = {}): Promise<void> {
    const io = this.ioFor(location);
    return io instanceof LocalFileIO
      ? io.upload(localPath, location, options)
      : io.upload(localPath, location);
  }
  localPath(location: string): Promise<string> {
    return this.ioFor(location).localPath(location);
  }
  stat(location: string): Promise<FileInfo | undefined> {
    return this.ioFor(location).stat(location);
  }
  exists(location: string): Promise<boolean> {
    return this.ioFor(location).exists(location);
  }
  list(prefix: string): Promise<FileInfo[]> {
    return this.ioFor(prefix).list(prefix);
  }
  delete(location: string): Promise<void> {
    return this.ioFor(location).delete(location);
  }
  async close(): Promise<void> {
    const open = [this.local, this.s3, this.memory].filter((io) => io !== undefined);
    this.local = this.s3 = this.memory = undefined;
    await Promise.all(open.map((io) => io.close()));
  }
}

/** Creates the `FileIO` for a configuration: dispatches by scheme, plain paths are local files. */
export function createFileIO(options: StorageOptions = {}): FileIORouter {
  return new FileIORouter(options);
}
