/**
 * The position a files stream keeps between runs: the files already loaded, each with the size and
 * modification time it had. A file not in the state, or whose size or time changed (rewritten in
 * place), is new. It is a set, not a high-water mark, so a late file whose name sorts before loaded
 * ones is still loaded.
 */
import { DataError } from '@lakekit/core';

/** A loaded file as the state records it. */
export interface LoadedFile {
  readonly name: string;
  readonly size: number;
  readonly mtimeMs: number;
}

/** The state of a files stream (JSON, stored with each batch). */
export interface FilesState {
  readonly version: 1;
  /** Sorted by name. */
  readonly files: readonly LoadedFile[];
}

/** The loaded files of a previous run's state (none for `undefined`); a DataError for anything else. */
export function parseFilesState(state: unknown, where: string): Map<string, LoadedFile> {
  const loaded = new Map<string, LoadedFile>();
  if (state === undefined || state === null) return loaded;
  const s = state as Partial<FilesState>;
  if (typeof s !== 'object' || s.version !== 1 || !Array.isArray(s.files)) {
    throw new DataError(
      `${where}: the stored state is not a files connector state (expected {version: 1, files: […]})`,
    );
  }
  for (const f of s.files as unknown[]) {
    const e = f as Partial<LoadedFile>;
    if (typeof e?.name !== 'string' || typeof e.size !== 'number' || typeof e.mtimeMs !== 'number') {
      throw new DataError(`${where}: the stored state lists a file without name, size and mtimeMs`);
    }
    loaded.set(e.name, { name: e.name, size: e.size, mtimeMs: e.mtimeMs });
  }
  return loaded;
}

/** Whether `file` is loaded as it is now. */
export function isLoaded(loaded: ReadonlyMap<string, LoadedFile>, file: LoadedFile): boolean {
  const l = loaded.get(file.name);
  return l !== undefined && l.size === file.size && l.mtimeMs === file.mtimeMs;
}

/** The state holding `loaded`. */
export function filesState(loaded: ReadonlyMap<string, LoadedFile>): FilesState {
  const files = [...loaded.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return { version: 1, files: files.map((f) => ({ name: f.name, size: f.size, mtimeMs: f.mtimeMs })) };
}
