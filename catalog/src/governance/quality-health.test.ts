import { describe, expect, it } from 'vitest';
import type { QualityRecord } from '../operations-store.js';
import { catalogHealth, tableHealth } from './quality-health.js';

const result = (
  check: string,
  severity: string,
  status: string,
  checkedAt: string,
  table = 'crm.accounts',
): QualityRecord => ({
  table,
  check,
  kind: check.split('_')[0]!,
  severity,
  status,
  failingRows: status === 'failed' ? 3 : 0,
  message: '',
  checkedAt,
  snapshotId: `s-${checkedAt}`,
});

describe('tableHealth', () => {
  it('is unknown without results', () => {
    expect(tableHealth('crm.accounts', [])).toMatchObject({ status: 'unknown', checks: [], failing: [] });
  });

  it('is decided by the latest result of each check', () => {
    const h = tableHealth('crm.accounts', [
      result('not_null_id', 'error', 'failed', '2026-01-01T00:00:00Z'),
      result('not_null_id', 'error', 'passed', '2026-01-02T00:00:00Z'),
      result('unique_id', 'error', 'passed', '2026-01-02T00:00:00Z'),
    ]);
    expect(h.status).toBe('healthy');
    expect(h.checkedAt).toBe('2026-01-02T00:00:00Z');
    const notNull = h.checks.find((c) => c.check === 'not_null_id')!;
    expect(notNull.latest.status).toBe('passed');
    expect(notNull.history.map((r) => r.status)).toEqual(['failed']);
  });

  it('is failing when an error check failed last, warning when only a warn check did', () => {
    const warn = result('accepted_values_region', 'warn', 'failed', '2026-01-03T00:00:00Z');
    const err = result('not_null_id', 'error', 'failed', '2026-01-03T00:00:00Z');
    const ok = result('unique_id', 'error', 'passed', '2026-01-03T00:00:00Z');
    expect(tableHealth('crm.accounts', [warn, ok])).toMatchObject({
      status: 'warning',
      failing: ['accepted_values_region'],
    });
    expect(tableHealth('crm.accounts', [warn, err, ok])).toMatchObject({
      status: 'failing',
      failing: ['accepted_values_region', 'not_null_id'],
    });
  });

  it('with the snapshots read, counts only checks that judged one of them (not a blocked run)', () => {
    const published = result('range_amount', 'error', 'passed', '2026-01-01T00:00:00Z');
    const blocked = result('range_amount', 'error', 'failed', '2026-01-02T00:00:00Z');
    expect(tableHealth('crm.accounts', [published, blocked]).status).toBe('failing');
    const asRead = tableHealth('crm.accounts', [published, blocked], new Set([published.snapshotId!]));
    expect(asRead).toMatchObject({ status: 'healthy', snapshotId: published.snapshotId, failing: [] });
    // A result that names no snapshot always counts; nothing judged the snapshots read: unknown.
    const { snapshotId: _, ...unpinned } = blocked;
    expect(tableHealth('crm.accounts', [published, unpinned], new Set([published.snapshotId!])).status).toBe(
      'failing',
    );
    expect(tableHealth('crm.accounts', [blocked], new Set(['s-other'])).status).toBe('unknown');
  });

  it('ignores other tables, and catalogHealth covers each table', () => {
    const rs = [
      result('not_null_id', 'error', 'failed', '2026-01-01T00:00:00Z', 'crm.orders'),
      result('not_null_id', 'error', 'passed', '2026-01-01T00:00:00Z'),
    ];
    expect(tableHealth('crm.accounts', rs).status).toBe('healthy');
    expect(catalogHealth(rs).map((h) => [h.table, h.status])).toEqual([
      ['crm.accounts', 'healthy'],
      ['crm.orders', 'failing'],
    ]);
  });
});
