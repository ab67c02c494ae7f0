/**
 * `FileIO`: where table files live. One implementation per URI scheme (`file://` or plain paths,
 * `s3://`, `memory://`), chosen by `@lakekit/storage`. Iceberg metadata files are written with
 * `createIfAbsent` so an existing file is never overwritten.
 */
import type { Readable } from 'node:stream';

/** What is known of a stored object. */
export interface FileInfo {
  /** Absolute URI (`file:///…`, `s3://bucket/key`, `memory://…`). */
  readonly location: string;
  readonly size: number;
  /** Last modification, milliseconds since the epoch. */
  readonly lastModifiedMs: number;
}

/** Storage used by tables: read, write, list and delete files by absolute URI. */
export interface FileIO {
  /** URI schemes this instance handles, e.g. `['file']` or `['s3', 's3a']`. */
  readonly schemes: readonly string[];
  /** Reads a whole file. Throws NotFoundError('file') when it does not exist. */
  read(location: string): Promise<Uint8Array>;
  /** Reads `length` bytes from `offset` (a ranged read). */
  readRange(location: string, offset: number, length: number): Promise<Uint8Array>;
  /** Streams a file. */
  readStream(location: string): Promise<Readable>;
  /** Writes (replaces) a file. */
  write(location: string, data: Uint8Array | string): Promise<void>;
  /**
   * Writes a file only if nothing exists at `location`; throws AlreadyExistsError('file') otherwise.
   * Used for metadata files, which are never overwritten.
   */
  createIfAbsent(location: string, data: Uint8Array | string): Promise<void>;
  /** Uploads a local file (multipart for large objects on S3, a copy/rename locally). */
  upload(localPath: string, location: string): Promise<void>;
  /**
   * Returns a local path holding the file's bytes, for engines that only read local files (DuckDB
   * without httpfs). Local files return their own path; remote ones are downloaded to a cache.
   */
  localPath(location: string): Promise<string>;
  /** File size and modification time, or undefined when it does not exist. */
  stat(location: string): Promise<FileInfo | undefined>;
  exists(location: string): Promise<boolean>;
  /** Lists files under a prefix (recursive). */
  list(prefix: string): Promise<FileInfo[]>;
  /** Deletes a file; deleting a missing file is not an error. */
  delete(location: string): Promise<void>;
  /** Releases clients and caches. */
  close(): Promise<void>;
}
