/** The common type of one column sniffed differently in several files (explicit, not DuckDB's casts). */

const INTEGERS = ['TINYINT', 'SMALLINT', 'INTEGER', 'BIGINT', 'HUGEINT'];

/** A type both `a` and `b` convert to without loss of meaning; VARCHAR when there is none. */
export function widenType(a: string, b: string): string {
  if (a === b) return a;
  const ia = INTEGERS.indexOf(a);
  const ib = INTEGERS.indexOf(b);
  if (ia >= 0 && ib >= 0) return INTEGERS[Math.max(ia, ib)]!;
  if ((ia >= 0 || a === 'DOUBLE') && (ib >= 0 || b === 'DOUBLE')) return 'DOUBLE';
  const dates = new Set([a, b]);
  if (dates.has('DATE') && dates.has('TIMESTAMP') && dates.size === 2) return 'TIMESTAMP';
  return 'VARCHAR';
}
