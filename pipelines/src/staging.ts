/**
 * Staged files (see `@lakekit/core`'s connector module) → a DuckDB SELECT with every column converted
 * from its canonical text to its exact type. One converter for every source: a value that does not
 * fit its column fails here, and `explainStagedError` names the stream, column and value.
 */
import {
  DataError,
  type IcebergType,
  isPrimitive,
  quoteIdent,
  quoteLiteral,
  type StagedBatch,
  toDuckDBType,
  typeToString,
} from '@lakekit/core';

/** A column of the staged files and the type it becomes. */
export interface StagedColumn {
  readonly name: string;
  readonly type: IcebergType;
}

/**
 * Types DuckDB's CSV reader parses straight from their canonical text (the same rules as a CAST from
 * VARCHAR, without the intermediate strings: about a third less CPU on wide tables). Binary (hex),
 * nested (JSON) and everything else are read as text and converted by `convertExpr`.
 */
function readTyped(type: IcebergType | undefined): boolean {
  if (!type || !isPrimitive(type)) return false;
  return type.kind !== 'binary' && type.kind !== 'fixed';
}

/**
 * The reader of staged files: CSV columns typed where `types` allows it (see readTyped) and text
 * otherwise, JSONL as JSON, Parquet as written.
 */
export function stagedReadSql(
  format: StagedBatch['format'],
  paths: readonly string[],
  columns: readonly string[],
  types?: ReadonlyMap<string, IcebergType>,
): string {
  const files = `[${paths.map(quoteLiteral).join(', ')}]`;
  switch (format) {
    case 'csv': {
      const cols = columns
        .map((c) => {
          const t = types?.get(c);
          return `${quoteLiteral(c)}: '${readTyped(t) ? toDuckDBType(t!) : 'VARCHAR'}'`;
        })
        .join(', ');
      return `SELECT * FROM read_csv(${files}, header = true, delim = ',', quote = '"', escape = '"', columns = {${cols}}, allow_quoted_nulls = false, strict_mode = true, null_padding = false, max_line_size = 8388608, auto_detect = false)`;
    }
    case 'jsonl': {
      const cols = columns.map((c) => `${quoteLiteral(c)}: 'JSON'`).join(', ');
      return `SELECT * FROM read_json(${files}, format = 'newline_delimited', columns = {${cols}}, maximum_object_size = 134217728)`;
    }
    case 'parquet':
      return `SELECT * FROM read_parquet(${files}, union_by_name = true)`;
  }
}

/**
 * The expression converting staged column `ref` (text, JSON or Parquet) to `type`; `typed`: the CSV
 * reader already parsed it (only infinite dates and timestamps are left to refuse).
 */
export function convertExpr(
  format: StagedBatch['format'],
  ref: string,
  type: IcebergType,
  typed = false,
): string {
  const duck = toDuckDBType(type);
  if (format === 'parquet') return `CAST(${ref} AS ${duck})`;
  if (typed && format === 'csv' && readTyped(type)) {
    const k = (type as { kind: string }).kind;
    if (k !== 'date' && k !== 'timestamp' && k !== 'timestamptz') return ref;
    return `CASE WHEN ${ref} IS NULL OR isfinite(${ref}) THEN ${ref} ELSE error('value ' || CAST(${ref} AS VARCHAR) || ' is outside the range of ${typeToString(type)}') END`;
  }
  if (!isPrimitive(type)) {
    // Nested values arrive as JSON text (CSV) or JSON (JSONL).
    return format === 'csv' ? `CAST(CAST(${ref} AS JSON) AS ${duck})` : `CAST(${ref} AS ${duck})`;
  }
  const text = format === 'jsonl' ? `(${ref} ->> '$')` : ref;
  switch (type.kind) {
    case 'string':
      // A JSON object or array in a string column keeps its JSON text.
      return format === 'jsonl'
        ? `CASE WHEN json_type(${ref}) IN ('OBJECT', 'ARRAY') THEN CAST(${ref} AS VARCHAR) ELSE ${text} END`
        : text;
    case 'binary':
    case 'fixed':
      return `unhex(${text})`;
    case 'date':
    case 'timestamp':
    case 'timestamptz': {
      // Iceberg has no infinite dates or timestamps: fail instead of writing a sentinel.
      const v = `CAST(${text} AS ${duck})`;
      return `CASE WHEN ${v} IS NULL OR isfinite(${v}) THEN ${v} ELSE error('value ' || ${text} || ' is outside the range of ${typeToString(type)}') END`;
    }
    default:
      return `CAST(${text} AS ${duck})`;
  }
}

/** SELECT over the staged files with every column converted and named as the stream names it. */
export function stagedSelectSql(
  format: StagedBatch['format'],
  paths: readonly string[],
  fileColumns: readonly string[],
  columns: readonly StagedColumn[],
): string {
  const types = new Map(columns.map((c) => [c.name, c.type]));
  const list = columns.map(
    (c) => `${convertExpr(format, `s.${quoteIdent(c.name)}`, c.type, true)} AS ${quoteIdent(c.name)}`,
  );
  return `SELECT ${list.join(', ')} FROM (${stagedReadSql(format, paths, fileColumns, types)}) AS s`;
}

/**
 * True where the conversion of a non-NULL value fails. Dates and timestamps test finiteness
 * directly: their conversion calls `error()`, which DuckDB refuses inside `TRY`.
 */
function failsSql(format: StagedBatch['format'], ref: string, type: IcebergType): string {
  if (
    format !== 'parquet' &&
    isPrimitive(type) &&
    (type.kind === 'date' || type.kind === 'timestamp' || type.kind === 'timestamptz')
  ) {
    const text = format === 'jsonl' ? `(${ref} ->> '$')` : ref;
    return `NOT coalesce(isfinite(TRY(CAST(${text} AS ${toDuckDBType(type)}))), false)`;
  }
  return `TRY(${convertExpr(format, ref, type)}) IS NULL`;
}

/** Something that runs SQL and returns rows (an `Engine`). */
interface Queryable {
  all(sql: string): Promise<Record<string, unknown>[]>;
}

/**
 * Turns a failed conversion into an error naming the stream, the column, the value and the staged
 * file; reader errors (a broken line) name the file as DuckDB reports them.
 */
export async function explainStagedError(
  engine: Queryable,
  where: string,
  format: StagedBatch['format'],
  paths: readonly string[],
  fileColumns: readonly string[],
  columns: readonly StagedColumn[],
  e: unknown,
): Promise<Error> {
  const err = e instanceof Error ? e : new Error(String(e));
  const first = err.message.split('\n')[0] ?? err.message;
  const read = stagedReadSql(format, paths, fileColumns);
  for (const c of columns) {
    const ref = `s.${quoteIdent(c.name)}`;
    try {
      const rows = await engine.all(
        `SELECT CAST(${ref} AS VARCHAR) AS v FROM (${read}) AS s WHERE ${ref} IS NOT NULL AND ${failsSql(format, ref, c.type)} LIMIT 1`,
      );
      if (rows.length > 0) {
        const value = String(rows[0]!['v']);
        const shown = value.length > 80 ? `${value.slice(0, 77)}…` : value;
        return new DataError(
          `${where}, column ${c.name}: value '${shown}' does not fit type ${typeToString(c.type)} (${first})`,
          { context: { stream: where, column: c.name, value: shown }, cause: err },
        );
      }
    } catch {
      // the diagnosis itself failed (a reader error): report the original below
    }
  }
  return new DataError(`${where}: ${first}`, { context: { stream: where }, cause: err });
}
