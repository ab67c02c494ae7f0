/**
 * Rollback: points `main` back at an earlier snapshot. No data is rewritten and no snapshot is
 * removed, so a rollback can itself be undone (roll "forward" to the later id).
 */
import { CommitConflictError, UsageError } from '@lakekit/core';
import { commitMetadata } from './commit-metadata.js';
import type { Table } from './table.js';
import type { SnapshotJson } from './table-metadata.js';

/** Sets `main` to `snapshotId`, which must be a snapshot of the table. */
export async function rollbackTo(table: Table, snapshotId: bigint): Promise<SnapshotJson> {
  const target = table.snapshot({ snapshotId })!;
  const planned = table.currentSnapshot()?.['snapshot-id'];
  if (planned === snapshotId) {
    throw new UsageError(`table ${table.name} is already at snapshot ${snapshotId}`, {
      context: { table: table.name },
    });
  }
  await commitMetadata(table, async (base) => {
    if (base.refs['main']?.['snapshot-id'] !== planned) {
      throw new CommitConflictError(
        `table ${table.name} changed during the rollback; nothing was changed — try again`,
        {
          context: { table: table.name },
        },
      );
    }
    const now = Math.max(Date.now(), base['last-updated-ms']);
    return {
      metadata: {
        ...base,
        'current-snapshot-id': snapshotId,
        refs: {
          ...base.refs,
          main: { ...(base.refs['main'] ?? {}), 'snapshot-id': snapshotId, type: 'branch' },
        },
        'snapshot-log': [...base['snapshot-log'], { 'snapshot-id': snapshotId, 'timestamp-ms': now }],
      },
    };
  });
  return target;
}
