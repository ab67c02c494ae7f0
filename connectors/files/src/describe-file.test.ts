import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { type DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import { DataError, type LakeError, NotFoundError } from '@lakekit/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeFile } from './describe-file.js';
import type { FileDescription } from './file-description.js';
import { readError } from './read-error.js';

let dir: string;
let db: DuckDBInstance;
let conn: DuckDBConnection;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakekit-files-'));
  db = await DuckDBInstance.create(':memory:');
  conn = await db.connect();
});
afterAll(async () => {
  conn.closeSync();
  db.closeSync();
  await rm(dir, { recursive: true, force: true });
});

async function file(name: string, content: string | Buffer): Promise<string> {
  const path = join(dir, name);
  await writeFile(path, content);
  return path;
}

async function readAll(d: FileDescription): Promise<Record<string, unknown>[]> {
  try {
    return (await conn.runAndReadAll(d.readSql)).getRowObjectsJson();
  } catch (e) {
    throw readError(e, d.files);
  }
}

/** Describes and reads; returns the LakeError either step throws. */
async function failure(path: string | string[], opts = {}): Promise<LakeError> {
  try {
    await readAll(await describeFile(conn, path, opts));
  } catch (e) {
    return e as LakeError;
  }
  throw new Error('expected an error');
}

const types = (d: FileDescription) => Object.fromEntries(d.columns.map((c) => [c.name, c.duckdbType]));

/** `id,amount,name` rows 1..n with `bad` replacing the row at file line `badLine`. */
function csvLines(n: number, badLine?: number, bad?: string): string {
  const lines = ['id,amount,name'];
  for (let i = 1; i <= n; i++) lines.push(`${i},${i}.25,name ${i}`);
  if (badLine !== undefined && bad !== undefined) lines[badLine - 1] = bad;
  return `${lines.join('\n')}\n`;
}

