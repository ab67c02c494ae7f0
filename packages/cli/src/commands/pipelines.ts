/**
 * `lake run`, `lake runs`, `lake pipeline list`, `lake source list|test|discover`: the data engineer's
 * daily commands. `lake run` exits 0 when every stream published, 3 when a quality gate blocked
 * publishing, 1 when a stream failed.
 */
import { writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { ConfigError, redactUrl, type SourceStream, timing, typeToString, UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';

async function runner() {
  return import('@lakekit/pipelines');
}

const LEVELS: Record<string, number> = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };

/**
 * A pino logger on stderr at LAKEKIT_LOG_LEVEL (default warn): JSON lines for machines. pino is
 * loaded on the first message at an enabled level (a quiet run never loads it).
 */
async function logger(level?: string) {
  const name = level ?? process.env['LAKEKIT_LOG_LEVEL'] ?? 'warn';
  if (name !== 'silent' && LEVELS[name] === undefined) {
    throw new UsageError(`unknown log level ${name} (one of ${Object.keys(LEVELS).join(', ')}, silent)`);
  }
  const threshold = name === 'silent' ? Number.POSITIVE_INFINITY : LEVELS[name]!;
  type Pino = import('pino').Logger;
  let real: Pino | undefined;
  const get = (): Pino => {
    if (!real) {
      const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
      real = pino({ level: name, base: { pid: process.pid } }, pino.destination(2));
    }
    return real;
  };
  const at =
    (n: number, method: 'info' | 'warn' | 'error') =>
    (obj: object, msg?: string): void => {
      if (n >= threshold) get()[method](obj, msg);
    };
  return { info: at(30, 'info'), warn: at(40, 'warn'), error: at(50, 'error') };
}

/** Progress on a terminal: rows staged per stream. */
function progressLine() {
  const tty = process.stderr.isTTY === true;
  return {
    update(p: { stream: string; phase: string; rows?: number }) {
      if (tty) process.stderr.write(`\r\x1b[K${p.stream}: ${p.phase} ${p.rows ?? ''} rows`);
    },
    clear() {
      if (tty) process.stderr.write('\r\x1b[K');
    },
  };
}

/** `lake run <pipeline> [--full-refresh] [--stream s]` */
export async function runCommand(
  ctx: CommandContext,
  name: string,
  opts: { fullRefresh?: boolean; stream?: string[]; logLevel?: string },
): Promise<number> {
  timing('command start');
  const { runPipeline, resolvePipeline } = await runner();
  const def = resolvePipeline(ctx.config, name);
  const { loadFactories } = await import('../connectors.js');
  // DuckDB is opened by the runner once the source is working (its loading overlaps extraction).
  const [factories, catalog, log] = await Promise.all([
    loadFactories(ctx.config, [def.source]).finally(() => timing('connector loaded')),
    ctx.catalog().finally(() => timing('catalog open')),
    logger(opts.logLevel),
  ]);
  const engine = () => ctx.engine();
  const progress = progressLine();
  const abort = new AbortController();
  const onSignal = () => abort.abort();
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  let report: Awaited<ReturnType<typeof runPipeline>>;
  try {
    report = await runPipeline(
      {
        config: ctx.config,
        catalog,
        engine,
        factories,
        io: await ctx.fileIO(),
        log,
        onProgress: (p) => progress.update(p),
        signal: abort.signal,
      },
      name,
      {
        ...(opts.fullRefresh ? { fullRefresh: true } : {}),
        ...(opts.stream ? { streams: opts.stream } : {}),
        ...(process.env['LAKEKIT_TEST_HOOK'] ? { hook: testHook(process.env['LAKEKIT_TEST_HOOK']) } : {}),
      },
    );
  } finally {
    progress.clear();
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (ctx.options.json) printJson(report);
  else {
    printTable(
      ['stream', 'target', 'mode', 'status', 'read', 'written', 'removed', 'snapshot', 'seconds'],
      report.streams.map((s) => [
        s.stream,
        s.target,
        s.mode,
        s.status,
        s.rowsRead,
        s.rowsWritten,
        s.rowsDeleted,
        s.snapshotId ?? '',
        (s.durationMs / 1000).toFixed(1),
      ]),
    );
    for (const s of report.streams) {
      for (const c of s.checks ?? []) {
        if (c.status !== 'passed') info(`${s.target}: check ${c.name} (${c.severity}) failed: ${c.message}`);
      }
      if (s.quarantined) info(`${s.target}: ${s.quarantined} rows copied to ${s.target}__quarantine`);
      for (const note of s.notes ?? []) info(note);
      if (s.error) info(`${s.stream}: ${s.error}`);
    }
    info(`run ${report.id}: ${report.status} in ${(report.durationMs / 1000).toFixed(1)} s`);
  }
  if (report.status === 'failed') {
    if (!ctx.options.json) process.stderr.write(`lake: error: ${report.error}\n`);
    else
      process.stderr.write(
        `${JSON.stringify({ error: { code: 'run_failed', message: report.error, run: report.id } })}\n`,
      );
    return 1;
  }
  return report.status === 'blocked' ? 3 : 0;
}

/**
 * LAKEKIT_TEST_HOOK=<point>:<action>: crash-safety tests stop the process at a named point of a stream
 * (`written:kill` sends SIGKILL to itself right after the data files are written).
 */
function testHook(spec: string) {
  const [point, action] = spec.split(':');
  return (at: string) => {
    if (at === point && action === 'kill') process.kill(process.pid, 'SIGKILL');
  };
}

/** `lake runs [pipeline]` */
export async function runsList(
  ctx: CommandContext,
  pipeline: string | undefined,
  opts: { limit?: string },
): Promise<number> {
  const limit = opts.limit === undefined ? 20 : Number(opts.limit);
  if (!Number.isInteger(limit) || limit < 1) {
    throw new UsageError(`--limit ${opts.limit}: expected a whole number of runs, 1 or more`);
  }
  const catalog = await ctx.catalog();
  const runs = await catalog.operations.listRuns({ ...(pipeline ? { pipeline } : {}), limit });
  if (ctx.options.json) printJson({ runs: runs.map(({ detail: _d, ...r }) => r) });
  else
    printTable(
      ['id', 'pipeline', 'status', 'trigger', 'started', 'seconds', 'error'],
      runs.map((r) => [
        r.id,
        r.pipeline,
        r.status,
        r.trigger,
        r.startedAt,
        r.endedAt ? ((Date.parse(r.endedAt) - Date.parse(r.startedAt)) / 1000).toFixed(1) : '',
        (r.error ?? '').slice(0, 80),
      ]),
    );
  return 0;
}

/** `lake runs show <id>` */
export async function runsShow(ctx: CommandContext, id: string): Promise<number> {
  const catalog = await ctx.catalog();
  const run = await catalog.operations.getRun(id);
  if (!run) throw new UsageError(`no run ${id} (see lake runs)`, { context: { run: id } });
  const quality = await catalog.operations.listQuality({ runId: run.id });
  if (ctx.options.json) {
    printJson({ ...run, quality });
    return 0;
  }
  info(
    `run ${run.id} of ${run.pipeline}: ${run.status} (${run.trigger}), started ${run.startedAt}${run.endedAt ? `, ended ${run.endedAt}` : ''} on ${run.host} pid ${run.pid}`,
  );
  if (run.error) info(`error: ${run.error}`);
  const streams = ((run.detail as { streams?: Record<string, unknown>[] } | undefined)?.streams ??
    []) as Record<string, unknown>[];
  printTable(
    ['stream', 'target', 'mode', 'status', 'read', 'written', 'deleted', 'bytes', 'snapshot', 'cursor'],
    streams.map((s) => [
      s['stream'],
      s['target'],
      s['mode'],
      s['status'],
      s['rowsRead'],
      s['rowsWritten'],
      s['rowsDeleted'],
      s['bytes'],
      s['snapshotId'] ?? '',
      s['cursor'] ?? '',
    ]),
  );
  if (quality.length > 0) {
    process.stdout.write('\n');
    printTable(
      ['table', 'check', 'severity', 'status', 'failing rows', 'snapshot'],
      quality.map((q) => [q.table, q.check, q.severity, q.status, q.failingRows, q.snapshotId ?? '']),
    );
  }
  return 0;
}

/** `d` as ISO 8601 local time of `timeZone` with its offset (`2026-11-30T02:30:00-05:00`). */
function isoInZone(d: Date, timeZone: string): string {
  const parts = Object.fromEntries(
    new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    })
      .formatToParts(d)
      .map((p) => [p.type, p.value]),
  );
  const local = `${parts['year']}-${parts['month']}-${parts['day']}T${parts['hour']}:${parts['minute']}:${parts['second']}`;
  const offset = Math.round((Date.parse(`${local}Z`) - Math.floor(d.getTime() / 1000) * 1000) / 60_000);
  const abs = Math.abs(offset);
  const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
  return `${local}${offset < 0 ? '-' : '+'}${hhmm}`;
}

