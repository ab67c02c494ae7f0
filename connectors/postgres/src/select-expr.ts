/**
 * The SQL expression that makes PostgreSQL print a column's canonical staged text (see the staged-file
 * contract in `@lakekit/core`). Most types need nothing: the session's settings (TimeZone UTC,
 * DateStyle ISO, IntervalStyle iso_8601, extra_float_digits 3) already make COPY's text canonical.
 * The exceptions are types whose text form is not what the staged contract expects.
 */
import { quoteIdent } from '@lakekit/core';
import { parsePgType } from './map-postgres-type.js';

/**
 * The select expression for column `name` whose resolved type is `formatTypeText`:
 * - `asText`: `col::text` (types without a mapping; the runner casts the text);
 * - money → `col::numeric` (money's text carries currency symbols and separators);
 * - bytea → `encode(col, 'hex')` (hex without the `\x` prefix);
 * - numeric without precision → `round(col, 9)` (it maps to decimal(38,9));
 * - arrays → `to_json(col::text[])::text`: a JSON array of the elements' canonical text, so that
 *   numerics keep every digit (JSON numbers would pass through a double) and money elements are cast
 *   to numeric first.
 */
export function selectExpr(name: string, formatTypeText: string, asText = false): string {
  const ref = quoteIdent(name);
  if (asText) return `${ref}::text`;
  const t = parsePgType(formatTypeText);
  if (t.arrayDepth > 0) {
    const elements = t.name === 'money' ? `${ref}::numeric[]::text[]` : `${ref}::text[]`;
    return `to_json(${elements})::text`;
  }
  if (t.name === 'money') return `${ref}::numeric`;
  if (t.name === 'bytea') return `encode(${ref}, 'hex')`;
  // Unconstrained numeric becomes decimal(38,9): round at the server. PostgreSQL prints such values
  // with all their digits (`0.01000000000000000000`), which cost DuckDB 10x to parse.
  if (t.name === 'numeric' && t.args.length === 0) return `round(${ref}, 9)`;
  return ref;
}
