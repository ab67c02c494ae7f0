/**
 * A consistent read of a PostgreSQL source: one connection in one REPEATABLE READ READ ONLY
 * transaction, so every describe and extract sees the snapshot taken when the session opened. The
 * transaction also pins the settings that make COPY's text canonical (UTC, ISO dates, ISO 8601
 * intervals, round-trip floats). Extracts of one session run one after the other.
 */
import { randomBytes } from 'node:crypto';
import {
  ConfigError,
  type ExtractColumn,
  type ExtractRequest,
  NotFoundError,
  quoteIdent,
  quoteLiteral,
  SourceError,
  type SourceSession,
  type SourceStream,
  type StagedBatch,
  UnsupportedError,
} from '@lakekit/core';
import { copyOut } from './copy-out.js';
import { introspect, type PgStream } from './introspect.js';
import type { PgConnections, PgLease } from './pg-connections.js';
import { type ErrorScope, pgError } from './pg-error.js';
import { selectExpr } from './select-expr.js';
import { stageCsv } from './stage-csv.js';

/** Default rows per staged file (and keyset chunk). */
export const DEFAULT_BATCH_ROWS = 500_000;

/** Opens the transaction, pins canonical output settings and takes the snapshot (`SELECT 1`). */
const BEGIN = [
  'BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY',
  "SET LOCAL TimeZone = 'UTC'",
  "SET LOCAL DateStyle = 'ISO, YMD'",
  "SET LOCAL IntervalStyle = 'iso_8601'",
  'SET LOCAL extra_float_digits = 3',
  'SET LOCAL standard_conforming_strings = on',
  'SELECT 1',
].join('; ');

/** Alias of the extracted table in generated SQL (so ORDER BY never means an output column). */
const SRC = 'src';

/** A bound of a keyset range: key columns compared as a tuple with `values`. */
interface KeyBound {
  readonly keys: readonly string[];
  readonly values: readonly string[];
  readonly op: '>' | '>=' | '<=';
}

/** A session over one leased connection (see module comment). */
export class PostgresSession implements SourceSession {
  private readonly streams = new Map<string, PgStream>();
  private state: 'open' | 'broken' | 'closed' = 'open';
  private turn: Promise<void> = Promise.resolve();
  private running = 0;

  private constructor(
    private readonly lease: PgLease,
    private readonly scope: ErrorScope,
  ) {}

  /** Leases a connection and opens the read transaction on it. */
  static async open(connections: PgConnections, scope: ErrorScope): Promise<PostgresSession> {
    let lease: PgLease;
    try {
      lease = await connections.lease();
    } catch (e) {
      throw pgError(e, scope, 'connecting');
    }
    try {
      await lease.client.query(BEGIN);
    } catch (e) {
      lease.release(true);
      throw pgError(e, scope, 'opening a read transaction');
    }
    return new PostgresSession(lease, scope);
  }

  async describe(stream: string): Promise<SourceStream> {
    return (await this.pgStream(stream)).stream;
  }

  extract(request: ExtractRequest): AsyncIterable<StagedBatch> {
    return this.run(request);
  }

  extractKeys(
    request: ExtractRequest & { readonly columns: readonly ExtractColumn[] },
  ): AsyncIterable<StagedBatch> {
    const { cursor: _ignored, ...full } = request;
    return this.run(full);
  }

  async close(): Promise<void> {
    if (this.state === 'closed') return;
    const broken = this.state === 'broken';
    this.state = 'closed';
    if (broken) return; // the connection was discarded when it broke
    if (this.running > 0) {
      // An extract was abandoned mid-COPY: the connection cannot take another statement.
      this.lease.release(true);
      return;
    }
    try {
      await this.lease.client.query('COMMIT');
      this.lease.release();
    } catch {
      this.lease.release(true);
    }
  }

  private scopeOf(stream: string): ErrorScope {
    return { ...this.scope, stream };
  }

  private assertOpen(stream?: string): void {
    if (this.state === 'open') return;
    const why = this.state === 'closed' ? 'is closed' : 'lost its connection after an interrupted extract';
    throw new SourceError(
      `postgres source ${this.scope.source}: the session ${why}${stream ? ` (stream ${stream})` : ''}`,
      {
        context: { source: this.scope.source, stream },
      },
    );
  }

