import { describe, expect, it } from 'vitest';
import { dateDays, decimalUnscaled, timestampIn } from './arrow.js';

const DAY = 86_400_000;

describe('DuckDB text values as Arrow numbers', () => {
  it('reads dates as days since 1970-01-01, before the epoch and BC too', () => {
    for (const d of ['1970-01-01', '2026-03-01', '1969-12-31', '1900-02-28', '2000-02-29', '0001-01-01']) {
      expect(dateDays(d), d).toBe(Date.parse(`${d}T00:00:00Z`) / DAY);
    }
    // 44 BC is astronomical year -43.
    const bc = new Date(0);
    bc.setUTCFullYear(-43, 2, 15);
    bc.setUTCHours(0, 0, 0, 0);
    expect(dateDays('0044-03-15 (BC)')).toBe(bc.getTime() / DAY);
    expect(dateDays('infinity')).toBeUndefined();
    expect(dateDays('2026-1-1')).toBeUndefined();
  });

  it('reads timestamps in their unit, with UTC offsets', () => {
    const ms = Date.parse('2026-01-02T03:04:05.123Z');
    expect(timestampIn('2026-01-02 03:04:05.123456', 'us')).toBe(BigInt(ms) * 1000n + 456n);
    expect(timestampIn('2026-01-02 03:04:05.123456', 'ms')).toBe(BigInt(ms));
    expect(timestampIn('2026-01-02 03:04:05', 's')).toBe(BigInt(Date.parse('2026-01-02T03:04:05Z') / 1000));
    expect(timestampIn('2026-01-02 03:04:05.123456789', 'ns')).toBe(BigInt(ms) * 1_000_000n + 456_789n);
    expect(timestampIn('2026-01-02 05:04:05.123+02', 'ms')).toBe(BigInt(ms));
    expect(timestampIn('2026-01-02 00:34:05.123-02:30', 'ms')).toBe(BigInt(ms));
    expect(timestampIn('1960-01-01 00:00:00.5+00', 'us')).toBe(
      BigInt(Date.parse('1960-01-01T00:00:00.500Z')) * 1000n,
    );
    expect(timestampIn('infinity', 'us')).toBeUndefined();
  });

  it('reads decimals as unscaled integers', () => {
    expect(decimalUnscaled('12.34', 2)).toBe(1234n);
    expect(decimalUnscaled('-12.50', 2)).toBe(-1250n);
    expect(decimalUnscaled('0.050', 3)).toBe(50n);
    expect(decimalUnscaled('7', 2)).toBe(700n);
    expect(decimalUnscaled('12345678901234567890123.5', 1)).toBe(123456789012345678901235n);
    expect(decimalUnscaled('1.239', 2)).toBeUndefined();
    expect(decimalUnscaled('1e5', 0)).toBeUndefined();
  });
});
