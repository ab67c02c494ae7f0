/**
 * Branches and tags through the real binary: the write-audit-publish flow (branch from main, load
 * into the branch, main unchanged, query at the branch, fast-forward main), tags as fixed points for
 * time travel, a refused fast-forward of diverged branches, and errors that name the ref.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { type LakeRun, lakeJson, runLake, workspace } from '../helpers/cli.js';

interface Ref {
  name: string;
  type: string;
  snapshotId: string;
  maxRefAgeMs: number | null;
  maxSnapshotAgeMs: number | null;
  minSnapshotsToKeep: number | null;
}

interface History {
  branch: string;
  snapshots: { snapshotId: string; current: boolean; currentAncestor: boolean; branches: string[] }[];
}

describe('lake table branch|tag|refs|drop-ref|fast-forward', () => {
  let cwd: string;
  const count = async (table: string, at = ''): Promise<number> => {
    const q = await lakeJson<{ rows: number[][] }>(['query', `select count(*) from ${table} ${at}`], { cwd });
    return q.rows[0]![0]!;
  };
  const refs = async (table: string) =>
    (await lakeJson<{ refs: Ref[] }>(['table', 'refs', table], { cwd })).refs;
  const jsonError = (r: LakeRun) =>
    (JSON.parse(r.stderr) as { error: { code: string; message: string } }).error;

  beforeAll(() => {
    cwd = workspace('warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n');
    writeFileSync(join(cwd, 'a.csv'), 'id,region\n1,west\n2,east\n3,west\n');
    writeFileSync(join(cwd, 'b.csv'), 'id,region\n4,south\n');
    writeFileSync(join(cwd, 'c.csv'), 'id,region\n5,north\n6,north\n');
  });

  it('write-audit-publish: load into a branch, audit it there, fast-forward main', async () => {
    const first = await lakeJson(['load', 'a.csv', '--table', 'sales.orders'], { cwd });
    const branch = await lakeJson<{ ref: Ref }>(['table', 'branch', 'sales.orders', 'audit'], { cwd });
    expect(branch.ref).toEqual({
      name: 'audit',
      type: 'branch',
      snapshotId: first['snapshotId'],
      maxRefAgeMs: null,
      maxSnapshotAgeMs: null,
      minSnapshotsToKeep: null,
    });

    const staged = await lakeJson(['load', 'b.csv', '--table', 'sales.orders', '--branch', 'audit'], { cwd });
    expect(staged).toMatchObject({ branch: 'audit', rows: 1, totalRecords: 4 });
    const text = await runLake(['load', 'c.csv', '--table', 'sales.orders', '--branch', 'audit'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/loaded 2 rows into sales\.orders \(branch audit\)/);

    // Main is untouched; the branch has the new rows.
    expect(await count('sales.orders')).toBe(3);
    expect(await count('sales.orders', "AT (VERSION => 'audit')")).toBe(6);
    const audited = await lakeJson<{ rows: unknown[][] }>(
      [
        'query',
        "select b.id, b.region from sales.orders b AT (VERSION => 'audit') anti join sales.orders m on b.id = m.id order by 1",
      ],
      { cwd },
    );
    expect(audited.rows).toEqual([
      [4, 'south'],
      [5, 'north'],
      [6, 'north'],
    ]);
    const show = await lakeJson<{ currentSnapshot: { snapshotId: string } }>(
      ['table', 'show', 'sales.orders'],
      {
        cwd,
      },
    );
    expect(show.currentSnapshot.snapshotId).toBe(first['snapshotId']);

    // History of main marks the branch's snapshots as on the branch, not as rolled back.
    const h = await lakeJson<History>(['table', 'history', 'sales.orders'], { cwd });
    expect(h.branch).toBe('main');
    expect(h.snapshots.map((s) => [s.current, s.currentAncestor, s.branches])).toEqual([
      [true, true, ['main', 'audit']],
      [false, false, ['audit']],
      [false, false, ['audit']],
    ]);
    const ht = await runLake(['table', 'history', 'sales.orders'], { cwd });
    expect(ht.stdout).toMatch(/\(on audit\)/);
    expect(ht.stdout).not.toMatch(/rolled back/);
    const hb = await lakeJson<History>(['table', 'history', 'sales.orders', '--branch', 'audit'], { cwd });
    expect(hb.snapshots.map((s) => [s.current, s.currentAncestor])).toEqual([
      [false, true],
      [false, true],
      [true, true],
    ]);

    const ff = await lakeJson(['table', 'fast-forward', 'sales.orders', '--to', 'audit'], { cwd });
    const head = (await refs('sales.orders')).find((r) => r.name === 'audit')!.snapshotId;
    expect(ff).toEqual({
      table: 'sales.orders',
      branch: 'main',
      to: 'audit',
      from: first['snapshotId'],
      snapshotId: head,
      changed: true,
    });
    expect(await count('sales.orders')).toBe(6);
    const after = await lakeJson<History>(['table', 'history', 'sales.orders'], { cwd });
    expect(after.snapshots.map((s) => s.current)).toEqual([false, false, true]);
    expect((await lakeJson(['table', 'show', 'sales.orders'], { cwd }))['currentSnapshot']).toMatchObject({
      snapshotId: head,
    });
    // Again: nothing to do, nothing committed.
    expect(await lakeJson(['table', 'fast-forward', 'sales.orders', '--to', 'audit'], { cwd })).toMatchObject(
      {
        changed: false,
      },
    );

    // The branch is dropped once published; its snapshots stay (main has them).
    const dropped = await runLake(['table', 'drop-ref', 'sales.orders', 'audit'], { cwd });
    expect(dropped.code).toBe(0);
    expect(dropped.stderr).toMatch(/dropped branch audit of sales\.orders/);
    expect((await refs('sales.orders')).map((r) => r.name)).toEqual(['main']);
    expect(await count('sales.orders')).toBe(6);
  });

  it('a tag pins a snapshot: queries at it keep the old rows', async () => {
    const tag = await lakeJson<{ ref: Ref }>(
      ['table', 'tag', 'sales.orders', 'v1', '--max-ref-age-ms', '86400000'],
      { cwd },
    );
    expect(tag.ref).toMatchObject({ name: 'v1', type: 'tag', maxRefAgeMs: 86_400_000 });
    await lakeJson(['load', 'b.csv', '--table', 'sales.orders'], { cwd });
    expect(await count('sales.orders')).toBe(7);
    expect(await count('sales.orders', "AT (VERSION => 'v1')")).toBe(6);
    // Snapshot ids still work as numbers; a tag on an older snapshot by id.
    const first = (await lakeJson<History>(['table', 'history', 'sales.orders'], { cwd })).snapshots[0]!;
    expect(await count('sales.orders', `AT (VERSION => ${first.snapshotId})`)).toBe(3);
    await lakeJson(['table', 'tag', 'sales.orders', 'initial', '--snapshot', first.snapshotId], { cwd });
    const q = await lakeJson<{ rows: unknown[][] }>(
      [
        'query',
        "select (select count(*) from sales.orders AT (VERSION => 'initial')), (select count(*) from sales.orders AT (VERSION => 'v1')), (select count(*) from sales.orders)",
      ],
      { cwd },
    );
    expect(q.rows).toEqual([[3, 6, 7]]);

    const list = await refs('sales.orders');
    expect(list.map((r) => [r.name, r.type])).toEqual([
      ['main', 'branch'],
      ['initial', 'tag'],
      ['v1', 'tag'],
    ]);
    expect(list.find((r) => r.name === 'initial')!.snapshotId).toBe(first.snapshotId);
    const text = await runLake(['table', 'refs', 'sales.orders'], { cwd });
    expect(text.stdout.split('\n')[0]).toMatch(/^name\s+type\s+snapshot_id\s+max_ref_age_ms/);
    expect(text.stdout).toMatch(/v1\s+tag\s+\d+\s+86400000/);

    // A tag cannot be loaded into.
    const intoTag = await runLake(['--json', 'load', 'b.csv', '--table', 'sales.orders', '--branch', 'v1'], {
      cwd,
    });
    expect(intoTag.code).toBe(1);
    expect(jsonError(intoTag).message).toMatch(/v1 is a tag of table sales\.orders, not a branch/);
  });

  it('a branch with retention settings; replace on a branch leaves main alone', async () => {
    const b = await lakeJson<{ ref: Ref }>(
      [
        'table',
        'branch',
        'sales.orders',
        'rework',
        '--max-ref-age-ms',
        '1000000',
        '--max-snapshot-age-ms',
        '2000000',
        '--min-snapshots-to-keep',
        '3',
      ],
      { cwd },
    );
    expect(b.ref).toMatchObject({
      maxRefAgeMs: 1_000_000,
      maxSnapshotAgeMs: 2_000_000,
      minSnapshotsToKeep: 3,
    });
    const r = await lakeJson(
      ['load', 'b.csv', '--table', 'sales.orders', '--branch', 'rework', '--mode', 'replace'],
      { cwd },
    );
    expect(r).toMatchObject({ branch: 'rework', mode: 'replace', totalRecords: 1 });
    expect(await count('sales.orders', "AT (VERSION => 'rework')")).toBe(1);
    expect(await count('sales.orders')).toBe(7);
    // Commits kept the retention settings.
    expect((await refs('sales.orders')).find((x) => x.name === 'rework')).toMatchObject({
      snapshotId: r['snapshotId'],
      minSnapshotsToKeep: 3,
    });
  });

  it('refuses to fast-forward diverged branches, naming both', async () => {
    await lakeJson(['table', 'branch', 'sales.orders', 'dev'], { cwd });
    await lakeJson(['load', 'c.csv', '--table', 'sales.orders', '--branch', 'dev'], { cwd });
    const mainHead = await lakeJson(['load', 'c.csv', '--table', 'sales.orders'], { cwd });
    const r = await runLake(['--json', 'table', 'fast-forward', 'sales.orders', '--to', 'dev'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stdout).toBe('');
    const error = jsonError(r);
    expect(error.code).toBe('commit_conflict');
    expect(error.message).toMatch(
      /cannot fast-forward main to dev: main's head \d+ is not an ancestor of dev's head \d+/,
    );
    expect((await lakeJson(['table', 'show', 'sales.orders'], { cwd }))['currentSnapshot']).toMatchObject({
      snapshotId: mainHead['snapshotId'],
    });
    // The other way round it is a fast-forward only if dev is behind main: it is not either.
    const back = await runLake(['table', 'fast-forward', 'sales.orders', '--branch', 'dev', '--to', 'main'], {
      cwd,
    });
    expect(back.code).toBe(1);
    expect(back.stderr).toMatch(/dev's head \d+ is not an ancestor of main's head/);
  });

  it('errors exit 1 (2 for usage) and name the ref', async () => {
    const cases: [string[], number, RegExp][] = [
      [['load', 'b.csv', '--table', 'sales.orders', '--branch', 'nope'], 1, /no branch named nope/],
      [['load', 'b.csv', '--table', 'sales.missing', '--branch', 'nope'], 1, /sales\.missing does not exist/],
      [
        ['query', "select * from sales.orders AT (VERSION => 'nope')"],
        1,
        /sales\.orders has no branch or tag named nope/,
      ],
      [['table', 'drop-ref', 'sales.orders', 'nope'], 1, /sales\.orders has no branch or tag named nope/],
      [['table', 'fast-forward', 'sales.orders', '--to', 'nope'], 1, /no branch or tag named nope/],
      [['table', 'branch', 'sales.orders', 'dev'], 1, /already has a branch named dev/],
      [['table', 'tag', 'sales.orders', 'dev'], 1, /already has a branch named dev/],
      [['table', 'tag', 'sales.orders', 'v2', '--snapshot', '42'], 1, /sales\.orders has no snapshot 42/],
      [['table', 'history', 'sales.orders', '--branch', 'nope'], 1, /no branch or tag named nope/],
      [
        ['table', 'drop-ref', 'sales.orders', 'main'],
        2,
        /main branch of table sales\.orders cannot be dropped/,
      ],
      [['table', 'branch', 'sales.orders', 'main'], 2, /main is reserved/],
      [['table', 'branch', 'sales.orders', 'a/b'], 2, /invalid branch or tag name "a\/b"/],
      [['table', 'branch', 'sales.orders', 'x', '--min-snapshots-to-keep', '0'], 2, /positive integer/],
      [['table', 'fast-forward', 'sales.orders', '--branch', 'v1', '--to', 'dev'], 2, /v1 is a tag/],
    ];
    for (const [args, code, message] of cases) {
      const r = await runLake(args, { cwd });
      expect({ args, code: r.code, stdout: r.stdout }).toEqual({ args, code, stdout: '' });
      expect(r.stderr).toMatch(message);
    }
    const dup = await runLake(['--json', 'table', 'branch', 'sales.orders', 'dev'], { cwd });
    expect(jsonError(dup).code).toBe('ref_already_exists');
    // Nothing above changed the refs.
    expect((await refs('sales.orders')).map((r) => r.name)).toEqual([
      'main',
      'dev',
      'initial',
      'rework',
      'v1',
    ]);
  });
});
