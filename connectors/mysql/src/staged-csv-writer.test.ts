import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@lakekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Encoder } from './column-plan.js';
import { csvText, type RawValue, StagedCsvWriter, type StagedCsvWriterOptions } from './staged-csv-writer.js';

const dir = mkdtempSync(join(tmpdir(), 'lakekit-mysql-writer-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const b = (s: string) => Buffer.from(s, 'utf8');

function writer(columns: [string, Encoder][], opts: Partial<StagedCsvWriterOptions> = {}) {
  return new StagedCsvWriter({
    dir,
    stream: 'shop.orders',
    columns: columns.map(([name, encoder]) => ({ name, encoder })),
    batchRows: 1000,
    zeroDates: 'error',
    timezone: 'UTC',
    ...opts,
  });
}

function writeAll(w: StagedCsvWriter, rows: RawValue[][]): string[] {
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
  it('quotes only what must be quoted; NULL is empty, the empty string ""', () => {
    const w = writer([
      ['id', 'plain'],
      ['name', 'text'],
      ['bin', 'hex'],
    ]);
    const files = writeAll(w, [
      [b('1'), b('plain'), b('00FF')],
      [b('2'), b('comma, "quote"\nline\r'), b('')],
      [b('3'), b(''), null],
      [b('4'), null, null],
      [5, 'ünïcødé ✓ 日本', 'AB'],
    ]);
    expect(files).toEqual([
      'id,name,bin\n1,plain,00FF\n2,"comma, ""quote""\nline\r",""\n3,"",\n4,,\n5,ünïcødé ✓ 日本,AB\n',
    ]);
  });

  it('quotes awkward column names in the header', () => {
    expect(writeAll(writer([['a,b', 'plain']]), [[b('1')]])).toEqual(['"a,b"\n1\n']);
  });

  it('starts a new file every batchRows rows and reports rows and bytes', () => {
    const w = writer([['id', 'plain']], { batchRows: 2 });
    const batches = [];
    for (let i = 0; i < 5; i++) {
      const done = w.add([b(String(i))]);
      if (done) batches.push(done);
    }
    batches.push(w.finish()!);
    expect(w.finish()).toBeUndefined();
    expect(batches.map((x) => [x.rows, readFileSync(x.path, 'utf8')])).toEqual([
      [2, 'id\n0\n1\n'],
      [2, 'id\n2\n3\n'],
      [1, 'id\n4\n'],
    ]);
    for (const x of batches) {
      expect(x.format).toBe('csv');
      expect(x.columns).toEqual(['id']);
      expect(x.bytes).toBe(statSync(x.path).size);
    }
  });

  it('writes values larger than its buffer, quoted or not', () => {
    const big = 'x'.repeat(3 << 20);
    const quoted = `${'y'.repeat(2 << 20)},"`;
    const files = writeAll(
      writer([
        ['a', 'text'],
        ['b', 'text'],
      ]),
      [
        [b(big), b(quoted)],
        [b('s'), b('t')],
      ],
    );
    const want = `a,b\n${big},"${quoted.replace('"', '""')}"\ns,t\n`;
    expect(files[0]!.length).toBe(want.length);
    expect(files[0] === want, 'file content differs').toBe(true);
  });

  it('a zero date fails naming stream, column and value, or becomes NULL', () => {
    const w = writer([['d', 'date']]);
    expect(w.add([b('2026-01-02')])).toBeUndefined();
    expect(() => w.add([b('0000-00-00')])).toThrow(DataError);
    expect(() => w.add([b('2026-00-10 00:00:00')])).toThrow(
      "stream shop.orders, column d: value '2026-00-10 00:00:00' is a zero date",
    );
    w.discard();
    const lenient = writer(
      [
        ['id', 'plain'],
        ['d', 'date'],
      ],
      { zeroDates: 'null' },
    );
    expect(
      writeAll(lenient, [
        [b('1'), b('0000-00-00 00:00:00')],
        [b('2'), b('2026-01-00')],
        [b('3'), b('2026-01-01')],
      ]),
    ).toEqual(['id,d\n1,\n2,\n3,2026-01-01\n']);
  });

  it('TIME must be a time of day', () => {
    const w = writer([['t', 'time']]);
    expect(w.add([b('23:59:59.999999')])).toBeUndefined();
    expect(w.add([b('00:00:00')])).toBeUndefined();
    for (const bad of ['24:00:00', '-01:00:00', '100:00:00', '838:59:59']) {
      expect(() => w.add([b(bad)])).toThrow(`column t: value '${bad}' is not a time of day`);
    }
    w.discard();
  });

  it('zoned DATETIME gets the offset of its zone', () => {
    const w = writer([['at', 'zoned']], { timezone: 'Europe/Berlin' });
    expect(writeAll(w, [[b('2026-01-15 12:00:00')], [b('2026-07-01 12:00:00.5')], [null]])).toEqual([
      'at\n2026-01-15 12:00:00+01:00\n2026-07-01 12:00:00.5+02:00\n\n',
    ]);
  });

  it('discard deletes the file being written', () => {
    const w = writer([['id', 'plain']]);
    w.add([b('1')]);
    const done = w.add([b('2')]);
    expect(done).toBeUndefined();
    w.discard();
    const again = writer([['id', 'plain']], { batchRows: 1 });
    const file = again.add([b('1')])!;
    again.remove(file);
    expect(() => statSync(file.path)).toThrow();
  });

  it('csvText matches the encoder', () => {
    expect(csvText('')).toBe('""');
    expect(csvText('a')).toBe('a');
    expect(csvText('a"b')).toBe('"a""b"');
    expect(csvText('a\rb')).toBe('"a\rb"');
  });
});