/** `lake pipeline list`: pipelines, their schedules and next run times (UTC, and in the pipeline's zone). */
export async function pipelineList(ctx: CommandContext): Promise<number> {
  const { pipelineNames, resolvePipeline } = await runner();
  const { Cron } = await import('croner');
  const rows = pipelineNames(ctx.config).map((n) => {
    const p = resolvePipeline(ctx.config, n);
    const next = p.schedule ? new Cron(p.schedule, { timezone: p.timezone, paused: true }).nextRun() : null;
    return {
      pipeline: n,
      source: p.source,
      streams: p.streams.map((s) => `${s.stream}→${s.target}`),
      schedule: p.schedule ?? null,
      timezone: p.timezone,
      nextRun: next ? next.toISOString() : null,
      nextRunLocal: next ? isoInZone(next, p.timezone) : null,
    };
  });
  if (ctx.options.json) printJson({ pipelines: rows });
  else
    printTable(
      ['pipeline', 'source', 'schedule', 'next run (UTC)', 'next run (local)', 'streams'],
      rows.map((r) => [
        r.pipeline,
        r.source,
        r.schedule ? `${r.schedule} ${r.timezone}` : '',
        r.nextRun ?? '',
        r.nextRunLocal ?? '',
        r.streams.join(', '),
      ]),
    );
  return 0;
}

