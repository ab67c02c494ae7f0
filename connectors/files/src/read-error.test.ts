import { DataError, NotFoundError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { readError } from './read-error.js';

// Messages as DuckDB 1.5.6 prints them (shortened where the rest does not matter).
const csvTail =
  '\n\nPossible fixes:\n* Enable ignore errors (ignore_errors=true) to skip this row\n\n  file = /d/b.csv\n  delimiter = , (Set By User)\n';

describe('readError', () => {
  it('parses CSV field-count, conversion and quote errors', () => {
    const count = readError(
      new Error(
        `Invalid Input Error: CSV Error on Line: 7\nOriginal Line: 6,6.5,n6,extra\nExpected Number of Columns: 3 Found: 4${csvTail}`,
      ),
      ['/d/a.csv', '/d/b.csv'],
    );
    expect(count).toBeInstanceOf(DataError);
    expect(count.message).toBe('/d/b.csv line 7: expected 3 columns, found 4');
    expect(count.context).toEqual({ file: '/d/b.csv', line: 7, column: undefined });

    const convert = readError(
      new Error(
        `Conversion Error: CSV Error on Line: 50001\nOriginal Line: abc,n50000\nError when converting column "id". Could not convert string "abc" to 'BIGINT'\n\nColumn id is being converted as type BIGINT\nThis type was auto-detected from the CSV file.${csvTail}`,
      ),
      '/d/b.csv',
    );
    expect(convert.message).toMatch(/^\/d\/b\.csv line 50001, column "id": cannot convert "abc" to BIGINT/);
    expect(convert.context).toEqual({ file: '/d/b.csv', line: 50_001, column: 'id' });

    const quote = readError(
      new Error(
        `Invalid Input Error: CSV Error on Line: 7\nOriginal Line: 6,"open\n7,x\n\nValue with unterminated quote found.${csvTail}`,
      ),
      '/d/b.csv',
    );
    expect(quote.message).toBe('/d/b.csv line 7: unterminated quoted value');

    const other = readError(
      new Error(
        `Invalid Input Error: CSV Error on Line: 3\nOriginal Line: 2,??\nInvalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.\n\nPossible Solution: Set the correct encoding${csvTail}`,
      ),
      '/d/b.csv',
    );
    expect(other.message).toBe(
      '/d/b.csv line 3: Invalid unicode (byte sequence mismatch) detected. This file is not utf-8 encoded.',
    );
  });

  it('maps JSON record numbers to lines (DuckDB says N+1 for malformed JSON)', () => {
    const malformed = readError(
      new Error(
        'Invalid Input Error: Malformed JSON in file "/nonexistent/x.jsonl", at byte 1 in line 5: invalid literal. ',
      ),
      '/nonexistent/x.jsonl',
    );
    expect(malformed.message).toBe('/nonexistent/x.jsonl line 4: malformed JSON: invalid literal');
    const transform = readError(
      new Error(
        `Invalid Input Error: JSON transform error in file "/nonexistent/x.jsonl", in line 50000: Failed to cast value to numerical: "abc"\nTry setting 'auto_detect' to true`,
      ),
      '/nonexistent/x.jsonl',
    );
    expect(transform.message).toBe(
      '/nonexistent/x.jsonl line 50000: Failed to cast value to numerical: "abc"',
    );
  });

  it('turns missing files into NotFoundError and names non-Parquet files', () => {
    const missing = readError(
      new Error('IO Error: No files found that match the pattern "/d/nope.csv"'),
      '/d/nope.csv',
    );
    expect(missing).toBeInstanceOf(NotFoundError);
    expect(missing.message).toBe('file not found: /d/nope.csv');
    expect(
      readError(new Error("Invalid Input Error: No magic bytes found at end of file '/d/x.parquet'"), [])
        .message,
    ).toBe('/d/x.parquet: not a Parquet file (no magic bytes at its end)');
  });

  it('keeps Lakekit errors and names the file of anything else', () => {
    const own = new DataError('x');
    expect(readError(own, 'f')).toBe(own);
    expect(readError(new Error('Binder Error: something odd\nLINE 1: …'), '/d/f.jsonl').message).toBe(
      '/d/f.jsonl: something odd',
    );
  });
});
