/**
 * Incremental reads of an API: the cursor's last value as sent in the query (timestamps as ISO 8601
 * in UTC, `2026-05-15T10:30:30Z`), and the client-side filter applied to every record, because APIs
 * differ in whether `updated_since` means `>` or `>=`, and some ignore it. Values compare by the
 * column's type: timestamps as instants, numbers as numbers, anything else as text.
 */
import type { IcebergType } from '@lakekit/core';

const TIMESTAMP =
  /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Microseconds since the epoch of a date or timestamp text (no offset means UTC), if it is one. */
export function timestampMicros(text: string): number | undefined {
  const m = TIMESTAMP.exec(text.trim());
  if (!m) return undefined;
  const [, y, mo, d, h = '0', mi = '0', s = '0', frac = '', zone] = m;
  let ms = Date.UTC(Number(y), Number(mo) - 1, Number(d), Number(h), Number(mi), Number(s));
  if (zone && zone.toUpperCase() !== 'Z') {
    const z = /^([+-])(\d{2}):?(\d{2})?$/.exec(zone)!;
    const minutes = Number(z[2]) * 60 + Number(z[3] ?? 0);
    ms -= (z[1] === '-' ? -1 : 1) * minutes * 60_000;
  }
  return ms * 1000 + Number(frac.padEnd(6, '0').slice(0, 6));
}

function isoUtc(micros: number, zone: boolean): string {
  const seconds = Math.floor(micros / 1e6);
  const frac = micros - seconds * 1e6;
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = frac === 0 ? '' : `.${String(frac).padStart(6, '0').replace(/0+$/, '')}`;
  return `${base}${fraction}${zone ? 'Z' : ''}`;
}

/** The cursor's last value as a query parameter (see the module comment). */
export function cursorParamValue(after: string, type: IcebergType | undefined): string {
  if (type?.kind === 'timestamptz' || type?.kind === 'timestamp') {
    const micros = timestampMicros(after);
    if (micros !== undefined) return isoUtc(micros, type.kind === 'timestamptz');
  }
  return after;
}

/** Whether a record's cursor value is past `after` (`>=` when inclusive); NULL never is. */
export function cursorFilter(
  after: string,
  inclusive: boolean,
  type: IcebergType | undefined,
): (v: unknown) => boolean {
  const pass = (c: number) => (inclusive ? c >= 0 : c > 0);
  switch (type?.kind) {
    case 'timestamptz':
    case 'timestamp':
    case 'date': {
      const bound = timestampMicros(after);
      if (bound === undefined) break;
      return (v) => {
        if (v === null || v === undefined) return false;
        const t = timestampMicros(String(v));
        // An unreadable value is kept: the converter then fails naming the column.
        return t === undefined || pass(t - bound);
      };
    }
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'decimal': {
      const integer = /^-?\d+$/.test(after.trim());
      const bound = integer ? BigInt(after.trim()) : Number(after);
      return (v) => {
        if (v === null || v === undefined) return false;
        const text = String(v).trim();
        if (integer && /^-?\d+$/.test(text)) {
          const d = BigInt(text) - (bound as bigint);
          return pass(d > 0n ? 1 : d < 0n ? -1 : 0);
        }
        const n = Number(text);
        return Number.isNaN(n) || pass(n - Number(bound));
      };
    }
  }
  return (v) => {
    if (v === null || v === undefined) return false;
    const text = typeof v === 'string' ? v : String(v);
    return pass(text < after ? -1 : text > after ? 1 : 0);
  };
}
