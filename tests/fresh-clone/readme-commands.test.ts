/**
 * The README's two commands, as a newcomer types them: a fresh clone of the committed repository in an
 * empty folder, then the first command (install and `pnpm demo`) and the second (`bash
 * tests/run-all.sh`: installs and starts what the tests need, then runs them). The commands are read
 * from the README's first `sh` block, so the test follows what the README says.
 *
 * The second command is given one test file to run (run-all.sh passes its arguments to vitest): the
 * whole suite inside the suite would run this test again and take as long as CI. Everything before
 * vitest — apt check, corepack, `pnpm install`, the peers' caches, moto, PostgreSQL and MariaDB,
 * `pnpm check` — runs exactly as the README's command runs it.
 *
 * The children get the environment of a user's shell: none of this run's LAKEKIT_* settings (its
 * state folder, its servers), npm_* variables of the pnpm running vitest, or AWS/PG settings.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const readme = readFileSync(join(repoRoot, 'README.md'), 'utf8');
const firstBlock = /```sh\n([\s\S]*?)```/.exec(readme)?.[1] ?? '';
const commands = firstBlock
  .split('\n')
  .map((line) => line.replace(/\s+#.*$/, '').trim())
  .filter((line) => line !== '');

/** A user's shell environment: this test run's own settings left out. */
function userEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (v === undefined) continue;
    if (/^(LAKEKIT_|npm_|VITEST|AWS_|PG[A-Z]+$)/.test(k)) continue;
    if (['NODE_OPTIONS', 'INIT_CWD', 'NODE_ENV', 'TEST', 'PNPM_SCRIPT_SRC_DIR'].includes(k)) continue;
    env[k] = v;
  }
  return env;
}

function sh(command: string, cwd: string): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-c', command], { cwd, env: userEnv(), stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, out }));
  });
}

describe("the README's two commands in a fresh clone", () => {
  const parent = mkdtempSync(join(tmpdir(), 'lakekit-fresh-'));
  const dir = join(parent, 'lakekit');
  afterAll(() => rmSync(parent, { recursive: true, force: true }));

  it('the README opens with exactly two commands: the demo and the tests', () => {
    expect(commands).toHaveLength(2);
    expect(commands[0]).toMatch(/pnpm demo$/);
    expect(commands[1]).toBe('bash tests/run-all.sh');
    // …and CI calls exactly the second one.
    expect(readFileSync(join(repoRoot, '.ci', 'run'), 'utf8')).toMatch(/exec bash tests\/run-all\.sh\n/);
  });

  it('the first installs and runs `pnpm demo` to the end', { timeout: 900_000 }, async () => {
    const clone = await sh(`git clone --quiet --no-hardlinks "${repoRoot}" "${dir}"`, parent);
    expect(clone.code, clone.out).toBe(0);
    expect(readdirSync(dir).filter((f) => f === 'node_modules' || f === '.lakekit')).toEqual([]);
    const r = await sh(commands[0]!, dir);
    expect(r.code, r.out.slice(-3000)).toBe(0);
    expect(r.out).toContain('Lakekit demo, part 1 of 2');
    expect(r.out).toMatch(/Done in \d+ s/);
  });

  it('the second installs and starts what the tests need, and runs them', { timeout: 900_000 }, async () => {
    const r = await sh(`${commands[1]} tests/cli/conventions.test.ts`, dir);
    expect(r.code, r.out.slice(-3000)).toBe(0);
    for (const step of ['moto S3 server', 'PostgreSQL server', 'MariaDB server', 'pnpm check']) {
      expect(r.out).toContain(step);
    }
    expect(r.out).toMatch(/done: pnpm check exit 0, vitest exit 0/);
    expect(r.out).toMatch(/\n[1-9]\d* passed, 0 failed\n/);
  });
});
