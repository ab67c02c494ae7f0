/**
 * `lake serve` as a user runs it (the bundled CLI, `node packages/cli/bin/lake.js`): the first start
 * prints the admin token once and saves it with mode 0600, the API answers with it, requests are
 * logged as JSON lines, SIGTERM stops it with exit code 0 after finishing in-flight requests, and a
 * second start issues no new token.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runLake, workspace } from '../helpers/cli.js';
import { call } from './fixture.js';

const root = join(import.meta.dirname, '..', '..');
const lakeJs = join(root, 'packages', 'cli', 'bin', 'lake.js');

interface Served {
  child: ChildProcess;
  url: string;
  stderr: () => string;
  exited: Promise<number>;
}

/** Starts `lake serve --port 0` in `cwd` and waits for the listening line. */
function serve(cwd: string): Promise<Served> {
  const child = spawn(process.execPath, [lakeJs, 'serve', '--port', '0'], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let err = '';
  const exited = new Promise<number>((resolve) => child.on('close', (code) => resolve(code ?? -1)));
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`lake serve did not start: ${err}`)), 30_000);
    child.stderr!.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) {
        clearTimeout(timer);
        resolve({ child, url: m[1]!, stderr: () => err, exited });
      }
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      reject(new Error(`lake serve exited ${code}: ${err}`));
    });
  });
}

describe('lake serve (the bundled CLI)', () => {
  const dir = workspace('warehouse: ./warehouse\n');
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const c of started) if (c.exitCode === null) c.kill('SIGKILL');
  });

  it('bootstraps the admin token once, serves the API, logs requests and stops on SIGTERM', async () => {
    const load = await runLake(
      ['load', join(root, 'examples', 'data', 'accounts.csv'), '--table', 'crm.accounts'],
      { cwd: dir },
    );
    expect(load.code, load.stderr).toBe(0);

    const first = await serve(dir);
    started.push(first.child);
    const token = /^\s+(lk_\S+)$/m.exec(first.stderr())?.[1];
    expect(token).toBeDefined();
    const file = join(dir, '.lakekit', 'admin-token');
    expect(readFileSync(file, 'utf8').trim()).toBe(token);
    expect(statSync(file).mode & 0o777).toBe(0o600);

    expect((await call(first.url, 'GET', '/health')).status).toBe(200);
    const me = await call(first.url, 'GET', '/api/v1/me', { token: token! });
    expect(me.body.principal.name).toBe('admin');
    const tables = await call(first.url, 'GET', '/api/v1/tables', { token: token! });
    expect(tables.body.map((t: { name: string }) => t.name)).toEqual(['crm.accounts']);
    const described = await call(first.url, 'GET', '/api/v1/tables/crm.accounts', { token: token! });
    expect(described.body.snapshot.operation).toBe('append');
    expect((await call(first.url, 'GET', '/api/v1/me')).status).toBe(401);

    const logLines = () =>
      first
        .stderr()
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => JSON.parse(l) as Record<string, unknown>);
    // The log line of the last request may reach us a moment after its answer.
    for (let i = 0; i < 50 && !logLines().some((l) => l['status'] === 401); i++)
      await new Promise((r) => setTimeout(r, 50));
    const log = logLines();
    expect(log).toContainEqual(
      expect.objectContaining({ method: 'GET', path: '/api/v1/me', status: 200, principal: 'admin' }),
    );
    expect(log).toContainEqual(expect.objectContaining({ path: '/api/v1/me', status: 401, principal: null }));

    // A request in flight when SIGTERM arrives still gets its answer.
    const inFlight = call(first.url, 'GET', '/api/v1/audit?limit=100000', { token: token! });
    first.child.kill('SIGTERM');
    expect((await inFlight).status).toBe(200);
    expect(await first.exited).toBe(0);
    expect(first.stderr()).toContain('stopped');

    const second = await serve(dir);
    started.push(second.child);
    expect(second.stderr()).not.toMatch(/lk_/);
    expect((await call(second.url, 'GET', '/api/v1/me', { token: token! })).status).toBe(200);
    second.child.kill('SIGINT');
    expect(await second.exited).toBe(0);
  });
});
