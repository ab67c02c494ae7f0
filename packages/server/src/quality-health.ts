/**
 * A table's quality health from its recorded check results: `failing` when the latest result of any
 * `error` check failed, `warning` when that of a `warn` check failed, else `healthy` (also when no
 * check ever ran).
 */
import type { QualityRecord } from '@lakekit/catalog';

export type Health = 'healthy' | 'warning' | 'failing';

/** The latest result of each check, from results ordered newest first. */
export function latestPerCheck(newestFirst: readonly QualityRecord[]): QualityRecord[] {
  const seen = new Map<string, QualityRecord>();
  for (const r of newestFirst) if (!seen.has(r.check)) seen.set(r.check, r);
  return [...seen.values()];
}

/** The health that the latest results say. */
export function healthOf(latest: readonly QualityRecord[]): Health {
  const failed = latest.filter((r) => r.status === 'failed');
  if (failed.some((r) => r.severity === 'error')) return 'failing';
  return failed.some((r) => r.severity === 'warn') ? 'warning' : 'healthy';
}
