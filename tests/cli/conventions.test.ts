/**
 * The CLI's conventions and table operations through the real binary: results on stdout only,
 * `--json` documents, big integers and decimals as strings, history, time travel by snapshot id and
 * by timestamp, atomic replace, rollback, namespaces.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, repoRoot, runLake, workspace } from '../helpers/cli.js';

interface History {
  snapshots: {
    snapshotId: string;
    timestamp: string;
    operation: string;
    totalRecords: number;
    current: boolean;
  }[];
}

describe('lake CLI conventions', () => {
  let cwd: string;
  beforeAll(() => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    writeFileSync(join(cwd, 'a.csv'), 'id,region,amount\n1,west,10.50\n2,east,3.25\n3,west,1.00\n');
    writeFileSync(join(cwd, 'b.csv'), 'id,region,amount\n4,south,2.00\n');
  });

  it('installs node_modules/.bin/lake', () => {
    expect(existsSync(join(repoRoot, 'node_modules', '.bin', 'lake'))).toBe(true);
  });

  it('load, history, query, time travel, replace, rollback', async () => {
    const first = await runLake(['load', 'a.csv', '--table', 'sales.orders'], { cwd });
    expect(first.code).toBe(0);
    expect(first.stdout).toMatch(/3 rows into sales\.orders/);
    const second = await lakeJson(['load', 'b.csv', '--table', 'sales.orders'], { cwd });
    expect(second).toMatchObject({
      table: 'sales.orders',
      created: false,
      mode: 'append',
      rows: 1,
      totalRecords: 4,
    });
    expect(typeof second['snapshotId']).toBe('string');

    const q = await lakeJson<{ columns: unknown; rows: unknown }>(
      ['query', 'select region, count(*) as n, sum(amount) as total from sales.orders group by 1 order by 1'],
      { cwd },
    );
    expect(q.columns).toEqual([
      { name: 'region', type: 'VARCHAR' },
      { name: 'n', type: 'BIGINT' },
      { name: 'total', type: 'DOUBLE' },
    ]);
    expect(q.rows).toEqual([
      ['east', 1, 3.25],
      ['south', 1, 2],
      ['west', 2, 11.5],
    ]);

    const h = await lakeJson<History>(['table', 'history', 'sales.orders'], { cwd });
    expect(h.snapshots.map((s) => [s.operation, s.totalRecords, s.current])).toEqual([
      ['append', 3, false],
      ['append', 4, true],
    ]);
    const [s1, s2] = h.snapshots;
    const atVersion = await lakeJson<{ rows: unknown[][] }>(
      ['query', `select count(*) from sales.orders AT (VERSION => ${s1!.snapshotId})`],
      { cwd },
    );
    expect(atVersion.rows).toEqual([[3]]);
    const ts = new Date(Date.parse(s2!.timestamp) - 1).toISOString();
    const atTime = await lakeJson<{ rows: unknown[][] }>(
      ['query', `select count(*) from sales.orders AT (TIMESTAMP => TIMESTAMPTZ '${ts}')`],
      { cwd },
    );
    expect(atTime.rows).toEqual([[3]]);

    const replaced = await lakeJson(['load', 'b.csv', '--table', 'sales.orders', '--mode', 'replace'], {
      cwd,
    });
    expect(replaced).toMatchObject({ mode: 'replace', rows: 1, totalRecords: 1 });
    expect(
      (await lakeJson<{ rows: unknown[][] }>(['query', 'select count(*) from sales.orders'], { cwd })).rows,
    ).toEqual([[1]]);

    const rb = await lakeJson(['table', 'rollback', 'sales.orders', '--to', s2!.snapshotId], { cwd });
    expect(rb).toMatchObject({ to: s2!.snapshotId });
    expect(
      (await lakeJson<{ rows: unknown[][] }>(['query', 'select count(*) from sales.orders'], { cwd })).rows,
    ).toEqual([[4]]);
    const after = await lakeJson<History>(['table', 'history', 'sales.orders'], { cwd });
    expect(after.snapshots.map((s) => [s.operation, s.current])).toEqual([
      ['append', false],
      ['append', true],
      ['overwrite', false],
    ]);
  });

  it('prints big integers as JSON strings and keeps 63-bit ids exact', async () => {
    const q = await lakeJson<{ rows: unknown[][] }>(
      [
        'query',
        'select 9223372036854775807::BIGINT as big, 42::BIGINT as small, 1.50::DECIMAL(5,2) as d from sales.orders limit 1',
      ],
      { cwd },
    );
    expect(q.rows).toEqual([['9223372036854775807', 42, '1.50']]);
  });

  it('concurrent loads into one table from several processes all land (appends are rebased)', async () => {
    for (let i = 0; i < 4; i++) writeFileSync(join(cwd, `c${i}.csv`), `id,v\n${i},${i * 10}\n${i + 100},1\n`);
    await lakeJson(['load', 'c0.csv', '--table', 'sales.concurrent'], { cwd });
    const runs = await Promise.all(
      [1, 2, 3, 1, 2, 3].map((i) => runLake(['load', `c${i}.csv`, '--table', 'sales.concurrent'], { cwd })),
    );
    expect(runs.map((r) => r.code)).toEqual([0, 0, 0, 0, 0, 0]);
    const h = await lakeJson<History>(['table', 'history', 'sales.concurrent'], { cwd });
    expect(h.snapshots).toHaveLength(7);
    const q = await lakeJson<{ rows: unknown[][] }>(
      ['query', 'select count(*), sum(v) from sales.concurrent'],
      { cwd },
    );
    expect(q.rows).toEqual([[14, 1 + 2 * (11 + 21 + 31)]]);
  });

  it('manages namespaces', async () => {
    expect((await runLake(['namespace', 'create', 'staging'], { cwd })).code).toBe(0);
    expect((await lakeJson<{ namespaces: string[] }>(['namespace', 'list'], { cwd })).namespaces).toEqual([
      'sales',
      'staging',
    ]);
    const again = await runLake(['--json', 'namespace', 'create', 'staging'], { cwd });
    expect(again.code).toBe(1);
    expect(JSON.parse(again.stderr).error.code).toBe('namespace_already_exists');
    const notEmpty = await runLake(['namespace', 'drop', 'sales'], { cwd });
    expect(notEmpty.code).toBe(1);
    expect(notEmpty.stderr).toMatch(/not empty/);
    expect((await runLake(['namespace', 'drop', 'staging'], { cwd })).code).toBe(0);
  });

  it('writes nothing but the result to stdout, and help exits 0', async () => {
    const r = await runLake(['table', 'list'], { cwd });
    expect(r.stdout.trim().split('\n').slice(2)).toEqual(['sales.concurrent', 'sales.orders']);
    const help = await runLake(['--help'], { cwd });
    expect(help.code).toBe(0);
    expect(help.stdout).toMatch(/Usage: lake/);
  });

  it('stops quietly, exit 0, when the reader of its output goes away (lake … | head -1)', async () => {
    const r = spawnSync(
      'bash',
      [
        '-c',
        `"${join(repoRoot, 'node_modules', '.bin', 'lake')}" query "select * from range(200000)" | head -1`,
      ],
      {
        cwd,
        encoding: 'utf8',
      },
    );
    expect(r.stdout).toBe('range\n');
    expect(r.stderr).not.toMatch(/EPIPE|Unhandled/);
    // bash reports the pipeline's first command's status in PIPESTATUS; check it directly instead.
    const status = spawnSync(
      'bash',
      [
        '-c',
        `"${join(repoRoot, 'node_modules', '.bin', 'lake')}" query "select * from range(200000)" | head -1 >/dev/null; echo "\${PIPESTATUS[0]}"`,
      ],
      { cwd, encoding: 'utf8' },
    );
    expect(status.stdout.trim()).toBe('0');
  });
});
