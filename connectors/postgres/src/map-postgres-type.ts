/**
 * PostgreSQL types → Iceberg types. The input is the text `format_type()` prints for a column's type
 * after domains are resolved to their base type (see `introspect.ts`), plus what pg_type says about
 * user-defined types (an enum is only recognisable from the catalog, not from its name).
 *
 * The table is exhaustive over the built-in types a table column can have; anything else (ranges,
 * composites, geometric types, text search types, unknown extension types) is `unsupported` with a
 * reason, and can still be read as text (`asText`). The same parse drives `selectExpr`, so a type's
 * mapping and the SQL that produces its canonical text cannot drift apart.
 */
import type { IcebergType } from '@lakekit/core';

/** What pg_type says about a type (for arrays: about the element type). */
export type PgTypeKind = 'base' | 'enum' | 'composite' | 'range' | 'multirange' | 'pseudo';

/** The Iceberg type of a source type, or why it has none. */
export interface TypeMapping {
  readonly type?: IcebergType;
  readonly unsupported?: string;
}

/** A `format_type()` text taken apart: `numeric(12,2)[]` → numeric, [12, 2], one array level. */
export interface ParsedPgType {
  /** Lowercased name without modifiers or schema: `timestamp with time zone`, `character varying`. */
  readonly name: string;
  /** Type modifiers in parentheses: `numeric(12,2)` → [12, 2]; `interval year to month` → []. */
  readonly args: readonly number[];
  /** Array dimensions declared (`integer[]` → 1). */
  readonly arrayDepth: number;
}

/** Parses a `format_type()` text (see ParsedPgType). */
export function parsePgType(formatTypeText: string): ParsedPgType {
  let text = formatTypeText.trim();
  let arrayDepth = 0;
  while (text.endsWith('[]')) {
    arrayDepth++;
    text = text.slice(0, -2).trimEnd();
  }
  const args: number[] = [];
  const mods = /\(([-\d,\s]+)\)/.exec(text);
  if (mods) {
    for (const a of mods[1]!.split(',')) args.push(Number(a.trim()));
    text = `${text.slice(0, mods.index)} ${text.slice(mods.index + mods[0].length)}`;
  }
  let name = text.replace(/\s+/g, ' ').trim();
  // Types outside the search path print schema-qualified (`ext.citext`); built-ins never are.
  const dot = /^(?:"(?:[^"]|"")*"|[^".]+)\.(.+)$/.exec(name);
  if (dot) name = dot[1]!;
  if (!name.startsWith('"')) name = name.toLowerCase();
  // interval fields (`interval year to month`) restrict the value, not its text form.
  if (name.startsWith('interval ')) name = 'interval';
  return { name, args, arrayDepth };
}

const INT: IcebergType = { kind: 'int' };
const LONG: IcebergType = { kind: 'long' };
const STRING: IcebergType = { kind: 'string' };

/** Scalar base types by name (types with modifiers that change the mapping are handled below). */
const SCALAR: Record<string, IcebergType | string> = {
  smallint: INT,
  integer: INT,
  bigint: LONG,
  oid: LONG,
  xid: LONG,
  real: { kind: 'float' },
  'double precision': { kind: 'double' },
  // money is an int64 count of cents (of the locale's currency): extracted as `money::numeric`.
  money: { kind: 'decimal', precision: 19, scale: 2 },
  boolean: { kind: 'boolean' },
  text: STRING,
  'character varying': STRING,
  character: STRING,
  bpchar: STRING,
  '"char"': STRING,
  name: STRING,
  citext: STRING,
  uuid: { kind: 'uuid' },
  json: STRING,
  jsonb: STRING,
  jsonpath: STRING,
  xml: STRING,
  bytea: { kind: 'binary' },
  date: { kind: 'date' },
  'time without time zone': { kind: 'time' },
  // Iceberg has no time-with-offset type: kept as its text, `HH:MM:SS[.ffffff]+hh[:mm]`.
  'time with time zone': STRING,
  'timestamp without time zone': { kind: 'timestamp' },
  'timestamp with time zone': { kind: 'timestamptz' },
  // Read with IntervalStyle iso_8601: `P1Y2M3DT4H5M6S`.
  interval: STRING,
  inet: STRING,
  cidr: STRING,
  macaddr: STRING,
  macaddr8: STRING,
  bit: STRING,
  'bit varying': STRING,
  pg_lsn: STRING,
  regclass: STRING,
  regtype: STRING,
  regproc: STRING,
  regprocedure: STRING,
  regnamespace: STRING,
  regrole: STRING,
  regconfig: STRING,
  tsvector: 'text search vectors have no Iceberg type',
  tsquery: 'text search queries have no Iceberg type',
  point: 'geometric types have no Iceberg type',
  line: 'geometric types have no Iceberg type',
  lseg: 'geometric types have no Iceberg type',
  box: 'geometric types have no Iceberg type',
  path: 'geometric types have no Iceberg type',
  polygon: 'geometric types have no Iceberg type',
  circle: 'geometric types have no Iceberg type',
  tid: 'tuple identifiers have no Iceberg type',
  cid: 'command identifiers have no Iceberg type',
  txid_snapshot: 'snapshots have no Iceberg type',
  pg_snapshot: 'snapshots have no Iceberg type',
};

