/**
 * What pipelines keep in the catalog database beside the tables: the state each stream reached
 * (written in the transaction of the pointer swap it describes), run records, quality-check results,
 * OpenLineage events and locks (one run of a pipeline at a time across processes and hosts).
 * Times are ISO-8601 UTC strings: they sort and compare the same in SQLite and PostgreSQL.
 */
import { hostname } from 'node:os';
import { parseJson, stringifyJson, UsageError } from '@lakekit/core';
import type { CommitHook } from '@lakekit/iceberg';
import type { Knex } from 'knex';
import { appendAuditRecord } from './governance/audit.js';

/** A stream's stored position. */
export interface StreamState {
  pipeline: string;
  stream: string;
  target: string;
  /** The runner's state document (cursor value, connector state, …). */
  state: unknown;
  snapshotId?: string;
  runId?: string;
  updatedAt: string;
}

export type RunStatus = 'running' | 'succeeded' | 'warned' | 'blocked' | 'failed';

/** A run record. */
export interface RunRecord {
  id: string;
  pipeline: string;
  status: RunStatus;
  trigger: string;
  startedAt: string;
  endedAt?: string;
  host: string;
  pid: number;
  /** Per-stream figures and anything else the runner records (JSON). */
  detail?: unknown;
  error?: string;
}

/** A quality-check result as recorded. */
export interface QualityRecord {
  runId?: string;
  table: string;
  snapshotId?: string;
  check: string;
  kind: string;
  severity: string;
  status: string;
  failingRows: number;
  message: string;
  sample?: unknown;
  checkedAt: string;
}

/** Who holds a lock. */
export interface LockHolder {
  name: string;
  holder: string;
  host: string;
  pid: number;
  acquiredAt: string;
  expiresAt: string;
}

const now = () => new Date().toISOString();

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    // EPERM: it exists but belongs to someone else.
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Pipeline state, runs, quality results, lineage events and locks of one catalog. */
export class OperationsStore {
  constructor(
    private readonly knex: Knex,
    private readonly catalogName: string,
  ) {}

  /** The stored state of a stream, if any. */
  async getState(pipeline: string, stream: string): Promise<StreamState | undefined> {
    const row = await this.knex('lakekit_pipeline_state')
      .where({ catalog_name: this.catalogName, pipeline, stream })
      .first();
    return row ? toState(row) : undefined;
  }

  /** Every stored state of a pipeline. */
  async listStates(pipeline: string): Promise<StreamState[]> {
    const rows = await this.knex('lakekit_pipeline_state')
      .where({ catalog_name: this.catalogName, pipeline })
      .orderBy('stream');
    return rows.map(toState);
  }

  /** Forgets a pipeline's state (a full refresh starts from scratch). */
  async clearState(pipeline: string, stream?: string): Promise<void> {
    await this.knex('lakekit_pipeline_state')
      .where({ catalog_name: this.catalogName, pipeline, ...(stream !== undefined ? { stream } : {}) })
      .delete();
  }

  /**
   * A commit hook that writes the stream's state inside the catalog transaction of the pointer swap:
   * the state commits with the snapshot it describes, or not at all.
   */
  stateHook(
    entry: Omit<StreamState, 'updatedAt' | 'snapshotId'>,
    snapshotId: () => string | undefined,
  ): CommitHook {
    return async (tx, committed) => {
      const trx = tx as Knex.Transaction;
      // Without an id from the caller, the snapshot main points at in the metadata being committed.
      const main = committed?.refs['main']?.['snapshot-id'];
      const row = {
        catalog_name: this.catalogName,
        pipeline: entry.pipeline,
        stream: entry.stream,
        target: entry.target,
        state: stringifyJson(entry.state) ?? 'null',
        snapshot_id: snapshotId() ?? (main === undefined ? null : String(main)),
        run_id: entry.runId ?? null,
        updated_at: now(),
      };
      await trx('lakekit_pipeline_state')
        .insert(row)
        .onConflict(['catalog_name', 'pipeline', 'stream'])
        .merge(['target', 'state', 'snapshot_id', 'run_id', 'updated_at']);
    };
  }

