/**
 * A consistent read of a MySQL/MariaDB server: one connection in a `REPEATABLE READ` transaction
 * started `WITH CONSISTENT SNAPSHOT, READ ONLY`, so every stream read through the session sees the
 * same committed state (InnoDB tables; MyISAM and other non-transactional engines have no snapshot).
 * Rows stream from the server (mysql2's text protocol, one row at a time) into staged CSV files;
 * when two finished files wait for the consumer the socket is paused. A stopped or failed extract
 * ends its query with `KILL QUERY` from a second connection, so the session stays usable.
 */
import type {
  ExtractColumn,
  ExtractRequest,
  SourceColumn,
  SourceSession,
  SourceStream,
  StagedBatch,
} from '@lakekit/core';
import { NotFoundError } from '@lakekit/core';
import type { Connection } from 'mysql2';
import { type ColumnPlan, planColumns, quoteMysqlIdent } from './column-plan.js';
import type { MysqlConfig, MysqlConnectionSettings } from './config.js';
import { discoverStreams, type MysqlStream } from './discover-streams.js';
import {
  cursorLiteral,
  cursorPredicate,
  keysetExpr,
  keysetLiteral,
  keysetPredicate,
  selectList,
  selectSql,
} from './extract-sql.js';
import { closeConnection, openConnection, queryRows } from './mysql-client.js';
import { type MysqlErrorSite, mysqlError } from './mysql-error.js';
import { decodeRowPacket, type RawValue, StagedCsvWriter } from './staged-csv-writer.js';

/** Rows per staged file when the request gives none. */
export const DEFAULT_BATCH_ROWS = 500_000;

/** Statements that open a session: UTC for TIMESTAMP text, literals as the driver escapes them, a snapshot. */
export const SESSION_SETUP = [
  "SET SESSION time_zone = '+00:00'",
  // mysql2 escapes string literals with backslashes: make sure the server reads them that way.
  "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'",
  // A paused socket (the consumer is busy with earlier files) must not time the query out.
  'SET SESSION net_write_timeout = 86400',
  'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
  'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
] as const;

/** What a session shares with its connector. */
export interface MysqlSessionContext {
  readonly site: MysqlErrorSite;
  readonly settings: MysqlConnectionSettings;
  readonly config: MysqlConfig;
  /** The database of a stream named without one (`accounts`), when the source has a single one. */
  readonly defaultDatabase: string | undefined;
  /** Called when the session closes. */
  readonly onClose: () => void;
}

/** Opens a session: a connection, the setup statements, the snapshot. */
export async function openMysqlSession(ctx: MysqlSessionContext): Promise<MysqlSession> {
  const conn = await openConnection(ctx.settings, ctx.site);
  try {
    for (const sql of SESSION_SETUP) await queryRows(conn, sql);
  } catch (e) {
    conn.destroy();
    throw mysqlError(ctx.site, e, 'cannot start a consistent snapshot');
  }
  return new MysqlSession(conn, ctx);
}

/** A read of a server through one consistent snapshot. */
/** A text-protocol row packet as mysql2 receives it: the payload is `buffer[offset, end)`. */
interface RowPacket {
  buffer: Buffer;
  offset: number;
  end: number;
}

/**
 * Makes a mysql2 query emit each row packet as it is instead of parsing it into one Buffer per value
 * (a tenth of a microsecond each, ~9 million for a 1M-row, 9-column table). It replaces the query's
 * row parser (`Query#_rowParser`, mysql2 3.x, pinned in package.json); the connector tests read every
 * type through it.
 */
function rawRowPackets(query: object): void {
  const raw = { next: (packet: RowPacket) => packet };
  Object.defineProperty(query, '_rowParser', { configurable: true, get: () => raw, set: () => undefined });
}

export class MysqlSession implements SourceSession {
  private readonly streams = new Map<string, MysqlStream>();
  private closed = false;

  constructor(
    private readonly conn: Connection,
    private readonly ctx: MysqlSessionContext,
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
    await closeConnection(this.conn);
  }

  /** Ends the connection at once (the connector is closing). */
  destroy(): void {
    this.closed = true;
    this.conn.destroy();
  }