  /** Marks the session broken and discards its connection (it is mid-protocol). */
  private readonly interrupted = (): void => {
    if (this.state !== 'open') return;
    this.state = 'broken';
    this.lease.release(true);
  };

  private async pgStream(name: string): Promise<PgStream> {
    this.assertOpen(name);
    const cached = this.streams.get(name);
    if (cached) return cached;
    let found: PgStream | undefined;
    try {
      [found] = await introspect((sql, params) => this.lease.client.query(sql, params), { stream: name });
    } catch (e) {
      throw pgError(e, this.scopeOf(name), 'reading the catalog');
    }
    if (!found) {
      throw new NotFoundError('stream', `postgres source ${this.scope.source}: no table or view ${name}`, {
        context: { source: this.scope.source, stream: name },
      });
    }
    this.streams.set(name, found);
    return found;
  }

  /** Waits for the previous extract of this session to finish; resolves to the release function. */
  private async nextTurn(): Promise<() => void> {
    let release!: () => void;
    const mine = new Promise<void>((resolve) => {
      release = resolve;
    });
    const previous = this.turn;
    this.turn = previous.then(() => mine);
    await previous;
    return release;
  }

  private async *run(request: ExtractRequest): AsyncGenerator<StagedBatch> {
    const release = await this.nextTurn();
    this.running++;
    try {
      this.assertOpen(request.stream);
      request.signal?.throwIfAborted();
      const s = await this.pgStream(request.stream);
      const where = `postgres source ${this.scope.source}, stream ${request.stream}`;
      const columns = this.plan(s, request.columns, where);
      const batchRows = request.batchRows ?? DEFAULT_BATCH_ROWS;
      if (!Number.isInteger(batchRows) || batchRows < 1) {
        throw new ConfigError(`${where}: batchRows must be a positive integer (got ${batchRows})`);
      }
      const table = `${quoteIdent(s.schema)}.${quoteIdent(s.table)} AS ${SRC}`;
      const select = `SELECT ${columns.map((c) => c.expr).join(', ')} FROM ${table}`;
      const staging = {
        dir: request.stagingDir,
        prefix: `${request.stream.replace(/[^\w.-]+/g, '_').slice(0, 100)}-${randomBytes(4).toString('hex')}-`,
        columns: columns.map((c) => c.name),
        batchRows,
      };
      if (!request.cursor) {
        yield* stageCsv(this.copy(select, request.signal), staging);
        return;
      }
      yield* this.incremental(s, select, table, staging, request, where);
    } catch (e) {
      if (request.signal?.aborted && e === request.signal.reason) throw e;
      throw pgError(e, this.scopeOf(request.stream), 'extracting');
    } finally {
      this.running--;
      release();
    }
  }

  /** COPY of a SELECT as raw CSV bytes. */
  private copy(select: string, signal: AbortSignal | undefined): AsyncGenerator<Buffer> {
    return copyOut(this.lease.client, `COPY (${select}) TO STDOUT (FORMAT csv)`, signal, this.interrupted);
  }

  /** The select expression of every requested column (all by default), checked against the stream. */
  private plan(
    s: PgStream,
    wanted: readonly ExtractColumn[] | undefined,
    where: string,
  ): { name: string; expr: string }[] {
    const list: readonly ExtractColumn[] = wanted ?? s.columns.map((c) => ({ name: c.source.name }));
    if (list.length === 0) throw new ConfigError(`${where}: no columns to extract`);
    return list.map((w) => {
      const c = s.columns.find((x) => x.source.name === w.name);
      if (!c) {
        throw new NotFoundError('column', `${where}: no column ${w.name}`, {
          context: { source: this.scope.source, stream: s.stream.name, column: w.name },
        });
      }
      if (!c.source.type && !w.asText) {
        throw new UnsupportedError(
          `${where}, column ${w.name}: ${c.source.unsupported ?? `type ${c.source.sourceType} has no mapping`}; extract it as text (asText)`,
          {
            context: {
              source: this.scope.source,
              stream: s.stream.name,
              column: w.name,
              type: c.source.sourceType,
            },
          },
        );
      }
      return { name: w.name, expr: selectExpr(w.name, c.resolvedType, w.asText) };
    });
  }