  /** Writes a stream's state outside a table commit (when a run wrote no rows but moved on). */
  async putState(entry: Omit<StreamState, 'updatedAt'>): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await this.stateHook(entry, () => entry.snapshotId)(trx);
    });
  }

  async startRun(run: { id: string; pipeline: string; trigger: string }): Promise<RunRecord> {
    const record: RunRecord = {
      ...run,
      status: 'running',
      startedAt: now(),
      host: hostname(),
      pid: process.pid,
    };
    // The run record and its audit record commit together.
    await this.knex.transaction(async (trx) => {
      await trx('lakekit_runs').insert({
        id: record.id,
        catalog_name: this.catalogName,
        pipeline: record.pipeline,
        status: record.status,
        trigger: record.trigger,
        started_at: record.startedAt,
        host: record.host,
        pid: record.pid,
      });
      await appendAuditRecord(trx, this.catalogName, {
        actor: `pipeline:${record.pipeline}`,
        action: 'pipeline.run.start',
        target: `pipeline:${record.pipeline}`,
        outcome: 'ok',
        detail: { runId: record.id, trigger: record.trigger },
      });
    });
    return record;
  }

  /** Records progress or the end of a run (the end with its audit record, in one transaction). */
  async updateRun(
    id: string,
    update: { status?: RunStatus; detail?: unknown; error?: string; ended?: boolean },
  ): Promise<void> {
    await this.knex.transaction(async (trx) => {
      await trx('lakekit_runs')
        .where({ id, catalog_name: this.catalogName })
        .update({
          ...(update.status ? { status: update.status } : {}),
          ...(update.detail !== undefined ? { detail: stringifyJson(update.detail) } : {}),
          ...(update.error !== undefined ? { error: update.error } : {}),
          ...(update.ended ? { ended_at: now() } : {}),
        });
      if (!update.ended) return;
      const run = await trx('lakekit_runs').where({ id, catalog_name: this.catalogName }).first();
      if (!run) return;
      await appendAuditRecord(trx, this.catalogName, {
        actor: `pipeline:${run.pipeline}`,
        action: 'pipeline.run.end',
        target: `pipeline:${run.pipeline}`,
        outcome: run.status === 'failed' ? 'error' : 'ok',
        detail: { runId: id, status: run.status, ...(run.error ? { error: String(run.error) } : {}) },
      });
    });
  }

  /** A run by id or by a unique prefix of its id; an ambiguous prefix is a UsageError listing matches. */
  async getRun(id: string): Promise<RunRecord | undefined> {
    const row = await this.knex('lakekit_runs').where({ id, catalog_name: this.catalogName }).first();
    if (row) return toRun(row);
    const rows = await this.knex('lakekit_runs')
      .where({ catalog_name: this.catalogName })
      .andWhere('id', 'like', `${id.replaceAll('%', '').replaceAll('_', '')}%`)
      .limit(5);
    if (rows.length > 1) {
      throw new UsageError(
        `run id prefix ${id} matches several runs (${rows.map((r: { id: string }) => r.id).join(', ')}${rows.length === 5 ? ', …' : ''}): give more of it`,
        { context: { run: id } },
      );
    }
    return rows.length === 1 ? toRun(rows[0]) : undefined;
  }

  /** Runs, newest first. */
  async listRuns(options: { pipeline?: string; limit?: number } = {}): Promise<RunRecord[]> {
    const rows = await this.knex('lakekit_runs')
      .where({ catalog_name: this.catalogName, ...(options.pipeline ? { pipeline: options.pipeline } : {}) })
      .orderBy('started_at', 'desc')
      .orderBy('id', 'desc')
      .limit(options.limit ?? 20);
    return rows.map(toRun);
  }

  /** Runs still marked running whose process is gone (a crash): marked failed. Returns how many. */
  async failOrphanedRuns(pipeline: string): Promise<number> {
    const rows = await this.knex('lakekit_runs').where({
      catalog_name: this.catalogName,
      pipeline,
      status: 'running',
      host: hostname(),
    });
    let n = 0;
    for (const r of rows as { id: string; pid: number }[]) {
      if (r.pid === process.pid || processAlive(r.pid)) continue;
      await this.updateRun(r.id, {
        status: 'failed',
        error: 'the process running it ended without finishing (crash or kill)',
        ended: true,
      });
      n++;
    }
    return n;
  }

  async recordQuality(results: readonly QualityRecord[]): Promise<void> {
    if (results.length === 0) return;
    await this.knex('lakekit_quality_results').insert(
      results.map((r) => ({
        catalog_name: this.catalogName,
        run_id: r.runId ?? null,
        table_name: r.table,
        snapshot_id: r.snapshotId ?? null,
        check_name: r.check,
        kind: r.kind,
        severity: r.severity,
        status: r.status,
        failing_rows: r.failingRows,
        message: r.message,
        sample: r.sample === undefined ? null : stringifyJson(r.sample),
        checked_at: r.checkedAt,
      })),
    );
  }

  /** Quality results of a run, or the latest results of a table. */
  async listQuality(filter: { runId?: string; table?: string; limit?: number }): Promise<QualityRecord[]> {
    const q = this.knex('lakekit_quality_results').where({ catalog_name: this.catalogName });
    if (filter.runId) q.andWhere({ run_id: filter.runId });
    if (filter.table) q.andWhere({ table_name: filter.table });
    const rows = await q.orderBy('id', 'desc').limit(filter.limit ?? 200);
    return rows.map((r: Record<string, unknown>) => ({
      ...(r['run_id'] ? { runId: String(r['run_id']) } : {}),
      table: String(r['table_name']),
      ...(r['snapshot_id'] ? { snapshotId: String(r['snapshot_id']) } : {}),
      check: String(r['check_name']),
      kind: String(r['kind']),
      severity: String(r['severity']),
      status: String(r['status']),
      failingRows: Number(r['failing_rows']),
      message: String(r['message']),
      ...(r['sample'] ? { sample: parseJson(String(r['sample'])) } : {}),
      checkedAt: String(r['checked_at']),
    }));
  }

  async recordLineage(event: {
    runId: string;
    eventType: string;
    eventTime: string;
    job: string;
    payload: unknown;
  }) {
    await this.knex('lakekit_lineage_events').insert({
      catalog_name: this.catalogName,
      run_id: event.runId,
      event_type: event.eventType,
      event_time: event.eventTime,
      job_name: event.job,
      payload: stringifyJson(event.payload),
    });
  }

  /** OpenLineage events, oldest first (of one run, or all). */
  async listLineage(filter: { runId?: string; limit?: number } = {}): Promise<unknown[]> {
    const q = this.knex('lakekit_lineage_events').where({ catalog_name: this.catalogName });
    if (filter.runId) q.andWhere({ run_id: filter.runId });
    const rows = await q.orderBy('id', 'asc').limit(filter.limit ?? 1000);
    return rows.map((r: { payload: string }) => parseJson(r.payload));
  }

  /**
   * Takes lock `name` for `holder` with a lease. A lock held by a process of this host that has died
   * is taken over at once; one held on another host only after its lease expired. Returns undefined
   * when acquired, else the current holder.
   */
  async acquireLock(name: string, holder: string, leaseMs: number): Promise<LockHolder | undefined> {
    const host = hostname();
    const row = {
      catalog_name: this.catalogName,
      name,
      holder,
      host,
      pid: process.pid,
      acquired_at: now(),
      expires_at: new Date(Date.now() + leaseMs).toISOString(),
    };
    // Write first, one statement at a time (each atomic on its own): a read-then-write transaction
    // fails on SQLite when another process commits in between (SQLITE_BUSY_SNAPSHOT).
    await this.knex('lakekit_locks').insert(row).onConflict(['catalog_name', 'name']).ignore();
    for (let attempt = 0; attempt < 5; attempt++) {
      const current = await this.knex('lakekit_locks')
        .where({ catalog_name: this.catalogName, name })
        .first();
      if (!current) {
        // Released between the two statements: try to take it again.
        await this.knex('lakekit_locks').insert(row).onConflict(['catalog_name', 'name']).ignore();
        continue;
      }
      const held = toLock(current);
      if (held.holder === holder) return undefined;
      const dead = held.host === host && held.pid !== process.pid && !processAlive(held.pid);
      const expired = held.expiresAt < now();
      if (!dead && !expired) return held;
      // Take over only from the holder seen (compare-and-swap on holder and lease).
      await this.knex('lakekit_locks')
        .where({ catalog_name: this.catalogName, name, holder: held.holder, expires_at: held.expiresAt })
        .update(row);
    }
    const last = await this.knex('lakekit_locks').where({ catalog_name: this.catalogName, name }).first();
    if (last && toLock(last).holder === holder) return undefined;
    // Still contended after five rounds: report whoever holds it now (or the race itself).
    return last ? toLock(last) : { ...toLock(row), holder: 'another process (lock contended)' };
  }

  /** Extends a held lock's lease; false when it was lost (taken over after expiry). */
  async renewLock(name: string, holder: string, leaseMs: number): Promise<boolean> {
    const n = await this.knex('lakekit_locks')
      .where({ catalog_name: this.catalogName, name, holder })
      .update({ expires_at: new Date(Date.now() + leaseMs).toISOString() });
    return n === 1;
  }

  async releaseLock(name: string, holder: string): Promise<void> {
    await this.knex('lakekit_locks').where({ catalog_name: this.catalogName, name, holder }).delete();
  }
}

