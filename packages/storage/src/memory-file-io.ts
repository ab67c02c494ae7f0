/**
 * `FileIO` kept in memory (`memory://…`), for tests that need storage without a disk or a server.
 * Locations are map keys, taken verbatim; `localPath` spills a copy into a temp directory.
 */
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { Readable } from 'node:stream';
import { AlreadyExistsError, type FileInfo, type FileIO, NotFoundError } from '@lakekit/core';

/** One stored file of a `MemoryFileIO`. */
export interface MemoryFile {
  readonly data: Uint8Array;
  readonly lastModifiedMs: number;
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : Uint8Array.from(data);
}

/** `FileIO` for `memory://` locations; pass a shared `files` map to let instances see each other. */
export class MemoryFileIO implements FileIO {
  readonly schemes = ['memory'] as const;
  private readonly files: Map<string, MemoryFile>;
  private spillDir: string | undefined;

  constructor(files: Map<string, MemoryFile> = new Map()) {
    this.files = files;
  }

  private get(location: string): MemoryFile {
    const entry = this.files.get(location);
    if (entry === undefined) {
      throw new NotFoundError('file', `file not found: ${location}`, { context: { location } });
    }
    return entry;
  }

  async read(location: string): Promise<Uint8Array> {
    return Uint8Array.from(this.get(location).data);
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    return Uint8Array.from(this.get(location).data.subarray(offset, offset + Math.max(0, length)));
  }

  async readStream(location: string): Promise<Readable> {
    return Readable.from([Buffer.from(this.get(location).data)]);
  }

  async write(location: string, data: Uint8Array | string): Promise<void> {
    this.files.set(location, { data: toBytes(data), lastModifiedMs: Date.now() });
  }

  async createIfAbsent(location: string, data: Uint8Array | string): Promise<void> {
    if (this.files.has(location)) {
      throw new AlreadyExistsError('file', `file already exists: ${location}`, { context: { location } });
    }
    await this.write(location, data);
  }

  async upload(localPath: string, location: string): Promise<void> {
    await this.write(location, await readFile(localPath));
  }

  async localPath(location: string): Promise<string> {
    const entry = this.get(location);
    this.spillDir ??= await mkdtemp(join(tmpdir(), 'lakekit-memory-'));
    const dir = join(this.spillDir, createHash('sha256').update(location).digest('hex'));
    await mkdir(dir, { recursive: true });
    const path = join(dir, basename(location) || 'file');
    await writeFile(path, entry.data);
    return path;
  }

  async stat(location: string): Promise<FileInfo | undefined> {
    const entry = this.files.get(location);
    if (entry === undefined) return undefined;
    return { location, size: entry.data.length, lastModifiedMs: entry.lastModifiedMs };
  }

  async exists(location: string): Promise<boolean> {
    return this.files.has(location);
  }

  async list(prefix: string): Promise<FileInfo[]> {
    const dir = `${prefix.replace(/\/+$/, '')}/`;
    const out: FileInfo[] = [];
    for (const [location, entry] of this.files) {
      if (location.startsWith(dir)) {
        out.push({ location, size: entry.data.length, lastModifiedMs: entry.lastModifiedMs });
      }
    }
    return out.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  }

  async delete(location: string): Promise<void> {
    this.files.delete(location);
  }

  async close(): Promise<void> {
    if (this.spillDir !== undefined) await rm(this.spillDir, { recursive: true, force: true });
    this.spillDir = undefined;
  }
}
