/**
 * What a check reports after a run, and the gate that write-audit-publish applies to the reports:
 * publish when nothing failed, publish with warnings when only `warn` checks failed, block otherwise.
 */
import type { CheckKind, CheckScope, CheckSeverity } from './check-spec.js';

/** The outcome of one check. */
export interface CheckResult {
  readonly name: string;
  readonly kind: CheckKind;
  readonly severity: CheckSeverity;
  readonly scope: CheckScope;
  readonly status: 'passed' | 'failed';
  /**
   * Rows that fail a row check, keys that occur more than once (`unique`), rows the query returned
   * (`sql`); 0 for `row_count` and `freshness`, which judge the table as a whole.
   */
  readonly failingRows: number;
  /** Up to `sampleSize` failing rows (for `unique`: the duplicate keys with an `occurrences` count). */
  readonly sample: Record<string, unknown>[];
  /** Plain words: "3 rows have NULL in name". */
  readonly message: string;
  /** For row checks: a SELECT of the failing rows of `rowsSql` (what the quarantine table receives). */
  readonly failingRowsSql?: string;
}

/** The gate of a run: `blocked` when an `error` check failed, `warned` when only `warn` checks did. */
export function gateStatus(results: readonly CheckResult[]): 'passed' | 'warned' | 'blocked' {
  const failed = results.filter((r) => r.status === 'failed');
  if (failed.some((r) => r.severity === 'error')) return 'blocked';
  return failed.length > 0 ? 'warned' : 'passed';
}
