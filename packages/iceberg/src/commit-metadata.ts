/**
 * The one commit primitive: build new metadata on the current head, write it as the next metadata
 * file, and swap the catalog pointer by compare-and-swap. When another writer won, the attempt's
 * files are removed and the builder runs again on the new head (it may throw a CommitConflictError
 * when its change no longer applies). Every metadata change — snapshots, refs, schema, expiry —
 * goes through here.
 */
import { CommitConflictError } from '@lakekit/core';
import type { CommitHook } from './catalog-backend.js';
import { nextMetadataLocation, writeMetadata } from './metadata-files.js';
import type { Table } from './table.js';
import type { TableMetadata } from './table-metadata.js';

/** What one attempt produced. */
export interface CommitAttempt {
  metadata: TableMetadata;
  /** Files written for this attempt only, removed if the attempt loses the race. */
  written?: string[];
}

/** Options of a metadata commit. */
export interface CommitMetadataOptions {
  /** Attempts before giving up on a contended table (default 10). */
  maxAttempts?: number;
  /** Runs inside the catalog transaction that swaps the pointer (state committed with the data). */
  onCommit?: CommitHook;
}

function backoff(attempt: number): Promise<void> {
  const ms = Math.min(1000, 10 * 2 ** attempt) * (0.5 + Math.random());
  return new Promise((r) => setTimeout(r, ms));
}

/** Commits a metadata change built by `attempt` (see module comment); returns the committed metadata. */
export async function commitMetadata(
  table: Table,
  attempt: (base: TableMetadata, n: number) => Promise<CommitAttempt>,
  options: CommitMetadataOptions = {},
): Promise<TableMetadata> {
  const maxAttempts = options.maxAttempts ?? 10;
  for (let n = 0; n < maxAttempts; n++) {
    if (n > 0) await table.refresh();
    const baseLocation = table.metadataLocation;
    const result = await attempt(table.metadata, n);
    const md = withMetadataLog(result.metadata, table.metadata, baseLocation);
    const location = nextMetadataLocation(md.location, baseLocation);
    await writeMetadata(table.io, location, md);
    let swapped = false;
    try {
      const hook = options.onCommit;
      swapped = await table.backend.swapPointer(
        table.id,
        baseLocation,
        location,
        // The hook learns what it commits with (e.g. the new snapshot's id).
        hook ? (tx) => hook(tx, md) : undefined,
      );
    } finally {
      if (!swapped) {
        await Promise.all(
          [location, ...(result.written ?? [])].map((p) => table.io.delete(p).catch(() => undefined)),
        );
      }
    }
    if (swapped) {
      table.update(location, md);
      return md;
    }
    await backoff(n);
  }
  throw new CommitConflictError(
    `table ${table.name}: gave up after ${maxAttempts} commit attempts lost to other writers`,
    { context: { table: table.name } },
  );
}

/** Adds the previous metadata file to the metadata log (bounded by write.metadata.previous-versions-max). */
function withMetadataLog(md: TableMetadata, base: TableMetadata, baseLocation: string): TableMetadata {
  // The committed metadata's setting (a commit may change it), at least one entry.
  const maxLog = Math.max(1, Number(md.properties['write.metadata.previous-versions-max'] ?? 100) || 100);
  const log = [
    ...base['metadata-log'],
    { 'metadata-file': baseLocation, 'timestamp-ms': base['last-updated-ms'] },
  ];
  return {
    ...md,
    'last-updated-ms': Math.max(Date.now(), base['last-updated-ms']),
    'metadata-log': log.slice(-maxLog),
  };
}
