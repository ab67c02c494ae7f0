/**
 * Query values for JSON output: integers within ±2^53 as numbers, larger integers and decimals as
 * strings (so no JSON reader rounds them), everything else as DuckDB's JSON conversion gives it.
 */
const INTEGER_TYPES = new Set(['BIGINT', 'HUGEINT', 'UBIGINT', 'UHUGEINT', 'UINTEGER']);

/** Converts one value of a DuckDB column type to its JSON form. */
export function toJsonValue(value: unknown, duckdbType: string): unknown {
  if (value === null || value === undefined) return null;
  if (INTEGER_TYPES.has(duckdbType) && typeof value === 'string') {
    const n = Number(value);
    return Number.isSafeInteger(n) ? n : value;
  }
  return value;
}
