/**
 * The pipeline runner: `lake run <pipeline>`.
 *
 * A run takes the pipeline's lock (one run at a time across processes), opens one consistent session
 * on the source, and for each stream: prepares the target table (created, evolved or refused),
 * extracts staged files past the stored cursor, writes them (append / replace / merge / scd2), and
 * publishes. With checks on the target, the write goes to a staging branch, the checks judge it there
 * (write-audit-publish), failing rows go to `<table>__quarantine`, and main is fast-forwarded only when
 * no `error` check failed. The stream's state (cursor, connector position) is written in the catalog
 * transaction that moves main, so a crash leaves the old data with the old state or the new with the
 * new. Every run is recorded (runs, quality results, OpenLineage events) in the catalog.
 */
import { randomUUID } from 'node:crypto';
import { mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Catalog, RunStatus } from '@lakekit/catalog';
import {
  type Connector,
  type ConnectorFactory,
  DataError,
  type ExtractColumn,
  type FileIO,
  type IcebergType,
  isLakeError,
  type LakeConfig,
  LakeError,
  parseTableIdentifier,
  quoteIdent,
  redactUrl,
  type SourceSession,
  type SourceStream,
  type StagedBatch,
  timing,
  toDuckDBType,
  UnsupportedError,
  UsageError,
} from '@lakekit/core';
import {
  ancestorIds,
  appendFiles,
  applyRowDelta,
  type CommitHook,
  type DataFile,
  dropRef,
  type Engine,
  fastForward,
  parseIcebergType,
  replaceFiles,
  resolvePartitionSpec,
  type SnapshotJson,
  type Table,
  writeDataFile,
} from '@lakekit/iceberg';
import { type CheckResult, type CheckSpec, gateStatus, runChecks } from './checks/index.js';
import {
  type PipelineDefinition,
  resolvePipeline,
  resolveSource,
  type StreamDefinition,
} from './definition.js';
import { type LineageStream, lineageEvent, postLineage } from './lineage.js';
import { withRetries } from './retry.js';
import { explainStagedError, type StagedColumn, stagedSelectSql } from './staging.js';
import { prepareTable } from './stream-table.js';

/** Structured logging (pino's call shape). */
export interface Logger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const silent: Logger = { info() {}, warn() {}, error() {} };

/** The runner's context once the writing engine is open. */
type WriterContext = Omit<RunnerContext, 'engine'> & { engine: Engine };

/** What the runner works with. */
export interface RunnerContext {
  config: LakeConfig;
  catalog: Catalog;
  /**
   * The DuckDB that writes (never the governed read engine). A function is called once, when a
   * stream first needs it: the CLI passes one so that loading DuckDB overlaps the source's work.
   */
  engine: Engine | (() => Promise<Engine>);
  factories: Readonly<Record<string, ConnectorFactory>>;
  io?: FileIO;
  log?: Logger;
  /** Progress of a stream (rows staged so far), for a progress bar. */
  onProgress?: (p: { stream: string; phase: string; rows?: number }) => void;
  signal?: AbortSignal;
}

export interface RunOptions {
  /** Ignore stored cursors: read everything (and replace the table's rows for merge/append targets). */
  fullRefresh?: boolean;
  /** `manual` (lake run) or `schedule`. */
  trigger?: string;
  /** Only these streams (source names). */
  streams?: readonly string[];
  /** Called at defined points of a stream (tests use it to kill the process at a given moment). */
  hook?: (point: string) => void | Promise<void>;
}

/** What one stream did. */
export interface StreamReport {
  stream: string;
  target: string;
  mode: string;
  status: 'succeeded' | 'warned' | 'blocked' | 'failed' | 'unchanged';
  rowsRead: number;
  rowsWritten: number;
  rowsDeleted: number;
  bytes: number;
  durationMs: number;
  /** The snapshot published to main. */
  snapshotId?: string;
  /** The snapshot the checks judged (on the staging branch). */
  stagedSnapshotId?: string;
  cursor?: string;
  created?: boolean;
  evolved?: string[];
  checks?: { name: string; severity: string; status: string; failingRows: number; message: string }[];
  quarantined?: number;
  /** Things the run decided that its user should know (e.g. resuming after a rollback). */
  notes?: string[];
  /** What scheduled maintenance did to the table (the `@maintenance` job). */
  maintenance?: {
    expiredSnapshots: number;
    deletedDataFiles: number;
    compactedFiles: number;
    rewrittenManifests: number;
    removedOrphans: number;
  };
  error?: string;
}

/** What a run did. */
export interface RunReport {
  id: string;
  pipeline: string;
  status: RunStatus;
  startedAt: string;
  durationMs: number;
  streams: StreamReport[];
  error?: string;
}

/** Stored state of a stream. */
interface StreamStateDoc {
  cursor?: string;
  cursorColumn?: string;
  connector?: unknown;
}

const LOCK_LEASE_MS = 10 * 60_000;
const WAP_PREFIX = 'lakekit-wap-';

/** Canonical cursor text of column `c` (see the connector module): UTC, no offset, micros when present. */
function cursorTextSql(ref: string, type: IcebergType): string {
  switch (type.kind) {
    case 'timestamp':
    case 'timestamptz':
      return `CASE WHEN microsecond(${ref}) % 1000000 = 0 THEN strftime(${ref}, '%Y-%m-%d %H:%M:%S') ELSE strftime(${ref}, '%Y-%m-%d %H:%M:%S.%f') END`;
    case 'date':
      return `strftime(${ref}, '%Y-%m-%d')`;
    default:
      return `CAST(${ref} AS VARCHAR)`;
  }
}

