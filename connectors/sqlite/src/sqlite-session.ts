/**
 * A SQLite session: its own read-only connection holding one read transaction (`BEGIN`, then a read
 * of the schema), so every stream read through it sees the same state of the database. In WAL mode
 * that is a snapshot and writers carry on; in rollback-journal mode the transaction holds a SHARED
 * lock, so writers wait (up to their busy timeout) until the session closes.
 */
import {
  type ExtractColumn,
  type ExtractRequest,
  NotFoundError,
  type SourceSession,
  type SourceStream,
  type StagedBatch,
} from '@lakekit/core';
import type Database from 'better-sqlite3';
import { planExtract, runExtract } from './sqlite-extract.js';
import { findStream, type SqliteStream } from './sqlite-streams.js';

/** A consistent read of one SQLite database (see the module comment). */
export class SqliteSession implements SourceSession {
  private readonly db: Database.Database;
  private readonly streams: readonly SqliteStream[];
  private readonly source: string;
  private closed = false;

  /** Takes over `db`, on which the caller has begun the read transaction and listed `streams`. */
  constructor(db: Database.Database, streams: readonly SqliteStream[], source: string) {
    this.db = db;
    this.streams = streams;
    this.source = source;
  }

  async describe(stream: string): Promise<SourceStream> {
    const { table: _t, hasRowid: _r, ...described } = this.find(stream);
    return described;
  }

  async *extract(request: ExtractRequest): AsyncGenerator<StagedBatch> {
    const stream = this.find(request.stream);
    const where = `source ${this.source}, stream ${stream.name}`;
    const plan = planExtract(stream, request, where);
    yield* runExtract(this.db, stream, plan, request, where);
  }

  extractKeys(
    request: ExtractRequest & { readonly columns: readonly ExtractColumn[] },
  ): AsyncIterable<StagedBatch> {
    const { cursor: _cursor, ...rest } = request;
    return this.extract(rest);
  }

  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    try {
      if (this.db.inTransaction) this.db.exec('ROLLBACK');
    } finally {
      this.db.close();
    }
  }

  private find(name: string): SqliteStream {
    const s = findStream(this.streams, name);
    if (!s) {
      throw new NotFoundError('stream', `source ${this.source}: no table or view ${name}`, {
        context: { source: this.source, stream: name },
      });
    }
    return s;
  }
}
