/**
 * `FileIO` on the local disk (`file://` URIs and plain paths). Writes go to a temp file in the same
 * directory first, so readers never see a half-written file: `write` renames it over the target,
 * `createIfAbsent` hard-links it to the target, which fails atomically when the target exists.
 */
import { randomBytes } from 'node:crypto';
import type { Dirent } from 'node:fs';
import {
  copyFile,
  link,
  mkdir,
  open,
  readdir,
  readFile,
  rename,
  stat,
  unlink,
  writeFile,
} from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { Readable } from 'node:stream';
import {
  AlreadyExistsError,
  type FileInfo,
  type FileIO,
  isLakeError,
  type LakeError,
  NotFoundError,
  StorageError,
} from '@lakekit/core';
import { fileUriToPath } from './uri.js';

/** Options of `LocalFileIO.upload`. */
export interface UploadOptions {
  /** The source is a temp file the caller no longer needs: rename it instead of copying. */
  move?: boolean;
}

function errnoCode(e: unknown): string | undefined {
  return (e as NodeJS.ErrnoException | undefined)?.code;
}

/** NotFoundError for a missing file on read, else StorageError naming the location. */
function fsError(e: unknown, op: string, location: string): LakeError {
  if (isLakeError(e)) return e;
  const code = errnoCode(e);
  if (op === 'read' && (code === 'ENOENT' || code === 'ENOTDIR' || code === 'EISDIR')) {
    return new NotFoundError('file', `file not found: ${location}`, { context: { location }, cause: e });
  }
  const why = e instanceof Error ? e.message : String(e);
  return new StorageError(`cannot ${op} ${location}: ${why}`, { context: { location }, cause: e });
}

function tempPathFor(path: string): string {
  return join(dirname(path), `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
}

function toBytes(data: Uint8Array | string): Uint8Array {
  return typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
}

/** `FileIO` for `file://` URIs and plain paths. */
export class LocalFileIO implements FileIO {
  readonly schemes = ['file'] as const;

  async read(location: string): Promise<Uint8Array> {
    try {
      return await readFile(fileUriToPath(location));
    } catch (e) {
      throw fsError(e, 'read', location);
    }
  }

  async readRange(location: string, offset: number, length: number): Promise<Uint8Array> {
    const path = fileUriToPath(location);
    let fh: Awaited<ReturnType<typeof open>> | undefined;
    try {
      fh = await open(path, 'r');
      const buf = Buffer.alloc(Math.max(0, length));
      let got = 0;
      while (got < buf.length) {
        const { bytesRead } = await fh.read(buf, got, buf.length - got, offset + got);
        if (bytesRead === 0) break;
        got += bytesRead;
      }
      return buf.subarray(0, got);
    } catch (e) {
      throw fsError(e, 'read', location);
    } finally {
      await fh?.close();
    }
  }

  async readStream(location: string): Promise<Readable> {
    const path = fileUriToPath(location);
    try {
      // Open first so a missing file rejects here rather than as a later stream error.
      const fh = await open(path, 'r');
      return fh.createReadStream();
    } catch (e) {
      throw fsError(e, 'read', location);
    }
  }

  async write(location: string, data: Uint8Array | string): Promise<void> {
    const path = fileUriToPath(location);
    const tmp = tempPathFor(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, toBytes(data));
      await rename(tmp, path);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw fsError(e, 'write', location);
    }
  }

  async createIfAbsent(location: string, data: Uint8Array | string): Promise<void> {
    const path = fileUriToPath(location);
    const tmp = tempPathFor(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      await writeFile(tmp, toBytes(data));
      try {
        await link(tmp, path);
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'EEXIST') throw e;
        if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP' && code !== 'ENOSYS') throw e;
        // No hard links on this file system (some network/FUSE mounts): exclusive create still
        // refuses an existing file atomically, but a reader may briefly see a partial file.
        await writeFile(path, toBytes(data), { flag: 'wx' });
      }
    } catch (e) {
      if (errnoCode(e) === 'EEXIST') {
        throw new AlreadyExistsError('file', `file already exists: ${location}`, {
          context: { location },
          cause: e,
        });
      }
      throw fsError(e, 'create', location);
    } finally {
      await unlink(tmp).catch(() => undefined);
    }
  }

  /** Copies a local file to `location` (atomically, via a temp file); renames it with `{ move: true }`. */
  async upload(localPath: string, location: string, options: UploadOptions = {}): Promise<void> {
    const path = fileUriToPath(location);
    const tmp = tempPathFor(path);
    try {
      await mkdir(dirname(path), { recursive: true });
      if (options.move) {
        try {
          await rename(localPath, path);
          return;
        } catch (e) {
          if (errnoCode(e) !== 'EXDEV') throw e;
        }
      }
      await copyFile(localPath, tmp);
      await rename(tmp, path);
      if (options.move) await unlink(localPath);
    } catch (e) {
      await unlink(tmp).catch(() => undefined);
      throw fsError(e, 'upload to', location);
    }
  }

  async localPath(location: string): Promise<string> {
    const path = fileUriToPath(location);
    if ((await this.stat(location)) === undefined) {
      throw new NotFoundError('file', `file not found: ${location}`, { context: { location } });
    }
    return path;
  }

  async stat(location: string): Promise<FileInfo | undefined> {
    const path = fileUriToPath(location);
    try {
      const st = await stat(path);
      if (!st.isFile()) return undefined;
      return { location: `file://${path}`, size: st.size, lastModifiedMs: st.mtimeMs };
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return undefined;
      throw fsError(e, 'stat', location);
    }
  }

  async exists(location: string): Promise<boolean> {
    return (await this.stat(location)) !== undefined;
  }

  async list(prefix: string): Promise<FileInfo[]> {
    const root = fileUriToPath(prefix);
    const out: FileInfo[] = [];
    const walk = async (dir: string): Promise<void> => {
      let entries: Dirent[];
      try {
        entries = await readdir(dir, { withFileTypes: true });
      } catch (e) {
        const code = errnoCode(e);
        if (code === 'ENOENT' || code === 'ENOTDIR') return;
        throw fsError(e, 'list', prefix);
      }
      for (const entry of entries) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) await walk(path);
        else if (entry.isFile()) {
          const info = await this.stat(path);
          if (info !== undefined) out.push(info);
        }
      }
    };
    await walk(root);
    return out.sort((a, b) => (a.location < b.location ? -1 : a.location > b.location ? 1 : 0));
  }

  async delete(location: string): Promise<void> {
    try {
      await unlink(fileUriToPath(location));
    } catch (e) {
      const code = errnoCode(e);
      if (code === 'ENOENT' || code === 'ENOTDIR') return;
      throw fsError(e, 'delete', location);
    }
  }

  async close(): Promise<void> {}
}