describe('describeFile: CSV', () => {
  it('infers ints, decimals, dates, timestamps and strings and reads with an explicit dialect', async () => {
    const path = await file(
      'good.csv',
      'id,amount,day,at,name\n1,1.50,2024-01-02,2024-01-02 10:00:00,"Smith, J"\n2,-3.25,2024-02-29,2024-02-29 23:59:59,plain\n',
    );
    const d = await describeFile(conn, path);
    expect(d.format).toBe('csv');
    expect(d.files).toEqual([path]);
    expect(types(d)).toEqual({
      id: 'BIGINT',
      amount: 'DOUBLE',
      day: 'DATE',
      at: 'TIMESTAMP',
      name: 'VARCHAR',
    });
    expect(d.readSql).toMatch(
      /^SELECT \* FROM read_csv\('.*good\.csv', auto_detect=false, delim=',', quote='"', escape='"', header=true, /,
    );
    expect(d.readSql).toContain(
      `columns={'id': 'BIGINT', 'amount': 'DOUBLE', 'day': 'DATE', 'at': 'TIMESTAMP', 'name': 'VARCHAR'}`,
    );
    expect(d.readSql).toMatch(/strict_mode=true\)$/);
    expect(await readAll(d)).toEqual([
      { id: '1', amount: 1.5, day: '2024-01-02', at: '2024-01-02 10:00:00', name: 'Smith, J' },
      { id: '2', amount: -3.25, day: '2024-02-29', at: '2024-02-29 23:59:59', name: 'plain' },
    ]);
  });

  it('uses RFC 4180 quoting even when the sample has no quotes', async () => {
    const path = await file(
      'late-quote.csv',
      `${csvLines(30_000).trimEnd()}\n30001,1.5,"with, comma ""q"""\n`,
    );
    const d = await describeFile(conn, path);
    const rows = await readAll(d);
    expect(rows).toHaveLength(30_001);
    expect(rows.at(-1)).toEqual({ id: '30001', amount: 1.5, name: 'with, comma "q"' });
  });

  it('reports a row with too many columns at line 7 (where the sniffer alone would see one column)', async () => {
    const path = await file('too-many.csv', csvLines(9, 7, '6,6.25,name 6,extra'));
    const e = await failure(path);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`${path} line 7: expected 3 columns, found 4`);
    expect(e.context).toEqual({ file: path, line: 7, column: undefined });
  });

  it('reports too few columns and an unterminated quote with their lines', async () => {
    const few = await file('too-few.csv', csvLines(9, 4, '3,3.25'));
    expect((await failure(few)).message).toBe(`${few} line 4: expected 3 columns, found 2`);
    // Beyond the sample (within it, the sniffer would choose no quoting and read the quote as text).
    const quote = await file('quote.csv', csvLines(25_000, 24_000, '23999,1.5,"unterminated'));
    const e = await failure(quote);
    expect(e.message).toBe(`${quote} line 24000: unterminated quoted value`);
    expect(e.context).toMatchObject({ line: 24_000 });
  });

  it('fails on a value beyond the sample that does not fit the sniffed type, naming line and column', async () => {
    const path = await file('late-bad.csv', csvLines(50_000, 50_001, 'abc,1.5,x'));
    const d = await describeFile(conn, path);
    expect(types(d)['id']).toBe('BIGINT');
    const e = await failure(path);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(new RegExp(`^${path} line 50001, column "id": cannot convert "abc" to BIGINT`));
    expect(e.context).toEqual({ file: path, line: 50_001, column: 'id' });
  });

  it('rejects a file that reads as one column although its lines hold delimiters', async () => {
    // A title line before the header: the sniffer alone reads every line as one text value.
    const path = await file('titled.csv', 'Sales report\nid,v\n1,a\n2,b\n3,c\n');
    const e = await failure(path);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(
      `${path}: reads as a single column although 4 of its first lines contain ",": lines before the header (pass skip), rows with a different number of fields, or a delimiter to pass explicitly`,
    );
    expect(e.context['file']).toBe(path);
    const d = await describeFile(conn, path, { skip: 1 });
    expect(d.readSql).toContain('skip=1');
    expect(await readAll(d)).toEqual([
      { id: '1', v: 'a' },
      { id: '2', v: 'b' },
      { id: '3', v: 'c' },
    ]);
  });

  it('never lets the sniffer skip rows on its own', async () => {
    // Left alone, DuckDB sniffs skip=2 here and reads only the last row, without complaint.
    const path = await file('skipped.csv', 'id,v\n3,c\n4,d,e\n');
    expect((await failure(path)).message).toBe(`${path} line 3: expected 2 columns, found 3`);
  });

  it('reads TSV and gzipped CSV', async () => {
    const tsv = await file('t.tsv', 'a\tb\n1\tx y\n2\tz\n');
    const d = await describeFile(conn, tsv);
    expect(d.readSql).toContain("delim='\t'");
    expect(await readAll(d)).toEqual([
      { a: '1', b: 'x y' },
      { a: '2', b: 'z' },
    ]);
    const gz = await file('g.csv.gz', gzipSync('k,v\n1,a\n'));
    expect(await readAll(await describeFile(conn, gz))).toEqual([{ k: '1', v: 'a' }]);
  });

  it('reads several files (a list or a glob) together, widening types', async () => {
    await file('part-1.csv', 'id,v\n1,10\n2,20\n');
    await file('part-2.csv', 'id,v\n3,3.5\n');
    const d = await describeFile(conn, join(dir, 'part-*.csv'));
    expect(d.files).toEqual([join(dir, 'part-1.csv'), join(dir, 'part-2.csv')]);
    expect(types(d)).toEqual({ id: 'BIGINT', v: 'DOUBLE' });
    expect(d.readSql).toContain(`read_csv(['${join(dir, 'part-1.csv')}', '${join(dir, 'part-2.csv')}']`);
    expect((await readAll(d)).map((r) => r['v'])).toEqual([10, 20, 3.5]);
    const other = await file('other.csv', 'id,w\n1,2\n');
    const e = await failure([join(dir, 'part-1.csv'), other]);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(/other\.csv: columns \(id, w\) differ/);
  });

  it('names the file of a bad row when reading several', async () => {
    const a = await file('multi-a.csv', 'id,v\n1,a\n2,b\n');
    const b = await file('multi-b.csv', 'id,v\n3,c\n4,d,e\n');
    const d = await describeFile(conn, [a, b]);
    const e = await readAll(d).then(
      () => undefined,
      (err: LakeError) => err,
    );
    expect(e?.message).toBe(`${b} line 3: expected 2 columns, found 3`);
  });

  it('reports missing files, empty files and unknown extensions', async () => {
    expect(await failure(join(dir, 'nope.csv'))).toBeInstanceOf(NotFoundError);
    expect(await failure(join(dir, 'none-*.csv'))).toBeInstanceOf(NotFoundError);
    const empty = await file('empty.csv', '');
    expect((await failure(empty)).message).toBe(`${empty} is empty`);
    const txt = await file('data.txt', 'a,b\n1,2\n');
    expect(await failure(txt)).toBeInstanceOf(DataError);
    expect(await readAll(await describeFile(conn, txt, { format: 'csv' }))).toEqual([{ a: '1', b: '2' }]);
  });
});

