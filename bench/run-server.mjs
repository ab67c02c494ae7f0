// `node bench/run-server.mjs`: throughput of the governance API (issue 5). Starts `lake serve` on a
// SQLite catalog, then on PostgreSQL (LAKEKIT_BENCH_PG_URL, else a throwaway server from
// tests/services/postgres.sh when PostgreSQL is installed), loads a few tables, sets up a role with
// grants, a mask and a row filter over HTTP, and runs autocannon from a second process against
//   GET /api/v1/tables/{t}/access?principal=…   (effective access, the policy decision)
//   GET /api/v1/tables                           (the catalog listing, filtered by `can`)
// for --duration seconds (default 10) with --connections (default 20) each, as a non-admin principal.
// Writes the "Governance API (issue 5)" section of bench/RESULTS.md, keeping the other sections;
// --dry-run prints it instead (use it with --duration 2 for a smoke run). --only sqlite|postgres.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from './pipelines/results-section.mjs';
import { psql, startService, stopService, withDatabase } from './pipelines/services.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const duration = Number(opt('duration', '10'));
const connections = Number(opt('connections', '20'));
const dryRun = args.includes('--dry-run');
const only = opt('only', 'sqlite,postgres').split(',');
if (!(duration >= 1 && connections >= 1)) throw new Error('--duration ≥ 1, --connections ≥ 1');

const lakeJs = join(root, 'packages', 'cli', 'bin', 'lake.js');
const cannon = join(root, 'bench', 'server', 'autocannon-run.mjs');
const csv = join(root, 'examples', 'data', 'accounts.csv');
const work = mkdtempSync(join(tmpdir(), 'lakekit-bench-server-'));
const log = (s) => process.stderr.write(`${s}\n`);
const TABLES = ['crm.accounts', 'crm.prospects', 'sales.accounts', 'hr.people'];

/** Starts `lake serve --port 0` in `cwd`; resolves with its URL once it listens. */
function serve(cwd) {
  const child = spawn(process.execPath, [lakeJs, 'serve', '--port', '0'], {
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
  return res.status === 204 ? undefined : res.json();
}

/** Tables, a role with grants, a mask and a row filter; returns the analyst's token. */
async function setUp(url, admin) {
  await api(url, admin, 'POST', '/api/v1/principals', {
    name: 'analyst',
    kind: 'user',
    attributes: { region: 'west' },
  });
  await api(url, admin, 'POST', '/api/v1/roles', { name: 'analysts' });
  await api(url, admin, 'PUT', '/api/v1/roles/analysts/members/analyst');
  const grant = (privilege, securable) =>
    api(url, admin, 'POST', '/api/v1/grants', {
      privilege,
      securable,
      grantee: { type: 'role', name: 'analysts' },
    });
  await grant('USAGE', { type: 'catalog' });
  await grant('USAGE', { type: 'namespace', name: 'crm' });
  await grant('USAGE', { type: 'namespace', name: 'sales' });
  await grant('SELECT', { type: 'table', name: 'crm.accounts' });
  await grant('SELECT', { type: 'table', name: 'crm.prospects' });
  await grant('SELECT', { type: 'column', table: 'sales.accounts', column: 'name' });
  await api(url, admin, 'PUT', '/api/v1/tables/crm.accounts/columns/name/masks/analysts', {
    kind: 'partial',
    keepLast: 3,
  });
  await api(url, admin, 'PUT', '/api/v1/tables/crm.accounts/row-filters/analysts', {
    predicate: 'region = principal.region',
  });
  await api(url, admin, 'PUT', '/api/v1/tables/crm.accounts/columns/annual_revenue/tags/finance');
  await api(url, admin, 'PATCH', '/api/v1/tables/crm.accounts/annotations', {
    description: 'Customer accounts',
  });
  return (await api(url, admin, 'POST', '/api/v1/principals/analyst/tokens', { name: 'bench' })).token;
}

function autocannon(url, token) {
  const out = execFileSync(process.execPath, [cannon, url, token, String(duration), String(connections)], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return JSON.parse(out.trim().split('\n').pop());
}

/** One backend: a fresh workspace, tables loaded with `lake load`, the server, two measurements. */
async function bench(backend, yaml) {
  const dir = join(work, backend);
  execFileSync('mkdir', ['-p', dir]);
  writeFileSync(join(dir, 'lakekit.yaml'), yaml);
  for (const t of TABLES) {
    execFileSync(process.execPath, [lakeJs, 'load', csv, '--table', t], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'inherit'],
    });
  }
  const server = await serve(dir);
  try {
    const admin = readFileSync(join(dir, '.lakekit', 'admin-token'), 'utf8').trim();
    const token = await setUp(server.url, admin);
    const results = [];
    for (const [label, path] of [
      [
        'GET /api/v1/tables/crm.accounts/access?principal=analyst',
        '/api/v1/tables/crm.accounts/access?principal=analyst',
      ],
      ['GET /api/v1/tables', '/api/v1/tables'],
    ]) {
      log(`${backend}: ${label} for ${duration} s, ${connections} connections`);
      results.push({ backend, label, ...autocannon(`${server.url}${path}`, token) });
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
let pgStarted = false;
const pgState = join(work, 'state');
try {
  if (only.includes('sqlite')) results.push(...(await bench('SQLite', 'warehouse: ./warehouse\n')));
  if (only.includes('postgres')) {
    let server = process.env['LAKEKIT_BENCH_PG_URL'];
    if (!server) {
      try {
        server = startService(root, 'postgres', pgState);
        pgStarted = true;
      } catch (e) {
        notes.push(
          `PostgreSQL left out: no LAKEKIT_BENCH_PG_URL and no throwaway server (${e.message.split('\n')[0]})`,
        );
      }
    }
    if (server) {
      const db = `bench_server_${process.pid}`;
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
  if (pgStarted) stopService(root, 'postgres', pgState);
  rmSync(work, { recursive: true, force: true });
}
const load1 = loadavg();

const rows = results.map(
  (r) =>
    `| ${r.backend} | \`${r.label}\` | ${Math.round(r.requestsPerSecond)} | ${r.p50} | ${r.p99} | ${r.errors + r.timeouts + r.non2xx} |`,
);
const section = `## Governance API (issue 5)

\`lake serve\` (hono on Node's HTTP server; request logs at \`warn\`, so not written) answering a non-admin
principal holding a role with USAGE, table and column SELECT grants, a mask and a row filter; four tables
of 200 rows. Load from autocannon in a second process: ${connections} connections, ${duration} s per endpoint.

| catalog | endpoint | requests/s | p50 ms | p99 ms | errors |
| --- | --- | ---: | ---: | ---: | ---: |
${rows.join('\n')}

- machine: ${cpus().length} cores × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB RAM, Linux ${release()}, Node ${process.version}
- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average (1/5/15 min) at start ${load0.map((x) => x.toFixed(2)).join(' / ')}, at end ${load1.map((x) => x.toFixed(2)).join(' / ')} (server, load generator and database share the machine)
- errors = connection errors + timeouts + non-2xx answers
${notes.map((n) => `- ${n}\n`).join('')}`;

if (dryRun) process.stdout.write(section);
else {
  writeSection(join(root, 'bench', 'RESULTS.md'), '## Governance API (issue 5)', section);
  log('wrote the "Governance API (issue 5)" section of bench/RESULTS.md');
}
