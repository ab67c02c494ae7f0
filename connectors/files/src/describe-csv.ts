/**
 * CSV: DuckDB's sniffer reads a sample, then the file is read with that dialect and those types
 * fixed (`auto_detect=false, strict_mode=true`), so a broken row or a value that does not fit fails
 * loudly instead of becoming a single text column or NULL.
 */
import type { DuckDBConnection, Json } from '@duckdb/node-api';
import { DataError, quoteLiteral } from '@lakekit/core';
import { columnsClause, fileList } from './columns-clause.js';
import {
  DEFAULT_SAMPLE_SIZE,
  type DescribeFileOptions,
  type FileColumn,
  type FileDescription,
} from './file-description.js';
import { query } from './query.js';
import { sniffError } from './read-error.js';
import { readHead } from './read-head.js';
import { widenType } from './widen-type.js';

/** A CSV dialect and the columns read with it. */
interface CsvSniff {
  delimiter: string;
  quote: string;
  escape: string;
  header: boolean;
  skip: number;
  comment: string;
  dateFormat: string | undefined;
  timestampFormat: string | undefined;
  columns: FileColumn[];
}

const CANDIDATE_DELIMITERS = [',', ';', '\t', '|'];

/** Describes CSV files that share one layout. */
export async function describeCsv(
  conn: DuckDBConnection,
  files: readonly string[],
  opts: DescribeFileOptions,
): Promise<FileDescription> {
  const sniffs: CsvSniff[] = [];
  for (const file of files) sniffs.push(await sniffCsv(conn, file, opts));
  const first = sniffs[0]!;
  const columns = first.columns.map((c) => ({ ...c }));
  for (let i = 1; i < sniffs.length; i++) {
    const s = sniffs[i]!;
    const names = (x: CsvSniff) => x.columns.map((c) => c.name).join(', ');
    if (s.columns.length !== first.columns.length || (first.header && names(s) !== names(first))) {
      throw new DataError(
        `${files[i]}: columns (${names(s)}) differ from those of ${files[0]} (${names(first)})`,
        { context: { file: files[i] } },
      );
    }
    if (s.delimiter !== first.delimiter || s.header !== first.header || s.quote !== first.quote) {
      throw new DataError(
        `${files[i]}: CSV dialect (delimiter, quote, header) differs from that of ${files[0]}`,
        {
          context: { file: files[i] },
        },
      );
    }
    s.columns.forEach((c, j) => {
      const col = columns[j]!;
      columns[j] = { name: col.name, duckdbType: widenType(col.duckdbType, c.duckdbType) };
    });
  }
  const options = [
    'auto_detect=false',
    `delim=${quoteLiteral(first.delimiter)}`,
    `quote=${quoteLiteral(first.quote)}`,
    `escape=${quoteLiteral(first.escape)}`,
    `header=${first.header}`,
    `skip=${first.skip}`,
    ...(first.comment !== '' ? [`comment=${quoteLiteral(first.comment)}`] : []),
    `columns=${columnsClause(columns)}`,
    ...(first.dateFormat ? [`dateformat=${quoteLiteral(first.dateFormat)}`] : []),
    ...(first.timestampFormat ? [`timestampformat=${quoteLiteral(first.timestampFormat)}`] : []),
    'strict_mode=true',
  ];
  return {
    format: 'csv',
    files,
    columns,
    readSql: `SELECT * FROM read_csv(${fileList(files)}, ${options.join(', ')})`,
  };
}

/**
 * Sniffs one file. An inconsistent row in the sample can throw the sniffer off (one text column, or
 * a dialect the first line does not fit); then it sniffs again skipping such rows, so that the
 * strict read reports the bad row. One column although most lines hold a delimiter is rejected.
 */
async function sniffCsv(conn: DuckDBConnection, file: string, opts: DescribeFileOptions): Promise<CsvSniff> {
  // Never let the sniffer skip leading rows on its own: a bad row near the top made it skip data.
  const base: Record<string, string> = {
    sample_size: String(opts.sampleSize ?? DEFAULT_SAMPLE_SIZE),
    skip: String(opts.skip ?? 0),
  };
  const delimiter = opts.delimiter ?? (/\.tsv(\.gz)?$/i.test(file) ? '\t' : undefined);
  if (delimiter !== undefined) base['delim'] = quoteLiteral(delimiter);
  if (opts.header !== undefined) base['header'] = String(opts.header);

  let sniffed: CsvSniff | undefined;
  let firstError: unknown;
  try {
    sniffed = await sniff(conn, file, base);
  } catch (e) {
    firstError = e;
  }
  const suspect = sniffed === undefined ? undefined : await firstLineDisagrees(file, sniffed);
  if (sniffed === undefined || suspect !== undefined) {
    // Sniff again skipping inconsistent rows: the majority's dialect, so the strict read names the bad row.
    let retry: CsvSniff;
    try {
      retry = await sniff(conn, file, { ...base, ignore_errors: 'true' });
    } catch (e) {
      throw sniffError(firstError ?? e, file);
    }
    const retryFields = await firstLineFields(file, retry);
    if (retry.columns.length > 1 && retryFields === retry.columns.length) {
      sniffed = retry;
      base['ignore_errors'] = 'true';
    } else if (sniffed === undefined) {
      throw sniffError(firstError, file);
    } else if (sniffed.columns.length === 1 && suspect?.char !== undefined) {
      const c = printable(suspect.char);
      throw new DataError(
        `${file}: reads as a single column although ${suspect.count} of its first lines contain "${c}": lines before the header (pass skip), rows with a different number of fields, or a delimiter to pass explicitly`,
        { context: { file } },
      );
    }
  }
  return normalizeQuote(conn, file, base, sniffed);
}