describe('describeFile: JSON Lines', () => {
  it('detects columns, nested ones included, and reads them with explicit types', async () => {
    const rows = [
      { id: 1, name: 'a', price: 1.5, day: '2024-01-01', tags: ['x'], nested: { k: 1 } },
      { id: 2, name: 'b', price: 2, day: '2024-01-02', tags: [], nested: { k: 2 } },
    ];
    const path = await file('good.jsonl', `${rows.map((r) => JSON.stringify(r)).join('\n')}\n`);
    const d = await describeFile(conn, path);
    expect(d.format).toBe('jsonl');
    expect(types(d)).toEqual({
      id: 'BIGINT',
      name: 'VARCHAR',
      price: 'DOUBLE',
      day: 'DATE',
      tags: 'VARCHAR[]',
      nested: 'STRUCT(k BIGINT)',
    });
    expect(d.readSql).toContain("format='newline_delimited', records=true, auto_detect=false, columns={");
    expect(await readAll(d)).toEqual([
      { id: '1', name: 'a', price: 1.5, day: '2024-01-01', tags: ['x'], nested: { k: '1' } },
      { id: '2', name: 'b', price: 2, day: '2024-01-02', tags: [], nested: { k: '2' } },
    ]);
  });

  it('reports a malformed line with its line number (blank lines counted)', async () => {
    const path = await file('bad.jsonl', '{"id": 1}\n\n{"id": 2}\n{"id": 3\n{"id": 4}\n');
    const e = await failure(path);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toMatch(new RegExp(`^${path} line 4: malformed JSON: `));
    expect(e.context).toMatchObject({ file: path, line: 4 });
  });

  it('reports a value beyond the sample that does not fit, with line and key', async () => {
    const lines: string[] = [];
    for (let i = 1; i <= 30_000; i++)
      lines.push(JSON.stringify({ id: i === 25_000 ? 'abc' : i, name: `n${i}` }));
    const path = await file('late-bad.jsonl', `${lines.join('\n')}\n`);
    const d = await describeFile(conn, path, { sampleSize: 1000 });
    expect(types(d)['id']).toBe('BIGINT');
    const e = await failure(path, { sampleSize: 1000 });
    expect(e.message).toBe(`${path} line 25000, column "id": Failed to cast value to numerical: "abc"`);
    expect(e.context).toEqual({ file: path, line: 25_000, column: 'id' });
  });

  it('reads a .json array and several JSONL files', async () => {
    const arr = await file('arr.json', '[{"a": 1}, {"a": 2}]');
    expect(await readAll(await describeFile(conn, arr))).toEqual([{ a: '1' }, { a: '2' }]);
    const a = await file('j1.ndjson', '{"a": 1, "b": "x"}\n');
    const b = await file('j2.ndjson', '{"b": "y", "a": 2.5}\n');
    const d = await describeFile(conn, [a, b]);
    expect(types(d)).toEqual({ a: 'DOUBLE', b: 'VARCHAR' });
    expect(await readAll(d)).toEqual([
      { a: 1, b: 'x' },
      { a: 2.5, b: 'y' },
    ]);
  });
});

describe('describeFile: Parquet', () => {
  it('reads one file and several with the same columns', async () => {
    const p1 = join(dir, 'p1.parquet');
    const p2 = join(dir, 'p2.parquet');
    await conn.run(`COPY (SELECT 1::INTEGER AS id, 'a' AS name, DATE '2024-01-01' AS day) TO '${p1}'`);
    await conn.run(`COPY (SELECT 'b' AS name, 2::BIGINT AS id, DATE '2024-01-02' AS day) TO '${p2}'`);
    const one = await describeFile(conn, p1);
    expect(one.format).toBe('parquet');
    expect(types(one)).toEqual({ id: 'INTEGER', name: 'VARCHAR', day: 'DATE' });
    expect(await readAll(one)).toEqual([{ id: 1, name: 'a', day: '2024-01-01' }]);
    const both = await describeFile(conn, [p1, p2]);
    expect(types(both)).toEqual({ id: 'BIGINT', name: 'VARCHAR', day: 'DATE' });
    expect((await readAll(both)).map((r) => r['name'])).toEqual(['a', 'b']);
  });

  it('rejects files with other columns and files that are not Parquet', async () => {
    const p3 = join(dir, 'p3.parquet');
    await conn.run(`COPY (SELECT 1 AS id, 2 AS extra) TO '${p3}'`);
    expect((await failure([join(dir, 'p1.parquet'), p3])).message).toMatch(
      /p3\.parquet: columns \(extra, id\) differ/,
    );
    const fake = await file('fake.parquet', 'not parquet at all');
    const e = await failure(fake);
    expect(e).toBeInstanceOf(DataError);
    expect(e.message).toBe(`${fake}: not a Parquet file (no magic bytes at its end)`);
  });
});
