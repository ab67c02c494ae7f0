/**
 * Relative periods of the filter grammar (`last quarter`, `year to date`, `Q3 2026` …), resolved
 * against an as-of date to an inclusive range of calendar dates. Every computation is on UTC
 * calendar dates; weeks start on Monday (as DuckDB's `date_trunc('week', …)`).
 */
import { UsageError } from '@lakekit/core';
import type { Grain } from './types.js';

/** A relative period as parsed (the words it was written with are kept for notes). */
export type Period =
  | { kind: 'today' }
  | { kind: 'yesterday' }
  /** The whole calendar period containing the as-of date: `this month`. */
  | { kind: 'this'; unit: Grain }
  /** The complete period before the current one: `last quarter`, `previous month`. */
  | { kind: 'previous'; unit: Grain }
  /** The `n` periods ending with the current one, up to the as-of date: `last 30 days`. */
  | { kind: 'rolling'; n: number; unit: Grain }
  /** From the start of the current period to the as-of date: `year to date`, `ytd`. */
  | { kind: 'to_date'; unit: Grain }
  /** A calendar quarter (of the as-of year unless given): `Q3`, `Q3 2026`. */
  | { kind: 'quarter'; quarter: number; year?: number }
  /** A calendar year: `2026`. */
  | { kind: 'year'; year: number };

/** An inclusive range of dates, `YYYY-MM-DD`. */
export interface DateRange {
  start: string;
  end: string;
}

const DAY_MS = 86_400_000;
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

/** Today's date in UTC. */
export function todayUtc(now: Date = new Date()): string {
  return now.toISOString().slice(0, 10);
}

/** Checks an as-of date (`YYYY-MM-DD`, a real calendar date); undefined is today (UTC). */
export function resolveAsOf(asOf: string | undefined): string {
  if (asOf === undefined) return todayUtc();
  if (!isIsoDate(asOf)) throw new UsageError(`as-of date must be a date written YYYY-MM-DD (got "${asOf}")`);
  return asOf;
}

/** Whether `s` is a real calendar date written `YYYY-MM-DD`. */
export function isIsoDate(s: string): boolean {
  const m = ISO_DATE.exec(s);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCFullYear() === Number(m[1]) && d.getUTCMonth() === Number(m[2]) - 1;
}

function parse(date: string): Date {
  const m = ISO_DATE.exec(date)!;
  return new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
}

function format(d: Date): string {
  return d.toISOString().slice(0, 10);
}

function addDays(d: Date, n: number): Date {
  return new Date(d.getTime() + n * DAY_MS);
}

function addMonths(d: Date, n: number): Date {
  // Only used on the first day of a month, so the day never overflows.
  return new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + n, d.getUTCDate()));
}

/** The first day of the period of `unit` containing `d`. */
function startOf(unit: Grain, d: Date): Date {
  const y = d.getUTCFullYear();
  const m = d.getUTCMonth();
  switch (unit) {
    case 'day':
      return d;
    case 'week':
      return addDays(d, -((d.getUTCDay() + 6) % 7));
    case 'month':
      return new Date(Date.UTC(y, m, 1));
    case 'quarter':
      return new Date(Date.UTC(y, m - (m % 3), 1));
    case 'year':
      return new Date(Date.UTC(y, 0, 1));
  }
}

/** `d` (a period start) moved by `n` periods of `unit`. */
function addPeriods(unit: Grain, d: Date, n: number): Date {
  switch (unit) {
    case 'day':
      return addDays(d, n);
    case 'week':
      return addDays(d, 7 * n);
    case 'month':
      return addMonths(d, n);
    case 'quarter':
      return addMonths(d, 3 * n);
    case 'year':
      return addMonths(d, 12 * n);
  }
}

/** The inclusive date range a period stands for on `asOf`. */
export function resolvePeriod(period: Period, asOf: string): DateRange {
  const today = parse(asOf);
  const range = (start: Date, endInclusive: Date): DateRange => ({
    start: format(start),
    end: format(endInclusive),
  });
  switch (period.kind) {
    case 'today':
      return range(today, today);
    case 'yesterday':
      return range(addDays(today, -1), addDays(today, -1));
    case 'this': {
      const start = startOf(period.unit, today);
      return range(start, addDays(addPeriods(period.unit, start, 1), -1));
    }
    case 'previous': {
      const current = startOf(period.unit, today);
      return range(addPeriods(period.unit, current, -1), addDays(current, -1));
    }
    case 'rolling':
      return range(addPeriods(period.unit, startOf(period.unit, today), -(period.n - 1)), today);
    case 'to_date':
      return range(startOf(period.unit, today), today);
    case 'quarter': {
      const year = period.year ?? today.getUTCFullYear();
      const start = new Date(Date.UTC(year, 3 * (period.quarter - 1), 1));
      return range(start, addDays(addMonths(start, 3), -1));
    }
    case 'year':
      return range(new Date(Date.UTC(period.year, 0, 1)), new Date(Date.UTC(period.year, 11, 31)));
  }
}

/** The day after an inclusive end (the exclusive bound of the SQL range). */
export function dayAfter(date: string): string {
  return format(addDays(parse(date), 1));
}

/** A period in canonical words (`last quarter`, `last 30 days`, `Q3 2026`). */
export function describePeriod(p: Period): string {
  switch (p.kind) {
    case 'today':
    case 'yesterday':
      return p.kind;
    case 'this':
      return `this ${p.unit}`;
    case 'previous':
      return `last ${p.unit}`;
    case 'rolling':
      return `last ${p.n} ${p.unit}${p.n === 1 ? '' : 's'}`;
    case 'to_date':
      return `${p.unit} to date`;
    case 'quarter':
      return `Q${p.quarter}${p.year === undefined ? '' : ` ${p.year}`}`;
    case 'year':
      return String(p.year);
  }
}
