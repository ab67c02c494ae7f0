/** Runs the real `lake` binary (the bundled CLI) in a working directory, as a user would. */
import { spawn } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The repository root. */
export const repoRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');
const lakeBin = join(repoRoot, 'node_modules', '.bin', 'lake');

/** What a CLI run printed and returned. */
export interface LakeRun {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs `lake …` in `cwd` with extra environment variables. */
export function runLake(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<LakeRun> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(lakeBin, args, {
      cwd: options.cwd,
      env: { ...process.env, ...options.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolvePromise({ code: code ?? -1, stdout, stderr }));
  });
}

/** Runs `lake --json …` and parses stdout; throws with stderr when it fails. */
export async function lakeJson<T = Record<string, unknown>>(
  args: string[],
  options: { cwd: string; env?: Record<string, string | undefined> },
): Promise<T> {
  const r = await runLake(['--json', ...args], options);
  if (r.code !== 0) throw new Error(`lake ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A fresh working directory with a lakekit.yaml. */
export function workspace(yaml: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'lakekit-it-'));
  writeFileSync(join(dir, 'lakekit.yaml'), yaml);
  return dir;
}