/**
 * With no quote in the sample the sniffer picks none, and a quoted value later in the file would
 * then split; use RFC 4180 quoting (`"` escaped by `""`) whenever the sample reads the same with it.
 */
async function normalizeQuote(
  conn: DuckDBConnection,
  file: string,
  base: Record<string, string>,
  s: CsvSniff,
): Promise<CsvSniff> {
  if (s.quote !== '') return s.escape === '' ? { ...s, escape: s.quote } : s;
  // No quote character near the top: RFC 4180 quoting reads those lines the same, and a stray quote
  // further down then fails strictly with its line number. Saves a second sniff of large files.
  if (!(await readHead(file)).includes('"')) return { ...s, quote: '"', escape: '"' };
  const fixed = {
    ...base,
    delim: quoteLiteral(s.delimiter),
    header: String(s.header),
    quote: "'\"'",
    escape: "'\"'",
  };
  const withQuote = await sniff(conn, file, fixed).catch(() => undefined);
  const same =
    withQuote !== undefined &&
    withQuote.columns.length === s.columns.length &&
    withQuote.columns.every(
      (c, i) => c.name === s.columns[i]!.name && c.duckdbType === s.columns[i]!.duckdbType,
    );
  return same ? { ...s, quote: '"', escape: '"' } : s;
}

async function sniff(conn: DuckDBConnection, file: string, args: Record<string, string>): Promise<CsvSniff> {
  const params = Object.entries(args).map(([k, v]) => `, ${k}=${v}`);
  const rows = await query(
    conn,
    `SELECT Delimiter, Quote, Escape, HasHeader, SkipRows, Comment, Columns, DateFormat, TimestampFormat
       FROM sniff_csv(${quoteLiteral(file)}${params.join('')})`,
  );
  const r = rows[0];
  if (!r) throw new DataError(`${file}: the CSV sniffer returned nothing`, { context: { file } });
  return {
    delimiter: text(r['Delimiter']),
    quote: text(r['Quote']),
    escape: text(r['Escape']),
    header: r['HasHeader'] === true,
    skip: Number(r['SkipRows'] ?? 0),
    comment: text(r['Comment']),
    dateFormat: optionalText(r['DateFormat']),
    timestampFormat: optionalText(r['TimestampFormat']),
    columns: (Array.isArray(r['Columns']) ? r['Columns'] : []).map((c) => {
      const col = c as Record<string, Json>;
      return { name: String(col['name']), duckdbType: String(col['type']) };
    }),
  };
}

/** The sniffer prints an absent quote, escape or comment as `(empty)`. */
function text(v: Json | undefined): string {
  return v === null || v === undefined || v === '(empty)' ? '' : String(v);
}

function optionalText(v: Json | undefined): string | undefined {
  const t = text(v);
  return t === '' ? undefined : t;
}

/**
 * Why the sniff looks wrong: the first line has another number of fields, or the file reads as one
 * column although most lines hold another candidate delimiter (a title line, or broken rows).
 */
async function firstLineDisagrees(
  file: string,
  s: CsvSniff,
): Promise<{ char?: string; count: number } | undefined> {
  const fields = await firstLineFields(file, s);
  if (fields !== s.columns.length) return { count: fields };
  if (s.columns.length !== 1) return undefined;
  const lines = (await headLines(file)).slice(s.skip).filter((l) => l.trim() !== '');
  let best: { char: string; count: number } | undefined;
  for (const char of CANDIDATE_DELIMITERS) {
    if (char === s.delimiter) continue;
    const count = lines.filter((l) => l.includes(char)).length;
    if (count > 0 && count * 2 >= lines.length && (!best || count > best.count)) best = { char, count };
  }
  return best;
}

/** The complete lines of the file's first 64 KiB. */
async function headLines(file: string): Promise<string[]> {
  const lines = (await readHead(file)).replace(/^\uFEFF/, '').split(/\r?\n/);
  return lines.length > 1 ? lines.slice(0, -1) : lines;
}

/** The first line after `skip` lines (blank lines passed over). */
async function firstLine(file: string, skip: number): Promise<string> {
  return (await headLines(file)).slice(skip).find((l) => l.trim() !== '') ?? '';
}

/** How many fields the first line has in the sniffed dialect (delimiters inside quotes ignored). */
async function firstLineFields(file: string, s: CsvSniff): Promise<number> {
  const line = await firstLine(file, s.skip);
  let fields = 1;
  let quoted = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i];
    if (s.quote !== '' && c === s.quote) quoted = !quoted;
    else if (!quoted && line.startsWith(s.delimiter, i)) fields++;
  }
  return fields;
}

function printable(char: string): string {
  return char === '\t' ? '\\t' : char;
}