async function openSource(ctx: CommandContext, name: string) {
  const { resolveSource } = await runner();
  const { loadFactories } = await import('../connectors.js');
  if (!ctx.config.sources?.[name]) {
    const known = Object.keys(ctx.config.sources ?? {});
    throw new ConfigError(
      `no source named ${name}${known.length ? ` (sources: ${known.join(', ')})` : ' (the configuration has no sources: section)'}`,
      { context: { source: name } },
    );
  }
  const factories = await loadFactories(ctx.config, [name]);
  const def = resolveSource(ctx.config, name, factories);
  return def.factory.create(def.name, def.config, {
    baseDir: ctx.config.origin?.baseDir ?? process.cwd(),
    io: await ctx.fileIO(),
  });
}

/** Where a configured source reads from, for people: URLs without credentials, never a secret key. */
function sourceWhere(s: Readonly<Record<string, unknown>>): string {
  const text = (k: string) => (typeof s[k] === 'string' ? (s[k] as string) : undefined);
  const url = text('url') ?? text('base_url');
  if (url !== undefined) return redactUrl(url);
  const path = text('path');
  if (path !== undefined) return path;
  const host = text('host');
  if (host === undefined) return '';
  const port = typeof s['port'] === 'number' || typeof s['port'] === 'string' ? `:${s['port']}` : '';
  const user = text('user') ?? text('username');
  const db = text('database');
  return `${user ? `${user}@` : ''}${host}${port}${db ? `/${db}` : ''}`;
}

/** `lake source list` */
export async function sourceList(ctx: CommandContext): Promise<number> {
  const rows = Object.entries(ctx.config.sources ?? {}).map(([name, s]) => ({
    source: name,
    type: String(s['type']),
    target: sourceWhere(s),
  }));
  if (ctx.options.json) printJson({ sources: rows });
  else
    printTable(
      ['source', 'type', 'where'],
      rows.map((r) => [r.source, r.type, r.target]),
    );
  return 0;
}

/** `lake source test <name>` */
export async function sourceTest(ctx: CommandContext, name: string): Promise<number> {
  const connector = await openSource(ctx, name);
  try {
    const t0 = performance.now();
    const infoResult = await connector.test();
    const ms = Math.round(performance.now() - t0);
    if (ctx.options.json) printJson({ source: name, ok: true, ...infoResult, ms });
    // The result goes to stdout, like every command's result (stderr is for logs and progress).
    else
      process.stdout.write(
        `source ${name}: ok — ${infoResult.kind}${infoResult.version ? ` ${infoResult.version}` : ''} at ${infoResult.target} (${ms} ms)\n`,
      );
    return 0;
  } finally {
    await connector.close();
  }
}

