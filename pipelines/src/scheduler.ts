/**
 * `lake schedule`: runs pipelines when their cron schedule says so (in the pipeline's `timezone`).
 *
 * A pipeline is due when a scheduled time falls after the scheduled time of its last scheduled run
 * (kept in the run records, so any number of schedulers and restarts agree); one that never ran is
 * due at once. Missed times (the scheduler was down) give one catch-up run (`missed_runs: run_once`)
 * or none (`skip`: only a time within the last minute counts). At most `concurrency` runs at once;
 * the pipeline lock (see the runner) keeps one run per pipeline across processes and hosts.
 * Table maintenance (`maintenance:` in the config) is one more job on `maintenance.schedule`.
 * `--once` runs what is due and returns, for system cron, Kubernetes CronJobs or Airflow. SIGTERM
 * stops scheduling; runs in flight finish (or are aborted after the grace period, or at once when
 * `abortRuns` fires: a second SIGTERM).
 */
import { isLakeError } from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { Cron } from 'croner';
import { type PipelineDefinition, pipelineNames, resolvePipeline } from './definition.js';
import { MAINTENANCE_JOB, maintenanceJob, runMaintenanceJob } from './maintenance-job.js';
import { type RunnerContext, type RunReport, runPipeline } from './runner.js';

export interface ScheduleOptions {
  once?: boolean;
  /** Runs at once (default 2). */
  concurrency?: number;
  /** Stop scheduling when aborted (SIGTERM). */
  signal?: AbortSignal;
  /** Abort the runs in flight when aborted (a second SIGTERM), without waiting for the grace period. */
  abortRuns?: AbortSignal;
  /** Runs still going this long after the stop are aborted (default 60 s). */
  graceMs?: number;
  now?: () => Date;
  onEvent?: (e: ScheduleEvent) => void;
}

export type ScheduleEvent =
  | { type: 'started'; pipeline: string; scheduledFor: string }
  | { type: 'finished'; pipeline: string; report: RunReport }
  | { type: 'skipped'; pipeline: string; reason: string }
  | { type: 'failed'; pipeline: string; error: string }
  | { type: 'idle'; nextRun?: string; pipeline?: string };

const SKIP_WINDOW_MS = 60_000;
/** Run records searched for a pipeline's last scheduled run (manual runs come between them). */
const HISTORY_LIMIT = 500;
/** A launch that made no run record (busy elsewhere, refused before starting) is retried after this. */
const RELAUNCH_MS = 60_000;

/** The latest scheduled time at or before `now`, after `after` (or any, when `after` is undefined). */
export function dueTime(p: PipelineDefinition, now: Date, after: Date | undefined): Date | undefined {
  if (!p.schedule) return undefined;
  const cron = new Cron(p.schedule, { timezone: p.timezone, paused: true });
  const previous = cron.previousRuns(1, new Date(now.getTime() + 1))[0];
  if (!previous) return undefined;
  if (after && previous.getTime() <= after.getTime()) return undefined;
  if (!after) return now; // never ran: due now
  if (p.missedRuns === 'skip' && now.getTime() - previous.getTime() > SKIP_WINDOW_MS) return undefined;
  return previous;
}

