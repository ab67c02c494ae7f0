// `node bench/run-rest.mjs`: throughput of the Iceberg REST catalog's table load (issue 8),
//   GET /iceberg/v1/namespaces/crm/tables/accounts
// Starts `lake serve` on a SQLite catalog, then on PostgreSQL (a fresh database on
// LAKEKIT_TEST_POSTGRES_URL, or LAKEKIT_BENCH_PG_URL; left out, and said so, when neither is set),
// writes crm.accounts with a few `lake load` appends (a realistic metadata file with several
// snapshots), and runs autocannon from a second process against the load for --duration seconds
// (default 10) with --connections (default 20), after a --warmup run (default 3 s), as the admin and
// as a principal with SELECT on the table (the governance path: effective access must show no mask,
// no filter). Target: ≥ 2,000 requests/s, p99 < 50 ms, zero errors.
// Writes the "Iceberg REST table load (issue 8)" section of bench/RESULTS.md, keeping the others;
// --dry-run prints it instead. --only sqlite|postgres.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from './pipelines/results-section.mjs';
import { psql, withDatabase } from './pipelines/services.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const duration = Number(opt('duration', '10'));
const connections = Number(opt('connections', '20'));
const warmup = Number(opt('warmup', '3'));
const loads = Number(opt('loads', '5'));
const dryRun = args.includes('--dry-run');
const only = opt('only', 'sqlite,postgres').split(',');
// --cpu-prof DIR: each `lake serve` writes a V8 CPU profile there when it stops (for finding hot spots).
const cpuProf = opt('cpu-prof', undefined);
if (!(duration >= 1 && connections >= 1 && warmup >= 0 && loads >= 1))
  throw new Error('--duration ≥ 1, --connections ≥ 1, --warmup ≥ 0, --loads ≥ 1');

const HEADING = '## Iceberg REST table load (issue 8)';
const PATH = '/iceberg/v1/namespaces/crm/tables/accounts';
const lakeJs = join(root, 'packages', 'cli', 'bin', 'lake.js');
const cannon = join(root, 'bench', 'rest', 'autocannon-run.mjs');
const csv = join(root, 'examples', 'data', 'accounts.csv');
const work = mkdtempSync(join(tmpdir(), 'lakekit-bench-rest-'));
const log = (s) => process.stderr.write(`${s}\n`);

/** Starts `lake serve --port 0` in `cwd`; resolves with its URL once it listens. */
function serve(cwd) {
  const prof = cpuProf ? ['--cpu-prof', '--cpu-prof-dir', cpuProf] : [];
  const child = spawn(process.execPath, [...prof, lakeJs, 'serve', '--port', '0'], {
    cwd,
    env: { ...process.env, LAKEKIT_LOG_LEVEL: 'warn' },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let err = '';
  const exited = new Promise((resolve) => child.on('close', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+)/.exec(err);
      if (m) resolve({ child, url: m[1], exited });
    });
    child.on('close', (code) => reject(new Error(`lake serve exited ${code}: ${err}`)));
  });
}