/** Element types an array may have (their text inside `to_json(col::text[])` casts exactly). */
const NOT_IN_ARRAYS = new Set(['bytea']);

/**
 * The Iceberg type for a PostgreSQL column type: `formatTypeText` is `format_type()` of the type
 * (domains resolved to their base type) and `kind` what pg_type says about it (for arrays: about the
 * element type). Nested types get placeholder field ids from 1 (the runner reassigns them).
 *
 * @example mapPostgresType('numeric(12,2)') // { type: { kind: 'decimal', precision: 12, scale: 2 } }
 * @example mapPostgresType('integer[]')     // { type: list<int> }
 * @example mapPostgresType('mood', 'enum')  // { type: string }
 */
export function mapPostgresType(formatTypeText: string, kind: PgTypeKind = 'base'): TypeMapping {
  const parsed = parsePgType(formatTypeText);
  const element = mapScalar(formatTypeText, parsed, kind);
  if (parsed.arrayDepth === 0 || !element.type) return element;
  if (NOT_IN_ARRAYS.has(parsed.name)) {
    return { unsupported: `arrays of ${parsed.name} have no Iceberg mapping (extract as text)` };
  }
  let type: IcebergType = element.type;
  for (let depth = parsed.arrayDepth; depth > 0; depth--) {
    type = { kind: 'list', elementId: depth, elementRequired: false, element: type };
  }
  return { type };
}

function mapScalar(text: string, parsed: ParsedPgType, kind: PgTypeKind): TypeMapping {
  switch (kind) {
    case 'enum':
      return { type: STRING };
    case 'composite':
      return { unsupported: `composite type ${text} has no Iceberg mapping (extract as text)` };
    case 'range':
    case 'multirange':
      return { unsupported: `range type ${text} has no Iceberg mapping (extract as text)` };
    case 'pseudo':
      return { unsupported: `pseudo-type ${text} cannot be stored` };
    case 'base':
      break;
  }
  if (parsed.name === 'numeric') return mapNumeric(parsed.args);
  const mapped = SCALAR[parsed.name];
  if (mapped === undefined) {
    return { unsupported: `PostgreSQL type ${text} has no Iceberg mapping (extract as text)` };
  }
  if (typeof mapped === 'string') return { unsupported: `${mapped}: ${text} (extract as text)` };
  return { type: mapped };
}

/**
 * `numeric(p,s)` → decimal(p,s) when 1 <= p <= 38 and 0 <= s <= p. Unconstrained `numeric` →
 * decimal(38,9): values are rounded to 9 fractional digits (half away from zero), and values with
 * more than 29 integer digits, NaN and ±Infinity fail the load naming the column.
 */
function mapNumeric(args: readonly number[]): TypeMapping {
  if (args.length === 0) return { type: { kind: 'decimal', precision: 38, scale: 9 } };
  const precision = args[0]!;
  const scale = args[1] ?? 0;
  if (precision > 38) {
    return {
      unsupported: `numeric(${precision},${scale}) exceeds Iceberg's decimal precision 38 (extract as text)`,
    };
  }
  if (scale < 0 || scale > precision) {
    return {
      unsupported: `numeric(${precision},${scale}) has a scale outside 0..precision (extract as text)`,
    };
  }
  return { type: { kind: 'decimal', precision, scale } };
}
