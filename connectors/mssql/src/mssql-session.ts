/**
 * A consistent read of a SQL Server database: one connection in one transaction. When the database
 * allows snapshot isolation (`ALTER DATABASE … SET ALLOW_SNAPSHOT_ISOLATION ON`) the transaction is
 * SNAPSHOT: every stream sees the database as of the session's first read, and no locks are taken.
 * Otherwise it is REPEATABLE READ: rows read stay share-locked until the session closes (writers to
 * them wait) and rows inserted meanwhile can appear — not one state of the database.
 *
 * Rows stream from the server (mssql's streaming request, array rows) into staged CSV files; when
 * two finished files wait for the consumer the request is paused. A stopped or failed extract
 * cancels its request (a TDS attention), which leaves the session usable.
 */
import {
  type ExtractColumn,
  type ExtractRequest,
  NotFoundError,
  type SourceColumn,
  type SourceSession,
  type SourceStream,
  type StagedBatch,
} from '@lakekit/core';
import mssql from 'mssql';
import { type ColumnPlan, planColumns, selectList } from './column-plan.js';
import type { MssqlConfig, MssqlConnectionSettings } from './config.js';
import { loadStreams, type MssqlStream } from './load-streams.js';
import { type MssqlErrorSite, mssqlError } from './mssql-error.js';
import { cursorParam, keysetParam, type MssqlParam } from './mssql-params.js';
import {
  cursorPredicate,
  keysetChunkSql,
  quoteMssqlIdent,
  SNAPSHOT_STATE_SQL,
  selectSql,
} from './mssql-sql.js';
import { StagedCsvWriter } from './staged-csv-writer.js';

/** Rows per staged file when the request gives none. */
export const DEFAULT_BATCH_ROWS = 500_000;

/** The isolation level of a session: SNAPSHOT where the database allows it (state 1 = ON). */
export function sessionIsolation(snapshotIsolationState: number | undefined): 'SNAPSHOT' | 'REPEATABLE_READ' {
  return snapshotIsolationState === 1 ? 'SNAPSHOT' : 'REPEATABLE_READ';
}

/** What a session shares with its connector. */
export interface MssqlSessionContext {
  readonly site: MssqlErrorSite;
  readonly settings: MssqlConnectionSettings;
  readonly config: MssqlConfig;
  readonly onClose: () => void;
}

/** Opens a session: a one-connection pool and a transaction at the isolation level the database allows. */
export async function openMssqlSession(
  ctx: MssqlSessionContext,
  pool: mssql.ConnectionPool,
): Promise<MssqlSession> {
  try {
    const state = await pool.request().query<{ state: number }>(SNAPSHOT_STATE_SQL);
    const isolation = sessionIsolation(state.recordset[0]?.state);
    const tx = new mssql.Transaction(pool);
    await tx.begin(mssql.ISOLATION_LEVEL[isolation]);
    return new MssqlSession(pool, tx, isolation, ctx);
  } catch (e) {
    await pool.close().catch(() => {});
    throw mssqlError(ctx.site, e, 'cannot start a transaction');
  }
}

/** A read of a database through one transaction. */
export class MssqlSession implements SourceSession {
  private readonly streams = new Map<string, MssqlStream>();
  private closed = false;

  constructor(
    private readonly pool: mssql.ConnectionPool,
    private readonly tx: mssql.Transaction,
    /** SNAPSHOT, or REPEATABLE_READ when the database does not allow snapshot isolation. */
    readonly isolation: 'SNAPSHOT' | 'REPEATABLE_READ',
    private readonly ctx: MssqlSessionContext,
  ) {}

  async describe(stream: string): Promise<SourceStream> {
    return this.find(stream);
  }

  extract(request: ExtractRequest): AsyncIterable<StagedBatch> {
    return this.run(request, request.columns, request.cursor !== undefined);
  }

  extractKeys(
    request: ExtractRequest & { readonly columns: readonly ExtractColumn[] },
  ): AsyncIterable<StagedBatch> {
    return this.run(request, request.columns, false);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.ctx.onClose();
    try {
      await this.tx.commit();
    } catch {
      // a transaction the server already ended: closing the connection is all that is left
    }
    await this.pool.close().catch(() => {});
  }

