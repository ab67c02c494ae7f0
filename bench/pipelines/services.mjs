// The throwaway database servers of the pipeline benchmarks: the test suite's own start/stop scripts
// (tests/services/postgres.sh, mariadb.sh) with LAKEKIT_TEST_STATE in the bench's temporary folder,
// so a bench never touches a server the tests started. SQL goes through the command-line clients
// (psql, mariadb), which the reference side of the benchmarks uses anyway.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

/** Starts `tests/services/<kind>.sh` with its state under `stateDir`; returns the URL it prints. */
export function startService(root, kind, stateDir) {
  const out = execFileSync('bash', [join(root, 'tests', 'services', `${kind}.sh`), 'start'], {
    env: { ...process.env, LAKEKIT_TEST_STATE: stateDir },
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = out.trim().split('\n').pop();
  if (!url) throw new Error(`${kind}.sh start printed no URL`);
  return url;
}

/** Stops what `startService` started (safe to call twice, or when it never started). */
export function stopService(root, kind, stateDir) {
  try {
    execFileSync('bash', [join(root, 'tests', 'services', `${kind}.sh`), 'stop'], {
      env: { ...process.env, LAKEKIT_TEST_STATE: stateDir },
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  } catch (e) {
    process.stderr.write(`could not stop ${kind}: ${e.message}\n`);
  }
}

/** `url` with another database name in its path. */
export function withDatabase(url, database) {
  const u = new URL(url);
  u.pathname = `/${database}`;
  return u.toString();
}

/** Runs SQL with psql (stops at the first error); returns what it printed (unaligned, tuples only). */
export function psql(url, sql) {
  return execFileSync('psql', ['-X', '-q', '-A', '-t', '-v', 'ON_ERROR_STOP=1', url], {
    input: sql,
    env: { ...process.env, PGOPTIONS: '-c client_min_messages=warning' },
    encoding: 'utf8',
    stdio: ['pipe', 'pipe', 'inherit'],
    maxBuffer: 64 * 1024 * 1024,
  }).trim();
}

/** The mariadb client's connection arguments for a `mysql://user@host:port/` URL. */
export function mariadbArgs(url) {
  const u = new URL(url);
  return [
    '--no-defaults',
    '-h',
    u.hostname,
    '-P',
    u.port || '3306',
    '-u',
    decodeURIComponent(u.username || 'root'),
  ];
}

/** Runs SQL with the mariadb client in batch mode; returns what it printed (no column names). */
export function mariadb(url, sql, database) {
  return execFileSync(
    'mariadb',
    [...mariadbArgs(url), '--batch', '--skip-column-names', ...(database ? [database] : [])],
    { input: sql, encoding: 'utf8', stdio: ['pipe', 'pipe', 'inherit'], maxBuffer: 64 * 1024 * 1024 },
  ).trim();
}
