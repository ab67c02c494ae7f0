import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { StagedBatch } from '@lakekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { csvHeader, stageCsv } from './stage-csv.js';

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function* chunks(parts: string[]): AsyncGenerator<Buffer> {
  for (const p of parts) yield Buffer.from(p, 'utf8');
}

async function stage(parts: string[], batchRows: number): Promise<StagedBatch[]> {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-stage-'));
  dirs.push(dir);
  const out: StagedBatch[] = [];
  for await (const b of stageCsv(chunks(parts), { dir, prefix: 's-', columns: ['id', 'note'], batchRows }))
    out.push(b);
  return out;
}

describe('stageCsv', () => {
  it('cuts files at record boundaries, each with the header, never inside a quoted newline', async () => {
    const batches = await stage(['1,"a\n', 'b"\n2,x\n3,"""q', '"""\n4,', '\n5,"\n"\n'], 2);
    expect(batches.map((b) => b.rows)).toEqual([2, 2, 1]);
    expect(batches.map((b) => readFileSync(b.path, 'utf8'))).toEqual([
      '"id","note"\n1,"a\nb"\n2,x\n',
      '"id","note"\n3,"""q"""\n4,\n',
      '"id","note"\n5,"\n"\n',
    ]);
    for (const b of batches) {
      expect(b.format).toBe('csv');
      expect(b.columns).toEqual(['id', 'note']);
      expect(b.bytes).toBe(readFileSync(b.path).length);
    }
  });

  it('stages nothing for an empty stream and no empty trailing file after an exact multiple', async () => {
    expect(await stage([], 10)).toEqual([]);
    expect((await stage(['1,a\n2,b\n'], 2)).map((b) => b.rows)).toEqual([2]);
  });

  it('quotes header names', () => {
    expect(csvHeader(['a', 'b,"c"']).toString()).toBe('"a","b,""c"""\n');
  });
});
