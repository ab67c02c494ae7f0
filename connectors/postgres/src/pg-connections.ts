/**
 * Where a PostgreSQL source's connections come from: a pg.Pool normally, or — for servers that
 * accept one connection at a time, like PGlite — one lazily opened pg.Client that every operation
 * shares. Sessions lease a connection for their lifetime (in single-connection mode they take turns);
 * one-off statements (test, discover) run on any connection.
 */
import pg from 'pg';

/** A connection held by one user until `release`. */
export interface PgLease {
  readonly client: pg.ClientBase;
  /** Gives the connection back; `destroy` closes it instead (its state is unknown or broken). */
  release(destroy?: boolean): void;
}

/** A source's connections. */
export interface PgConnections {
  /** A connection for exclusive use (a session's transaction). */
  lease(): Promise<PgLease>;
  /** Runs one statement (text results parsed by node-postgres' default parsers). */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    sql: string,
    params?: unknown[],
  ): Promise<pg.QueryResult<R>>;
  close(): Promise<void>;
}

/** Connections from a pg.Pool. */
export function poolConnections(config: pg.PoolConfig): PgConnections {
  let pool: pg.Pool | undefined;
  const open = () => {
    if (!pool) {
      pool = new pg.Pool({ ...config, max: 8, idleTimeoutMillis: 30_000, allowExitOnIdle: true });
      // An idle connection the server closes must not crash the process; the pool drops it.
      pool.on('error', () => {});
    }
    return pool;
  };
  return {
    async lease() {
      const client = await open().connect();
      let released = false;
      return {
        client,
        release(destroy = false) {
          if (released) return;
          released = true;
          client.release(destroy ? true : undefined);
        },
      };
    },
    query: (sql, params) => open().query(sql, params),
    async close() {
      const p = pool;
      pool = undefined;
      await p?.end();
    },
  };
}

/** One shared pg.Client, opened on first use and reopened after it broke; leases take turns. */
export function singleConnection(config: pg.ClientConfig): PgConnections {
  let client: pg.Client | undefined;
  let opening: Promise<pg.Client> | undefined;
  let turn: Promise<void> = Promise.resolve();

  const drop = (c: pg.Client) => {
    if (client === c) client = undefined;
    c.end().catch(() => {});
  };
  const connected = (): Promise<pg.Client> => {
    if (client) return Promise.resolve(client);
    if (!opening) {
      const c = new pg.Client(config);
      c.on('error', () => drop(c));
      c.on('end', () => {
        if (client === c) client = undefined;
      });
      opening = c.connect().then(
        () => {
          opening = undefined;
          client = c;
          return c;
        },
        (e: unknown) => {
          opening = undefined;
          c.end().catch(() => {});
          throw e;
        },
      );
    }
    return opening;
  };

  return {
    async lease() {
      // Wait for the previous lease to end, then hold the turn until this one ends.
      let done!: () => void;
      const previous = turn;
      turn = new Promise<void>((resolve) => {
        done = resolve;
      });
      await previous;
      let c: pg.Client;
      try {
        c = await connected();
      } catch (e) {
        done();
        throw e;
      }
      let released = false;
      return {
        client: c,
        release(destroy = false) {
          if (released) return;
          released = true;
          if (destroy) drop(c);
          done();
        },
      };
    },
    // pg.Client runs statements one after the other; a statement issued while a session holds the
    // connection runs inside that session's (read-only) transaction.
    query: async (sql, params) => (await connected()).query(sql, params),
    async close() {
      const c = client ?? (await opening?.catch(() => undefined));
      client = undefined;
      await c?.end().catch(() => {});
    },
  };
}
