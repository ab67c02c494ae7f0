/**
 * Branches and tags across engines: PyIceberg reads a Lakekit table at a Lakekit tag and at a Lakekit
 * branch with exactly the rows written there, and parses the refs (types, retention) as Lakekit wrote
 * them; PyIceberg appends to a Lakekit branch and tags a snapshot, and Lakekit lists, reads and
 * fast-forwards main to them. Local warehouse (no S3 needed).
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, workspace } from '../helpers/cli.js';
import { runPython } from '../helpers/peers.js';

const peer = join(import.meta.dirname, '..', 'peers', 'pyiceberg_peer.py');

interface PeerRef {
  snapshot_id: string;
  type: string;
  max_ref_age_ms: number | null;
  max_snapshot_age_ms: number | null;
  min_snapshots_to_keep: number | null;
}

interface PeerRead {
  columns: string[];
  rows: unknown[][];
  current: string | null;
  refs: Record<string, PeerRef>;
}

const sorted = (rows: unknown[][]) =>
  [...rows].sort((a, b) => JSON.stringify(a).localeCompare(JSON.stringify(b)));

describe('PyIceberg and Lakekit branches and tags', () => {
  let cwd: string;
  let catalog: { name: string; uri: string; warehouse: string };

  beforeAll(() => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    catalog = {
      name: 'lakekit',
      uri: `sqlite:///${join(cwd, 'catalog.db')}`,
      warehouse: `file://${join(cwd, 'warehouse')}`,
    };
  });

  const peerRun = async <T>(command: string, args: Record<string, unknown>): Promise<T> => {
    const r = await runPython(peer, [command, JSON.stringify({ catalog, ...args })]);
    if (r.code !== 0) throw new Error(`PyIceberg ${command} failed: ${r.stderr}`);
    return JSON.parse(r.stdout) as T;
  };
  const read = (table: string, ref?: string) =>
    peerRun<PeerRead>('read', { table, ...(ref !== undefined ? { ref } : {}) });
  const csv = (name: string, text: string) => {
    writeFileSync(join(cwd, name), text);
    return name;
  };

  const count = async (table: string, at = ''): Promise<number> =>
    (await lakeJson<{ rows: number[][] }>(['query', `select count(*) from ${table} ${at}`], { cwd }))
      .rows[0]![0]!;

  it('PyIceberg reads at a Lakekit tag and at a Lakekit branch, exactly', async () => {
    const first = await lakeJson(
      ['load', csv('p1.csv', 'id,name\n1,ann\n2,bob\n'), '--table', 'wap.people'],
      {
        cwd,
      },
    );
    await lakeJson(['table', 'tag', 'wap.people', 'v1', '--max-ref-age-ms', '604800000'], { cwd });
    await lakeJson(
      [
        'table',
        'branch',
        'wap.people',
        'audit',
        '--max-snapshot-age-ms',
        '3600000',
        '--min-snapshots-to-keep',
        '2',
      ],
      { cwd },
    );
    const staged = await lakeJson(
      ['load', csv('p2.csv', 'id,name\n3,cy\n4,dee\n'), '--table', 'wap.people', '--branch', 'audit'],
      { cwd },
    );
    const last = await lakeJson(['load', csv('p3.csv', 'id,name\n5,eve\n'), '--table', 'wap.people'], {
      cwd,
    });

    const main = await read('wap.people');
    expect(main.current).toBe(String(last['snapshotId']));
    expect(sorted(main.rows)).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
      ['5', 'eve'],
    ]);
    expect(main.refs).toEqual({
      main: {
        snapshot_id: String(last['snapshotId']),
        type: 'branch',
        max_ref_age_ms: null,
        max_snapshot_age_ms: null,
        min_snapshots_to_keep: null,
      },
      v1: {
        snapshot_id: String(first['snapshotId']),
        type: 'tag',
        max_ref_age_ms: 604_800_000,
        max_snapshot_age_ms: null,
        min_snapshots_to_keep: null,
      },
      audit: {
        snapshot_id: String(staged['snapshotId']),
        type: 'branch',
        max_ref_age_ms: null,
        max_snapshot_age_ms: 3_600_000,
        min_snapshots_to_keep: 2,
      },
    });
    expect(sorted((await read('wap.people', 'v1')).rows)).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
    ]);
    expect(sorted((await read('wap.people', 'audit')).rows)).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
      ['3', 'cy'],
      ['4', 'dee'],
    ]);
    // Lakekit's own reads agree.
    expect(await count('wap.people')).toBe(3);
    expect(await count('wap.people', "AT (VERSION => 'v1')")).toBe(2);
    expect(await count('wap.people', "AT (VERSION => 'audit')")).toBe(4);
  });

  it('PyIceberg appends to a Lakekit branch and tags a snapshot; Lakekit reads them and publishes', async () => {
    const first = await lakeJson(
      ['load', csv('o1.csv', 'id,name\n1,ann\n2,bob\n'), '--table', 'wap.orders'],
      {
        cwd,
      },
    );
    await lakeJson(['table', 'branch', 'wap.orders', 'audit'], { cwd });
    const appended = await peerRun<{ snapshot_id: string }>('append', {
      table: 'wap.orders',
      rows: [{ id: 3, name: 'cy' }],
      branch: 'audit',
    });
    await peerRun('tag', { table: 'wap.orders', name: 'py-v1', snapshot_id: String(first['snapshotId']) });

    const refs = await lakeJson<{ refs: { name: string; type: string; snapshotId: string }[] }>(
      ['table', 'refs', 'wap.orders'],
      { cwd },
    );
    expect(refs.refs.map((r) => [r.name, r.type, r.snapshotId])).toEqual([
      ['main', 'branch', String(first['snapshotId'])],
      ['audit', 'branch', appended.snapshot_id],
      ['py-v1', 'tag', String(first['snapshotId'])],
    ]);
    expect(await count('wap.orders')).toBe(2);
    expect(await count('wap.orders', "AT (VERSION => 'py-v1')")).toBe(2);
    const atBranch = await lakeJson<{ rows: unknown[][] }>(
      ['query', "select id, name from wap.orders AT (VERSION => 'audit') order by id"],
      { cwd },
    );
    expect(atBranch.rows).toEqual([
      [1, 'ann'],
      [2, 'bob'],
      [3, 'cy'],
    ]);

    // PyIceberg's branch commit descends from main: Lakekit fast-forwards main to it.
    const ff = await lakeJson(['table', 'fast-forward', 'wap.orders', '--to', 'audit'], { cwd });
    expect(ff).toMatchObject({ changed: true, snapshotId: appended.snapshot_id });
    const after = await read('wap.orders');
    expect(after.current).toBe(appended.snapshot_id);
    expect(sorted(after.rows)).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
      ['3', 'cy'],
    ]);
    expect(sorted((await read('wap.orders', 'py-v1')).rows)).toEqual([
      ['1', 'ann'],
      ['2', 'bob'],
    ]);
  });
});
