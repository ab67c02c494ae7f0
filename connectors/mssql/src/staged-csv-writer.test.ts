import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { csvText, type Encoder, StagedCsvWriter } from './staged-csv-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'lakekit-mssql-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function writer(columns: [string, Encoder][], batchRows = 1000) {
  return new StagedCsvWriter({
    dir,
    stream: 'dbo.orders',
    columns: columns.map(([name, encoder]) => ({ name, encoder })),
    batchRows,
  });
}

function writeAll(w: StagedCsvWriter, rows: unknown[][]): string[] {
  const files: string[] = [];
  for (const r of rows) {
    const done = w.add(r);
    if (done) files.push(readFileSync(done.path, 'utf8'));
  }
  const last = w.finish();
  if (last) files.push(readFileSync(last.path, 'utf8'));
  return files;
}

describe('StagedCsvWriter', () => {
  it('writes driver values: numbers, booleans, bigint strings, text quoted only when needed', () => {
    const w = writer([
      ['id', 'plain'],
      ['ok', 'plain'],
      ['big', 'plain'],
      ['x', 'plain'],
      ['name', 'text'],
      ['bin', 'hex'],
    ]);
    expect(
      writeAll(w, [
        [1, true, '9223372036854775807', 1.2345677614212036, 'plain', 'DEADBEEF'],
        [2, false, '-1', -0.5, 'a, "b"\nc', ''],
        [3, null, null, null, '', null],
        [4, null, null, null, null, Buffer.from([1, 255])],
        [5, null, null, null, 'ünïcødé ✓ 日本 😀', null],
      ]),
    ).toEqual([
      'id,ok,big,x,name,bin\n' +
        '1,true,9223372036854775807,1.2345677614212036,plain,DEADBEEF\n' +
        '2,false,-1,-0.5,"a, ""b""\nc",""\n' +
        '3,,,,"",\n' +
        '4,,,,,01ff\n' +
        '5,,,,ünïcødé ✓ 日本 😀,\n',
    ]);
  });

  it('rotates files every batchRows rows with exact byte counts', () => {
    const w = writer([['id', 'plain']], 2);
    const batches = [];
    for (let i = 0; i < 5; i++) {
      const b = w.add([i]);
      if (b) batches.push(b);
    }
    batches.push(w.finish()!);
    expect(batches.map((b) => [b.rows, readFileSync(b.path, 'utf8')])).toEqual([
      [2, 'id\n0\n1\n'],
      [2, 'id\n2\n3\n'],
      [1, 'id\n4\n'],
    ]);
    for (const b of batches) expect(b.bytes).toBe(statSync(b.path).size);
  });

  it('writes rows larger than its buffer and many rows across buffer flushes', () => {
    const big = 'é'.repeat(600_000);
    const rows: unknown[][] = [[0, big]];
    for (let i = 1; i < 50_000; i++) rows.push([i, `row ${i}`]);
    const [file] = writeAll(
      writer(
        [
          ['id', 'plain'],
          ['s', 'text'],
        ],
        100_000,
      ),
      rows,
    );
    const lines = file!.split('\n');
    expect(lines.length).toBe(50_002);
    expect(lines[1] === `0,${big}`).toBe(true);
    expect(lines[49_999]).toBe('49998,row 49998');
  });

  it('discard deletes the unfinished file', () => {
    const w = writer([['id', 'plain']]);
    w.add([1]);
    w.discard();
    expect(w.finish()).toBeUndefined();
    expect(csvText('')).toBe('""');
    expect(csvText('x\ry')).toBe('"x\ry"');
  });

  it('remove deletes a completed file', () => {
    const w = writer([['id', 'plain']], 1);
    const b = w.add([1])!;
    w.remove(b);
    expect(() => statSync(b.path)).toThrow();
  });
});