/** Runs due pipelines (see module comment). Returns the reports of the runs it made (`once` only). */
export async function runSchedule(
  base: Omit<RunnerContext, 'engine' | 'signal'> & { engine?: () => Promise<Engine> },
  options: ScheduleOptions = {},
): Promise<RunReport[]> {
  const now = options.now ?? (() => new Date());
  const concurrency = Math.max(1, options.concurrency ?? 2);
  const maintenance = maintenanceJob(base);
  const pipelines = [
    ...pipelineNames(base.config)
      .map((n) => resolvePipeline(base.config, n))
      .filter((p) => p.schedule !== undefined),
    ...(maintenance ? [maintenance] : []),
  ];
  const reports: RunReport[] = [];
  const running = new Map<string, Promise<void>>();
  const abortRuns = new AbortController();
  const onAbortRuns = () => abortRuns.abort();
  if (options.abortRuns?.aborted) abortRuns.abort();
  options.abortRuns?.addEventListener('abort', onAbortRuns, { once: true });
  const ops = base.catalog.operations;
  // Ends the daemon's sleep when a run ends: a pipeline held back by the concurrency limit starts then.
  let wake: (() => void) | undefined;
  // A pipeline whose launch left no run record is still due: without a pause it would be relaunched
  // at once, again and again, while another host holds its lock.
  const relaunchAt = new Map<string, number>();

  const lastScheduled = async (name: string): Promise<Date | undefined> => {
    const runs = await ops.listRuns({ pipeline: name, limit: HISTORY_LIMIT });
    for (const r of runs) {
      if (r.trigger.startsWith('schedule@')) return new Date(r.trigger.slice('schedule@'.length));
    }
    return undefined;
  };

  const launch = (p: PipelineDefinition, at: Date) => {
    options.onEvent?.({ type: 'started', pipeline: p.name, scheduledFor: at.toISOString() });
    const task = (async () => {
      let engine: Engine | undefined;
      try {
        engine = base.engine ? await base.engine() : await openEngine({ backgroundAllocatorThreads: true });
        const ctx = { ...base, engine, signal: abortRuns.signal };
        const trigger = `schedule@${at.toISOString()}`;
        const report =
          p.name === MAINTENANCE_JOB
            ? await runMaintenanceJob(ctx, { trigger })
            : await runPipeline(ctx, p.name, { trigger });
        // Kept for --once only: a daemon runs for months.
        if (options.once) reports.push(report);
        options.onEvent?.({ type: 'finished', pipeline: p.name, report });
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        relaunchAt.set(p.name, now().getTime() + RELAUNCH_MS);
        options.onEvent?.(
          isLakeError(e) && e.code === 'pipeline_busy'
            ? { type: 'skipped', pipeline: p.name, reason: error }
            : { type: 'failed', pipeline: p.name, error },
        );
      } finally {
        if (!base.engine) engine?.close();
        running.delete(p.name);
        wake?.();
      }
    })();
    running.set(p.name, task);
  };

  const tick = async () => {
    for (const p of pipelines) {
      if (options.signal?.aborted) return;
      if (running.has(p.name) || running.size >= concurrency) continue;
      if ((relaunchAt.get(p.name) ?? 0) > now().getTime()) continue;
      const at = dueTime(p, now(), await lastScheduled(p.name));
      if (at) launch(p, at);
    }
  };

  try {
    if (options.once) {
      // Everything due now, `concurrency` at a time.
      const due: [PipelineDefinition, Date][] = [];
      for (const p of pipelines) {
        const at = dueTime(p, now(), await lastScheduled(p.name));
        if (at) due.push([p, at]);
      }
      for (const [p, at] of due) {
        while (running.size >= concurrency) await Promise.race(running.values());
        if (options.signal?.aborted) break;
        launch(p, at);
      }
      await Promise.all(running.values());
      return reports;
    }

    while (!options.signal?.aborted) {
      await tick();
      const next = nextWake(pipelines, now());
      options.onEvent?.({
        type: 'idle',
        ...(next ? { nextRun: next.at.toISOString(), pipeline: next.pipeline } : {}),
      });
      const wait = Math.min(
        60_000,
        Math.max(250, (next?.at.getTime() ?? now().getTime() + 60_000) - now().getTime()),
      );
      const nap = new AbortController();
      wake = () => nap.abort();
      await sleep(wait, options.signal ? AbortSignal.any([nap.signal, options.signal]) : nap.signal);
      wake = undefined;
    }
    const grace = setTimeout(() => abortRuns.abort(), options.graceMs ?? 60_000);
    grace.unref();
    await Promise.all(running.values());
    clearTimeout(grace);
    return reports;
  } finally {
    options.abortRuns?.removeEventListener('abort', onAbortRuns);
  }
}

function nextWake(
  pipelines: readonly PipelineDefinition[],
  now: Date,
): { at: Date; pipeline: string } | undefined {
  let best: { at: Date; pipeline: string } | undefined;
  for (const p of pipelines) {
    const at = new Cron(p.schedule!, { timezone: p.timezone, paused: true }).nextRun(now);
    if (at && (!best || at < best.at)) best = { at, pipeline: p.name };
  }
  return best;
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
