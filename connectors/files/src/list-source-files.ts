/**
 * The files of a stream, listed once per session: local folders through the file system, `s3://`
 * prefixes through the host's FileIO. Names are paths relative to the stream's folder (`/`
 * separated), which is what the stream's state records. Files and folders whose names start with `.`
 * or `_` (`.DS_Store`, `_SUCCESS`, `_temporary/`) are never part of a stream.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, dirname, join, sep } from 'node:path';
import { ConfigError, type FileIO, NotFoundError } from '@lakekit/core';
import { detectFormat, type FileFormat } from './detect-format.js';

/** A file of a stream. */
export interface SourceFile {
  /** Path relative to the stream's folder, `/`-separated: the key the state keeps. */
  readonly name: string;
  /** Absolute local path or `s3://` URI. */
  readonly location: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** Where a stream's files are and which of them belong to it. */
export interface FileSelection {
  /** A local folder (absolute) or an `s3://bucket/prefix/` ending in `/`. */
  readonly root: string;
  /** Files matching this (relative names); absent: the folder's own files (not its subfolders). */
  readonly pattern?: RegExp;
  /** Whether the pattern reaches into subfolders (it has a `/` or `**`). */
  readonly recursive?: boolean;
  /** Only files whose extension says this format (the default stream's filter). */
  readonly format?: FileFormat;
}

/** The format a file name's extension says, or undefined for other files. */
export function formatOf(name: string): FileFormat | undefined {
  try {
    return detectFormat(name);
  } catch {
    return undefined;
  }
}

function visible(name: string): boolean {
  return name.split('/').every((part) => part !== '' && !part.startsWith('.') && !part.startsWith('_'));
}

function selected(sel: FileSelection, name: string): boolean {
  if (!visible(name)) return false;
  if (sel.pattern ? !sel.pattern.test(name) : name.includes('/')) return false;
  return sel.format === undefined || formatOf(name) === sel.format;
}

/** The selection's files sorted by name; `where` names the source and stream in errors. */
export async function listSourceFiles(sel: FileSelection, where: string, io?: FileIO): Promise<SourceFile[]> {
  const files: SourceFile[] = [];
  if (/^s3a?:\/\//i.test(sel.root)) {
    if (!io) {
      throw new ConfigError(`${where}: ${sel.root} is on S3, but no S3 storage is configured`, {
        context: { path: sel.root },
      });
    }
    for (const f of await io.list(sel.root)) {
      const name = f.location.slice(sel.root.length);
      if (selected(sel, name))
        files.push({ name, location: f.location, size: f.size, mtimeMs: f.lastModifiedMs });
    }
  } else {
    const info = await stat(sel.root).catch(() => undefined);
    if (!info) {
      throw new NotFoundError('file', `${where}: ${sel.root} does not exist`, {
        context: { file: sel.root },
      });
    }
    if (!info.isDirectory()) {
      throw new ConfigError(`${where}: ${sel.root} is not a folder`, { context: { file: sel.root } });
    }
    const names = await readdir(sel.root, { recursive: sel.recursive ?? false });
    for (const entry of names) {
      const name = entry.split(sep).join('/');
      if (!selected(sel, name)) continue;
      const location = join(sel.root, entry);
      const s = await stat(location).catch(() => undefined);
      if (s?.isFile()) files.push({ name, location, size: s.size, mtimeMs: s.mtimeMs });
    }
  }
  return files.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** The default stream's name: the folder's last name (`s3://b/sales/2026/` → `2026`). */
export function folderName(root: string): string {
  const trimmed = root.replace(/\/+$/, '');
  const name = /^s3a?:\/\/[^/]+$/i.test(trimmed) ? trimmed.replace(/^s3a?:\/\//i, '') : basename(trimmed);
  return name === '' ? basename(dirname(trimmed)) : name;
}
