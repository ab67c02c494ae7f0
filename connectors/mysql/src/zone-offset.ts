/**
 * DATETIME values are wall-clock times without a zone. When a source declares the zone they were
 * written in (`timezone:`), each value gets that zone's UTC offset at that moment, computed here
 * with `Intl` and cached per wall-clock hour (zone transitions fall on whole hours). The server's
 * CONVERT_TZ is no help: it needs the zone tables loaded and leaves values outside 1970–2038 alone.
 * Wall-clock times a transition skips or repeats take the offset in force just before it.
 */

const UTC_NAMES = new Set([
  'utc',
  'etc/utc',
  'gmt',
  'etc/gmt',
  'z',
  'zulu',
  'uct',
  'universal',
  '+00:00',
  '+0000',
  '-00:00',
]);

/** Whether a zone name or offset means UTC. */
export function isUtcZone(zone: string): boolean {
  return UTC_NAMES.has(zone.trim().toLowerCase());
}

const OFFSET = /^([+-])(\d{2}):?(\d{2})$/;

/** `+02:00` for 120 minutes. */
export function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
}

/** The zone's UTC offset in minutes at an instant (ms since the epoch). */
function offsetFunction(zone: string): (instantMs: number) => number {
  const fixed = OFFSET.exec(zone.trim());
  if (fixed) {
    const m = Number(fixed[2]) * 60 + Number(fixed[3]);
    return () => (fixed[1] === '-' ? -m : m);
  }
  if (isUtcZone(zone)) return () => 0;
  const fmt = new Intl.DateTimeFormat('en-US', {
    timeZone: zone,
    hourCycle: 'h23',
    year: 'numeric',
    month: 'numeric',
    day: 'numeric',
    hour: 'numeric',
    minute: 'numeric',
    second: 'numeric',
    era: 'short',
  });
  return (instantMs) => {
    const p: Record<string, string> = {};
    for (const part of fmt.formatToParts(new Date(instantMs))) p[part.type] = part.value;
    let year = Number(p['year']);
    if (p['era'] === 'BC' || p['era'] === 'B') year = 1 - year;
    const d = new Date(0);
    d.setUTCFullYear(year, Number(p['month']) - 1, Number(p['day']));
    d.setUTCHours(Number(p['hour']), Number(p['minute']), Number(p['second']), 0);
    const floored = instantMs - (((instantMs % 1000) + 1000) % 1000);
    return Math.round((d.getTime() - floored) / 60_000);
  };
}

const WALL = /^(\d{4})-(\d{2})-(\d{2})[ T](\d{2}):(\d{2}):(\d{2})(\.\d+)?$/;

function wallToUtcMs(wall: string): number | undefined {
  const m = WALL.exec(wall);
  if (!m) return undefined;
  const d = new Date(0);
  d.setUTCFullYear(Number(m[1]), Number(m[2]) - 1, Number(m[3]));
  d.setUTCHours(Number(m[4]), Number(m[5]), Number(m[6]), 0);
  return d.getTime();
}

/**
 * For a zone, a function giving the offset (`+01:00`) of a wall-clock time `YYYY-MM-DD HH:MM:SS[.f]`
 * in that zone, or undefined for text that is not such a time.
 */
export function wallClockOffset(zone: string): (wall: string) => string | undefined {
  const offsetAt = offsetFunction(zone);
  const cache = new Map<string, string>();
  return (wall) => {
    const hour = wall.slice(0, 13);
    const hit = cache.get(hour);
    if (hit !== undefined) return hit;
    const asUtc = wallToUtcMs(wall);
    if (asUtc === undefined) return undefined;
    const w = asUtc - (((asUtc % 3_600_000) + 3_600_000) % 3_600_000);
    // The offsets a day before and after; the one whose instant maps back to this wall time wins,
    // the earlier one when both do (a repeated hour) or neither does (a skipped hour).
    const before = offsetAt(w - 86_400_000);
    const after = offsetAt(w + 86_400_000);
    const fits = (o: number) => offsetAt(w - o * 60_000) === o;
    const offset = formatOffset(fits(before) || !fits(after) ? before : after);
    if (cache.size > 100_000) cache.clear();
    cache.set(hour, offset);
    return offset;
  };
}

/**
 * The wall-clock time in `zone` of an instant written as canonical timestamptz text
 * (`2026-01-02 03:04:05.123456`, optionally with `Z`, `+02`, `+02:00`; no offset means UTC).
 * Returns undefined for text that is not a timestamp.
 */
export function instantToWallClock(text: string, zone: string): string | undefined {
  const m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d+)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i.exec(
    text.trim(),
  );
  if (!m) return undefined;
  const base = wallToUtcMs(`${m[1]} ${m[2]}`);
  if (base === undefined) return undefined;
  let offsetMin = 0;
  const off = m[4];
  if (off && off.toUpperCase() !== 'Z') {
    const h = Number(off.slice(1, 3));
    const mm = off.length > 3 ? Number(off.slice(-2)) : 0;
    offsetMin = (off[0] === '-' ? -1 : 1) * (h * 60 + mm);
  }
  const instant = base - offsetMin * 60_000;
  const wall = new Date(instant + offsetFunction(zone)(instant) * 60_000);
  const pad = (n: number, w = 2) => String(n).padStart(w, '0');
  return (
    `${pad(wall.getUTCFullYear(), 4)}-${pad(wall.getUTCMonth() + 1)}-${pad(wall.getUTCDate())} ` +
    `${pad(wall.getUTCHours())}:${pad(wall.getUTCMinutes())}:${pad(wall.getUTCSeconds())}${m[3] ?? ''}`
  );
}
