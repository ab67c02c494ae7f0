/**
 * Logical types: Iceberg's type system, the one every other type maps to, with exhaustive mapping
 * tables to DuckDB (the engine that writes and reads Parquet). A missing entry fails to compile.
 */
import { UnsupportedError } from './errors.js';

/** Iceberg primitive type names without parameters. */
export type PrimitiveTypeName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'string'
  | 'uuid'
  | 'binary';

/** An Iceberg primitive type: a name, `decimal(p,s)` or `fixed[n]`. */
export type PrimitiveType =
  | { readonly kind: PrimitiveTypeName }
  | { readonly kind: 'decimal'; readonly precision: number; readonly scale: number }
  | { readonly kind: 'fixed'; readonly length: number };

export interface NestedField {
  readonly id: number;
  readonly name: string;
  readonly required: boolean;
  readonly type: IcebergType;
  readonly doc?: string;
}

export interface StructType {
  readonly kind: 'struct';
  readonly fields: readonly NestedField[];
}
export interface ListType {
  readonly kind: 'list';
  readonly elementId: number;
  readonly elementRequired: boolean;
  readonly element: IcebergType;
}
export interface MapType {
  readonly kind: 'map';
  readonly keyId: number;
  readonly key: IcebergType;
  readonly valueId: number;
  readonly valueRequired: boolean;
  readonly value: IcebergType;
}

/** Any Iceberg type. */
export type IcebergType = PrimitiveType | StructType | ListType | MapType;

const SIMPLE: Record<PrimitiveTypeName, true> = {
  boolean: true,
  int: true,
  long: true,
  float: true,
  double: true,
  date: true,
  time: true,
  timestamp: true,
  timestamptz: true,
  string: true,
  uuid: true,
  binary: true,
};

/** Parses an Iceberg primitive type string (`long`, `decimal(10, 2)`, `fixed[16]`). */
export function parsePrimitiveType(text: string): PrimitiveType {
  const t = text.trim().toLowerCase();
  if (t in SIMPLE) return { kind: t as PrimitiveTypeName };
  const dec = /^decimal\(\s*(\d+)\s*,\s*(\d+)\s*\)$/.exec(t);
  if (dec) {
    const precision = Number(dec[1]);
    const scale = Number(dec[2]);
    if (precision < 1 || precision > 38 || scale > precision) {
      throw new UnsupportedError(`invalid decimal type "${text}": precision 1..38 and scale <= precision`);
    }
    return { kind: 'decimal', precision, scale };
  }
  const fixed = /^fixed\[(\d+)\]$/.exec(t);
  if (fixed) return { kind: 'fixed', length: Number(fixed[1]) };
  throw new UnsupportedError(`unknown Iceberg type "${text}"`);
}

/** Formats a primitive type the way Iceberg's JSON does. */
export function formatPrimitiveType(t: PrimitiveType): string {
  switch (t.kind) {
    case 'decimal':
      return `decimal(${t.precision}, ${t.scale})`;
    case 'fixed':
      return `fixed[${t.length}]`;
    default:
      return t.kind;
  }
}

export function isPrimitive(t: IcebergType): t is PrimitiveType {
  return t.kind !== 'struct' && t.kind !== 'list' && t.kind !== 'map';
}

/** Human-readable type name (used in errors and `--json` column types). */
export function typeToString(t: IcebergType): string {
  switch (t.kind) {
    case 'struct':
      return `struct<${t.fields.map((f) => `${f.name}: ${typeToString(f.type)}`).join(', ')}>`;
    case 'list':
      return `list<${typeToString(t.element)}>`;
    case 'map':
      return `map<${typeToString(t.key)}, ${typeToString(t.value)}>`;
    default:
      return formatPrimitiveType(t);
  }
}

const DUCKDB_SIMPLE: Record<PrimitiveTypeName, string> = {
  boolean: 'BOOLEAN',
  int: 'INTEGER',
  long: 'BIGINT',
  float: 'FLOAT',
  double: 'DOUBLE',
  date: 'DATE',
  time: 'TIME',
  timestamp: 'TIMESTAMP',
  timestamptz: 'TIMESTAMPTZ',
  string: 'VARCHAR',
  uuid: 'UUID',
  binary: 'BLOB',
};

/** The exact DuckDB type a column of this Iceberg type is cast to before it is written. */
export function toDuckDBType(t: IcebergType): string {
  switch (t.kind) {
    case 'decimal':
      return `DECIMAL(${t.precision}, ${t.scale})`;
    case 'fixed':
      return 'BLOB';
    case 'struct':
      return `STRUCT(${t.fields.map((f) => `${quoteIdent(f.name)} ${toDuckDBType(f.type)}`).join(', ')})`;
    case 'list':
      return `${toDuckDBType(t.element)}[]`;
    case 'map':
      return `MAP(${toDuckDBType(t.key)}, ${toDuckDBType(t.value)})`;
    default:
      return DUCKDB_SIMPLE[t.kind];
  }
}

/**
 * The Iceberg type for a DuckDB column type (as DuckDB prints it: `BIGINT`, `DECIMAL(18,3)`,
 * `TIMESTAMP WITH TIME ZONE`, `VARCHAR[]`). Types without an exact Iceberg counterpart are widened
 * where lossless (TINYINT → int, UBIGINT → decimal(20,0)) and rejected otherwise.
 */
export function fromDuckDBType(duck: string, nextId: () => number): IcebergType {
  const t = duck.trim().toUpperCase();
  if (t.endsWith('[]')) {
    return {
      kind: 'list',
      elementId: nextId(),
      elementRequired: false,
      element: fromDuckDBType(t.slice(0, -2), nextId),
    };
  }
  const dec = /^(?:DECIMAL|NUMERIC)\((\d+),\s*(\d+)\)$/.exec(t);
  if (dec) return { kind: 'decimal', precision: Number(dec[1]), scale: Number(dec[2]) };
  switch (t) {
    case 'BOOLEAN':
      return { kind: 'boolean' };
    case 'TINYINT':
    case 'SMALLINT':
    case 'INTEGER':
    case 'UTINYINT':
    case 'USMALLINT':
      return { kind: 'int' };
    case 'BIGINT':
    case 'UINTEGER':
      return { kind: 'long' };
    case 'UBIGINT':
      return { kind: 'decimal', precision: 20, scale: 0 };
    case 'HUGEINT':
      return { kind: 'decimal', precision: 38, scale: 0 };
    case 'FLOAT':
      return { kind: 'float' };
    case 'DOUBLE':
      return { kind: 'double' };
    case 'DATE':
      return { kind: 'date' };
    case 'TIME':
      return { kind: 'time' };
    case 'TIMESTAMP':
    case 'TIMESTAMP_MS':
    case 'TIMESTAMP_S':
    case 'TIMESTAMP_NS':
      return { kind: 'timestamp' };
    case 'TIMESTAMP WITH TIME ZONE':
    case 'TIMESTAMPTZ':
      return { kind: 'timestamptz' };
    case 'VARCHAR':
    case 'JSON':
      return { kind: 'string' };
    case 'UUID':
      return { kind: 'uuid' };
    case 'BLOB':
      return { kind: 'binary' };
    default:
      throw new UnsupportedError(`DuckDB type ${duck} has no Iceberg type`, { context: { type: duck } });
  }
}

/** Quotes an SQL identifier for DuckDB/PostgreSQL (`"a""b"`). */
export function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** Quotes an SQL string literal (`'it''s'`). */
export function quoteLiteral(value: string): string {
  return `'${value.replaceAll("'", "''")}'`;
}