/** The error text stored in run records: the message, never a stack or a driver's connection settings. */
function errorText(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/** Runs a pipeline (see module comment). Throws only for problems before the run starts (config, lock). */
export async function runPipeline(
  ctx: RunnerContext,
  name: string,
  options: RunOptions = {},
): Promise<RunReport> {
  const def = resolvePipeline(ctx.config, name);
  const source = resolveSource(ctx.config, def.source, ctx.factories);
  const streams = options.streams
    ? def.streams.filter((s) => options.streams!.includes(s.stream) || options.streams!.includes(s.target))
    : def.streams;
  if (options.streams) {
    for (const s of options.streams) {
      if (!def.streams.some((d) => d.stream === s || d.target === s)) {
        throw new UsageError(
          `pipeline ${name} has no stream ${s} (streams: ${def.streams.map((d) => d.stream).join(', ')})`,
        );
      }
    }
  }
  const log = ctx.log ?? silent;
  const ops = ctx.catalog.operations;
  await ops.failOrphanedRuns(name);
  const runId = randomUUID();
  const lock = `pipeline:${name}`;
  const held = await ops.acquireLock(lock, runId, LOCK_LEASE_MS);
  if (held) {
    throw new LakeError(
      'pipeline_busy',
      `pipeline ${name} is already running (run ${held.holder} on ${held.host}, pid ${held.pid}, since ${held.acquiredAt}); try again when it has finished`,
      { context: { pipeline: name, run: held.holder } },
    );
  }
  let run: Awaited<ReturnType<typeof ops.startRun>>;
  try {
    run = await ops.startRun({ id: runId, pipeline: name, trigger: options.trigger ?? 'manual' });
  } catch (e) {
    await ops.releaseLock(lock, runId).catch(() => undefined);
    throw e;
  }
  const renew = setInterval(() => {
    ops.renewLock(lock, runId, LOCK_LEASE_MS).catch(() => undefined);
  }, LOCK_LEASE_MS / 3);
  renew.unref();
  const started = Date.now();
  const stagingRoot = join(tmpdir(), `lakekit-run-${runId}`);
  const reports: StreamReport[] = [];
  const lineage: LineageStream[] = [];
  let runError: unknown;
  let connector: Connector | undefined;
  let session: SourceSession | undefined;
  let sourceNamespace = `${source.kind}://${source.name}`;
  // The streams this run means to write: START names them, FAIL names those that did not finish.
  const planned = (): LineageStream[] =>
    streams.map((s) => ({
      sourceNamespace,
      sourceName: s.stream,
      targetNamespace: ctx.catalog.warehouse,
      targetName: s.target,
      columns: [],
    }));
  const jobNamespace = ctx.config.lineage?.namespace ?? 'lakekit';
  let enginePromise: Promise<Engine> | undefined;
  const engine = () => {
    const e = ctx.engine;
    enginePromise ??= typeof e === 'function' ? e() : Promise.resolve(e);
    return enginePromise;
  };
  const emit = async (eventType: 'START' | 'COMPLETE' | 'FAIL', error?: string) => {
    const event = lineageEvent({
      eventType,
      eventTime: new Date(),
      runId,
      jobNamespace,
      pipeline: name,
      streams:
        eventType === 'START'
          ? planned()
          : eventType === 'FAIL'
            ? [...lineage, ...planned().filter((p) => !lineage.some((l) => l.sourceName === p.sourceName))]
            : lineage,
      ...(error ? { error } : {}),
    });
    await ops.recordLineage({
      runId,
      eventType,
      eventTime: String(event['eventTime']),
      job: name,
      payload: event,
    });
    const endpoint = ctx.config.lineage?.endpoint;
    if (endpoint) {
      await postLineage(endpoint, event, ctx.config.lineage?.apiKey).catch((e: unknown) =>
        log.warn(
          { err: errorText(e), endpoint: redactUrl(endpoint) },
          'OpenLineage endpoint did not accept the event',
        ),
      );
    }
  };
  log.info({ run: runId, pipeline: name, source: def.source }, 'run started');
  timing('run started');
  try {
    await mkdir(stagingRoot, { recursive: true });
    connector = source.factory.create(source.name, source.config, {
      baseDir: ctx.config.origin?.baseDir ?? process.cwd(),
      ...(ctx.io ? { io: ctx.io } : {}),
    });
    const info = await withRetries(def.retries, () => connector!.test(), retryLog(log, name));
    sourceNamespace = info.target;
    timing('source tested');
    await emit('START');
    timing('START recorded');
    const open = async () => {
      await session?.close().catch(() => undefined);
      session = await withRetries(def.retries, () => connector!.session(), retryLog(log, name));
      return session;
    };
    await open();
    timing('session open');
    for (const stream of streams) {
      const t0 = Date.now();
      try {
        const report = await withRetries(
          def.retries,
          async (attempt) => {
            const s = attempt === 1 ? session! : await open();
            return runStream(ctx, {
              def,
              stream,
              session: s,
              runId,
              stagingRoot,
              sourceNamespace,
              lineage,
              options,
              engine,
            });
          },
          retryLog(log, `${name}/${stream.stream}`),
          ctx.signal,
        );
        reports.push(report);
        log.info({ run: runId, ...report }, 'stream finished');
      } catch (e) {
        const message = streamError(def, stream, e);
        reports.push({
          stream: stream.stream,
          target: stream.target,
          mode: stream.mode,
          status: 'failed',
          rowsRead: 0,
          rowsWritten: 0,
          rowsDeleted: 0,
          bytes: 0,
          durationMs: Date.now() - t0,
          error: message,
        });
        log.error({ run: runId, stream: stream.stream, err: message }, 'stream failed');
        runError = e instanceof LakeError ? e : new LakeError('pipeline_failed', message, { cause: e });
        if (isLakeError(e) && !e.message.includes(def.source))
          runError = new LakeError(e.code, message, { cause: e });
        break;
      }
    }
  } catch (e) {
    runError = e;
  } finally {
    clearInterval(renew);
    await session?.close().catch(() => undefined);
    await connector?.close().catch(() => undefined);
    await rm(stagingRoot, { recursive: true, force: true }).catch(() => undefined);
  }
  const status: RunStatus = runError
    ? 'failed'
    : reports.some((r) => r.status === 'blocked')
      ? 'blocked'
      : reports.some((r) => r.status === 'warned')
        ? 'warned'
        : 'succeeded';
  const error = runError ? errorText(runError) : undefined;
  const durationMs = Date.now() - started;
  await ops.updateRun(runId, {
    status,
    detail: { streams: reports, durationMs },
    ...(error ? { error } : {}),
    ended: true,
  });
  await emit(status === 'failed' ? 'FAIL' : 'COMPLETE', error).catch((e: unknown) =>
    log.warn({ err: errorText(e) }, 'could not record the lineage event'),
  );
  await ops.releaseLock(lock, runId).catch(() => undefined);
  log.info({ run: runId, pipeline: name, status, durationMs }, 'run finished');
  timing('run finished');
  return {
    id: runId,
    pipeline: name,
    status,
    startedAt: run.startedAt,
    durationMs,
    streams: reports,
    ...(error ? { error } : {}),
  };
}

function retryLog(log: Logger, what: string) {
  return (e: unknown, attempt: number, delayMs: number) =>
    log.warn({ what, attempt, delayMs, err: errorText(e) }, 'transient failure, retrying');
}

function streamError(def: PipelineDefinition, stream: StreamDefinition, e: unknown): string {
  const msg = errorText(e);
  const prefix = `source ${def.source}, stream ${stream.stream}`;
  return msg.includes(stream.stream) ? msg : `${prefix}: ${msg}`;
}

interface StreamJob {
  def: PipelineDefinition;
  stream: StreamDefinition;
  session: SourceSession;
  runId: string;
  stagingRoot: string;
  sourceNamespace: string;
  lineage: LineageStream[];
  options: RunOptions;
  /** The writing engine, opened on first call. */
  engine: () => Promise<Engine>;
}

/** The columns to extract and the types they become. */
function planColumns(
  job: StreamJob,
  described: SourceStream,
): { extract: ExtractColumn[]; columns: StagedColumn[] } {
  const { stream, def } = job;
  const where = `source ${def.source}, stream ${stream.stream}`;
  const wanted = new Set(stream.columns ?? described.columns.map((c) => c.name));
  for (const extra of [...(stream.primaryKey ?? []), stream.cursor, stream.deletedColumn]) {
    if (extra) wanted.add(extra);
  }
  const extract: ExtractColumn[] = [];
  const columns: StagedColumn[] = [];
  for (const name of wanted) {
    const c = described.columns.find((x) => x.name === name);
    if (!c) {
      throw new DataError(
        `${where}: no column ${name} at the source (columns: ${described.columns.map((x) => x.name).join(', ')})`,
        { context: { stream: stream.stream, column: name } },
      );
    }
    const cast = stream.casts[name];
    let type: IcebergType | undefined = c.type;
    if (cast !== undefined) {
      try {
        type = parseIcebergType(cast);
      } catch (e) {
        throw new DataError(
          `${where}, column ${name}: casts: ${cast} is not an Iceberg type (${errorText(e)})`,
          {
            context: { stream: stream.stream, column: name },
          },
        );
      }
    }
    if (!type) {
      throw new UnsupportedError(
        `${where}, column ${name}: source type ${c.sourceType} has no Iceberg type${c.unsupported ? ` (${c.unsupported})` : ''}; add "casts: { ${name}: string }" to the stream to read it as text, or leave it out with columns:`,
        { context: { stream: stream.stream, column: name, type: c.sourceType } },
      );
    }
    extract.push({ name, ...(cast !== undefined ? { asText: true } : {}) });
    columns.push({ name, type });
  }
  return { extract, columns };
}

async function collect(
  it: AsyncIterable<StagedBatch>,
  onBatch?: (b: StagedBatch) => void,
): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of it) {
    out.push(b);
    onBatch?.(b);
  }
  return out;
}

