import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DataError } from '@lakekit/core';
import { afterAll, describe, expect, it } from 'vitest';
import type { Encoder } from './column-plan.js';
import {
  csvText,
  decodeRowPacket,
  type RawValue,
  StagedCsvWriter,
  type StagedCsvWriterOptions,
} from './staged-csv-writer.js';

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

/** A text-protocol row payload: each value length-coded (1, 3 or 4 byte lengths), 0xfb for NULL. */
function rowPacket(values: (string | null)[]): Buffer {
  const parts: Buffer[] = [];
  for (const v of values) {
    if (v === null) {
      parts.push(Buffer.from([0xfb]));
      continue;
    }
    const bytes = b(v);
    const n = bytes.length;
    if (n < 0xfb) parts.push(Buffer.from([n]));
    else if (n < 1 << 16) parts.push(Buffer.from([0xfc, n & 0xff, n >> 8]));
    else parts.push(Buffer.from([0xfd, n & 0xff, (n >> 8) & 0xff, n >> 16]));
    parts.push(bytes);
  }
  return Buffer.concat(parts);
}

describe('StagedCsvWriter from row packets', () => {
  it('writes the same file from packets as from values, for every length encoding and NULL', () => {
    const long = 'x'.repeat(300);
    const huge = `${'y'.repeat(70_000)},z`;
    const rows: (string | null)[][] = [
      ['1', 'plain', '2026-11-29 10:00:00'],
      ['2', 'comma, "quote"\nline', null],
      ['3', '', '2026-01-02 03:04:05'],
      ['4', long, null],
      ['5', huge, '2026-12-31 23:59:59'],
      [null, null, null],
    ];
    const columns: [string, Encoder][] = [
      ['id', 'plain'],
      ['name', 'text'],
      ['at', 'date'],
    ];
    const fromValues = writeAll(
      writer(columns),
      rows.map((r) => r.map((v) => (v === null ? null : b(v)))),
    );
    const w = writer(columns);
    const files: string[] = [];
    // Packets sit inside a larger buffer, as in the connection's receive buffer.
    for (const r of rows) {
      const payload = rowPacket([...r, 'keyset']);
      const buffer = Buffer.concat([b('head'), payload, b('tail')]);
      const done = w.addPacket(buffer, 4, 4 + payload.length - rowPacket(['keyset']).length);
      if (done) files.push(readFileSync(done.path, 'utf8'));
    }
    const last = w.finish();
    if (last) files.push(readFileSync(last.path, 'utf8'));
    expect(files).toEqual(fromValues);
    expect(files[0]).toContain(`4,${long},\n`);
    expect(files[0]).toContain(`5,"${huge}",2026-12-31 23:59:59\n`);
  });

  it('decodes a packet back into its values (keyset bounds of the last row)', () => {
    const payload = rowPacket(['7', null, 'é'.repeat(200), '']);
    expect(decodeRowPacket(payload, 0, payload.length)).toEqual([b('7'), null, b('é'.repeat(200)), b('')]);
  });

  it('fails on a zero date from a packet, naming the column and value', () => {
    const w = writer([['at', 'date']]);
    const payload = rowPacket(['0000-00-00']);
    expect(() => w.addPacket(payload, 0, payload.length)).toThrow(
      /stream shop\.orders, column at: value '0000-00-00' is a zero date/,
    );
    w.discard();
  });
});
