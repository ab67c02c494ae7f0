/**
 * Table maintenance through the real `lake` binary: expire (dry run and real), compact, rewrite
 * manifests, remove orphans and a configured `maintain` policy — exit codes, `--json` documents,
 * and the table reading the same rows after every step.
 */
import { utimesSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

// Receipts of the row-count queries below keep nothing: these tests are about expiry itself
// (tests/query/cli.test.ts shows receipts keeping their snapshots).
const config = `warehouse: ./warehouse
catalog:
  uri: sqlite:./catalog.db
query:
  receipt_retention: 0s
maintenance:
  defaults:
    orphan_older_than: 3d
  tables:
    sales.policy:
      expire_older_than: 0m
      retain_last: 1
      rewrite_manifests_at: 2
      target_file_size: 64MB
`;

interface ExpireDoc {
  table: string;
  dryRun: boolean;
  removedSnapshots: string[];
  removedRefs: string[];
  keptSnapshots: number;
  deleted: Record<string, number>;
  files: string[];
  failedFiles: string[];
}

describe('lake table maintenance commands', () => {
  let cwd: string;
  const count = async (table: string) =>
    (await lakeJson<{ rows: unknown[][] }>(['query', `select count(*), sum(v) from ${table}`], { cwd })).rows;
  const history = async (table: string) =>
    (await lakeJson<{ snapshots: unknown[] }>(['table', 'history', table], { cwd })).snapshots.length;

  beforeAll(async () => {
    cwd = workspace(config);
    for (let i = 0; i < 6; i++) writeFileSync(join(cwd, `p${i}.csv`), `id,v\n${i},${i * 10}\n${i + 100},1\n`);
    for (const table of ['sales.orders', 'sales.policy'])
      for (let i = 0; i < 6; i++) await lakeJson(['load', `p${i}.csv`, '--table', table], { cwd });
  });

  it('expire --dry-run lists, compact and rewrite-manifests shrink, expire deletes; rows stay', async () => {
    const rows = await count('sales.orders');
    const dry = await lakeJson<ExpireDoc>(
      ['table', 'expire', 'sales.orders', '--older-than', '0m', '--retain-last', '2', '--dry-run'],
      { cwd },
    );
    expect(dry).toMatchObject({ table: 'sales.orders', dryRun: true, removedRefs: [], keptSnapshots: 2 });
    expect(dry.removedSnapshots).toHaveLength(4);
    expect(typeof dry.removedSnapshots[0]).toBe('string');
    expect(dry.deleted).toEqual({
      manifestLists: 4,
      manifests: 0,
      dataFiles: 0,
      deleteFiles: 0,
      statisticsFiles: 0,
    });
    expect(dry.files).toHaveLength(4);
    expect(await history('sales.orders')).toBe(6);

    const compact = await lakeJson(['table', 'compact', 'sales.orders'], { cwd });
    expect(compact).toMatchObject({
      table: 'sales.orders',
      rewrittenDataFiles: 6,
      addedDataFiles: 1,
      rows: 12,
    });
    expect(typeof compact['snapshotId']).toBe('string');
    const rewrite = await lakeJson(['table', 'rewrite-manifests', 'sales.orders'], { cwd });
    expect(rewrite).toMatchObject({ manifestsBefore: 7, manifestsAfter: 1, addedManifests: 1 });
    expect(await count('sales.orders')).toEqual(rows);

    const text = await runLake(['table', 'expire', 'sales.orders', '--older-than', '0m'], { cwd });
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(
      /^expired 7 snapshot\(s\) of sales\.orders, 1 kept; deleted \d+ file\(s\): 6 data/,
    );
    expect(await history('sales.orders')).toBe(1);
    expect(await count('sales.orders')).toEqual(rows);
  });

  it('remove-orphans deletes only unreferenced files older than the window', async () => {
    const stray = join(cwd, 'warehouse', 'sales.db', 'orders', 'data', 'stray.parquet');
    writeFileSync(stray, 'not parquet');
    const young = await lakeJson<{ orphanFiles: string[]; recentFiles: number }>(
      ['table', 'remove-orphans', 'sales.orders'],
      { cwd },
    );
    expect(young).toMatchObject({ orphanFiles: [], recentFiles: 1 });
    const old = (Date.now() - 4 * 86_400_000) / 1000;
    utimesSync(stray, old, old);
    const dry = await lakeJson<{ orphanFiles: string[]; dryRun: boolean }>(
      ['table', 'remove-orphans', 'sales.orders', '--dry-run'],
      { cwd },
    );
    expect(dry.dryRun).toBe(true);
    expect(dry.orphanFiles).toEqual([`file://${stray}`]);
    const done = await lakeJson<{ orphanFiles: string[]; referencedFiles: number }>(
      ['table', 'remove-orphans', 'sales.orders', '--older-than', '1h'],
      { cwd },
    );
    expect(done.orphanFiles).toEqual([`file://${stray}`]);
    expect(done.referencedFiles).toBeGreaterThan(0);
    expect((await count('sales.orders'))[0]).toEqual([12, 1 + 10 * 15 + 5]);
  });

  it('maintain runs the configured policy and prints one JSON document', async () => {
    const rows = await count('sales.policy');
    const r = await runLake(['--json', 'table', 'maintain', 'sales.policy'], { cwd });
    expect(r.code).toBe(0);
    const doc = JSON.parse(r.stdout);
    expect(doc.policy).toEqual({
      orphanOlderThanMs: 3 * 86_400_000,
      expireOlderThanMs: 0,
      retainLast: 1,
      rewriteManifestsAt: 2,
      targetFileSizeBytes: 64 * 1024 * 1024,
    });
    expect(doc.expire.removedSnapshots).toHaveLength(5);
    expect(doc.compact).toMatchObject({ rewrittenDataFiles: 6, addedDataFiles: 1 });
    expect(doc.manifestCount).toBe(7);
    expect(doc.rewriteManifests).toMatchObject({ manifestsAfter: 1 });
    expect(doc.removeOrphans).toMatchObject({ dryRun: false, orphanFiles: [] });
    expect(await count('sales.policy')).toEqual(rows);
  });

  it('reports bad options and configuration with exit code 2, missing tables with 1', async () => {
    const bad = await runLake(['--json', 'table', 'expire', 'sales.orders', '--older-than', '7 days'], {
      cwd,
    });
    expect(bad.code).toBe(2);
    expect(JSON.parse(bad.stderr).error).toMatchObject({ code: 'usage' });
    expect(JSON.parse(bad.stderr).error.message).toMatch(/--older-than: invalid duration "7 days"/);
    const size = await runLake(['table', 'compact', 'sales.orders', '--target-file-size', 'big'], { cwd });
    expect(size.code).toBe(2);
    const missing = await runLake(['--json', 'table', 'compact', 'sales.nope'], { cwd });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stderr).error.code).toBe('table_not_found');

    const broken = workspace('maintenance:\n  tables:\n    sales.orders:\n      expire_older_than: 7days\n');
    const cfg = await runLake(['--json', 'table', 'list'], { cwd: broken });
    expect(cfg.code).toBe(2);
    expect(JSON.parse(cfg.stderr).error).toMatchObject({ code: 'config_invalid' });
    expect(JSON.parse(cfg.stderr).error.message).toMatch(
      /maintenance\.tables\.sales\.orders\.expire_older_than: invalid duration "7days"/,
    );
  });
});
