import { describe, expect, it } from 'vitest';
import { CsvRecordScanner } from './csv-record-scanner.js';

/** Splits `chunks` into records of at most `max` per group the way stageCsv does. */
function split(chunks: string[], max: number): { groups: string[]; counts: number[] } {
  const scanner = new CsvRecordScanner();
  const groups: string[] = [];
  const counts: number[] = [];
  let current = '';
  let count = 0;
  for (const text of chunks) {
    const buf = Buffer.from(text, 'utf8');
    let pos = 0;
    while (pos < buf.length) {
      const { records, end } = scanner.scan(buf, pos, max - count);
      current += buf.subarray(pos, end).toString('utf8');
      count += records;
      pos = end;
      if (count === max) {
        groups.push(current);
        counts.push(count);
        current = '';
        count = 0;
      }
    }
  }
  if (current) {
    groups.push(current);
    counts.push(count + (scanner.midRecord ? 1 : 0));
  }
  return { groups, counts };
}

/** Every way to cut `text` into two chunks. */
function allCuts(text: string): string[][] {
  const out: string[][] = [];
  for (let i = 0; i <= text.length; i++) out.push([text.slice(0, i), text.slice(i)]);
  return out;
}

describe('CsvRecordScanner', () => {
  it('counts plain records and stops after maxRecords', () => {
    const s = new CsvRecordScanner();
    const buf = Buffer.from('1,a\n2,b\n3,c\n');
    expect(s.scan(buf, 0, 2)).toEqual({ records: 2, end: 8 });
    expect(s.scan(buf, 8, 2)).toEqual({ records: 1, end: 12 });
    expect(s.midRecord).toBe(false);
  });

  it('does not end a record at a newline inside quotes', () => {
    const s = new CsvRecordScanner();
    const buf = Buffer.from('1,"line\nbreak"\n2,"x"\n');
    expect(s.scan(buf, 0, 10)).toEqual({ records: 2, end: buf.length });
  });

  it('treats "" as an escaped quote, also right before a newline', () => {
    const text = '1,"say ""hi""\n"\n2,""\n3,"a""\n""b"\n4,"""",x\n';
    expect(split([text], 1).groups).toEqual(['1,"say ""hi""\n"\n', '2,""\n', '3,"a""\n""b"\n', '4,"""",x\n']);
  });

  it('keeps the quote state across chunk boundaries at every cut position', () => {
    const text = '1,"a\nb",""""\n2,"c,""d""\ne"\n3,plain\n4,"\n"\n';
    const want = ['1,"a\nb",""""\n2,"c,""d""\ne"\n', '3,plain\n4,"\n"\n'];
    for (const chunks of allCuts(text)) {
      expect(split(chunks, 2)).toEqual({ groups: want, counts: [2, 2] });
    }
    // Three-way cuts, including a cut between the two quotes of an escaped pair.
    for (let i = 0; i < text.length; i++) {
      for (let j = i; j <= text.length; j++) {
        const { groups } = split([text.slice(0, i), text.slice(i, j), text.slice(j)], 1);
        expect(groups).toEqual(['1,"a\nb",""""\n', '2,"c,""d""\ne"\n', '3,plain\n', '4,"\n"\n']);
      }
    }
  });

  it('handles multi-byte UTF-8 split across chunks (it only looks at ASCII bytes)', () => {
    const text = Buffer.from('1,"日本\n語"\n2,✓\n');
    // Cut inside the three-byte 日 and inside ✓: boundaries depend only on the ASCII bytes.
    for (const cut of [4, text.length - 2]) {
      const s = new CsvRecordScanner();
      const a = s.scan(text.subarray(0, cut), 0, 10);
      const b = s.scan(text.subarray(cut), 0, 10);
      expect(a.records + b.records).toBe(2);
      expect(s.midRecord).toBe(false);
    }
  });

  it('reports a trailing record without a newline', () => {
    const { counts } = split(['1,a\n2,"b\n', 'c"'], 10);
    expect(counts).toEqual([2]);
  });

  it('ignores \\r (CRLF line ends count once)', () => {
    expect(split(['1,a\r\n2,"b\r\nc"\r\n'], 1).groups).toEqual(['1,a\r\n', '2,"b\r\nc"\r\n']);
  });
});
