import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { IcebergType } from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { explainStagedError, type StagedColumn, stagedSelectSql } from './staging.js';

let engine: Engine;
const dir = mkdtempSync(join(tmpdir(), 'lakekit-staging-'));
beforeAll(async () => {
  engine = await openEngine();
});
afterAll(() => engine.close());

const t = (kind: string): IcebergType => ({ kind }) as IcebergType;
const columns: StagedColumn[] = [
  { name: 'id', type: t('long') },
  { name: 'name', type: t('string') },
  { name: 'amount', type: { kind: 'decimal', precision: 12, scale: 2 } },
  { name: 'ok', type: t('boolean') },
  { name: 'ts', type: t('timestamptz') },
  { name: 'local', type: t('timestamp') },
  { name: 'x', type: t('double') },
  { name: 'bin', type: t('binary') },
  { name: 'tags', type: { kind: 'list', elementId: 9, elementRequired: false, element: t('string') } },
  { name: 'u', type: t('uuid') },
];
const names = columns.map((c) => c.name);

describe('staged CSV', () => {
  it('converts canonical text to exact types; unquoted empty is NULL, "" is the empty string', async () => {
    const path = join(dir, 'a.csv');
    writeFileSync(
      path,
      `${names.join(',')}\n` +
        '1,"a, ""quoted""\nline",12.50,t,2026-01-02 03:04:05.123456+02,2026-01-02 03:04:05,NaN,DEADbeef,"[""x"",""y""]",0190c0de-0000-4000-8000-000000000001\n' +
        '2,"",,f,2026-01-02T00:00:00Z,,-Infinity,,,\n' +
        '3,,,,,,,,,\n',
    );
    const rows = await engine.all(
      `SELECT id, name, CAST(amount AS VARCHAR) a, ok, CAST(ts AS VARCHAR) ts, CAST(local AS VARCHAR) l, CAST(x AS VARCHAR) x, hex(bin) b, tags, CAST(u AS VARCHAR) u FROM (${stagedSelectSql('csv', [path], names, columns)}) ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: '1',
        name: 'a, "quoted"\nline',
        a: '12.50',
        ok: true,
        ts: '2026-01-02 01:04:05.123456+00',
        l: '2026-01-02 03:04:05',
        x: 'nan',
        b: 'DEADBEEF',
        tags: ['x', 'y'],
        u: '0190c0de-0000-4000-8000-000000000001',
      },
      {
        id: '2',
        name: '',
        a: null,
        ok: false,
        ts: '2026-01-02 00:00:00+00',
        l: null,
        x: '-inf',
        b: null,
        tags: null,
        u: null,
      },
      { id: '3', name: null, a: null, ok: null, ts: null, l: null, x: null, b: null, tags: null, u: null },
    ]);
  });

  it('names the column and value that do not fit, and refuses infinite timestamps', async () => {
    const path = join(dir, 'bad.csv');
    writeFileSync(path, 'id,amount\n1,1.5\n2,12345678901234\n');
    const cols: StagedColumn[] = [columns[0]!, columns[2]!];
    const sql = stagedSelectSql('csv', [path], ['id', 'amount'], cols);
    const err = await engine.all(sql).then(
      () => undefined,
      (e: unknown) => explainStagedError(engine, 'stream public.t', 'csv', [path], ['id', 'amount'], cols, e),
    );
    expect(err?.message).toMatch(
      /stream public\.t, column amount: value '12345678901234' does not fit type decimal\(12, ?2\)/,
    );

    const inf = join(dir, 'inf.csv');
    writeFileSync(inf, 'local\ninfinity\n');
    await expect(engine.all(stagedSelectSql('csv', [inf], ['local'], [columns[5]!]))).rejects.toThrow(
      /outside the range of timestamp/,
    );
  });
});

describe('staged JSONL', () => {
  it('reads JSON values: strings, numbers, booleans, nested arrays; objects in string columns keep their JSON', async () => {
    const path = join(dir, 'a.jsonl');
    writeFileSync(
      path,
      '{"id": 1, "name": {"first": "Ann"}, "amount": "3.10", "ok": true, "ts": "2026-01-02T03:04:05Z", "tags": ["a"], "x": 1.5}\n{"id": 2, "amount": 4, "ok": null}\n',
    );
    const rows = await engine.all(
      `SELECT id, name, CAST(amount AS VARCHAR) a, ok, CAST(ts AS VARCHAR) ts, tags, x FROM (${stagedSelectSql('jsonl', [path], names, columns)}) ORDER BY id`,
    );
    expect(rows).toEqual([
      {
        id: '1',
        name: '{"first":"Ann"}',
        a: '3.10',
        ok: true,
        ts: '2026-01-02 03:04:05+00',
        tags: ['a'],
        x: 1.5,
      },
      { id: '2', name: null, a: '4.00', ok: null, ts: null, tags: null, x: null },
    ]);
  });
});