  /** Ends the connection at once (the connector is closing). */
  destroy(): void {
    this.closed = true;
    void this.pool.close().catch(() => {});
  }

  private site(stream?: string): MssqlErrorSite {
    return stream === undefined ? this.ctx.site : { ...this.ctx.site, stream };
  }

  /** `schema.table` (or `table` in `dbo`) → its stream; NotFoundError when missing. */
  private async find(name: string): Promise<MssqlStream> {
    const hit = this.streams.get(name);
    if (hit) return hit;
    const dot = name.indexOf('.');
    const schema = dot > 0 ? name.slice(0, dot) : 'dbo';
    const table = dot > 0 ? name.slice(dot + 1) : name;
    let found: MssqlStream | undefined;
    try {
      [found] = await loadStreams((sql) => new mssql.Request(this.tx).query(sql), [schema], table);
    } catch (e) {
      throw mssqlError(this.site(name), e, 'cannot describe');
    }
    if (!found) {
      throw new NotFoundError('stream', `source ${this.ctx.site.source}: no table or view ${name}`, {
        context: { source: this.ctx.site.source, stream: name },
      });
    }
    this.streams.set(name, found);
    return found;
  }

  private async *run(
    request: ExtractRequest,
    columns: readonly ExtractColumn[] | undefined,
    incremental: boolean,
  ): AsyncGenerator<StagedBatch> {
    if (this.closed) throw mssqlError(this.site(request.stream), new Error('the session is closed'));
    const stream = await this.find(request.stream);
    const plan = planColumns(stream, columns);
    const batchRows = Math.max(1, Math.floor(request.batchRows ?? DEFAULT_BATCH_ROWS));
    const writer = new StagedCsvWriter({
      dir: request.stagingDir,
      stream: stream.name,
      columns: plan,
      batchRows,
    });
    try {
      if (!incremental) {
        const sql = selectSql({ schema: stream.schema, table: stream.table, select: selectList(plan) });
        yield* this.pump(sql, [], writer, request.signal, stream.name);
      } else {
        yield* this.incremental(stream, plan, request, writer, batchRows);
      }
      const last = writer.finish();
      if (last) yield last;
    } finally {
      writer.discard();
    }
  }

  /**
   * Rows past the cursor in keyset chunks of `batchRows` (`TOP (n) … ORDER BY cursor, key`), each
   * starting after the last (cursor, key) of the one before. Rows whose cursor is NULL are read (by
   * key) on the first run only. Without a primary key: one query ordered by the cursor.
   */
  private async *incremental(
    stream: MssqlStream,
    plan: readonly ColumnPlan[],
    request: ExtractRequest,
    writer: StagedCsvWriter,
    batchRows: number,
  ): AsyncGenerator<StagedBatch> {
    const cursor = request.cursor!;
    const col = stream.columns.find((c) => c.name === cursor.column);
    if (!col) {
      throw new NotFoundError('column', `stream ${stream.name} has no cursor column ${cursor.column}`, {
        context: { stream: stream.name, column: cursor.column },
      });
    }
    const ref = quoteMssqlIdent(col.name);
    const where: string[] = [];
    const params: MssqlParam[] = [];
    if (cursor.after !== undefined) {
      const p = cursorParam(stream.name, col.name, col.sourceType, cursor.after);
      params.push(p);
      where.push(cursorPredicate(ref, `@${p.name}`, cursor.inclusive === true));
    }
    const select = selectList(plan);
    const base = { schema: stream.schema, table: stream.table };
    if (stream.primaryKey.length === 0) {
      yield* this.pump(
        selectSql({ ...base, select, where, orderBy: [ref] }),
        params,
        writer,
        request.signal,
        stream.name,
      );
      return;
    }
    const keys = stream.primaryKey
      .filter((k) => k !== col.name)
      .map((k) => stream.columns.find((c) => c.name === k)!);
    const chunk = { ...base, select, batchRows, plan, writer, signal: request.signal, stream: stream.name };
    if (cursor.after === undefined && col.nullable && keys.length > 0) {
      yield* this.keysetChunks(chunk, [`${ref} IS NULL`], [], keys);
    }
    yield* this.keysetChunks(chunk, [...where, `${ref} IS NOT NULL`], params, [col, ...keys]);
  }

