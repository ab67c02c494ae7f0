/**
 * Scheduled table maintenance (`maintenance:` in the config): `lake schedule` runs every table's
 * policy (Foundation II's expire → compact → rewrite manifests → remove orphans) on
 * `maintenance.schedule` (default daily at 03:00 in `maintenance.timezone`), as a job recorded like a
 * pipeline run under the name `@maintenance`, holding the `maintenance` lock so two schedulers never
 * maintain at once. A table that fails is reported and the others still run.
 */
import { randomUUID } from 'node:crypto';
import type { RunStatus } from '@lakekit/catalog';
import { LakeError, maintenancePolicyFor } from '@lakekit/core';
import { runMaintenance } from '@lakekit/iceberg';
import type { PipelineDefinition } from './definition.js';
import type { RunnerContext, RunReport, StreamReport } from './runner.js';

/** The run-record name of the maintenance job. */
export const MAINTENANCE_JOB = '@maintenance';

const LEASE_MS = 60 * 60_000;

/** The maintenance job as the scheduler sees it (a schedule and a time zone), when configured. */
export function maintenanceJob(ctx: Pick<RunnerContext, 'config'>): PipelineDefinition | undefined {
  const m = ctx.config.maintenance;
  if (!m) return undefined;
  return {
    name: MAINTENANCE_JOB,
    source: '',
    schedule: m.schedule,
    timezone: m.timezone,
    missedRuns: 'run_once',
    streams: [],
    checks: {},
    retries: { attempts: 1, backoffSeconds: 1, maxBackoffSeconds: 1 },
  };
}

/** Runs every table's maintenance policy once (see module comment). */
export async function runMaintenanceJob(
  ctx: RunnerContext,
  options: { trigger?: string } = {},
): Promise<RunReport> {
  const ops = ctx.catalog.operations;
  const id = randomUUID();
  const held = await ops.acquireLock('maintenance', id, LEASE_MS);
  if (held) {
    throw new LakeError(
      'pipeline_busy',
      `maintenance is already running (run ${held.holder} on ${held.host}, pid ${held.pid}, since ${held.acquiredAt})`,
      { context: { pipeline: MAINTENANCE_JOB, run: held.holder } },
    );
  }
  const started = Date.now();
  const reports: StreamReport[] = [];
  let status: RunStatus = 'succeeded';
  try {
    const run = await ops.startRun({ id, pipeline: MAINTENANCE_JOB, trigger: options.trigger ?? 'manual' });
    for (const ns of await ctx.catalog.listNamespaces()) {
      for (const tid of await ctx.catalog.listTables(ns)) {
        const name = [...tid.namespace, tid.name].join('.');
        const t0 = Date.now();
        try {
          const table = await ctx.catalog.loadTable(tid);
          const r = await runMaintenance(
            table,
            typeof ctx.engine === 'function' ? await ctx.engine() : ctx.engine,
            maintenancePolicyFor(ctx.config.maintenance, name),
            // Snapshots named by answer receipts stay until the receipts' retention ends.
            { protectedSnapshotIds: await ctx.catalog.answers.protectedSnapshots(name) },
          );
          reports.push({
            stream: name,
            target: name,
            mode: 'maintenance',
            status: 'succeeded',
            rowsRead: 0,
            rowsWritten: 0,
            rowsDeleted: 0,
            bytes: r.compact?.rewrittenBytes ?? 0,
            durationMs: Date.now() - t0,
            maintenance: {
              expiredSnapshots: r.expire.removedSnapshotIds.length,
              deletedDataFiles: r.expire.deletedDataFiles,
              compactedFiles: r.compact?.rewrittenDataFiles ?? 0,
              rewrittenManifests: r.rewriteManifests?.rewrittenManifests ?? 0,
              removedOrphans: r.removeOrphans.orphanFiles.length,
            },
          });
        } catch (e) {
          status = 'failed';
          reports.push({
            stream: name,
            target: name,
            mode: 'maintenance',
            status: 'failed',
            rowsRead: 0,
            rowsWritten: 0,
            rowsDeleted: 0,
            bytes: 0,
            durationMs: Date.now() - t0,
            error: e instanceof Error ? e.message : String(e),
          });
        }
      }
    }
    const durationMs = Date.now() - started;
    const failed = reports.filter((r) => r.error);
    const error = failed.length > 0 ? failed.map((r) => `${r.target}: ${r.error}`).join('; ') : undefined;
    await ops.updateRun(id, {
      status,
      detail: { streams: reports, durationMs },
      ...(error ? { error } : {}),
      ended: true,
    });
    return {
      id,
      pipeline: MAINTENANCE_JOB,
      status,
      startedAt: run.startedAt,
      durationMs,
      streams: reports,
      ...(error ? { error } : {}),
    };
  } finally {
    await ops.releaseLock('maintenance', id).catch(() => undefined);
  }
}