  private site(stream?: string): MysqlErrorSite {
    return stream === undefined ? this.ctx.site : { ...this.ctx.site, stream };
  }

  /** `db.table` (or `table` in the source's one database) → its stream; NotFoundError when missing. */
  private async find(name: string): Promise<MysqlStream> {
    const hit = this.streams.get(name);
    if (hit) return hit;
    const dot = name.indexOf('.');
    const database = dot > 0 ? name.slice(0, dot) : this.ctx.defaultDatabase;
    const table = dot > 0 ? name.slice(dot + 1) : name;
    let found: MysqlStream | undefined;
    if (database !== undefined) {
      try {
        [found] = await discoverStreams(this.conn, [database], this.ctx.config.timezone, table);
      } catch (e) {
        throw mysqlError(this.site(name), e, 'cannot describe');
      }
    }
    if (!found) {
      throw new NotFoundError(
        'stream',
        `source ${this.ctx.site.source}: no table or view ${name}${dot > 0 ? '' : ' (name streams database.table)'}`,
        { context: { source: this.ctx.site.source, stream: name } },
      );
    }
    this.streams.set(name, found);
    return found;
  }

  private async *run(
    request: ExtractRequest,
    columns: readonly ExtractColumn[] | undefined,
    incremental: boolean,
  ): AsyncGenerator<StagedBatch> {
    if (this.closed) throw mysqlError(this.site(request.stream), new Error('the session is closed'));
    const stream = await this.find(request.stream);
    const { timezone, zero_dates: zeroDates } = this.ctx.config;
    const plan = planColumns(stream, columns, timezone);
    const batchRows = Math.max(1, Math.floor(request.batchRows ?? DEFAULT_BATCH_ROWS));
    const writer = new StagedCsvWriter({
      dir: request.stagingDir,
      stream: stream.name,
      columns: plan,
      batchRows,
      zeroDates,
      timezone,
    });
    try {
      if (!incremental) {
        const sql = selectSql({ database: stream.database, table: stream.table, select: selectList(plan) });
        yield* this.pump(sql, writer, request.signal, stream.name);
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
   * Rows past the cursor in keyset chunks of `batchRows` ordered by (cursor, primary key), each
   * chunk starting after the last row of the one before. Rows whose cursor is NULL are read (by key)
   * on the first run only, when there is no last value. Without a primary key: one query ordered
   * by the cursor.
   */
  private async *incremental(
    stream: MysqlStream,
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
    const ref = quoteMysqlIdent(col.name);
    const base = { database: stream.database, table: stream.table };
    const where: string[] = [];
    if (cursor.after !== undefined) {
      const literal = cursorLiteral(
        stream.name,
        col.name,
        col.sourceType,
        cursor.after,
        this.ctx.config.timezone,
      );
      where.push(cursorPredicate(ref, literal, cursor.inclusive === true));
    }
    const select = selectList(plan);
    if (stream.primaryKey.length === 0) {
      const sql = selectSql({ ...base, select, where, orderBy: [ref] });
      yield* this.pump(sql, writer, request.signal, stream.name);
      return;
    }
    const keys = stream.primaryKey
      .filter((k) => k !== col.name)
      .map((k) => stream.columns.find((c) => c.name === k)!);
    const chunk = { ...base, select, batchRows, plan, writer, signal: request.signal, stream: stream.name };
    if (cursor.after === undefined && col.nullable && keys.length > 0) {
      yield* this.keysetChunks(chunk, [`${ref} IS NULL`], keys);
    }
    yield* this.keysetChunks(chunk, [...where, `${ref} IS NOT NULL`], [col, ...keys]);
  }

  /** Chunks of `batchRows` rows matching `filter`, ordered by `order`, each after the last of the one before. */
  private async *keysetChunks(
    c: {
      database: string;
      table: string;
      select: readonly string[];
      batchRows: number;
      plan: readonly ColumnPlan[];
      writer: StagedCsvWriter;
      signal: AbortSignal | undefined;
      stream: string;
    },
    filter: readonly string[],
    keyset: readonly SourceColumn[],
  ): AsyncGenerator<StagedBatch> {
    const order = keyset.map((k) => quoteMysqlIdent(k.name));
    // The keyset values ride along after the extracted columns; the writer ignores them.
    const hidden = keyset.map((k, i) => `${keysetExpr(k.sourceType, order[i]!)} AS \`__lakekit_key${i}\``);
    let after: string[] | undefined;
    for (;;) {
      const past = after ? [keysetPredicate(order, after)] : [];
      const sql = selectSql({
        database: c.database,
        table: c.table,
        select: [...c.select, ...hidden],
        where: [...filter, ...past],
        orderBy: order,
        limit: c.batchRows,
      });
      const { last, rows } = yield* this.pump(sql, c.writer, c.signal, c.stream, true);
      if (rows < c.batchRows || !last) return;
      after = keyset.map((k, i) => keysetLiteral(k.sourceType, last[c.plan.length + i] ?? null));
    }
  }

  /**
   * Streams one query's rows into the writer, yielding each file it completes; returns the row count
   * and, with `keepLast`, the last row's values. A failure (driver, value, abort, a consumer that stops) ends the query.
   */
  private async *pump(
    sql: string,
    writer: StagedCsvWriter,
    signal: AbortSignal | undefined,
    streamName: string,
    keepLast = false,
  ): AsyncGenerator<StagedBatch, { last: readonly RawValue[] | undefined; rows: number }> {
    signal?.throwIfAborted();
    const conn = this.conn;
    const queue: StagedBatch[] = [];
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

    // Rows as the server's packets: the writer copies each value's text bytes from the packet
    // without a string or a Buffer per value.
    const query = conn.query({ sql, rowsAsArray: true, typeCast: false });
    rawRowPackets(query);
    let lastBytes: Buffer | undefined;
    let lastLength = 0;
    query.on('result', (packet: RowPacket) => {
      if (failure) return;
      try {
        const { buffer, offset, end } = packet;
        rows++;
        if (keepLast) {
          // The connection reuses the packet's memory: keep a copy of the row (keyset bounds).
          if (!lastBytes || lastBytes.length < end - offset)
            lastBytes = Buffer.allocUnsafe(2 * (end - offset));
          buffer.copy(lastBytes, 0, offset, end);
          lastLength = end - offset;
        }
        const done = writer.addPacket(buffer, offset, end);
        if (done) {
          queue.push(done);
          if (queue.length >= 2 && !paused) {
            paused = true;
            conn.pause();
          }
          notify();
        }
      } catch (e) {
        fail(e);
      }
    });
    query.on('error', (e: unknown) => {
      fail(e);
      ended = true;
      endResolve();
      notify();
    });
    query.on('end', () => {
      ended = true;
      endResolve();
      notify();
    });

    try {
      for (;;) {
        if (failure) throw failure.error;
        const next = queue.shift();
        if (next) {
          if (paused && queue.length < 2) {
            paused = false;
            conn.resume();
          }
          yield next;
          continue;
        }
        if (ended) {
          const last = lastBytes ? decodeRowPacket(lastBytes, 0, lastLength) : undefined;
          return { last, rows };
        }
        await new Promise<void>((r) => {
          wake = r;
        });
      }
    } catch (e) {
      throw mysqlError(this.site(streamName), e, 'extract failed');
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (!ended) {
        // Stopped early: end the query, drain what is still on its way, keep the session.
        failure ??= { error: new Error('extract stopped') };
        if (paused) conn.resume();
        await this.killQuery();
        // A destroyed connection may never finish the command: do not wait for it forever.
        await Promise.race([endPromise, new Promise((r) => setTimeout(r, 5000).unref())]);
      }
      for (const b of queue) writer.remove(b);
    }
  }

  /** `KILL QUERY` the session's running statement from a second connection (or end the session). */
  private async killQuery(): Promise<void> {
    try {
      const other = await openConnection(this.ctx.settings, this.ctx.site);
      try {
        await queryRows(other, `KILL QUERY ${Number(this.conn.threadId)}`);
      } finally {
        await closeConnection(other);
      }
    } catch {
      this.destroy();
    }
  }
}
