import { describe, expect, it } from 'vitest';
import { describePeriod, isIsoDate, type Period, resolveAsOf, resolvePeriod } from './periods.js';

// 2026-11-29 is a Sunday; weeks start on Monday (2026-11-23).
const AS_OF = '2026-11-29';

describe('relative periods', () => {
  const cases: [Period, string, string][] = [
    [{ kind: 'today' }, '2026-11-29', '2026-11-29'],
    [{ kind: 'yesterday' }, '2026-11-28', '2026-11-28'],
    [{ kind: 'this', unit: 'day' }, '2026-11-29', '2026-11-29'],
    [{ kind: 'this', unit: 'week' }, '2026-11-23', '2026-11-29'],
    [{ kind: 'this', unit: 'month' }, '2026-11-01', '2026-11-30'],
    [{ kind: 'this', unit: 'quarter' }, '2026-10-01', '2026-12-31'],
    [{ kind: 'this', unit: 'year' }, '2026-01-01', '2026-12-31'],
    [{ kind: 'previous', unit: 'day' }, '2026-11-28', '2026-11-28'],
    [{ kind: 'previous', unit: 'week' }, '2026-11-16', '2026-11-22'],
    [{ kind: 'previous', unit: 'month' }, '2026-10-01', '2026-10-31'],
    [{ kind: 'previous', unit: 'quarter' }, '2026-07-01', '2026-09-30'],
    [{ kind: 'previous', unit: 'year' }, '2025-01-01', '2025-12-31'],
    [{ kind: 'rolling', n: 30, unit: 'day' }, '2026-10-31', '2026-11-29'],
    [{ kind: 'rolling', n: 7, unit: 'day' }, '2026-11-23', '2026-11-29'],
    [{ kind: 'rolling', n: 2, unit: 'week' }, '2026-11-16', '2026-11-29'],
    [{ kind: 'rolling', n: 3, unit: 'month' }, '2026-09-01', '2026-11-29'],
    [{ kind: 'rolling', n: 2, unit: 'quarter' }, '2026-07-01', '2026-11-29'],
    [{ kind: 'rolling', n: 1, unit: 'year' }, '2026-01-01', '2026-11-29'],
    [{ kind: 'to_date', unit: 'year' }, '2026-01-01', '2026-11-29'],
    [{ kind: 'to_date', unit: 'quarter' }, '2026-10-01', '2026-11-29'],
    [{ kind: 'to_date', unit: 'month' }, '2026-11-01', '2026-11-29'],
    [{ kind: 'to_date', unit: 'week' }, '2026-11-23', '2026-11-29'],
    [{ kind: 'quarter', quarter: 3 }, '2026-07-01', '2026-09-30'],
    [{ kind: 'quarter', quarter: 4 }, '2026-10-01', '2026-12-31'],
    [{ kind: 'quarter', quarter: 1, year: 2025 }, '2025-01-01', '2025-03-31'],
    [{ kind: 'year', year: 2025 }, '2025-01-01', '2025-12-31'],
  ];
  for (const [period, start, end] of cases)
    it(`${describePeriod(period)} on ${AS_OF} is ${start}..${end}`, () => {
      expect(resolvePeriod(period, AS_OF)).toEqual({ start, end });
    });

  it('crosses month, year and leap-year boundaries', () => {
    expect(resolvePeriod({ kind: 'previous', unit: 'month' }, '2026-03-31')).toEqual({
      start: '2026-02-01',
      end: '2026-02-28',
    });
    expect(resolvePeriod({ kind: 'previous', unit: 'month' }, '2024-03-15')).toEqual({
      start: '2024-02-01',
      end: '2024-02-29',
    });
    expect(resolvePeriod({ kind: 'previous', unit: 'quarter' }, '2026-01-15')).toEqual({
      start: '2025-10-01',
      end: '2025-12-31',
    });
    // 2026-01-01 is a Thursday: its week started on Monday 2025-12-29.
    expect(resolvePeriod({ kind: 'this', unit: 'week' }, '2026-01-01')).toEqual({
      start: '2025-12-29',
      end: '2026-01-04',
    });
    expect(resolvePeriod({ kind: 'previous', unit: 'week' }, '2026-01-01')).toEqual({
      start: '2025-12-22',
      end: '2025-12-28',
    });
    expect(resolvePeriod({ kind: 'rolling', n: 14, unit: 'month' }, '2026-02-10')).toEqual({
      start: '2025-01-01',
      end: '2026-02-10',
    });
  });

  it('checks as-of dates', () => {
    expect(resolveAsOf('2026-11-29')).toBe('2026-11-29');
    expect(resolveAsOf(undefined)).toBe(new Date().toISOString().slice(0, 10));
    for (const bad of ['2026-02-30', '2026-13-01', '29/11/2026', '2026-1-1', ''])
      expect(() => resolveAsOf(bad)).toThrow(/YYYY-MM-DD/);
    expect(isIsoDate('2024-02-29')).toBe(true);
    expect(isIsoDate('2026-02-29')).toBe(false);
  });
});
