/**
 * Orphan file removal (Java's `DeleteOrphanFiles`): files under the table location that no metadata
 * reaches — left by failed or killed writers, or by an expiry whose deletes failed. Only files older
 * than a safety window go, because a writer that is committing right now has files no metadata
 * references yet; the window must exceed the longest write (default 3 days, as Java's).
 */
import { UsageError } from '@lakekit/core';
import { stripSlash } from '../metadata-files.js';
import type { Table } from '../table.js';
import { deleteFiles } from './delete-files.js';
import { reachableFiles } from './reachable-files.js';

/** Default safety window: files younger than 3 days are never removed. */
export const DEFAULT_ORPHAN_AGE_MS = 3 * 86_400_000;

/** Options of `removeOrphanFiles`. */
export interface RemoveOrphanFilesOptions {
  /** Remove only files last modified before this time (ms since the epoch); default now − 3 days. */
  olderThanMs?: number;
  /** List only, delete nothing. */
  dryRun?: boolean;
}

/** What `removeOrphanFiles` found (and, unless a dry run, deleted). */
export interface RemoveOrphanFilesResult {
  dryRun: boolean;
  olderThanMs: number;
  /** Files under the table location. */
  scannedFiles: number;
  /** Files the metadata reaches. */
  referencedFiles: number;
  /** Unreferenced files younger than the window, left alone. */
  recentFiles: number;
  /** Unreferenced files older than the window: deleted (dry run: would be). */
  orphanFiles: string[];
  failedFiles: string[];
}

/**
 * One spelling per file: `file:/p`, `file://localhost/p`, `file:///p` and `/p` are the same file, as
 * are `s3a://` and `s3n://` and `s3://`; Java compares locations the same way.
 */
export function normalizeLocation(location: string): string {
  if (location.startsWith('/')) return `file://${location}`;
  const file = /^file:(?:\/\/(?:localhost)?)?(\/.*)$/.exec(location);
  if (file) return `file://${file[1]}`;
  return location.replace(/^s3[an]:\/\//, 's3://');
}

/** Files a table never writes itself but other engines' catalogs rely on. */
const KEEP = /\/metadata\/version-hint\.text$/;

/** Removes files under the table location that its metadata does not reach (see module comment). */
export async function removeOrphanFiles(
  table: Table,
  options: RemoveOrphanFilesOptions = {},
): Promise<RemoveOrphanFilesResult> {
  const olderThanMs = options.olderThanMs ?? Date.now() - DEFAULT_ORPHAN_AGE_MS;
  if (!Number.isFinite(olderThanMs)) throw new UsageError(`older-than must be a time, got ${olderThanMs}`);
  await table.refresh();
  // List first: a file written after the listing is not considered, one committed after it is referenced.
  const listed = await table.io.list(`${stripSlash(table.metadata.location)}/`);
  await table.refresh();
  const referenced = new Set(
    [...(await reachableFiles(table.io, table.metadata, table.metadataLocation))].map(normalizeLocation),
  );
  const orphanFiles: string[] = [];
  let recentFiles = 0;
  let referencedFiles = 0;
  for (const f of listed) {
    if (referenced.has(normalizeLocation(f.location)) || KEEP.test(f.location)) referencedFiles++;
    else if (f.lastModifiedMs < olderThanMs) orphanFiles.push(f.location);
    else recentFiles++;
  }
  const failedFiles = options.dryRun ? [] : await deleteFiles(table.io, orphanFiles);
  return {
    dryRun: options.dryRun === true,
    olderThanMs,
    scannedFiles: listed.length,
    referencedFiles,
    recentFiles,
    orphanFiles,
    failedFiles,
  };
}
