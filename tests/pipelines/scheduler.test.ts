/**
 * `lake schedule` and the pipeline lock, through the `lake` binary: `--once` runs what is due and only
 * that, the concurrency limit, one run per pipeline (a second `lake run` is refused; a lock left by a
 * killed process is taken over; one held on another host counts until its lease expires), the daemon
 * stopping cleanly on SIGTERM (idle, and mid-run: the run finishes), the missed-run policy, and a
 * catalog on PostgreSQL (where run records have real column types).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type LakeRun, lakeJson, repoRoot, runLake, workspace } from '../helpers/cli.js';

const baseUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];

interface RunRow {
  id: string;
  pipeline: string;
  status: string;
  trigger: string;
  startedAt: string;
  endedAt?: string;
  pid: number;
  error?: string;
}

/** A `lake` process the test can signal, with what it printed so far. */
interface Running {
  child: ChildProcess;
  readonly stdout: () => string;
  readonly stderr: () => string;
  readonly done: Promise<LakeRun>;
}

/** Processes a failed test may leave behind: killed after each test. */
const started = new Set<ChildProcess>();

function startLake(args: string[], cwd: string, env: Record<string, string> = {}): Running {
  const child = spawn(join(repoRoot, 'node_modules', '.bin', 'lake'), args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (d) => {
    stdout += d;
  });
  child.stderr!.on('data', (d) => {
    stderr += d;
  });
  started.add(child);
  const done = new Promise<LakeRun>((resolve) => {
    child.on('close', (code, signal) => {
      started.delete(child);
      resolve({ code: code ?? (signal ? -1 : 0), stdout, stderr });
    });
  });
  return { child, stdout: () => stdout, stderr: () => stderr, done };
}

