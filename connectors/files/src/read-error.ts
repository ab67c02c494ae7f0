/**
 * DuckDB's CSV, JSON and Parquet errors as DataErrors that name the file, the line and (where known)
 * the column. The formats parsed here were checked against DuckDB 1.5.6:
 *
 * - CSV: `CSV Error on Line: N\nOriginal Line: …\n<reason>\n\n… file = <path>` where N is the file's
 *   line (a quoted value spanning lines counts once); conversion errors say
 *   `Error when converting column "c". Could not convert string "v" to 'T'`.
 * - JSON: `Malformed JSON in file "<path>", at byte B in line N: <reason>` where N is the record
 *   number + 1, and `JSON transform error in file "<path>", in line N: <reason>` where N is the record
 *   number; records skip blank lines, so both are mapped back to the real line.
 * - Parquet: `No magic bytes found at end of file '<path>'`; missing files:
 *   `IO Error: No files found that match the pattern "<path>"`.
 */
import { DataError, isLakeError, type LakeError, NotFoundError } from '@lakekit/core';
import { locateRecord } from './locate-record.js';

const CSV_LINE = /CSV Error on Line: (\d+)/;
const CSV_FILE = /^\s*file = (.+)$/m;
const CSV_COLUMNS = /Expected Number of Columns: (\d+) Found: (\d+)/;
const CSV_CONVERT = /Error when converting column "(.+?)"\. Could not convert string "(.*)" to '(.+?)'\s*$/m;
const CSV_REASON_END = /\n\n(?:Possible fixes:|Possible Solution:|Column .* is being converted|\s*file = )/;
const JSON_MALFORMED = /Malformed JSON in file "(.+?)", at byte \d+ in line (\d+): (.+?)\.?\s*$/m;
const JSON_TRANSFORM = /JSON transform error in file "(.+?)", in line (\d+): (.+?)(?:Try setting|\n|$)/;
const CSV_SNIFF = /Error when sniffing file "(.+?)"/;
const NO_FILES = /No files found that match the pattern "(.+?)"/;
const NO_MAGIC = /No magic bytes found at end of file '(.+?)'/;

/** Turns an error thrown while reading files into a DataError naming file, line and column. */
export function readError(e: unknown, path: string | readonly string[]): LakeError {
  if (isLakeError(e)) return e;
  const message = e instanceof Error ? e.message : String(e);
  const fallbackFile = typeof path === 'string' ? path : path.length === 1 ? path[0] : undefined;

  const missing = NO_FILES.exec(message);
  if (missing) {
    return new NotFoundError('file', `file not found: ${missing[1]}`, {
      context: { file: missing[1] },
      cause: e,
    });
  }
  const csvLine = CSV_LINE.exec(message);
  if (csvLine) return csvError(message, Number(csvLine[1]), fallbackFile, e);
  const sniffing = CSV_SNIFF.exec(message);
  if (sniffing) {
    return dataError(
      sniffing[1],
      undefined,
      undefined,
      'no CSV dialect (delimiter, quoting) fits its rows',
      e,
    );
  }
  const malformed = JSON_MALFORMED.exec(message);
  if (malformed) {
    return jsonError(malformed[1]!, Number(malformed[2]) - 1, `malformed JSON: ${malformed[3]}`, e, false);
  }
  const transform = JSON_TRANSFORM.exec(message);
  if (transform) return jsonError(transform[1]!, Number(transform[2]), transform[3]!.trim(), e, true);
  const magic = NO_MAGIC.exec(message);
  if (magic) {
    return dataError(magic[1], undefined, undefined, 'not a Parquet file (no magic bytes at its end)', e);
  }
  const firstLine = (message.split('\n')[0] ?? message).replace(/^[A-Za-z ]+ Error: /, '');
  return dataError(fallbackFile, undefined, undefined, firstLine, e);
}

/**
 * An error of DuckDB's CSV sniffer. Its line numbers count within the sample it parsed, not the
 * file (a long line 7 is reported as line 1), so they are left out.
 */
export function sniffError(e: unknown, file: string): LakeError {
  const err = readError(e, file);
  if (!(err instanceof DataError) || err.context['line'] === undefined) return err;
  const reason = err.message.replace(/^.*? line \d+(, column "[^"]*")?: /, '');
  return dataError(file, undefined, undefined, `${reason} (while detecting the CSV dialect)`, e);
}

function dataError(
  file: string | undefined,
  line: number | undefined,
  column: string | undefined,
  reason: string,
  cause: unknown,
): DataError {
  let where = file ?? 'input';
  if (line !== undefined) where += ` line ${line}`;
  if (column !== undefined) where += `${line !== undefined ? ',' : ''} column "${column}"`;
  return new DataError(`${where}: ${reason}`, { context: { file, line, column }, cause });
}

function csvError(
  message: string,
  line: number,
  fallbackFile: string | undefined,
  cause: unknown,
): DataError {
  const file = CSV_FILE.exec(message)?.[1]?.trim() ?? fallbackFile;
  const columns = CSV_COLUMNS.exec(message);
  if (columns)
    return dataError(file, line, undefined, `expected ${columns[1]} columns, found ${columns[2]}`, cause);
  const convert = CSV_CONVERT.exec(message);
  if (convert) {
    const reason = `cannot convert "${convert[2]}" to ${convert[3]} (the column type was detected from a sample of the file)`;
    return dataError(file, line, convert[1], reason, cause);
  }
  if (message.includes('Value with unterminated quote found')) {
    return dataError(file, line, undefined, 'unterminated quoted value', cause);
  }
  // Otherwise the reason is the last line before the advice that follows it.
  const head = message.split(CSV_REASON_END)[0] ?? message;
  const reason =
    head
      .split('\n')
      .filter((l) => l.trim() !== '')
      .pop() ?? message;
  return dataError(file, line, undefined, reason.trim(), cause);
}

function jsonError(
  file: string,
  record: number,
  reason: string,
  cause: unknown,
  findColumn: boolean,
): DataError {
  const at = locateRecord(file, record);
  const column = findColumn && at ? columnOf(at.text, reason) : undefined;
  return dataError(file, at?.line ?? record, column, reason, cause);
}

/** The one top-level key whose value DuckDB quotes in its message, if it is unambiguous. */
function columnOf(text: string, reason: string): string | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(text);
  } catch {
    return undefined;
  }
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj)) return undefined;
  const hits = Object.entries(obj).filter(([, v]) => v !== null && reason.includes(`: ${JSON.stringify(v)}`));
  return hits.length === 1 ? hits[0]![0] : undefined;
}