async function api(url, token, method, path, body) {
  const res = await fetch(`${url}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? undefined : res.text();
}

/** A principal with USAGE on the catalog and crm and SELECT on crm.accounts; returns its token. */
async function reader(url, admin) {
  await api(url, admin, 'POST', '/api/v1/principals', { name: 'reader', kind: 'user' });
  const grant = (privilege, securable) =>
    api(url, admin, 'POST', '/api/v1/grants', {
      privilege,
      securable,
      grantee: { type: 'principal', name: 'reader' },
    });
  await grant('USAGE', { type: 'catalog' });
  await grant('USAGE', { type: 'namespace', name: 'crm' });
  await grant('SELECT', { type: 'table', name: 'crm.accounts' });
  return JSON.parse(await api(url, admin, 'POST', '/api/v1/principals/reader/tokens', { name: 'bench' }))
    .token;
}

function autocannon(url, token) {
  const out = execFileSync(
    process.execPath,
    [cannon, url, token, String(duration), String(connections), String(warmup)],
    { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] },
  );
  return JSON.parse(out.trim().split('\n').pop());
}

/** One backend: a fresh workspace, the table written by `lake load`, the server, two measurements. */
async function bench(backend, yaml) {
  const dir = join(work, backend);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'lakekit.yaml'), yaml);
  for (let i = 0; i < loads; i++)
    execFileSync(process.execPath, [lakeJs, 'load', csv, '--table', 'crm.accounts'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  const server = await serve(dir);
  try {
    const admin = readFileSync(join(dir, '.lakekit', 'admin-token'), 'utf8').trim();
    const tokens = { admin, 'reader (SELECT on the table)': await reader(server.url, admin) };
    // Both may load the table (a 403 would be fast and wrong).
    const body = JSON.parse(await api(server.url, tokens['reader (SELECT on the table)'], 'GET', PATH));
    if (body.metadata.snapshots.length !== loads) throw new Error('unexpected table metadata');
    const results = [];
    for (const [who, token] of Object.entries(tokens)) {
      log(
        `${backend}: GET ${PATH} as ${who}: ${warmup} s warm-up, ${duration} s, ${connections} connections`,
      );
      results.push({ backend, who, ...autocannon(`${server.url}${PATH}`, token) });
    }
    return results;
  } finally {
    server.child.kill('SIGTERM');
    await server.exited;
  }
}

const load0 = loadavg();
const results = [];
const notes = [];
try {
  if (only.includes('sqlite')) results.push(...(await bench('SQLite', 'warehouse: ./warehouse\n')));
  if (only.includes('postgres')) {
    const server = process.env['LAKEKIT_TEST_POSTGRES_URL'] || process.env['LAKEKIT_BENCH_PG_URL'];
    if (!server)
      notes.push('PostgreSQL left out: neither LAKEKIT_TEST_POSTGRES_URL nor LAKEKIT_BENCH_PG_URL is set');
    else {
      const db = `bench_rest_${process.pid}`;
      psql(server, `CREATE DATABASE ${db}`);
      try {
        const uri = withDatabase(server, db);
        results.push(...(await bench('PostgreSQL', `warehouse: ./warehouse\ncatalog:\n  uri: ${uri}\n`)));
      } finally {
        psql(server, `DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
      }
    }
  }
} finally {
  rmSync(work, { recursive: true, force: true });
}
const load1 = loadavg();

const errs = (r) => r.errors + r.timeouts + r.non2xx;
const meets = (r) => r.requestsPerSecond >= 2000 && r.p99 < 50 && errs(r) === 0;
const rows = results.map(
  (r) =>
    `| ${r.backend} | ${r.who} | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${errs(r)} | ${(r.bytesPerRequest / 1024).toFixed(1)} | ${meets(r) ? 'yes' : 'no'} |`,
);
const section = `${HEADING}

\`GET ${PATH}\` on \`lake serve\` (request logs at \`warn\`, so not written): the table was written by
${loads} \`lake load\` appends of examples/data/accounts.csv (${loads} snapshots in its metadata). Load from
autocannon in a second process on loopback: ${connections} connections, ${warmup} s warm-up (not counted),
then ${duration} s per row. Target: ≥ 2,000 requests/s, p99 < 50 ms, zero errors.

| catalog | principal | requests/s | p50 ms | p99 ms | errors | KiB/answer | meets target |
| --- | --- | ---: | ---: | ---: | ---: | ---: | --- |
${rows.join('\n')}

- machine: ${cpus().length} cores × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}
- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join(' / ')}, at end ${load1.map((x) => x.toFixed(2)).join(' / ')} (server, load generator and database share the machine)
- errors = connection errors + timeouts + non-2xx answers
- command: \`LAKEKIT_TEST_POSTGRES_URL=postgres://… node bench/run-rest.mjs\`
${notes.map((n) => `- ${n}\n`).join('')}`;

if (dryRun) process.stdout.write(section);
else {
  writeSection(join(root, 'bench', 'RESULTS.md'), HEADING, section);
  log(`wrote the "${HEADING.slice(3)}" section of bench/RESULTS.md`);
}