/** The YAML of a pipeline that syncs every stream found (a starting point to edit). */
function skeleton(source: string, streams: readonly SourceStream[]): string {
  const lines = [
    '# Written by `lake source discover`: edit modes, keys and cursors, then `lake run ' +
      `${source}_sync\`.`,
    'pipelines:',
    `  ${yamlText(`${source}_sync`)}:`,
    `    source: ${yamlText(source)}`,
    '    # schedule: "0 * * * *"      # cron; timezone: UTC',
    '    streams:',
  ];
  const namespace = identifier(source);
  // Tables of the same name in two schemas (public.accounts, audit.accounts) keep the schema in the name.
  const short = (s: SourceStream) => identifier(s.name.split('.').pop()!);
  const counts = new Map<string, number>();
  for (const s of streams) counts.set(short(s), (counts.get(short(s)) ?? 0) + 1);
  for (const s of streams) {
    const table = counts.get(short(s))! > 1 ? identifier(s.name) : short(s);
    const list = (names: readonly string[]) => `[${names.map(yamlText).join(', ')}]`;
    lines.push(`      ${JSON.stringify(s.name)}:`);
    lines.push(`        target: ${namespace}.${table}`);
    const unsupported = s.columns.filter((c) => !c.type);
    if (s.primaryKey.length > 0) {
      lines.push('        mode: merge');
      lines.push(`        primary_key: ${list(s.primaryKey)}`);
    } else {
      lines.push('        mode: append                # no primary key at the source');
    }
    const cursor = s.cursorCandidates.find((c) => /updated|modified|changed/i.test(c));
    const others = s.cursorCandidates.length > 0 ? `   # candidates: ${s.cursorCandidates.join(', ')}` : '';
    lines.push(
      cursor ? `        cursor: ${yamlText(cursor)}${others}` : `        # cursor: <column>${others}`,
    );
    if (unsupported.length > 0) {
      lines.push('        casts:                    # source types without an Iceberg type, read as text');
      for (const c of unsupported) {
        lines.push(
          `          ${yamlText(c.name)}: string          # ${c.sourceType}: ${c.unsupported ?? 'no mapping'}`,
        );
      }
    }
    lines.push(
      `        # columns: ${s.columns.map((c) => `${c.name} ${c.type ? typeToString(c.type) : `(${c.sourceType})`}`).join(', ')}`,
    );
  }
  return `${lines.join('\n')}\n`;
}

/** A name as a YAML scalar: plain when it is a simple identifier, else double-quoted. */
function yamlText(name: string): string {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name) && !/^(true|false|null|yes|no|on|off|y|n)$/i.test(name)
    ? name
    : JSON.stringify(name);
}

/** A table or namespace name made of letters, digits and underscores (`Order Items` → `Order_Items`). */
function identifier(name: string): string {
  return name.replace(/[^A-Za-z0-9_]+/g, '_').replace(/^_+|_+$/g, '') || 'stream';
}

/** `lake source discover <name> [--write file]` */
export async function sourceDiscover(
  ctx: CommandContext,
  name: string,
  opts: { write?: string },
): Promise<number> {
  const connector = await openSource(ctx, name);
  let streams: SourceStream[];
  try {
    streams = await connector.discover();
  } finally {
    await connector.close();
  }
  const yaml = skeleton(name, streams);
  if (opts.write) {
    const path = resolve(process.cwd(), opts.write);
    await writeFile(path, yaml, { flag: 'wx' }).catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EEXIST') throw new UsageError(`${opts.write} exists: choose another file or delete it`);
      throw e;
    });
    info(`wrote a pipeline skeleton for ${streams.length} streams to ${opts.write}`);
  }
  if (ctx.options.json) {
    printJson({
      source: name,
      streams: streams.map((s) => ({
        ...s,
        columns: s.columns.map((c) => ({ ...c, type: c.type ? typeToString(c.type) : null })),
      })),
      skeleton: yaml,
    });
  } else if (!opts.write) {
    process.stdout.write(yaml);
  }
  return 0;
}

const DAEMON_RUNS_KEPT = 1000;