  /** Chunks of `batchRows` rows matching `filter`, ordered by the keyset, each after the last of the one before. */
  private async *keysetChunks(
    c: {
      schema: string;
      table: string;
      select: readonly string[];
      batchRows: number;
      plan: readonly ColumnPlan[];
      writer: StagedCsvWriter;
      signal: AbortSignal | undefined;
      stream: string;
    },
    filter: readonly string[],
    filterParams: readonly MssqlParam[],
    keyset: readonly SourceColumn[],
  ): AsyncGenerator<StagedBatch> {
    let after: MssqlParam[] | undefined;
    for (;;) {
      const sql = keysetChunkSql({
        schema: c.schema,
        table: c.table,
        select: c.select,
        filter,
        keyset,
        batchRows: c.batchRows,
        after: after !== undefined,
      });
      const { last, rows } = yield* this.pump(
        sql,
        [...filterParams, ...(after ?? [])],
        c.writer,
        c.signal,
        c.stream,
      );
      if (rows < c.batchRows || !last) return;
      after = keyset.map((k, i) => keysetParam(`p${i}`, k.sourceType, last[c.plan.length + i]));
    }
  }

  /**
   * Streams one query's rows into the writer, yielding each file it completes; returns the last row
   * and the row count. A failure (driver, abort, a consumer that stops) cancels the request.
   */
  private async *pump(
    sql: string,
    params: readonly MssqlParam[],
    writer: StagedCsvWriter,
    signal: AbortSignal | undefined,
    streamName: string,
  ): AsyncGenerator<StagedBatch, { last: readonly unknown[] | undefined; rows: number }> {
    signal?.throwIfAborted();
    const request = new mssql.Request(this.tx);
    request.stream = true;
    request.arrayRowMode = true;
    for (const p of params) {
      const type =
        p.type === 'VarBinary'
          ? mssql.VarBinary(mssql.MAX)
          : p.type === 'VarChar'
            ? mssql.VarChar(mssql.MAX)
            : mssql.NVarChar(mssql.MAX);
      request.input(p.name, type, p.value);
    }
    const queue: StagedBatch[] = [];
    let last: unknown[] | undefined;
    let rows = 0;
    let failure: { error: unknown } | undefined;
    let ended = false;
    let paused = false;
    let wake: (() => void) | undefined;
    const notify = () => {
      const w = wake;
      wake = undefined;
      w?.();
    };
    const fail = (error: unknown) => {
      failure ??= { error };
      notify();
    };
    let endResolve!: () => void;
    const endPromise = new Promise<void>((r) => {
      endResolve = r;
    });
    const onAbort = () => fail(signal?.reason ?? new Error('aborted'));
    signal?.addEventListener('abort', onAbort);

    request.on('row', (row: unknown[]) => {
      if (failure) return;
      try {
        last = row;
        rows++;
        const done = writer.add(row);
        if (done) {
          queue.push(done);
          if (queue.length >= 2 && !paused) {
            paused = true;
            request.pause();
          }
          notify();
        }
      } catch (e) {
        fail(e);
      }
    });
    request.on('error', (e: unknown) => fail(e));
    request.on('done', () => {
      ended = true;
      endResolve();
      notify();
    });
    void request.query(sql);

    try {
      for (;;) {
        if (failure) throw failure.error;
        const next = queue.shift();
        if (next) {
          if (paused && queue.length < 2) {
            paused = false;
            request.resume();
          }
          yield next;
          continue;
        }
        if (ended) return { last, rows };
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    } catch (e) {
      throw mssqlError(this.site(streamName), e, 'extract failed');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!ended) {
        failure ??= { error: new Error('extract stopped') };
        if (paused) request.resume();
        request.cancel();
        await Promise.race([endPromise, new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      for (const b of queue) writer.remove(b);
    }
  }
}
