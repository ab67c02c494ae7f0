/**
 * The health of tables from their recorded quality-check results (`catalog.operations.listQuality`):
 * the latest result of each check decides. `failing` when an `error`-severity check's latest result
 * failed, `warning` when only a `warn` check's did, `healthy` when every latest result passed,
 * `unknown` when the table has no results.
 */
import type { QualityRecord } from '../operations-store.js';

export type HealthStatus = 'healthy' | 'warning' | 'failing' | 'unknown';

/** One check's latest result and its earlier ones. */
export interface CheckHealth {
  check: string;
  kind: string;
  severity: string;
  latest: QualityRecord;
  /** Earlier results of the check, newest first. */
  history: QualityRecord[];
}

/** A table's health. */
export interface TableHealth {
  table: string;
  status: HealthStatus;
  /** When the newest result was recorded. */
  checkedAt?: string;
  /** Latest snapshot checked. */
  snapshotId?: string;
  checks: CheckHealth[];
  /** Names of the checks whose latest result failed. */
  failing: string[];
}

/**
 * Health of `table` from its results (any order). With `snapshots` (the ids of a snapshot and its
 * ancestors), only results of checks that judged one of them count: the health of the data as read
 * there — a later run that was blocked judged a snapshot that was never published.
 */
export function tableHealth(
  table: string,
  results: readonly QualityRecord[],
  snapshots?: ReadonlySet<string>,
): TableHealth {
  const newestFirst = results
    .filter((r) => r.table === table)
    .filter((r) => snapshots === undefined || r.snapshotId === undefined || snapshots.has(r.snapshotId))
    .map((r, i) => ({ r, i }))
    // Newest first; among equal times the later-recorded (earlier in a newest-first listing) wins.
    .sort((a, b) => (a.r.checkedAt < b.r.checkedAt ? 1 : a.r.checkedAt > b.r.checkedAt ? -1 : a.i - b.i))
    .map(({ r }) => r);
  const byCheck = new Map<string, QualityRecord[]>();
  for (const r of newestFirst) byCheck.set(r.check, [...(byCheck.get(r.check) ?? []), r]);
  const checks: CheckHealth[] = [...byCheck.entries()]
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([check, [latest, ...history]]) => ({
      check,
      kind: latest!.kind,
      severity: latest!.severity,
      latest: latest!,
      history,
    }));
  const failed = checks.filter((c) => c.latest.status === 'failed');
  const status: HealthStatus =
    checks.length === 0
      ? 'unknown'
      : failed.some((c) => c.severity === 'error')
        ? 'failing'
        : failed.length > 0
          ? 'warning'
          : 'healthy';
  const newest = newestFirst[0];
  return {
    table,
    status,
    ...(newest ? { checkedAt: newest.checkedAt } : {}),
    ...(newest?.snapshotId ? { snapshotId: newest.snapshotId } : {}),
    checks,
    failing: failed.map((c) => c.check),
  };
}

/** Health of every table that has results, sorted by table name. */
export function catalogHealth(results: readonly QualityRecord[]): TableHealth[] {
  return [...new Set(results.map((r) => r.table))].sort().map((t) => tableHealth(t, results));
}
