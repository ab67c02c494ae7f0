/**
 * Columns of a resource without declared `columns:`, inferred from sampled records: top-level keys
 * in order of first appearance; JSON integers → long, other numbers → double, booleans → boolean,
 * strings → string, except ISO-8601 timestamps with an offset (→ timestamptz) and dates
 * (→ date); objects and arrays → string holding their JSON. A key whose samples disagree becomes the
 * common type (long + double → double) or string; one that is always null becomes string.
 */
import type { IcebergType, SourceColumn } from '@lakekit/core';

type Kind = 'null' | 'long' | 'double' | 'boolean' | 'timestamptz' | 'date' | 'string' | 'json';

const TIMESTAMPTZ = /^\d{4}-\d{2}-\d{2}[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}(?::?\d{2})?)$/i;
const DATE = /^\d{4}-\d{2}-\d{2}$/;

function kindOf(v: unknown): Kind {
  if (v === null || v === undefined) return 'null';
  switch (typeof v) {
    case 'bigint':
      return 'long';
    case 'number':
      return Number.isInteger(v) ? 'long' : 'double';
    case 'boolean':
      return 'boolean';
    case 'string':
      return TIMESTAMPTZ.test(v) ? 'timestamptz' : DATE.test(v) ? 'date' : 'string';
    default:
      return 'json';
  }
}

function merge(a: Kind, b: Kind): Kind {
  if (a === b || b === 'null') return a;
  if (a === 'null') return b;
  if ((a === 'long' && b === 'double') || (a === 'double' && b === 'long')) return 'double';
  return 'string';
}

const TYPES: Record<Kind, IcebergType> = {
  null: { kind: 'string' },
  long: { kind: 'long' },
  double: { kind: 'double' },
  boolean: { kind: 'boolean' },
  timestamptz: { kind: 'timestamptz' },
  date: { kind: 'date' },
  string: { kind: 'string' },
  json: { kind: 'string' },
};

/** The JSON Schema-like name of what was seen, as `sourceType`. */
const SOURCE: Record<Kind, string> = {
  null: 'null',
  long: 'integer',
  double: 'number',
  boolean: 'boolean',
  timestamptz: 'string (date-time)',
  date: 'string (date)',
  string: 'string',
  json: 'object or array',
};

/** The columns of `records` (objects) as described in the module comment. */
export function inferColumns(records: readonly Record<string, unknown>[]): SourceColumn[] {
  const kinds = new Map<string, Kind>();
  for (const r of records) {
    for (const [k, v] of Object.entries(r)) kinds.set(k, merge(kinds.get(k) ?? 'null', kindOf(v)));
  }
  return [...kinds].map(([name, kind]) => ({
    name,
    sourceType: SOURCE[kind],
    type: TYPES[kind],
    nullable: true,
  }));
}
