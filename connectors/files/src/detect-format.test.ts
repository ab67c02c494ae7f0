import { DataError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { detectFormat } from './detect-format.js';

describe('detectFormat', () => {
  it('knows the extensions, compressed text included', () => {
    expect(detectFormat('a.csv')).toBe('csv');
    expect(detectFormat('dir/a.TSV')).toBe('csv');
    expect(detectFormat('a.csv.gz')).toBe('csv');
    expect(detectFormat('a.jsonl')).toBe('jsonl');
    expect(detectFormat('a.ndjson.gz')).toBe('jsonl');
    expect(detectFormat('a.json')).toBe('jsonl');
    expect(detectFormat('a.parquet')).toBe('parquet');
  });

  it('rejects anything else, naming the file', () => {
    expect(() => detectFormat('notes.txt')).toThrow(DataError);
    expect(() => detectFormat('notes.txt')).toThrow(/^notes\.txt: unknown file type/);
    expect(() => detectFormat('a.parquet.gz')).toThrow(DataError);
  });
});
