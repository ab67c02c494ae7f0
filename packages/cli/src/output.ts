/**
 * Output conventions: stdout carries only the result (a table for people, exactly one JSON document
 * with `--json`); messages and progress go to stderr.
 */
import { stringifyJsonSafe } from '@lakekit/core';

/** Writes the result document. */
export function printJson(value: unknown): void {
  process.stdout.write(`${stringifyJsonSafe(value)}\n`);
}

function cell(v: unknown): string {
  if (v === null || v === undefined) return 'NULL';
  if (typeof v === 'bigint') return v.toString();
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** Renders rows as an aligned text table. */
export function formatTable(headers: string[], rows: unknown[][]): string {
  const cells = rows.map((r) => r.map(cell));
  // A loop, not Math.max(...spread): a spread of every row overflows the stack beyond ~100k rows.
  const widths = headers.map((h) => h.length);
  for (const r of cells) for (const [i, v] of r.entries()) if (v.length > widths[i]!) widths[i] = v.length;
  const line = (vals: string[]) =>
    vals
      .map((v, i) => v.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

/** Writes a text table to stdout. */
export function printTable(headers: string[], rows: unknown[][]): void {
  process.stdout.write(`${formatTable(headers, rows)}\n`);
}

/** A message for people, on stderr. */
export function info(message: string): void {
  process.stderr.write(`${message}\n`);
}
