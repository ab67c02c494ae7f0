/**
 * Crash safety: `lake run` killed with SIGKILL at random moments (and at each named point of a
 * stream). After each kill the table is exactly the old or the new state, never between; the stored
 * cursor is never ahead of the data (it names the snapshot main points at); a rerun makes the table
 * equal the source, with no duplicate keys.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, repoRoot, runLake, workspace } from '../helpers/cli.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];
const TRIALS = 20;

describe('crash safety of lake run (kill -9)', () => {
  if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');
  const db = `lk_crash_${process.pid}_${Date.now() % 100000}`;
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  const dbUrl = url.toString();
  let admin: pg.Client;
  let src: pg.Client;
  let cwd: string;
  const env = () => ({ CRM_URL: dbUrl });
  const cols = 'id, name, amount, updated_at';

  async function sourceRows(): Promise<string[]> {
    const r = await src.query(
      `SELECT id::text, name, amount::text, to_char(updated_at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS') AS u FROM items ORDER BY items.id`,
    );
    return r.rows.map((row) => JSON.stringify([row.id, row.name, row.amount, row.u]));
  }
  async function tableRows(): Promise<string[]> {
    const r = await runLake(['--json', 'query', `SELECT ${cols} FROM shop.items ORDER BY id`], {
      cwd,
      env: env(),
    });
    if (r.code !== 0) {
      if (/does not exist/.test(r.stderr)) return [];
      throw new Error(r.stderr);
    }
    const q = JSON.parse(r.stdout) as { rows: unknown[][] };
    return q.rows.map((row) =>
      JSON.stringify([
        String(row[0]),
        row[1],
        row[2] === null ? null : String(row[2]),
        String(row[3]).slice(0, 19).replace('T', ' '),
      ]),
    );
  }
  /** main's snapshot and the snapshot the stored state names (read in-process: no CLI start-up). */
  async function snapshots(): Promise<{ main: string | null; state: string | null }> {
    const { Catalog } = await import('@lakekit/catalog');
    const { createFileIO } = await import('@lakekit/storage');
    const { parseTableIdentifier } = await import('@lakekit/core');
    const catalog = await Catalog.open({
      uri: `sqlite:${join(cwd, '.lakekit', 'catalog.db')}`,
      name: 'lakekit',
      warehouse: `file://${join(cwd, '.lakekit', 'warehouse')}`,
      io: createFileIO({}),
    });
    try {
      const id = parseTableIdentifier('shop.items');
      const snap = (await catalog.tableExists(id))
        ? (await catalog.loadTable(id)).currentSnapshot()
        : undefined;
      const st = await catalog.operations.getState('sync', 'public.items');
      return { main: snap ? String(snap['snapshot-id']) : null, state: st?.snapshotId ?? null };
    } finally {
      await catalog.close();
    }
  }

  /** Spawns `lake run sync` and SIGKILLs it after `ms` (or at a hook point); resolves when it is gone. */
  function killedRun(ms: number | undefined, hook?: string): Promise<number | null> {
    return new Promise((resolve) => {
      const child = spawn(join(repoRoot, 'node_modules', '.bin', 'lake'), ['run', 'sync'], {
        cwd,
        env: { ...process.env, ...env(), ...(hook ? { LAKEKIT_TEST_HOOK: hook } : {}) },
        stdio: 'ignore',
      });
      const timer = ms === undefined ? undefined : setTimeout(() => child.kill('SIGKILL'), ms);
      child.on('exit', (code) => {
        if (timer) clearTimeout(timer);
        resolve(code);
      });
    });
  }

  let round = 0;
  /** A change at the source: updates, inserts and a deletion flag, with a new cursor range. */
  async function changeSource() {
    round++;
    await src.query(
      `UPDATE items SET name = name || '.', amount = amount + 1, updated_at = TIMESTAMPTZ '2026-02-01 00:00:00+00' + $1 * INTERVAL '1 day' + id * INTERVAL '1 second' WHERE id % 7 = $2`,
      [round, round % 7],
    );
    await src.query(
      `INSERT INTO items SELECT g, 'item ' || g, g, TIMESTAMPTZ '2026-02-01 00:00:00+00' + $1 * INTERVAL '1 day' FROM generate_series($2::int, $2::int + 19) g`,
      [round, 10_000 + round * 20],
    );
  }

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    src = new pg.Client({ connectionString: dbUrl });
    await src.connect();
    await src.query(
      `CREATE TABLE items (id int PRIMARY KEY, name text, amount numeric(12,2), updated_at timestamptz NOT NULL)`,
    );
    await src.query(
      `INSERT INTO items SELECT g, 'item ' || g, g, TIMESTAMPTZ '2026-01-01 00:00:00+00' + g * INTERVAL '1 second' FROM generate_series(1, 5000) g`,
    );
    cwd = workspace(`
sources:
  shop: { type: postgres, url: "\${CRM_URL}" }
pipelines:
  sync:
    source: shop
    streams:
      public.items:
        target: shop.items
        mode: merge
        primary_key: [id]
        cursor: updated_at
    checks:
      shop.items:
        - not_null: [id]
        - unique: [id]
`);
  });

  afterAll(async () => {
    await src?.end();
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  async function checkConsistent(old: string[], next: string[], label: string) {
    const now = await tableRows();
    const isOld = JSON.stringify(now) === JSON.stringify(old);
    const isNew = JSON.stringify(now) === JSON.stringify(next);
    expect(isOld || isNew, `${label}: table is neither the old nor the new state (${now.length} rows)`).toBe(
      true,
    );
    const s = await snapshots();
    // State is never ahead of the data: it names main's snapshot (or there is none yet).
    if (s.state !== null) expect(s.state, label).toBe(s.main);
    if (isNew && next.length !== old.length) expect(s.state, label).not.toBeNull();
  }

  async function rerunAndCompare(label: string) {
    const r = await lakeJson<{ status: string }>(['run', 'sync'], { cwd, env: env() });
    expect(r.status, label).toBe('succeeded');
    const rows = await tableRows();
    expect(rows, label).toEqual(await sourceRows());
    // No duplicate keys (rows are ordered by id).
    const ids = rows.map((r) => JSON.parse(r)[0] as string);
    expect(new Set(ids).size, label).toBe(ids.length);
  }

  it('kills at each named point of a stream leave the old or the new state', {
    timeout: 600_000,
  }, async () => {
    for (const point of ['prepared', 'extracted', 'committed', 'audited']) {
      const old = await tableRows();
      await changeSource();
      const next = await sourceRows();
      const code = await killedRun(undefined, `${point}:kill`);
      expect(code, point).not.toBe(0);
      await checkConsistent(old, next, `kill at ${point}`);
      await rerunAndCompare(`rerun after kill at ${point}`);
    }
  });

  it(`${TRIALS} kills at random moments: old or new state, never between; reruns converge`, {
    timeout: 900_000,
  }, async () => {
    // How long an undisturbed run takes, to spread the kills over it.
    await changeSource();
    const t0 = performance.now();
    await lakeJson(['run', 'sync'], { cwd, env: env() });
    const duration = performance.now() - t0;
    let killedMidway = 0;
    for (let i = 0; i < TRIALS; i++) {
      const old = await tableRows();
      await changeSource();
      const next = await sourceRows();
      const at = Math.round(100 + Math.random() * duration);
      const code = await killedRun(at);
      if (code !== 0) killedMidway++;
      await checkConsistent(old, next, `trial ${i} (kill after ${at} ms)`);
      await rerunAndCompare(`trial ${i} rerun`);
    }
    // Most kills must land inside a run, or the test proves little.
    expect(killedMidway).toBeGreaterThanOrEqual(TRIALS / 2);
  });
});
