import { describe, expect, it } from 'vitest';
import { formatOffset, instantToWallClock, isUtcZone, wallClockOffset } from './zone-offset.js';

describe('zone offsets', () => {
  it('recognises UTC spellings', () => {
    for (const z of ['UTC', 'utc', 'Etc/UTC', 'GMT', 'Z', '+00:00']) expect(isUtcZone(z)).toBe(true);
    expect(isUtcZone('Europe/London')).toBe(false);
    expect(isUtcZone('+01:00')).toBe(false);
  });

  it('formats offsets', () => {
    expect(formatOffset(0)).toBe('+00:00');
    expect(formatOffset(330)).toBe('+05:30');
    expect(formatOffset(-210)).toBe('-03:30');
  });

  it('gives a wall-clock time its offset in a named zone, summer and winter', () => {
    const berlin = wallClockOffset('Europe/Berlin');
    expect(berlin('2026-01-15 12:00:00')).toBe('+01:00');
    expect(berlin('2026-07-01 12:00:00.123456')).toBe('+02:00');
    expect(berlin('1950-06-01 00:00:00')).toBe('+01:00');
    const ny = wallClockOffset('America/New_York');
    expect(ny('2026-01-15 12:00:00')).toBe('-05:00');
    expect(ny('2026-07-15 12:00:00')).toBe('-04:00');
    expect(wallClockOffset('+05:30')('2026-01-01 00:00:00')).toBe('+05:30');
    expect(wallClockOffset('UTC')('2026-01-01 00:00:00')).toBe('+00:00');
    expect(berlin('not a time')).toBeUndefined();
  });

  it('a repeated hour takes the offset before the change; a skipped hour too', () => {
    const berlin = wallClockOffset('Europe/Berlin');
    // 2026-10-25 02:00–03:00 happens twice in Berlin (+02 then +01); 2026-03-29 02:00–03:00 never.
    expect(berlin('2026-10-25 02:30:00')).toBe('+02:00');
    expect(berlin('2026-10-25 03:30:00')).toBe('+01:00');
    expect(berlin('2026-10-25 01:30:00')).toBe('+02:00');
    expect(berlin('2026-03-29 02:30:00')).toBe('+01:00');
    expect(berlin('2026-03-29 03:30:00')).toBe('+02:00');
    expect(berlin('2026-03-29 01:30:00')).toBe('+01:00');
  });

  it('turns an instant into wall-clock time in a zone, keeping microseconds', () => {
    expect(instantToWallClock('2026-07-01 10:00:00.123456+00', 'Europe/Berlin')).toBe(
      '2026-07-01 12:00:00.123456',
    );
    expect(instantToWallClock('2026-07-01T10:00:00Z', 'UTC')).toBe('2026-07-01 10:00:00');
    expect(instantToWallClock('2026-07-01 10:00:00', 'America/New_York')).toBe('2026-07-01 06:00:00');
    expect(instantToWallClock('2026-07-01 10:00:00-0230', 'UTC')).toBe('2026-07-01 12:30:00');
    expect(instantToWallClock('2026-07-01', 'UTC')).toBeUndefined();
  });
});
