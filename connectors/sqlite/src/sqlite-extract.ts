/**
 * Reads a SQLite table or view into staged CSV files. One statement is stepped with
 * `raw().safeIntegers()` (64-bit integers stay exact) and its rows are written with the fast CSV
 * encoder, a new file every `batchRows` rows. An incremental read orders by (cursor, primary key or
 * rowid): inside the session's read transaction one ordered statement returns exactly what keyset
 * chunks would, and sorts once instead of once per chunk.
 *
 * Values are written by their storage class, whatever the declared type: INTEGER as digits, REAL as
 * the shortest text that round-trips (plain digits in DECIMAL columns), TEXT as is, BLOB as hex. A
 * value that does not fit the column's type fails in the runner's converter, naming the column.
 *
 * TEXT that is not valid UTF-8 (SQLite does not check) arrives with U+FFFD replacement characters;
 * rather than load altered text, the read fails naming the column. A genuine U+FFFD in valid text is
 * told apart by counting it in SQL, which sees the stored bytes.
 */
import {
  DataError,
  type ExtractColumn,
  type ExtractRequest,
  type IcebergType,
  isLakeError,
  NotFoundError,
  quoteIdent,
  type SourceColumn,
  type StagedBatch,
} from '@lakekit/core';
import type Database from 'better-sqlite3';
import { CsvFileWriter } from './csv-file-writer.js';
import { sqliteError } from './sqlite-error.js';
import type { SqliteStream } from './sqlite-streams.js';

const DEFAULT_BATCH_ROWS = 500_000;

/** A column to read, the SQL that reads it, and how its values become text. */
interface PlannedColumn {
  readonly name: string;
  readonly expr: string;
  /** DECIMAL columns: REALs in plain notation (the converter rejects exponents for decimals). */
  readonly plain: boolean;
  /** Index of the SQL-side U+FFFD count in the row, for text columns. */
  check?: number;
}

/** The statement and its columns. */
export interface ExtractPlan {
  readonly sql: string;
  readonly params: readonly unknown[];
  readonly columns: readonly PlannedColumn[];
}

/** Plans the read of `request.columns` (default all) of `stream`, past `request.cursor` if given. */
export function planExtract(stream: SqliteStream, request: ExtractRequest, where: string): ExtractPlan {
  const wanted: readonly ExtractColumn[] = request.columns ?? stream.columns.map((c) => ({ name: c.name }));
  const texts: boolean[] = [];
  const columns: PlannedColumn[] = wanted.map((w) => {
    const col = columnOf(stream, w.name, where);
    const ref = quoteIdent(col.name);
    // Only text columns need the UTF-8 check: invalid text elsewhere fails conversion anyway.
    texts.push(w.asText === true || col.type === undefined || col.type.kind === 'string');
    return {
      name: col.name,
      expr: w.asText
        ? `CASE typeof(${ref}) WHEN 'blob' THEN lower(hex(${ref})) ELSE CAST(${ref} AS TEXT) END`
        : ref,
      plain: col.type?.kind === 'decimal',
    };
  });
  const select = columns.map((c) => c.expr);
  for (const [i, c] of columns.entries()) {
    if (!texts[i]) continue;
    c.check = select.length;
    select.push(
      `CASE WHEN instr(${c.expr}, char(65533)) > 0 THEN length(${c.expr}) - length(replace(${c.expr}, char(65533), '')) ELSE 0 END`,
    );
  }
  let sql = `SELECT ${select.join(', ')} FROM ${quoteIdent(stream.table)}`;
  const params: unknown[] = [];
  const cursor = request.cursor;
  if (cursor) {
    const col = columnOf(stream, cursor.column, where);
    const ref = quoteIdent(col.name);
    // The first run (no `after`) reads every row, those with a NULL cursor too.
    if (cursor.after !== undefined) {
      sql += ` WHERE ${ref} ${cursor.inclusive ? '>=' : '>'} ?`;
      params.push(cursorParam(cursor.after, col.type, `${where}, column ${col.name}`));
    }
    const tiebreak =
      stream.primaryKey.length > 0 ? stream.primaryKey.map(quoteIdent) : stream.hasRowid ? ['rowid'] : [];
    sql += ` ORDER BY ${[ref, ...tiebreak.filter((k) => k !== ref)].join(', ')}`;
  }
  return { sql, params, columns };
}

