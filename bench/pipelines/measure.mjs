// Times whole processes for the pipeline benchmarks. Each command runs under GNU time
// (`/usr/bin/time -f …`), which gives its CPU seconds and its peak resident set size (the process's
// own ru_maxrss: DuckDB lives in the same process as `lake`, so its memory is in that figure). For
// the memory benchmark the process tree is also sampled through /proc (summed VmRSS of every
// descendant), so a helper process would not escape the measurement; and a phase sampler can watch
// folders grow (staged CSV, Parquet) to tell where a run spends its time.
import { spawn } from 'node:child_process';
import { closeSync, existsSync, openSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';

const GNU_TIME = '/usr/bin/time';

/** The median of numbers (mean of the middle two for an even count). */
export function median(xs) {
  const s = [...xs].sort((a, b) => a - b);
  if (s.length === 0) return Number.NaN;
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

/** Parent pid of every process, from /proc/<pid>/stat (the command name may hold spaces and parens). */
function parentMap() {
  const parents = new Map();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8');
      const rest = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parents.set(Number(name), Number(rest[1]));
    } catch {
      // The process ended meanwhile.
    }
  }
  return parents;
}

/** Summed VmRSS (KiB) of the descendants of `rootPid` (not `rootPid` itself: that is GNU time). */
function treeRssKb(rootPid) {
  const parents = parentMap();
  const inTree = new Set([rootPid]);
  let grew = true;
  while (grew) {
    grew = false;
    for (const [pid, ppid] of parents) {
      if (!inTree.has(pid) && inTree.has(ppid)) {
        inTree.add(pid);
        grew = true;
      }
    }
  }
  let kb = 0;
  let processes = 0;
  for (const pid of inTree) {
    if (pid === rootPid) continue;
    try {
      const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
      if (m) {
        kb += Number(m[1]);
        processes++;
      }
    } catch {
      // Ended meanwhile.
    }
  }
  return { kb, processes };
}

/** Total size in bytes of the files under `dir` whose names end with `suffix` (0 when it is missing). */
export function folderBytes(dir, suffix = '') {
  let total = 0;
  let entries;
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return 0;
  }
  for (const e of entries) {
    const p = join(dir, e.name);
    if (e.isDirectory()) total += folderBytes(p, suffix);
    else if (e.name.endsWith(suffix)) {
      try {
        total += statSync(p).size;
      } catch {
        // Removed meanwhile.
      }
    }
  }
  return total;
}

/**
 * Runs `cmd args` to its end and measures it. Options: cwd, env, stdoutFile (the command's stdout goes
 * there instead of being captured), tree (sample the process tree's RSS every 100 ms), watch
 * (`{ name: () => bytes }` sampled every 100 ms: a timeline of how those folders grow).
 * Resolves to { ms, cpuS, maxRssKb, treePeakKb, treeProcesses, stdout, stderr, samples }; rejects
 * when the command exits non-zero.
 */
export function timeProcess(cmd, args, options = {}) {
  const report = join(options.reportDir ?? options.cwd ?? '.', `.time-${process.pid}-${Date.now()}.txt`);
  const useTime = existsSync(GNU_TIME);
  const argv = useTime ? ['-f', '%U %S %M', '-o', report, cmd, ...args] : args;
  const out = options.stdoutFile ? openSync(options.stdoutFile, 'w') : 'pipe';
  return new Promise((resolve, reject) => {
    const t0 = process.hrtime.bigint();
    const child = spawn(useTime ? GNU_TIME : cmd, argv, {
      cwd: options.cwd,
      env: options.env ?? process.env,
      stdio: ['ignore', out, 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout?.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    let treePeakKb = 0;
    let treeProcesses = 0;
    const samples = [];
    const sample = () => {
      const at = Number(process.hrtime.bigint() - t0) / 1e6;
      if (options.tree && child.pid) {
        const t = treeRssKb(child.pid);
        treePeakKb = Math.max(treePeakKb, t.kb);
        treeProcesses = Math.max(treeProcesses, t.processes);
      }
      if (options.watch) {
        const s = { at };
        for (const [name, f] of Object.entries(options.watch)) s[name] = f();
        samples.push(s);
      }
    };
    const timer = options.tree || options.watch ? setInterval(sample, 100) : undefined;
    child.on('error', (e) => {
      clearInterval(timer);
      reject(e);
    });
    child.on('close', (code) => {
      const ms = Number(process.hrtime.bigint() - t0) / 1e6;
      clearInterval(timer);
      // A last look at the folders (what the final 100 ms wrote).
      if (options.watch) sample();
      if (typeof out === 'number') closeSync(out);
      let cpuS = Number.NaN;
      let maxRssKb = Number.NaN;
      if (useTime && existsSync(report)) {
        const last = readFileSync(report, 'utf8').trim().split('\n').pop() ?? '';
        const [u, s, m] = last.split(' ').map(Number);
        cpuS = u + s;
        maxRssKb = m;
        rmSync(report, { force: true });
      }
      if (code !== 0) {
        reject(new Error(`${cmd} ${args.join(' ')} exited ${code}: ${stderr.slice(-4000)}`));
        return;
      }
      resolve({ ms, cpuS, maxRssKb, treePeakKb, treeProcesses, stdout, stderr, samples });
    });
  });
}