function toState(r: Record<string, unknown>): StreamState {
  return {
    pipeline: String(r['pipeline']),
    stream: String(r['stream']),
    target: String(r['target']),
    state: parseJson(String(r['state'])),
    ...(r['snapshot_id'] ? { snapshotId: String(r['snapshot_id']) } : {}),
    ...(r['run_id'] ? { runId: String(r['run_id']) } : {}),
    updatedAt: String(r['updated_at']),
  };
}

function toRun(r: Record<string, unknown>): RunRecord {
  return {
    id: String(r['id']),
    pipeline: String(r['pipeline']),
    status: String(r['status']) as RunStatus,
    trigger: String(r['trigger']),
    startedAt: String(r['started_at']),
    ...(r['ended_at'] ? { endedAt: String(r['ended_at']) } : {}),
    host: String(r['host']),
    pid: Number(r['pid']),
    ...(r['detail'] ? { detail: parseJson(String(r['detail'])) } : {}),
    ...(r['error'] ? { error: String(r['error']) } : {}),
  };
}

function toLock(r: Record<string, unknown>): LockHolder {
  return {
    name: String(r['name']),
    holder: String(r['holder']),
    host: String(r['host']),
    pid: Number(r['pid']),
    acquiredAt: String(r['acquired_at']),
    expiresAt: String(r['expires_at']),
  };
}
