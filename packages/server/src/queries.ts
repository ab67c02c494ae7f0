/**
 * The server's governed queries: the GovernedQueryEngine it answers with (given, or opened on the
 * first query and closed with the server) and the webhook flags notify. `@lakekit/query` (and with
 * it DuckDB) is loaded only when the first query comes, so a server nobody queries starts as fast as
 * before.
 */
import type { Catalog } from '@lakekit/catalog';
import type { GovernedEngineOptions, GovernedQueryEngine, SemanticModel } from '@lakekit/query';
import { HttpError } from './problem.js';

/** How the server answers queries. */
export interface ServerQueryOptions {
  /** The engine to use (the caller closes it); default: one opened on the first query. */
  engine?: GovernedQueryEngine;
  /** Where flags on answers are POSTed (http or https); default: no notification. */
  webhookUrl?: string;
  /** Settings of the engine the server opens itself (limits, time-outs, retention; `query:` in the configuration). */
  engineOptions?: Omit<GovernedEngineOptions, 'catalog'>;
}

/** The engine of one server, and the queries running on it. */
export class QueryService {
  private opened?: Promise<GovernedQueryEngine>;
  private readonly running = new Set<Promise<unknown>>();
  private closing = false;

  constructor(
    private readonly catalog: Catalog,
    private readonly options: ServerQueryOptions = {},
    /** The semantic models metric questions are answered with (none: no metrics). */
    readonly semantic: () => Promise<SemanticModel | undefined> = async () => undefined,
  ) {}

  get webhookUrl(): string | undefined {
    return this.options.webhookUrl;
  }

  /** The engine (opened now if it was not given and this is the first use). */
  engine(): Promise<GovernedQueryEngine> {
    if (this.closing)
      return Promise.reject(new HttpError(503, 'server_closing', 'the server is shutting down'));
    if (this.options.engine) return Promise.resolve(this.options.engine);
    this.opened ??= import('@lakekit/query')
      .then(({ GovernedQueryEngine }) =>
        GovernedQueryEngine.open({ ...this.options.engineOptions, catalog: this.catalog }),
      )
      .catch((e: unknown) => {
        // A failed open is tried again by the next query.
        this.opened = undefined;
        throw e;
      });
    return this.opened;
  }

  /** Runs `f` on the engine; `close()` waits for it before closing the engine. */
  run<T>(f: (engine: GovernedQueryEngine) => Promise<T>): Promise<T> {
    return this.track(() => this.engine().then(f));
  }

  /** Runs `f` (which may use the engine through `engine()`); `close()` waits for it. */
  async track<T>(f: () => Promise<T>): Promise<T> {
    const p = f();
    this.running.add(p);
    try {
      return await p;
    } finally {
      this.running.delete(p);
    }
  }

  /** Refuses new queries, waits for running ones, and closes the engine if this service opened it. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.allSettled([...this.running]);
    const opened = this.opened;
    this.opened = undefined;
    if (opened) (await opened.catch(() => undefined))?.close();
  }
}