/**
 * `lake schedule [--once] [--concurrency n]`. With `--once` the exit code is the worst of the runs (1 a
 * failure, 3 a blocked gate); the daemon exits 0 when told to stop (its runs' outcomes are in `lake
 * runs`), so a service manager does not take a normal stop for a crash. A second SIGTERM or SIGINT
 * aborts the runs in flight instead of waiting for them.
 */
export async function scheduleCommand(
  ctx: CommandContext,
  opts: { once?: boolean; concurrency?: string; logLevel?: string },
): Promise<number> {
  const concurrency = opts.concurrency === undefined ? undefined : Number(opts.concurrency);
  if (concurrency !== undefined && !(Number.isInteger(concurrency) && concurrency >= 1)) {
    throw new UsageError(`--concurrency ${opts.concurrency}: expected a whole number of runs, 1 or more`);
  }
  const { runSchedule, pipelineNames, resolvePipeline } = await runner();
  const defs = pipelineNames(ctx.config).map((n) => resolvePipeline(ctx.config, n));
  if (!opts.once && !defs.some((p) => p.schedule !== undefined) && !ctx.config.maintenance) {
    throw new UsageError(
      `no pipeline has a schedule and there is no maintenance: section: add schedule: "<cron>" to one${defs.length > 0 ? ` (pipelines: ${defs.map((p) => p.name).join(', ')})` : ''}`,
    );
  }
  // Only scheduled pipelines run here: the drivers of the others' sources are not loaded.
  const sources = [...new Set(defs.filter((p) => p.schedule !== undefined).map((p) => p.source))];
  const { loadFactories } = await import('../connectors.js');
  const [factories, catalog, log] = await Promise.all([
    loadFactories(ctx.config, sources),
    ctx.catalog(),
    logger(opts.logLevel ?? (opts.once ? undefined : 'info')),
  ]);
  const stop = new AbortController();
  const abortRuns = new AbortController();
  const onSignal = () => {
    if (!stop.signal.aborted) {
      info('lake schedule: stopping (runs in flight finish first; signal again to abort them)');
      stop.abort();
    } else if (!abortRuns.signal.aborted) {
      info('lake schedule: aborting the runs in flight');
      abortRuns.abort();
    }
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let worst = 0;
  // What --json prints at the end: every run of --once; the daemon keeps only the latest.
  const runs: unknown[] = [];
  const record = (entry: unknown) => {
    runs.push(entry);
    if (!opts.once && runs.length > DAEMON_RUNS_KEPT) runs.shift();
  };
  try {
    await runSchedule(
      { config: ctx.config, catalog, factories, io: await ctx.fileIO(), log },
      {
        ...(opts.once ? { once: true } : {}),
        ...(concurrency !== undefined ? { concurrency } : {}),
        signal: stop.signal,
        abortRuns: abortRuns.signal,
        onEvent: (e) => {
          if (e.type === 'finished') {
            record({ pipeline: e.pipeline, id: e.report.id, status: e.report.status });
            const code = e.report.status === 'failed' ? 1 : e.report.status === 'blocked' ? 3 : 0;
            worst = Math.max(worst, code === 3 && worst === 1 ? 1 : code);
            if (!ctx.options.json)
              info(
                `${e.pipeline}: run ${e.report.id} ${e.report.status}${e.report.error ? ` — ${e.report.error}` : ''}`,
              );
          } else if (e.type === 'failed') {
            worst = 1;
            record({ pipeline: e.pipeline, status: 'failed', error: e.error });
            if (!ctx.options.json) info(`${e.pipeline}: ${e.error}`);
          } else if (e.type === 'skipped') {
            record({ pipeline: e.pipeline, status: 'skipped', reason: e.reason });
            if (!ctx.options.json) info(`${e.pipeline}: skipped — ${e.reason}`);
          } else if (e.type === 'started') {
            log.info({ pipeline: e.pipeline, scheduledFor: e.scheduledFor }, 'scheduled run starting');
          } else if (e.type === 'idle') {
            log.info({ nextRun: e.nextRun, pipeline: e.pipeline }, 'waiting for the next scheduled run');
          }
        },
      },
    );
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  if (ctx.options.json) printJson({ runs });
  else if (opts.once && runs.length === 0) info('nothing due');
  return opts.once ? worst : 0;
}