/** Polls `condition`; fails early (with what it printed) when `proc` ended meanwhile. */
async function waitFor(
  what: string,
  condition: () => boolean,
  proc?: Running,
  timeoutMs = 20_000,
): Promise<void> {
  const end = Date.now() + timeoutMs;
  while (!condition()) {
    if (proc && proc.child.exitCode !== null) {
      throw new Error(`lake ended (exit ${proc.child.exitCode}) before ${what}: ${proc.stderr()}`);
    }
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * The run records, newest first, read from the catalog database itself (`lake runs` is tested in
 * commands.test.ts; a process per look would make this file slow).
 */
async function runs(cwd: string, pipeline?: string): Promise<RunRow[]> {
  const db = new Database(join(cwd, '.lakekit', 'catalog.db'), { readonly: true });
  try {
    const rows = db
      .prepare(
        `SELECT id, pipeline, status, "trigger", started_at, ended_at, pid, error FROM lakekit_runs
         WHERE pipeline = coalesce(?, pipeline) ORDER BY started_at DESC, id DESC`,
      )
      .all(pipeline ?? null) as Record<string, string | number | null>[];
    return rows.map((r) => ({
      id: String(r['id']),
      pipeline: String(r['pipeline']),
      status: String(r['status']),
      trigger: String(r['trigger']),
      startedAt: String(r['started_at']),
      ...(r['ended_at'] !== null ? { endedAt: String(r['ended_at']) } : {}),
      pid: Number(r['pid']),
      ...(r['error'] !== null ? { error: String(r['error']) } : {}),
    }));
  } finally {
    db.close();
  }
}

/** The largest number of runs whose [start, end] intervals overlap. */
function maxOverlap(rs: readonly RunRow[]): number {
  const edges = rs.flatMap((r) => [
    { t: Date.parse(r.startedAt), d: 1 },
    { t: Date.parse(r.endedAt!), d: -1 },
  ]);
  edges.sort((a, b) => a.t - b.t || a.d - b.d);
  let n = 0;
  let max = 0;
  for (const e of edges) {
    n += e.d;
    max = Math.max(max, n);
  }
  return max;
}

async function openOperations(cwd: string) {
  const { Catalog } = await import('@lakekit/catalog');
  const { createFileIO } = await import('@lakekit/storage');
  return Catalog.open({
    uri: `sqlite:${join(cwd, '.lakekit', 'catalog.db')}`,
    name: 'lakekit',
    warehouse: `file://${join(cwd, '.lakekit', 'warehouse')}`,
    io: createFileIO({}),
  });
}

afterEach(() => {
  for (const child of started) child.kill('SIGKILL');
});

/**
 * A JSON API whose answers the test holds back: while the gate is closed every request waits, so a
 * run stays busy (holding its pipeline lock) exactly as long as the test wants.
 */
interface GatedApi {
  readonly baseUrl: string;
  /** Requests received, and those waiting at the gate now. */
  readonly seen: number;
  readonly waiting: number;
  hold(): void;
  release(): void;
  close(): Promise<void>;
}

async function startGatedApi(): Promise<GatedApi> {
  let open = true;
  let seen = 0;
  const held: (() => void)[] = [];
  const server = createServer((_req, res) => {
    seen++;
    const answer = () => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          data: [
            { id: 1, name: 'one' },
            { id: 2, name: 'two' },
          ],
        }),
      );
    };
    if (open) answer();
    else held.push(answer);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    baseUrl: `http://127.0.0.1:${port}/v1`,
    get seen() {
      return seen;
    },
    get waiting() {
      return held.length;
    },
    hold() {
      open = false;
    },
    release() {
      open = true;
      for (const answer of held.splice(0)) answer();
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** A SQLite source file with a small `items` table. */
function sqliteSource(dir: string): void {
  const db = new Database(join(dir, 'shop.db'));
  db.exec(`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL, updated_at DATETIME NOT NULL);
    INSERT INTO items VALUES (1, 'one', '2026-01-01 00:00:00'), (2, 'two', '2026-01-02 00:00:00'), (3, 'three', '2026-01-03 00:00:00');`);
  db.close();
}

const apiSource = (api: GatedApi) => `
  api:
    type: http
    base_url: ${api.baseUrl}
    max_retries: 0
    resources:
      accounts: { path: /accounts, records: $.data, primary_key: [id], columns: { id: long, name: string } }`;

describe('lake schedule --once', () => {
  let cwd: string;
  let api: GatedApi;

  beforeAll(async () => {
    api = await startGatedApi();
    cwd = workspace(`
sources:
  shop: { type: sqlite, path: shop.db }
${apiSource(api)}
pipelines:
  yearly:
    source: shop
    schedule: "0 0 1 1 *"
    streams: { items: { target: s.yearly, mode: merge } }
  midyear:
    source: shop
    schedule: "0 12 1 7 *"
    timezone: Europe/Berlin
    streams: { items: { target: s.midyear, mode: replace } }
  manual_only:
    source: shop
    streams: { items: { target: s.manual } }
  slow_a:
    source: api
    schedule: "0 0 1 1 *"
    streams: { accounts: { target: s.slow_a, mode: replace } }
  slow_b:
    source: api
    schedule: "0 0 1 1 *"
    streams: { accounts: { target: s.slow_b, mode: replace } }
  slow_c:
    source: api
    schedule: "0 0 1 1 *"
    streams: { accounts: { target: s.slow_c, mode: replace } }
`);
    sqliteSource(cwd);
  });
  afterAll(async () => {
    await api?.close();
  });

  it('runs every scheduled pipeline that never ran, at most --concurrency at once, and nothing unscheduled', async () => {
    // The API answers nothing: runs of the three API pipelines stay busy, and only two may be.
    api.hold();
    const sched = startLake(['--json', 'schedule', '--once', '--concurrency', '2'], cwd);
    await waitFor('two runs to be busy', () => api.waiting === 2, sched);
    await new Promise((r) => setTimeout(r, 500));
    expect(api.waiting).toBe(2);
    expect(api.seen).toBe(2);
    api.release();
    const r = await sched.done;
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as { runs: { pipeline: string; status: string; id: string }[] };
    expect(out.runs.map((x) => x.pipeline).sort()).toEqual([
      'midyear',
      'slow_a',
      'slow_b',
      'slow_c',
      'yearly',
    ]);
    expect(out.runs.every((x) => x.status === 'succeeded')).toBe(true);
    const all = await runs(cwd);
    expect(all.map((x) => x.pipeline)).not.toContain('manual_only');
    for (const x of all) expect(x.trigger).toMatch(/^schedule@\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    const slow = all.filter((x) => x.pipeline.startsWith('slow_'));
    expect(maxOverlap(slow)).toBe(2);
    expect(maxOverlap(all)).toBe(2);
    const q = await lakeJson<{ rows: unknown[][] }>(['query', 'SELECT count(*) FROM s.yearly'], { cwd });
    expect(Number(q.rows[0]![0])).toBe(3);
  });

  it('--concurrency must be a whole number of runs (exit 2)', async () => {
    for (const bad of ['0', 'two', '1.5']) {
      const r = await runLake(['schedule', '--once', '--concurrency', bad], { cwd });
      expect(r.code).toBe(2);
      expect(r.stderr).toContain(`--concurrency ${bad}`);
    }
  });

  it('the daemon refuses to start when no pipeline has a schedule (exit 2)', async () => {
    const dir = workspace(`
sources:
  shop: { type: sqlite, path: shop.db }
pipelines:
  manual: { source: shop, streams: { items: {} } }
`);
    const r = await runLake(['schedule'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/no pipeline has a schedule.*\(pipelines: manual\)/);
  });

  it('a pipeline that ran is not due again before its next scheduled time', async () => {
    const r = await runLake(['schedule', '--once'], { cwd });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('nothing due');
    const j = await lakeJson<{ runs: unknown[] }>(['schedule', '--once'], { cwd });
    expect(j.runs).toEqual([]);
    expect((await runs(cwd)).length).toBe(5);
  });

  it('two `lake run` of one pipeline at once: the second is refused with "already running"', async () => {
    api.hold();
    const first = startLake(['run', 'slow_a'], cwd);
    await waitFor('the first run to reach the source', () => api.waiting === 1, first);
    const second = await runLake(['run', 'slow_a'], { cwd });
    api.release();
    expect(second.code).toBe(1);
    expect(second.stderr).toMatch(
      new RegExp(`pipeline slow_a is already running \\(run [0-9a-f-]+ on .+, pid ${first.child.pid}`),
    );
    const done = await first.done;
    expect(done.code, done.stderr).toBe(0);
    // The lock was released: a third run goes through.
    const third = await runLake(['run', 'slow_a'], { cwd });
    expect(third.code, third.stderr).toBe(0);
  });

  it('a lock left by a process killed with SIGKILL on this host is taken over at once', async () => {
    api.hold();
    const victim = startLake(['run', 'slow_b'], cwd);
    await waitFor('the run to reach the source', () => api.waiting === 1, victim);
    victim.child.kill('SIGKILL');
    await victim.done;
    api.release();
    const next = await runLake(['--json', 'run', 'slow_b'], { cwd });
    expect(next.code, next.stderr).toBe(0);
    const rs = await runs(cwd, 'slow_b');
    const killed = rs.find((x) => x.pid === victim.child.pid)!;
    expect(killed.status).toBe('failed');
    expect(killed.error).toMatch(/ended without finishing/);
  });

  it('SIGTERM to `lake run` aborts the run: recorded as failed, lock released, exit 1', async () => {
    api.hold();
    const victim = startLake(['run', 'slow_c'], cwd);
    await waitFor('the run to reach the source', () => api.waiting === 1, victim);
    victim.child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 200));
    api.release();
    const r = await victim.done;
    expect(r.code).toBe(1);
    const [last] = await runs(cwd, 'slow_c');
    expect(last!.pid).toBe(victim.child.pid);
    expect(last!.status).toBe('failed');
    expect(last!.endedAt).toBeDefined();
    const next = await runLake(['run', 'slow_c'], { cwd });
    expect(next.code, next.stderr).toBe(0);
  });

  it('a lock held on another host blocks runs until its lease expires; an expired one is taken over', async () => {
    const db = new Database(join(cwd, '.lakekit', 'catalog.db'));
    try {
      const insert = db.prepare(
        `INSERT INTO lakekit_locks (catalog_name, name, holder, host, pid, acquired_at, expires_at) VALUES ('lakekit', 'pipeline:yearly', 'run-elsewhere', 'elsewhere', 4242, ?, ?)`,
      );
      insert.run(new Date().toISOString(), new Date(Date.now() + 3600_000).toISOString());
      const blocked = await runLake(['run', 'yearly'], { cwd });
      expect(blocked.code).toBe(1);
      expect(blocked.stderr).toMatch(/already running \(run run-elsewhere on elsewhere, pid 4242/);
      // The scheduler skips it too (not a failure of the schedule).
      db.prepare(`DELETE FROM lakekit_runs WHERE pipeline = 'yearly'`).run();
      const sched = await runLake(['--json', 'schedule', '--once'], { cwd });
      expect(sched.code, sched.stderr).toBe(0);
      expect(JSON.parse(sched.stdout).runs).toEqual([
        expect.objectContaining({ pipeline: 'yearly', status: 'skipped' }),
      ]);

      db.prepare(`UPDATE lakekit_locks SET expires_at = ? WHERE name = 'pipeline:yearly'`).run(
        new Date(Date.now() - 1000).toISOString(),
      );
      const taken = await runLake(['run', 'yearly'], { cwd });
      expect(taken.code, taken.stderr).toBe(0);
      expect(
        db.prepare(`SELECT count(*) AS n FROM lakekit_locks WHERE name = 'pipeline:yearly'`).get(),
      ).toEqual({ n: 0 });
    } finally {
      db.close();
    }
  });
});

describe('lake schedule (daemon) and SIGTERM', () => {
  let cwd: string;
  let api: GatedApi;

  beforeAll(async () => {
    api = await startGatedApi();
    cwd = workspace(`
sources:
  gone: { type: sqlite, path: missing.db }
${apiSource(api)}
pipelines:
  blocked:
    source: api
    schedule: "0 3 1 1 *"
    streams: { accounts: { target: s.blocked } }
  broken:
    source: gone
    schedule: "0 3 1 1 *"
    streams: { items: { target: s.broken } }
  nightly:
    source: api
    schedule: "0 3 1 1 *"
    streams: { accounts: { target: s.nightly, mode: replace } }
`);
    // blocked is due (it never ran), but its lock is held by this (live) process all along.
    const catalog = await openOperations(cwd);
    try {
      expect(
        await catalog.operations.acquireLock('pipeline:blocked', 'held-by-test', 3600_000),
      ).toBeUndefined();
    } finally {
      await catalog.close();
    }
  });
  afterAll(async () => {
    await api?.close();
  });

  it('SIGTERM during a run: the run finishes and is recorded, then the daemon exits 0', async () => {
    api.hold();
    // One run at a time: nightly starts as soon as broken has failed and blocked was found busy (both
    // first by name), not a minute later; blocked, busy, is not relaunched meanwhile.
    const daemon = startLake(['schedule', '--concurrency', '1'], cwd);
    await waitFor('the scheduled run to reach the source', () => api.waiting === 1, daemon);
    daemon.child.kill('SIGTERM');
    await waitFor('the daemon to acknowledge the stop', () => daemon.stderr().includes('stopping'), daemon);
    await new Promise((r) => setTimeout(r, 300));
    expect(daemon.child.exitCode).toBeNull(); // still finishing the run
    api.release();
    const r = await daemon.done;
    // A stop is not a failure, though one of its runs failed (that is in the run records).
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain('stopping');
    const rs = await runs(cwd, 'nightly');
    expect(rs.length).toBe(1);
    expect(rs[0]!.status).toBe('succeeded');
    expect(rs[0]!.endedAt).toBeDefined();
    expect(rs[0]!.trigger).toMatch(/^schedule@/);
    const broken = await runs(cwd, 'broken');
    expect(broken.map((x) => x.status)).toEqual(['failed']);
    expect(broken[0]!.error).toMatch(/missing\.db/);
    expect(
      r.stderr.match(/blocked: skipped — pipeline blocked is already running \(run held-by-test/g)?.length,
    ).toBe(1);
  });

  it('SIGTERM while idle: the daemon exits 0 at once', async () => {
    const daemon = startLake(['schedule'], cwd);
    await waitFor(
      'the daemon to go idle',
      () => daemon.stderr().includes('waiting for the next scheduled run'),
      daemon,
    );
    // Idle means it planned the next run (1 January, 03:00 UTC) and started nothing.
    const idle = JSON.parse(
      daemon
        .stderr()
        .split('\n')
        .find((l) => l.includes('waiting for the next'))!,
    ) as { nextRun: string };
    expect(idle.nextRun).toMatch(/-01-01T03:00:00\.000Z$/);
    // blocked is still due and still busy: found so once, not in a loop while idle.
    await waitFor('blocked to be found busy', () => daemon.stderr().includes('blocked: skipped'), daemon);
    await new Promise((r) => setTimeout(r, 1000));
    expect(daemon.stderr().match(/blocked: skipped/g)?.length).toBe(1);
    const t0 = Date.now();
    daemon.child.kill('SIGTERM');
    const r = await daemon.done;
    expect(r.code, r.stderr).toBe(0);
    expect(Date.now() - t0).toBeLessThan(10_000); // not the minute it would sleep
    expect((await runs(cwd)).length).toBe(2);
  });
});

describe('missed runs', () => {
  // Daily schedules half a day away from now: never within a minute of a scheduled time.
  const hour = (new Date().getUTCHours() + 12) % 24;
  let cwd: string;

  beforeAll(async () => {
    cwd = workspace(`
sources:
  shop: { type: sqlite, path: shop.db }
pipelines:
  catch_up:
    source: shop
    schedule: "0 ${hour} * * *"
    streams: { items: { target: s.catch_up, mode: replace } }
  skip_daily:
    source: shop
    schedule: "0 ${hour} * * *"
    missed_runs: skip
    streams: { items: { target: s.skip_daily, mode: replace } }
  skip_minutely:
    source: shop
    schedule: "* * * * *"
    missed_runs: skip
    streams: { items: { target: s.skip_minutely, mode: replace } }
`);
    sqliteSource(cwd);
    // History: each pipeline last ran on schedule three days ago.
    const catalog = await openOperations(cwd);
    try {
      const long = new Date(Date.now() - 3 * 86_400_000);
      long.setUTCHours(hour, 0, 0, 0);
      for (const p of ['catch_up', 'skip_daily', 'skip_minutely']) {
        const id = `history-${p}`;
        await catalog.operations.startRun({ id, pipeline: p, trigger: `schedule@${long.toISOString()}` });
        await catalog.operations.updateRun(id, { status: 'succeeded', ended: true });
      }
    } finally {
      await catalog.close();
    }
  });

  it('run_once makes one catch-up run; skip runs only when a scheduled time is within the last minute', async () => {
    const r = await lakeJson<{ runs: { pipeline: string; status: string }[] }>(['schedule', '--once'], {
      cwd,
    });
    expect(r.runs.map((x) => x.pipeline).sort()).toEqual(['catch_up', 'skip_minutely']);
    expect(r.runs.every((x) => x.status === 'succeeded')).toBe(true);
    const rs = await runs(cwd);
    const catchUp = rs.find((x) => x.pipeline === 'catch_up' && x.id !== 'history-catch_up')!;
    // The catch-up run is recorded for the latest missed time (today or yesterday).
    expect(catchUp.trigger).toMatch(
      new RegExp(`^schedule@\\d{4}-\\d\\d-\\d\\dT${String(hour).padStart(2, '0')}:00:00\\.000Z$`),
    );
    expect(Date.now() - Date.parse(catchUp.trigger.slice('schedule@'.length))).toBeLessThan(
      86_400_000 + 60_000,
    );
    // Only one catch-up, however many times were missed.
    const again = await lakeJson<{ runs: { pipeline: string }[] }>(['schedule', '--once'], { cwd });
    expect(again.runs.map((x) => x.pipeline)).not.toContain('catch_up');
    expect(again.runs.map((x) => x.pipeline)).not.toContain('skip_daily');
  });
});

describe('lake schedule with the catalog on PostgreSQL', () => {
  if (!baseUrl) throw new Error('LAKEKIT_TEST_POSTGRES_URL is not set: run tests through tests/run-all.sh');
  const db = `lk_sched_${process.pid}_${Date.now() % 100000}`;
  const url = new URL(baseUrl);
  url.pathname = `/${db}`;
  let admin: pg.Client;
  let cwd: string;

  beforeAll(async () => {
    admin = new pg.Client({ connectionString: baseUrl });
    await admin.connect();
    await admin.query(`CREATE DATABASE ${db}`);
    cwd = workspace(`
catalog: { uri: "${url.toString()}" }
sources:
  shop: { type: sqlite, path: shop.db }
pipelines:
  yearly:
    source: shop
    schedule: "0 0 1 1 *"
    streams: { items: { target: s.items, mode: merge } }
`);
    sqliteSource(cwd);
  });
  afterAll(async () => {
    await admin?.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`).catch(() => undefined);
    await admin?.end();
  });

  it('scheduled runs are recorded (trigger schedule@<time>) and not repeated', async () => {
    const r = await runLake(['--json', 'schedule', '--once'], { cwd });
    expect(r.code, `${r.stdout}\n${r.stderr}`).toBe(0);
    expect(JSON.parse(r.stdout).runs).toEqual([
      expect.objectContaining({ pipeline: 'yearly', status: 'succeeded' }),
    ]);
    const again = await lakeJson<{ runs: unknown[] }>(['schedule', '--once'], { cwd });
    expect(again.runs).toEqual([]);
    // No lock is left behind.
    const c = new pg.Client({ connectionString: url.toString() });
    await c.connect();
    try {
      expect((await c.query('SELECT count(*)::int AS n FROM lakekit_locks')).rows[0].n).toBe(0);
    } finally {
      await c.end();
    }
  });
});

describe('scheduled table maintenance', () => {
  it('runs every table policy as the @maintenance job when due, once per scheduled time', async () => {
    const cwd = workspace(`
maintenance:
  schedule: "0 3 * * *"
  defaults: { expire_older_than: 1ms, retain_last: 1, orphan_older_than: 1d }
`);
    const csv = join(cwd, 'rows.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(csv, 'id,name\n1,a\n2,b\n');
    for (let i = 0; i < 3; i++) {
      const r = await runLake(['load', csv, '--table', 'ops.rows'], { cwd });
      expect(r.code, r.stderr).toBe(0);
    }
    const before = await lakeJson<{ snapshots: unknown[] }>(['table', 'history', 'ops.rows'], { cwd });
    expect(before.snapshots.length).toBe(3);
    const first = await lakeJson<{ runs: { pipeline: string; status: string }[] }>(['schedule', '--once'], {
      cwd,
    });
    expect(first.runs).toEqual([expect.objectContaining({ pipeline: '@maintenance', status: 'succeeded' })]);
    const after = await lakeJson<{ snapshots: unknown[] }>(['table', 'history', 'ops.rows'], { cwd });
    expect(after.snapshots.length).toBe(1);
    const rows = await lakeJson<{ rows: unknown[][] }>(['query', 'SELECT count(*) FROM ops.rows'], { cwd });
    expect(Number(rows.rows[0]![0])).toBe(6);
    // Recorded like a pipeline run, and not due again before the next 03:00.
    const runs = await lakeJson<{ runs: RunRow[] }>(['runs', '@maintenance'], { cwd });
    expect(runs.runs.map((r) => [r.status, r.trigger.startsWith('schedule@')])).toEqual([
      ['succeeded', true],
    ]);
    const again = await lakeJson<{ runs: unknown[] }>(['schedule', '--once'], { cwd });
    expect(again.runs).toEqual([]);
  });
});
