/**
 * Rollback: points `main` back at an earlier snapshot of its own history. No data is rewritten and
 * no snapshot is removed, so a rollback can itself be undone (roll "forward" to the later id).
 */
import { CommitConflictError, UsageError } from '@lakekit/core';
import { nextMetadataLocation, writeMetadata } from './metadata-files.js';
import type { Table } from './table.js';
import type { SnapshotJson, TableMetadata } from './table-metadata.js';

/** Sets `main` to `snapshotId`, which must be a snapshot of the table. */
export async function rollbackTo(table: Table, snapshotId: bigint): Promise<SnapshotJson> {
  const target = table.snapshot({ snapshotId })!;
  const current = table.currentSnapshot();
  if (current?.['snapshot-id'] === snapshotId) {
    throw new UsageError(`table ${table.name} is already at snapshot ${snapshotId}`, {
      context: { table: table.name },
    });
  }
  const base = table.metadata;
  const now = Math.max(Date.now(), base['last-updated-ms']);
  const md: TableMetadata = {
    ...base,
    'last-updated-ms': now,
    'current-snapshot-id': snapshotId,
    refs: { ...base.refs, main: { ...(base.refs['main'] ?? {}), 'snapshot-id': snapshotId, type: 'branch' } },
    'snapshot-log': [...base['snapshot-log'], { 'snapshot-id': snapshotId, 'timestamp-ms': now }],
    'metadata-log': [
      ...base['metadata-log'],
      { 'metadata-file': table.metadataLocation, 'timestamp-ms': base['last-updated-ms'] },
    ],
  };
  const location = nextMetadataLocation(md.location, table.metadataLocation);
  await writeMetadata(table.io, location, md);
  if (!(await table.backend.swapPointer(table.id, table.metadataLocation, location))) {
    await table.io.delete(location);
    throw new CommitConflictError(
      `table ${table.name} changed during the rollback; nothing was changed — try again`,
      {
        context: { table: table.name },
      },
    );
  }
  table.update(location, md);
  return target;
}
