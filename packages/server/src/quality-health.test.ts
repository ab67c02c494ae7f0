import type { QualityRecord } from '@lakekit/catalog';
import { describe, expect, it } from 'vitest';
import { healthOf, latestPerCheck } from './quality-health.js';

const rec = (check: string, severity: string, status: string, checkedAt: string): QualityRecord => ({
  table: 'crm.accounts',
  check,
  kind: 'not_null',
  severity,
  status,
  failingRows: status === 'failed' ? 1 : 0,
  message: '',
  checkedAt,
});

describe('quality health', () => {
  it('judges only the latest result of each check', () => {
    const newestFirst = [
      rec('ids', 'error', 'passed', '3'),
      rec('ids', 'error', 'failed', '2'),
      rec('region', 'warn', 'passed', '1'),
    ];
    const latest = latestPerCheck(newestFirst);
    expect(latest.map((r) => r.checkedAt)).toEqual(['3', '1']);
    expect(healthOf(latest)).toBe('healthy');
  });

  it('is failing when an error check failed, even if a warn check also failed', () => {
    expect(healthOf([rec('a', 'warn', 'failed', '1'), rec('b', 'error', 'failed', '1')])).toBe('failing');
  });

  it('is warning when only warn checks failed', () => {
    expect(healthOf([rec('a', 'warn', 'failed', '1'), rec('b', 'error', 'passed', '1')])).toBe('warning');
  });

  it('is healthy without results', () => {
    expect(healthOf([])).toBe('healthy');
  });
});
