// `node bench/run-demo.mjs [--runs 3] [--servers] [--dry-run]`: wall time of `pnpm demo` (issue 9:
// "exits 0 in under two minutes here"), run --runs times one after the other on a quiet machine,
// with the phases of its Acme part (from examples/acme/run.mjs --json-summary) run alone as well.
// Writes the "`pnpm demo` wall time (issue 9)" section of bench/RESULTS.md; --dry-run prints it.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { cpus, loadavg, release, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { writeSection } from './pipelines/results-section.mjs';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const args = process.argv.slice(2);
const runs = Number(args[args.indexOf('--runs') + 1] ?? 3) || 3;
const servers = args.includes('--servers');
const dryRun = args.includes('--dry-run');
const HEADING = '## `pnpm demo` wall time (issue 9)';
const log = (s) => process.stderr.write(`${s}\n`);

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const loadBefore = loadavg();

function timed(argv) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, argv, { cwd: root, encoding: 'utf8', maxBuffer: 64 << 20 });
  const s = (performance.now() - t0) / 1000;
  if (r.status !== 0) throw new Error(`${argv.join(' ')} exited ${r.status}: ${r.stderr.slice(-2000)}`);
  return s;
}

const extra = servers ? ['--servers'] : [];
const demo = [];
for (let i = 1; i <= runs; i++) {
  demo.push(timed([join(root, 'examples', 'demo.mjs'), ...extra]));
  log(`pnpm demo${servers ? ' --servers' : ''}: run ${i}/${runs}: ${demo.at(-1).toFixed(1)} s`);
}
const dir = mkdtempSync(join(tmpdir(), 'lakekit-bench-demo-'));
const phases = [];
try {
  for (let i = 1; i <= runs; i++) {
    const file = join(dir, `summary-${i}.json`);
    timed([join(root, 'examples', 'acme', 'run.mjs'), ...extra, '--json-summary', file]);
    phases.push(JSON.parse(readFileSync(file, 'utf8')).timings);
    log(`acme run ${i}/${runs}: ${(phases.at(-1).total / 1000).toFixed(1)} s`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
const phase = (k) => (median(phases.map((p) => p[k])) / 1000).toFixed(1);
const loadAfter = loadavg();
const fmt = (l) => l.map((x) => x.toFixed(2)).join(' / ');
const section = `${HEADING}

\`node bench/run-demo.mjs${servers ? ' --servers' : ''}\`: ${runs} runs of \`pnpm demo${servers ? ' --servers' : ''}\` (part 1: Acme on
${servers ? 'PostgreSQL and MariaDB servers' : 'embedded sources (PGlite, SQLite, files, a local HTTP API)'}; part 2: the step-by-step tour), then ${runs} runs of its
Acme part alone. Target: under two minutes.

| what | median s | runs (s) |
| --- | ---: | --- |
| \`pnpm demo\` (both parts) | ${median(demo).toFixed(1)} | ${demo.map((s) => s.toFixed(1)).join(', ')} |
| Acme part alone | ${phase('total')} | ${phases.map((p) => (p.total / 1000).toFixed(1)).join(', ')} |

Acme phases (median s): generate ${phase('generate')}, start sources ${phase('sources')}, pipelines
${phase('pipelines')}, governance ${phase('governance')}, questions ${phase('questions')}, receipt and lineage ${phase('explain')}.

- machine: ${cpus().length} cores × ${cpus()[0]?.model.trim()}, ${Math.round(totalmem() / 2 ** 30)} GiB RAM, Linux ${release()}, Node ${process.version}
- date: ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC; load average (1/5/15 min) at start ${fmt(loadBefore)}, at end ${fmt(loadAfter)}
- meets the target: ${median(demo) < 120 ? 'yes' : 'no'}
`;
if (dryRun) process.stdout.write(section);
else {
  writeSection(join(root, 'bench', 'RESULTS.md'), HEADING, section);
  log('bench/RESULTS.md updated');
}
