/**
 * One maintenance run of a table, as its policy (lakekit.yaml `maintenance:`) says, in the order
 * Iceberg's own guidance gives: expire snapshots (frees their files), compact data files, rewrite
 * manifests (after compaction, which adds some), then remove orphan files (last, so it sees the
 * final metadata). The scheduler calls this; `lake table maintain` runs it by hand.
 */
import type { MaintenancePolicy } from '@lakekit/core';
import type { Engine } from '../duckdb-engine.js';
import { readManifestList } from '../scan.js';
import type { Table } from '../table.js';
import { type CompactFilesResult, compactFiles } from './compact-files.js';
import { type ExpireSnapshotsResult, expireSnapshots } from './expire-snapshots.js';
import {
  DEFAULT_ORPHAN_AGE_MS,
  type RemoveOrphanFilesResult,
  removeOrphanFiles,
} from './remove-orphan-files.js';
import { type RewriteManifestsResult, rewriteManifests } from './rewrite-manifests.js';

/** Default manifest count of the current snapshot from which manifests are rewritten. */
export const DEFAULT_REWRITE_MANIFESTS_AT = 100;

/** Options of one run besides the policy. */
export interface RunMaintenanceOptions {
  /** The clock the policy's ages are measured from (default `Date.now()`). */
  now?: number;
  /** Snapshots expiry must keep (see `ExpireSnapshotsOptions.protectedSnapshotIds`). */
  protectedSnapshotIds?: ReadonlySet<bigint>;
}

/** What each step of a run did (undefined: the step was skipped). */
export interface MaintenanceResult {
  expire: ExpireSnapshotsResult;
  compact: CompactFilesResult | undefined;
  rewriteManifests: RewriteManifestsResult | undefined;
  /** Manifests of the current snapshot before the rewrite step, compared with `rewriteManifestsAt`. */
  manifestCount: number;
  removeOrphans: RemoveOrphanFilesResult;
}

/**
 * Runs expire → compact → rewrite manifests → remove orphans with `policy` (see MaintenancePolicy
 * for each key's default; compaction runs unless `compact: false`, manifests are rewritten once the
 * current snapshot has `rewriteManifestsAt` of them, default 100).
 */
export async function runMaintenance(
  table: Table,
  engine: Engine,
  policy: MaintenancePolicy,
  options: RunMaintenanceOptions = {},
): Promise<MaintenanceResult> {
  const now = options.now ?? Date.now();
  const expire = await expireSnapshots(table, {
    now,
    ...(policy.expireOlderThanMs !== undefined ? { olderThanMs: now - policy.expireOlderThanMs } : {}),
    ...(policy.retainLast !== undefined ? { retainLast: policy.retainLast } : {}),
    ...(options.protectedSnapshotIds ? { protectedSnapshotIds: options.protectedSnapshotIds } : {}),
  });
  const compact =
    policy.compact === false
      ? undefined
      : await compactFiles(table, engine, {
          ...(policy.targetFileSizeBytes !== undefined
            ? { targetFileSizeBytes: policy.targetFileSizeBytes }
            : {}),
        });
  await table.refresh();
  const head = table.currentSnapshot();
  const manifestCount = head ? (await readManifestList(table.io, head)).length : 0;
  const rewrite =
    manifestCount >= (policy.rewriteManifestsAt ?? DEFAULT_REWRITE_MANIFESTS_AT)
      ? await rewriteManifests(table)
      : undefined;
  const removeOrphans = await removeOrphanFiles(table, {
    olderThanMs: now - (policy.orphanOlderThanMs ?? DEFAULT_ORPHAN_AGE_MS),
  });
  return { expire, compact, rewriteManifests: rewrite, manifestCount, removeOrphans };
}