/** Longest stream state written into a snapshot summary (characters of JSON). */
const MAX_SUMMARY_STATE = 4096;

/**
 * The position (state) this pipeline's stream stored with the newest snapshot of `onMain` (main's
 * ancestry) that it wrote, from the snapshot summaries.
 */
function positionOnMain(
  table: Table,
  onMain: ReadonlySet<bigint>,
  pipeline: string,
  source: string,
): { snapshotId: string; state: StreamStateDoc } | undefined {
  const candidates = table.metadata.snapshots
    .filter((s) => onMain.has(s['snapshot-id']) && s.summary?.['lakekit.pipeline'] === pipeline)
    .filter((s) => s.summary?.['lakekit.source'] === source && s.summary?.['lakekit.state'] !== undefined)
    .sort((a, b) =>
      a['sequence-number'] < b['sequence-number'] ? 1 : a['sequence-number'] > b['sequence-number'] ? -1 : 0,
    );
  for (const s of candidates) {
    try {
      return { snapshotId: String(s['snapshot-id']), state: JSON.parse(s.summary!['lakekit.state']!) };
    } catch {
      // Not ours to read: look further back.
    }
  }
  return undefined;
}

/** Runs one stream (see module comment). */
async function runStream(outer: RunnerContext, job: StreamJob): Promise<StreamReport> {
  const t0 = Date.now();
  const { stream, def, session, options } = job;
  const ops = outer.catalog.operations;
  const where = `source ${def.source}, stream ${stream.stream}`;
  const described = await session.describe(stream.stream);
  timing('described');
  const { extract, columns } = planColumns(job, described);
  const primaryKey = stream.primaryKey ?? described.primaryKey;
  if ((stream.mode === 'merge' || stream.mode === 'scd2') && primaryKey.length === 0) {
    throw new UsageError(
      `${where}: mode ${stream.mode} needs a primary key, and the source declares none: add primary_key: [<column>, …] to the stream`,
      { context: { stream: stream.stream } },
    );
  }
  const cursorColumn = stream.cursor ? columns.find((c) => c.name === stream.cursor) : undefined;
  const prior = options.fullRefresh ? undefined : await ops.getState(def.name, stream.stream);

  // The table is prepared first: a refused schema change commits nothing and reads nothing.
  const tableColumns = stream.mode === 'scd2' ? [...columns, ...SCD2_COLUMNS] : columns;
  const prepared = await prepareTable(outer.catalog, where, stream.target, tableColumns, {
    schemaChanges: stream.schemaChanges,
    ...(stream.partitionBy ? { partitionBy: stream.partitionBy } : {}),
  });
  const table = prepared.table;
  const notes: string[] = [];
  let priorState = (prior?.state ?? {}) as StreamStateDoc;
  const source = `${def.source}/${stream.stream}`.slice(0, 500);
  if (prior?.snapshotId !== undefined) {
    // The stored position belongs to the snapshot that published it. When main no longer contains
    // that snapshot (`lake table rollback`, a replace from elsewhere), the rows read since are gone
    // from the table: continue from the position of the newest snapshot of this stream main still
    // has (kept in its summary), or from the start when there is none.
    const head = table.metadata.refs['main']?.['snapshot-id'];
    const onMain = ancestorIds(table.metadata, head === undefined ? undefined : BigInt(head));
    if (!onMain.has(BigInt(prior.snapshotId))) {
      const found = positionOnMain(table, onMain, def.name, source);
      priorState = found?.state ?? {};
      notes.push(
        `${stream.target}: main no longer contains snapshot ${prior.snapshotId}, where this stream's position was stored (rolled back?); ${found ? `continuing from the position of snapshot ${found.snapshotId}` : 'reading from the start'}`,
      );
    }
  }
  const after = cursorColumn && priorState.cursorColumn === cursorColumn.name ? priorState.cursor : undefined;
  const incremental = after !== undefined;
  timing('table prepared');
  await options.hook?.('prepared');
  const stagingDir = join(job.stagingRoot, `${def.name}-${stream.stream.replace(/[^A-Za-z0-9_.-]/g, '_')}`);
  await rm(stagingDir, { recursive: true, force: true });
  await mkdir(stagingDir, { recursive: true });

  // Staged files, written to Parquet as they arrive (append/replace) or gathered (merge).
  let rowsRead = 0;
  let bytes = 0;
  const request = {
    stream: stream.stream,
    columns: extract,
    ...(cursorColumn && after !== undefined
      ? { cursor: { column: cursorColumn.name, after, inclusive: stream.mode !== 'append' } }
      : {}),
    ...(options.fullRefresh || priorState.connector === undefined ? {} : { state: priorState.connector }),
    ...(stream.batchRows ? { batchRows: stream.batchRows } : {}),
    stagingDir,
    ...(outer.signal ? { signal: outer.signal } : {}),
  };
  // Append and replace write each staged file as it arrives, while the connector stages the next.
  const fullReplace = stream.mode === 'replace' || (options.fullRefresh === true && stream.mode === 'merge');
  const streaming = stream.mode === 'append' || fullReplace;
  const batches: StagedBatch[] = [];
  const streamedFiles: DataFile[] = [];
  const iterator = session.extract(request)[Symbol.asyncIterator]();
  let pending = iterator.next();
  // A failure of the source while DuckDB loads is seen when `pending` is awaited below, not as an
  // unhandled rejection.
  pending.catch(() => undefined);
  // DuckDB loads while the source is already working on the first batch.
  let writer: Engine;
  try {
    writer = await job.engine();
  } catch (e) {
    pending.catch(() => undefined);
    await iterator.return?.(undefined).catch(() => undefined);
    throw e;
  }
  timing('engine ready');
  const ctx: WriterContext = { ...outer, engine: writer };
  try {
    for (;;) {
      const r = await pending;
      if (r.done) break;
      pending = iterator.next();
      pending.catch(() => undefined);
      const b = r.value;
      if (process.env['LAKEKIT_TIMING'])
        process.stderr.write(`timing: batch ${batches.length} staged ${performance.now().toFixed(0)} ms\n`);
      batches.push(b);
      rowsRead += b.rows ?? 0;
      bytes += b.bytes;
      ctx.onProgress?.({ stream: stream.stream, phase: 'extract', rows: rowsRead });
      if (streaming) {
        const sql = stagedSelectSql(b.format, [b.path], b.columns, columns);
        try {
          streamedFiles.push(...(await writeBatch(ctx, table, sql, columns)));
          if (process.env['LAKEKIT_TIMING'])
            process.stderr.write(
              `timing: batch ${batches.length - 1} written ${performance.now().toFixed(0)} ms\n`,
            );
        } catch (e) {
          throw await explainStagedError(ctx.engine, where, b.format, [b.path], b.columns, columns, e);
        }
      }
    }
  } catch (e) {
    pending.catch(() => undefined);
    await iterator.return?.(undefined).catch(() => undefined);
    await Promise.all(streamedFiles.map((f) => ctx.catalog.io.delete(f.filePath).catch(() => undefined)));
    throw e;
  }
  await options.hook?.('extracted');
  const connectorState = batches.length > 0 ? batches[batches.length - 1]!.state : priorState.connector;
  const formats = new Set(batches.map((b) => b.format));
  if (formats.size > 1) throw new DataError(`${where}: the connector staged mixed formats`);
  const format = batches[0]?.format ?? 'csv';
  const fileColumns = batches[0]?.columns ?? columns.map((c) => c.name);
  const paths = batches.map((b) => b.path);
  const rowsSql = paths.length > 0 ? stagedSelectSql(format, paths, fileColumns, columns) : undefined;
  const explain = (e: unknown) =>
    paths.length > 0
      ? explainStagedError(ctx.engine, where, format, paths, fileColumns, columns, e)
      : Promise.resolve(e as Error);
  const engine = ctx.engine;

  // Rows this run writes, materialised once for merges (deduplicated by key, latest cursor wins).
  const temp = `lk_rows_${job.runId.replaceAll('-', '').slice(0, 12)}_${Math.abs(hash(stream.stream))}`;
  let rowsRelation: string | undefined = rowsSql;
  const keyList = primaryKey.map(quoteIdent).join(', ');
  if (rowsSql && (stream.mode === 'merge' || stream.deletes !== 'none')) {
    try {
      const order = cursorColumn ? `${quoteIdent(cursorColumn.name)} DESC NULLS LAST` : keyList;
      if (!cursorColumn) {
        const dup = await engine.all(
          `SELECT ${primaryKey.map((k) => `CAST(${quoteIdent(k)} AS VARCHAR) AS ${quoteIdent(k)}`).join(', ')}, count(*) AS n FROM (${rowsSql}) GROUP BY ALL HAVING count(*) > 1 LIMIT 1`,
        );
        if (dup.length > 0) {
          const key = primaryKey.map((k) => `${k}=${dup[0]![k]}`).join(', ');
          throw new DataError(
            `${where}: key (${key}) occurs ${dup[0]!['n']} times in the rows read, and the stream has no cursor to tell which is latest; set cursor: <column> or fix the source`,
            { context: { stream: stream.stream, key } },
          );
        }
      }
      await engine.run(
        `CREATE OR REPLACE TEMP TABLE ${temp} AS SELECT * FROM (${rowsSql}) QUALIFY row_number() OVER (PARTITION BY ${keyList} ORDER BY ${order}) = 1`,
      );
    } catch (e) {
      throw e instanceof DataError ? e : await explain(e);
    }
    rowsRelation = `SELECT * FROM ${temp}`;
  }

  try {
    // The cursor this run reached.
    let cursor = priorState.cursor;
    if (cursorColumn && rowsRelation) {
      const r = await engine
        .all(
          `SELECT ${cursorTextSql('m', cursorColumn.type)} AS c FROM (SELECT max(${quoteIdent(cursorColumn.name)}) AS m FROM (${rowsRelation}))`,
        )
        .catch(async (e: unknown) => {
          throw await explain(e);
        });
      const c = r[0]?.['c'];
      if (c !== null && c !== undefined) cursor = String(c);
    }
    const stateDoc: StreamStateDoc = {
      ...(cursor !== undefined && cursorColumn ? { cursor, cursorColumn: cursorColumn.name } : {}),
      ...(connectorState !== undefined ? { connector: connectorState } : {}),
    };

    const checks = def.checks[stream.target] ?? [];
    const wap = checks.length > 0;
    const mainHead = table.metadata.refs['main'];
    const branch = wap ? `${WAP_PREFIX}${job.runId.slice(0, 8)}` : 'main';
    // The first commit creates the audit branch (from main's head); publishing drops it.
    if (wap) await cleanupStaleBranches(table);
    const stateText = JSON.stringify(stateDoc);
    const commitOptions = {
      summary: {
        'lakekit.operation': `pipeline-${stream.mode}`,
        'lakekit.pipeline': def.name,
        'lakekit.run-id': job.runId,
        'lakekit.source': source,
        // The stream's position with the data it produced, to resume from after a rollback (large
        // connector states, e.g. thousands of files seen, are kept in the catalog only).
        ...(stateText.length <= MAX_SUMMARY_STATE ? { 'lakekit.state': stateText } : {}),
      },
      branch,
      ...(wap ? { createBranch: true } : {}),
    };
    let snapshotRef: { id?: string } = {};
    const stateHook = ops.stateHook(
      { pipeline: def.name, stream: stream.stream, target: stream.target, state: stateDoc, runId: job.runId },
      () => snapshotRef.id,
    );

    // Write.
    let written: SnapshotJson | undefined;
    let rowsWritten = 0;
    let rowsDeleted = 0;
    if (streaming) {
      const files = streamedFiles;
      try {
        rowsWritten = files.reduce((a, f) => a + f.recordCount, 0);
        await options.hook?.('written');
        if (fullReplace) {
          written = await replaceFiles(table, files, {
            ...commitOptions,
            ...(wap ? {} : { onCommit: stateHook }),
          });
        } else if (files.length > 0) {
          written = await appendFiles(table, files, {
            ...commitOptions,
            ...(wap ? {} : { onCommit: stateHook }),
          });
        }
      } catch (e) {
        await Promise.all(files.map((f) => ctx.catalog.io.delete(f.filePath).catch(() => undefined)));
        throw e;
      }
    } else {
      // merge: upsert by key; soft deletes remove flagged keys; reconcile removes keys gone at the source.
      const deleteWhere: string[] = [];
      let upsertSql = rowsRelation;
      let softDeleted: string | undefined;
      let sourceKeys: string | undefined;
      if (rowsRelation && stream.deletes === 'soft' && stream.deletedColumn) {
        const flag = `coalesce(CAST(${quoteIdent(stream.deletedColumn)} AS BOOLEAN), false)`;
        upsertSql = `SELECT * FROM ${temp} WHERE NOT ${flag}`;
        softDeleted = `SELECT ${keyList} FROM ${temp} WHERE ${flag}`;
        deleteWhere.push(`(${keyList}) IN (${softDeleted})`);
      }
      if (stream.deletes === 'reconcile') {
        const keysTemp = `${temp}_keys`;
        const keyColumns = columns.filter((c) => primaryKey.includes(c.name));
        const keyBatches = await collect(
          session.extractKeys({
            stream: stream.stream,
            columns: keyColumns.map((c) => ({ name: c.name })),
            stagingDir,
            ...(ctx.signal ? { signal: ctx.signal } : {}),
          }),
        );
        const keySql =
          keyBatches.length > 0
            ? stagedSelectSql(
                keyBatches[0]!.format,
                keyBatches.map((b) => b.path),
                keyBatches[0]!.columns,
                keyColumns,
              )
            : `SELECT ${keyColumns.map((c) => `CAST(NULL AS ${toDuckDBType(c.type)}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`;
        await engine.run(`CREATE OR REPLACE TEMP TABLE ${keysTemp} AS ${keySql}`);
        sourceKeys = keysTemp;
        deleteWhere.push(`(${keyList}) NOT IN (SELECT ${keyList} FROM ${keysTemp})`);
      }
      if (stream.mode === 'scd2') {
        const result = await applyScd2(ctx, table, {
          temp,
          upsertSql,
          ...(softDeleted ? { softDeleted } : {}),
          ...(sourceKeys ? { sourceKeys } : {}),
          primaryKey,
          columns,
          ignore: [stream.cursor, stream.deletedColumn].filter((c): c is string => c !== undefined),
          empty: !mainHead,
          commit: { ...commitOptions, ...(wap ? {} : { onCommit: stateHook }) },
        }).catch(async (e: unknown) => {
          throw isLakeError(e) ? e : await explain(e);
        });
        written = result.snapshot;
        rowsWritten = result.addedRows;
        rowsDeleted = result.closedRows;
      } else if (!mainHead && upsertSql) {
        // An empty table: the (deduplicated) rows are simply appended.
        const files: DataFile[] = [];
        try {
          files.push(
            ...(await writeBatch(ctx, table, upsertSql, columns).catch(async (e: unknown) => {
              throw await explain(e);
            })),
          );
          rowsWritten = files.reduce((a, f) => a + f.recordCount, 0);
          await options.hook?.('written');
          if (files.length > 0) {
            written = await appendFiles(table, files, {
              ...commitOptions,
              ...(wap ? {} : { onCommit: stateHook }),
            });
          }
        } catch (e) {
          await Promise.all(files.map((f) => ctx.catalog.io.delete(f.filePath).catch(() => undefined)));
          throw e;
        }
      } else if (mainHead && (upsertSql || deleteWhere.length > 0)) {
        const result = await applyRowDelta(table, engine, {
          ...(upsertSql
            ? { rowsSql: upsertSql, keyColumns: primaryKey, rowsColumns: columns.map((c) => c.name) }
            : {}),
          ...(deleteWhere.length > 0 ? { where: deleteWhere.join(' OR ') } : {}),
          ...commitOptions,
          ...(wap ? {} : { onCommit: stateHook }),
        }).catch(async (e: unknown) => {
          throw isLakeError(e) ? e : await explain(e);
        });
        written = result.snapshot;
        rowsWritten = result.addedRows;
        rowsDeleted = result.deletedRows;
      }
    }
    await options.hook?.('committed');

    const report: StreamReport = {
      stream: stream.stream,
      target: stream.target,
      mode: stream.mode,
      status: written ? 'succeeded' : 'unchanged',
      rowsRead,
      rowsWritten,
      rowsDeleted,
      bytes,
      durationMs: 0,
      ...(cursor !== undefined ? { cursor } : {}),
      ...(prepared.created ? { created: true } : {}),
      ...(prepared.evolved.length > 0 ? { evolved: prepared.evolved } : {}),
      ...(notes.length > 0 ? { notes } : {}),
    };

    // Audit and publish.
    let results: CheckResult[] = [];
    if (wap && written) {
      report.stagedSnapshotId = String(written['snapshot-id']);
      await table.refresh();
      const tableSql = await table.readSql(engine, { ref: branch });
      const uniqueAlreadyPassed = await uniqueChecksPassedAt(
        ctx,
        stream,
        checks,
        columns,
        mainHead?.['snapshot-id'],
      );
      results = await runChecks(checks, {
        uniqueAlreadyPassed,
        engine,
        table: stream.target,
        rowsSql: upsertRowsOrEmpty(rowsRelation, columns),
        tableSql,
        columns: table.schema().fields.map((f) => f.name),
        resolveTable: async (other) => {
          const t = await ctx.catalog.loadTable(parseTableIdentifier(other));
          return t.readSql(engine);
        },
        now: new Date(),
      });
      const gate = gateStatus(results);
      timing('checks run');
      await ops.recordQuality(
        results.map((r) => ({
          runId: job.runId,
          table: stream.target,
          snapshotId: report.stagedSnapshotId!,
          check: r.name,
          kind: r.kind,
          severity: r.severity,
          status: r.status,
          failingRows: r.failingRows,
          message: r.message,
          sample: r.sample,
          checkedAt: new Date().toISOString(),
        })),
      );
      report.checks = results.map((r) => ({
        name: r.name,
        severity: r.severity,
        status: r.status,
        failingRows: r.failingRows,
        message: r.message,
      }));
      report.quarantined = await quarantine(ctx, table, columns, results, job.runId, stream.target);
      await options.hook?.('audited');
      timing('audited');
      if (gate === 'blocked') {
        report.status = 'blocked';
        await dropRef(table, branch).catch(() => undefined);
      } else {
        snapshotRef = { id: String(written['snapshot-id']) };
        await fastForward(table, { branch: 'main', to: branch, onCommit: stateHook, dropSource: true });
        timing('published');
        report.snapshotId = snapshotRef.id!;
        if (gate === 'warned') report.status = 'warned';
      }
    } else if (written) {
      report.snapshotId = String(written['snapshot-id']);
    } else if (wap && !written) {
      await dropRef(table, branch).catch(() => undefined);
    }
    if (!written && JSON.stringify(stateDoc) !== JSON.stringify(priorState)) {
      // Nothing to commit, but the source position moved (files seen, empty pages): store it alone.
      await ops.putState({
        pipeline: def.name,
        stream: stream.stream,
        target: stream.target,
        state: stateDoc,
        runId: job.runId,
      });
    }
    if (snapshotRef.id === undefined && written && !wap) snapshotRef = { id: String(written['snapshot-id']) };
    job.lineage.push({
      sourceNamespace: job.sourceNamespace,
      sourceName: stream.stream,
      targetNamespace: ctx.catalog.warehouse,
      targetName: stream.target,
      columns,
      ...(report.snapshotId ? { snapshotId: report.snapshotId } : {}),
      rowsWritten,
      bytes,
      assertions: results.map((r) => ({ assertion: r.name, success: r.status === 'passed' })),
    });
    report.durationMs = Date.now() - t0;
    if (incremental) ctx.onProgress?.({ stream: stream.stream, phase: 'done', rows: rowsRead });
    return report;
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${temp}`).catch(() => undefined);
    await engine.run(`DROP TABLE IF EXISTS ${temp}_keys`).catch(() => undefined);
    await rm(stagingDir, { recursive: true, force: true }).catch(() => undefined);
  }
}

/** The validity columns of an scd2 table: a version is current while `_valid_to` is NULL. */
export const SCD2_COLUMNS: readonly StagedColumn[] = [
  { name: '_valid_from', type: { kind: 'timestamptz' } },
  { name: '_valid_to', type: { kind: 'timestamptz' } },
];

/**
 * scd2: a key whose values changed gets its current version closed (`_valid_to` = the run's time)
 * and a new version opened (`_valid_from` = the run's time); a key deleted at the source (soft flag
 * or gone, with reconcile) is closed only. Unchanged keys (every column equal, NULLs equal) are left
 * alone, so rerunning the same rows adds no versions. One snapshot: the closed current versions are
 * removed (position deletes) and re-added closed, beside the new versions.
 */
async function applyScd2(
  ctx: WriterContext,
  table: Table,
  input: {
    temp: string;
    upsertSql: string | undefined;
    softDeleted?: string;
    sourceKeys?: string;
    primaryKey: readonly string[];
    columns: readonly StagedColumn[];
    /** Columns whose changes alone open no new version (the cursor, the deletion flag). */
    ignore: readonly string[];
    empty: boolean;
    commit: {
      summary: Record<string, string>;
      branch: string;
      createBranch?: boolean;
      onCommit?: CommitHook;
    };
  },
): Promise<{ snapshot: SnapshotJson | undefined; addedRows: number; closedRows: number }> {
  const engine = ctx.engine;
  const now = new Date().toISOString();
  const ts = `TIMESTAMPTZ '${now}'`;
  const keys = input.primaryKey.map(quoteIdent);
  const keyList = keys.join(', ');
  const cur = `${input.temp}_current`;
  const names = input.columns.map((c) => quoteIdent(c.name));
  const current = input.empty
    ? `SELECT ${[...input.columns, ...SCD2_COLUMNS].map((c) => `CAST(NULL AS ${toDuckDBType(c.type)}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`
    : `SELECT * FROM (${await table.readSql(engine, { ref: input.commit.createBranch ? 'main' : input.commit.branch })}) WHERE _valid_to IS NULL`;
  await engine.run(`CREATE OR REPLACE TEMP TABLE ${cur} AS ${current}`);
  try {
    const incoming = input.upsertSql ?? `SELECT ${names.join(', ')} FROM ${cur} WHERE false`;
    // The cursor and the deletion flag alone do not make a new version.
    const differs = input.columns
      .filter((c) => !input.primaryKey.includes(c.name) && !input.ignore.includes(c.name))
      .map((c) => `i.${quoteIdent(c.name)} IS DISTINCT FROM c.${quoteIdent(c.name)}`);
    const join = keys.map((k) => `i.${k} = c.${k}`).join(' AND ');
    // New versions: keys not current yet, or whose values changed.
    const opened = `SELECT ${names.map((n) => `i.${n}`).join(', ')}, ${ts} AS _valid_from, CAST(NULL AS TIMESTAMPTZ) AS _valid_to FROM (${incoming}) i LEFT JOIN ${cur} c ON ${join} WHERE c.${keys[0]} IS NULL${differs.length > 0 ? ` OR ${differs.join(' OR ')}` : ''}`;
    const closing: string[] = [`SELECT ${keys.map((k) => `i.${k}`).join(', ')} FROM (${opened}) i`];
    if (input.softDeleted) closing.push(input.softDeleted);
    if (input.sourceKeys)
      closing.push(
        `SELECT ${keyList} FROM ${cur} WHERE (${keyList}) NOT IN (SELECT ${keyList} FROM ${input.sourceKeys})`,
      );
    const closeKeys = `${input.temp}_close`;
    await engine.run(
      `CREATE OR REPLACE TEMP TABLE ${closeKeys} AS ${closing.map((q) => `(${q})`).join(' UNION ')}`,
    );
    const closed = `SELECT ${names.join(', ')}, _valid_from, ${ts} AS _valid_to FROM ${cur} WHERE (${keyList}) IN (SELECT ${keyList} FROM ${closeKeys})`;
    const counts = await engine.all(
      `SELECT (SELECT count(*) FROM (${opened})) AS o, (SELECT count(*) FROM (${closed})) AS c`,
    );
    const openedRows = Number(counts[0]!['o']);
    const closedRows = Number(counts[0]!['c']);
    if (openedRows === 0 && closedRows === 0) return { snapshot: undefined, addedRows: 0, closedRows: 0 };
    const rowsSql = `(${opened}) UNION ALL BY NAME (${closed})`;
    const rowsColumns = [...input.columns.map((c) => c.name), ...SCD2_COLUMNS.map((c) => c.name)];
    if (input.empty) {
      const files = await writeBatch(ctx, table, rowsSql, [...input.columns, ...SCD2_COLUMNS]);
      const snapshot = files.length > 0 ? await appendFiles(table, files, input.commit) : undefined;
      return { snapshot, addedRows: openedRows, closedRows: 0 };
    }
    const result = await applyRowDelta(table, engine, {
      where: `_valid_to IS NULL AND (${keyList}) IN (SELECT ${keyList} FROM ${closeKeys})`,
      rowsSql,
      rowsColumns,
      ...input.commit,
    });
    await engine.run(`DROP TABLE IF EXISTS ${closeKeys}`);
    return { snapshot: result.snapshot, addedRows: openedRows, closedRows };
  } finally {
    await engine.run(`DROP TABLE IF EXISTS ${cur}`).catch(() => undefined);
  }
}

/**
 * `unique` checks whose latest result for this table passed on `parent` (the snapshot main pointed at
 * when the run began, which the staged snapshot builds on): after an append or a merge only keys of the
 * rows written can be duplicated, so those checks need to judge just those keys. Replace and scd2 runs,
 * and checks naming columns the rows lack, are judged on the whole table.
 */
async function uniqueChecksPassedAt(
  ctx: RunnerContext,
  stream: StreamDefinition,
  checks: readonly CheckSpec[],
  columns: readonly StagedColumn[],
  parent: bigint | undefined,
): Promise<Set<string>> {
  const out = new Set<string>();
  if (parent === undefined || (stream.mode !== 'append' && stream.mode !== 'merge')) return out;
  const names = new Set(columns.map((c) => c.name));
  const candidates = checks.filter(
    (c) => c.kind === 'unique' && (c as { columns: readonly string[] }).columns.every((k) => names.has(k)),
  );
  if (candidates.length === 0) return out;
  const recent = await ctx.catalog.operations.listQuality({ table: stream.target, limit: 200 });
  for (const c of candidates) {
    const last = recent.find((r) => r.check === c.name);
    if (last && last.status === 'passed' && last.snapshotId === String(parent)) out.add(c.name);
  }
  return out;
}

function upsertRowsOrEmpty(rowsRelation: string | undefined, columns: readonly StagedColumn[]): string {
  return (
    rowsRelation ??
    `SELECT ${columns.map((c) => `CAST(NULL AS ${toDuckDBType(c.type)}) AS ${quoteIdent(c.name)}`).join(', ')} WHERE false`
  );
}

function hash(s: string): number {
  let h = 0;
  for (let i = 0; i < s.length; i++) h = (Math.imul(h, 31) + s.charCodeAt(i)) | 0;
  return h;
}

/** Writes one staged batch as Parquet data files of the table. */
function writeBatch(ctx: WriterContext, table: Table, selectSql: string, columns: readonly StagedColumn[]) {
  return writeDataFile({
    engine: ctx.engine,
    io: ctx.catalog.io,
    selectSql,
    sourceColumns: columns.map((c) => c.name),
    schema: table.schema(),
    tableLocation: table.metadata.location,
    tableName: table.name,
    partitionSpec: resolvePartitionSpec(table.metadata),
  });
}

/** Staging branches left by runs that crashed between audit and publish: dropped. */
async function cleanupStaleBranches(table: Table): Promise<void> {
  for (const name of Object.keys(table.metadata.refs)) {
    if (name.startsWith(WAP_PREFIX)) await dropRef(table, name).catch(() => undefined);
  }
}

/** Copies the failing rows of failed row checks into `<table>__quarantine`; returns how many. */
async function quarantine(
  ctx: WriterContext,
  table: Table,
  columns: readonly StagedColumn[],
  results: readonly CheckResult[],
  runId: string,
  target: string,
): Promise<number> {
  const failed = results.filter((r) => r.status === 'failed' && r.failingRowsSql);
  if (failed.length === 0) return 0;
  const id = parseTableIdentifier(target);
  const qname = `${id.namespace.join('.')}.${id.name}__quarantine`;
  const fields = table.schema().fields;
  const extra = [
    { name: '_lakekit_check', type: { kind: 'string' } as IcebergType },
    { name: '_lakekit_severity', type: { kind: 'string' } as IcebergType },
    { name: '_lakekit_run_id', type: { kind: 'string' } as IcebergType },
    { name: '_lakekit_quarantined_at', type: { kind: 'timestamptz' } as IcebergType },
  ];
  const { table: qt } = await prepareTable(
    ctx.catalog,
    `quarantine of ${target}`,
    qname,
    [...fields.map((f) => ({ name: f.name, type: f.type })), ...extra],
    { schemaChanges: 'evolve' },
  );
  const now = new Date().toISOString();
  const selects = failed.map(
    (r) =>
      `SELECT *, '${r.name.replaceAll("'", "''")}' AS _lakekit_check, '${r.severity}' AS _lakekit_severity, '${runId}' AS _lakekit_run_id, TIMESTAMPTZ '${now}' AS _lakekit_quarantined_at FROM (${r.failingRowsSql})`,
  );
  const sourceColumns = [...columns.map((c) => c.name), ...extra.map((e) => e.name)];
  const files = await writeDataFile({
    engine: ctx.engine,
    io: ctx.catalog.io,
    selectSql: selects.map((s) => `(${s})`).join(' UNION ALL BY NAME '),
    sourceColumns,
    schema: qt.schema(),
    tableLocation: qt.metadata.location,
    tableName: qt.name,
  });
  if (files.length === 0) return 0;
  await appendFiles(qt, files, { summary: { 'lakekit.operation': 'quarantine', 'lakekit.run-id': runId } });
  return files.reduce((a, f) => a + f.recordCount, 0);
}