  /**
   * Keyset chunks over (cursor, primary key…): each chunk's upper bound is the key tuple `batchRows`
   * rows on (one index-friendly query), then the chunk is one COPY of `lower < key <= upper` in key
   * order; the next chunk starts after that tuple. With a primary key the tuple is unique, so a
   * chunk is simply `LIMIT batchRows` in key order and the bound is looked up only after a full
   * chunk (one query for the usual small increment). Without a primary key the tuple is the cursor
   * alone and a chunk grows to hold every row tied with its last cursor value. Rows whose cursor is
   * NULL are never read (they have no position).
   */
  private async *incremental(
    s: PgStream,
    select: string,
    table: string,
    staging: Parameters<typeof stageCsv>[1],
    request: ExtractRequest,
    where: string,
  ): AsyncGenerator<StagedBatch> {
    const cursor = request.cursor!;
    const cursorColumn = s.columns.find((c) => c.source.name === cursor.column);
    if (!cursorColumn) {
      throw new NotFoundError('column', `${where}: no cursor column ${cursor.column}`, {
        context: { source: this.scope.source, stream: s.stream.name, column: cursor.column },
      });
    }
    const keys = [cursor.column, ...s.stream.primaryKey.filter((k) => k !== cursor.column)];
    const typeOf = new Map(s.columns.map((c) => [c.source.name, c.source.sourceType]));
    const order = keys.map((k) => `${SRC}.${quoteIdent(k)}`).join(', ');
    const notNull = `${SRC}.${quoteIdent(cursor.column)} IS NOT NULL`;
    const cond = (b: KeyBound) => {
      const left = b.keys.map((k) => `${SRC}.${quoteIdent(k)}`);
      const right = b.values.map((v, i) => `CAST(${quoteLiteral(v)} AS ${typeOf.get(b.keys[i]!)})`);
      return b.keys.length === 1
        ? `${left[0]} ${b.op} ${right[0]}`
        : `(${left.join(', ')}) ${b.op} (${right.join(', ')})`;
    };
    let lower: KeyBound | undefined =
      cursor.after === undefined
        ? undefined
        : { keys: [cursor.column], values: [cursor.after], op: cursor.inclusive ? '>=' : '>' };
    let index = 0;
    const keyText = keys.map((k) => `${SRC}.${quoteIdent(k)}::text`).join(', ');
    const nth = async (filter: string): Promise<string[] | undefined> => {
      const r = await this.lease.client.query({
        text: `SELECT ${keyText} FROM ${table} ${filter} ORDER BY ${order} OFFSET ${staging.batchRows - 1} LIMIT 1`,
        rowMode: 'array',
      });
      return r.rows[0] as string[] | undefined;
    };
    for (;;) {
      request.signal?.throwIfAborted();
      const filter = `WHERE ${notNull}${lower ? ` AND ${cond(lower)}` : ''}`;
      if (s.stream.primaryKey.length > 0) {
        // (cursor, primary key) is unique: a chunk is the first batchRows rows in key order, and
        // only a full chunk needs its last key (the usual small increment costs one query).
        let rows = 0;
        const chunk = `${select} ${filter} ORDER BY ${order} LIMIT ${staging.batchRows}`;
        for await (const batch of stageCsv(this.copy(chunk, request.signal), {
          ...staging,
          firstIndex: index,
        })) {
          index++;
          rows += batch.rows ?? 0;
          yield batch;
        }
        if (rows < staging.batchRows) return;
        const last = await nth(filter);
        if (!last) return;
        lower = { keys, values: last, op: '>' };
        continue;
      }
      const upperValues = await nth(filter);
      const upper: KeyBound | undefined = upperValues ? { keys, values: upperValues, op: '<=' } : undefined;
      const chunk = `${select} ${filter}${upper ? ` AND ${cond(upper)}` : ''} ORDER BY ${order}`;
      for await (const batch of stageCsv(this.copy(chunk, request.signal), {
        ...staging,
        firstIndex: index,
      })) {
        index++;
        yield batch;
      }
      if (!upper) return;
      lower = { keys, values: upper.values, op: '>' };
    }
  }
}