/** Steps the plan's statement and yields staged CSV files of `batchRows` rows. */
export async function* runExtract(
  db: Database.Database,
  stream: SqliteStream,
  plan: ExtractPlan,
  request: ExtractRequest,
  where: string,
): AsyncGenerator<StagedBatch> {
  const batchRows = Math.max(1, request.batchRows ?? DEFAULT_BATCH_ROWS);
  const names = plan.columns.map((c) => c.name);
  const keyIndexes = stream.primaryKey.map((k) => names.indexOf(k));
  let statement: Database.Statement;
  try {
    statement = db.prepare(plan.sql).raw(true).safeIntegers(true);
  } catch (e) {
    throw sqliteError(e, `${where}: cannot read`, { stream: stream.name });
  }
  request.signal?.throwIfAborted();
  const writer = new CsvFileWriter({
    dir: request.stagingDir,
    stream: stream.table,
    columns: names,
    batchRows,
  });
  let seen = 0;
  let done = false;
  const fields: (string | null)[] = new Array(plan.columns.length);
  try {
    for (const row of statement.iterate(...plan.params) as Iterable<unknown[]>) {
      seen++;
      for (let i = 0; i < plan.columns.length; i++) {
        const c = plan.columns[i]!;
        const text = valueText(row[i], c.plain);
        if (c.check !== undefined && text?.includes('\uFFFD') && countFffd(text) > Number(row[c.check])) {
          const keys = keyIndexes.every((k) => k >= 0)
            ? ` (${stream.primaryKey.map((k, j) => `${k}=${valueText(row[keyIndexes[j]!], false)}`).join(', ')})`
            : '';
          throw new DataError(
            `${where}, column ${c.name}: row ${seen}${keys} holds TEXT that is not valid UTF-8`,
            { context: { stream: stream.name, column: c.name, row: seen } },
          );
        }
        fields[i] = text;
      }
      const full = writer.writeRow(fields);
      if (full) {
        yield full;
        request.signal?.throwIfAborted();
      }
    }
    const last = writer.finish();
    done = true;
    if (last) yield last;
  } catch (e) {
    if (isLakeError(e) || (e as Error).name === 'AbortError') throw e;
    throw sqliteError(e, `${where}: read failed after ${seen} rows`, { stream: stream.name });
  } finally {
    if (!done) writer.discard();
  }
}

/** A stored value's canonical text (see the module comment). */
export function valueText(v: unknown, plain: boolean): string | null {
  switch (typeof v) {
    case 'string':
      return v;
    case 'bigint':
      return v.toString();
    case 'number':
      if (Object.is(v, -0)) return '-0';
      return plain ? plainNumber(String(v)) : String(v);
    case 'object':
      if (v === null) return null;
      if (v instanceof Uint8Array) return Buffer.from(v.buffer, v.byteOffset, v.byteLength).toString('hex');
      break;
  }
  return String(v);
}

/** `1.5e-7` → `0.00000015`, `1e+21` → `1000000000000000000000` (other texts unchanged). */
export function plainNumber(text: string): string {
  const m = /^(-?)(\d+)(?:\.(\d+))?e([+-]\d+)$/.exec(text);
  if (!m) return text;
  const sign = m[1]!;
  const digits = m[2]! + (m[3] ?? '');
  const point = m[2]!.length + Number(m[4]);
  if (point <= 0) return `${sign}0.${'0'.repeat(-point)}${digits}`;
  if (point >= digits.length) return sign + digits + '0'.repeat(point - digits.length);
  return `${sign}${digits.slice(0, point)}.${digits.slice(point)}`;
}

function countFffd(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\uFFFD'); i >= 0; i = text.indexOf('\uFFFD', i + 1)) n++;
  return n;
}

function columnOf(stream: SqliteStream, name: string, where: string): SourceColumn {
  const col =
    stream.columns.find((c) => c.name === name) ??
    stream.columns.find((c) => c.name.toLowerCase() === name.toLowerCase());
  if (!col) {
    throw new NotFoundError(
      'column',
      `${where}: no column ${name} (columns: ${stream.columns.map((c) => c.name).join(', ')})`,
      {
        context: { stream: stream.name, column: name },
      },
    );
  }
  return col;
}

/**
 * The cursor's last value as SQLite compares it with the column: integers as 64-bit integers, other
 * numbers as REAL, everything else as text (an all-zero fraction dropped, so `10:30:30.000000`
 * equals a stored `10:30:30`).
 */
function cursorParam(after: string, type: IcebergType | undefined, where: string): unknown {
  switch (type?.kind) {
    case 'int':
    case 'long':
      if (!/^-?\d+$/.test(after.trim())) {
        throw new DataError(`${where}: cursor value '${after}' is not an integer`, {
          context: { value: after },
        });
      }
      return BigInt(after.trim());
    case 'float':
    case 'double':
    case 'decimal': {
      const n = Number(after);
      if (Number.isNaN(n))
        throw new DataError(`${where}: cursor value '${after}' is not a number`, {
          context: { value: after },
        });
      return n;
    }
    case 'date':
    case 'timestamp':
    case 'timestamptz':
      return after.replace(/\.0+(?=$|[Z+-])/, '');
    default:
      return after;
  }
}
