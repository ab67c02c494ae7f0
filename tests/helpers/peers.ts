/**
 * Peer tools for integration tests: the Python venv (PyIceberg, moto) and the S3 endpoint that
 * tests/run-all.sh prepares and passes in through the environment.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';

function required(name: string, what: string): string {
  const value = process.env[name];
  if (value === undefined || value === '') {
    throw new Error(`${name} is not set (${what}); run integration tests with: bash tests/run-all.sh`);
  }
  return value;
}

/** The peers venv's python (env LAKEKIT_PYTHON); throws with instructions when unset. */
export function pythonPath(): string {
  return required('LAKEKIT_PYTHON', 'the python of the peers venv');
}

/** The moto S3 endpoint (env LAKEKIT_TEST_S3_ENDPOINT); throws with instructions when unset. */
export function s3Endpoint(): string {
  return required('LAKEKIT_TEST_S3_ENDPOINT', 'the S3 endpoint started by tests/services/moto.sh');
}

/** Output of a finished Python run. */
export interface PythonResult {
  stdout: string;
  stderr: string;
  code: number;
}

/** Runs a Python script file with the peers venv; never rejects on a non-zero exit, check `code`. */
export function runPython(
  script: string,
  args: string[],
  env: Record<string, string> = {},
): Promise<PythonResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(pythonPath(), [script, ...args], {
      env: { ...process.env, PYTHONUNBUFFERED: '1', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal ? `\n(killed by ${signal})` : ''),
        code: code ?? 128,
      }),
    );
  });
}

/** A Lakekit catalog as PyIceberg's SqlCatalog opens it (see tests/peers/pyiceberg_peer.py). */
export interface PeerCatalog {
  name: string;
  uri: string;
  warehouse: string;
  properties?: Record<string, string>;
}

/** The Lakekit catalog of a workspace made by tests/helpers/cli.ts (SQLite file, local warehouse). */
export function localPeerCatalog(cwd: string): PeerCatalog {
  return {
    name: 'lakekit',
    uri: `sqlite:///${join(cwd, 'catalog.db')}`,
    warehouse: `file://${join(cwd, 'warehouse')}`,
  };
}

/** What PyIceberg read: column names, Iceberg types, canonical rows, snapshot ids. */
export interface PeerRead {
  columns: string[];
  types: string[];
  rows: unknown[][];
  snapshots: string[];
  current: string | null;
}

const pyicebergPeer = join(import.meta.dirname, '..', 'peers', 'pyiceberg_peer.py');

/** Reads a table with PyIceberg (at a snapshot, or with PyIceberg's own row filter); throws with its stderr. */
export async function pyicebergRead(
  catalog: PeerCatalog,
  table: string,
  options: { snapshotId?: string; filter?: string } = {},
): Promise<PeerRead> {
  const args = {
    catalog,
    table,
    ...(options.snapshotId ? { snapshot_id: options.snapshotId } : {}),
    ...(options.filter ? { filter: options.filter } : {}),
  };
  const r = await runPython(pyicebergPeer, ['read', JSON.stringify(args)]);
  if (r.code !== 0) throw new Error(`PyIceberg read of ${table} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as PeerRead;
}
