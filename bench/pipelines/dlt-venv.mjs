// The Python environment of the dlt contender: a venv at ~/.cache/lakekit/bench-dlt-<hash>, where the
// hash is that of bench/pipelines/dlt-requirements.txt (the pinned versions), created with
// `python3 -m venv` + `pip install -r` when it is missing and reused otherwise. A marker file written
// after a successful install tells a finished venv from one an interrupted install left behind.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

/** Makes sure the venv exists; returns its python and the versions that matter to the benchmark. */
export function ensureDltVenv(root) {
  const requirements = join(root, 'bench', 'pipelines', 'dlt-requirements.txt');
  const hash = createHash('sha256').update(readFileSync(requirements)).digest('hex').slice(0, 16);
  const dir = join(homedir(), '.cache', 'lakekit', `bench-dlt-${hash}`);
  const python = join(dir, 'bin', 'python');
  const marker = join(dir, '.installed');
  if (!existsSync(marker)) {
    process.stderr.write(`creating the dlt venv ${dir} (once per requirements version) …\n`);
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(join(homedir(), '.cache', 'lakekit'), { recursive: true });
    execFileSync('python3', ['-m', 'venv', dir], { stdio: 'inherit' });
    execFileSync(
      python,
      ['-m', 'pip', 'install', '--quiet', '--disable-pip-version-check', '-r', requirements],
      {
        stdio: 'inherit',
      },
    );
    writeFileSync(marker, `${new Date().toISOString()}\n`);
  }
  const versions = execFileSync(
    python,
    [
      '-c',
      'import sys, importlib.metadata as m; print(sys.version.split()[0], *(m.version(p) for p in ("dlt", "pyiceberg", "pyarrow", "sqlalchemy", "psycopg2-binary")))',
    ],
    { encoding: 'utf8' },
  )
    .trim()
    .split(' ');
  const [py, dlt, pyiceberg, pyarrow, sqlalchemy, psycopg2] = versions;
  return { python, dir, versions: { python: py, dlt, pyiceberg, pyarrow, sqlalchemy, psycopg2 } };
}
