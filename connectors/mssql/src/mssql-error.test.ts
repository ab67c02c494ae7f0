import { createServer, type Server, type Socket } from 'node:net';
import { DataError, NotFoundError, SourceError } from '@lakekit/core';
import mssql from 'mssql';
import { afterAll, describe, expect, it } from 'vitest';
import { mssqlConnector } from './mssql-connector.js';
import { isRetryableMssqlError, mssqlError } from './mssql-error.js';

const site = { source: 'erp', target: 'mssql://app@sql:1433/sales', password: 's3cret' };

/** A server error as mssql reports it: a RequestError carrying the server's error number. */
function requestError(number: number, message: string): Error {
  const e = new mssql.RequestError(message, 'EREQUEST');
  e.number = number;
  return e;
}

describe('mssql errors', () => {
  it('a failed login (ELOGIN, 18456) is auth, never retried', () => {
    const login = mssqlError(site, new mssql.ConnectionError("Login failed for user 'app'.", 'ELOGIN'));
    expect(login).toBeInstanceOf(SourceError);
    expect(login.code).toBe('source_auth');
    expect(login.retryable).toBe(false);
    expect(mssqlError(site, requestError(18456, 'Login failed')).code).toBe('source_auth');
    expect(
      mssqlError(site, requestError(4060, 'Cannot open database "sales" requested by the login')).code,
    ).toBe('source_auth');
  });

  it('timeouts, socket errors, deadlock victims and lock timeouts are retryable', () => {
    for (const e of [
      new mssql.ConnectionError('Failed to connect in 15000ms', 'ETIMEOUT'),
      new mssql.RequestError('Timeout: Request failed to complete', 'ETIMEOUT'),
      new mssql.ConnectionError('Connection lost - read ECONNRESET', 'ESOCKET'),
      new mssql.ConnectionError('Connection is closed.', 'ECONNCLOSED'),
      requestError(1205, 'Transaction (Process ID 57) was deadlocked on lock resources with another process'),
      requestError(1222, 'Lock request time out period exceeded.'),
      requestError(40613, 'Database is not currently available.'),
    ]) {
      const err = mssqlError(site, e);
      expect(err, e.message).toBeInstanceOf(SourceError);
      expect(err.retryable, e.message).toBe(true);
      expect(isRetryableMssqlError(e)).toBe(true);
    }
  });

  it('other failures are not retryable; a missing table read for a stream is NotFoundError', () => {
    expect(mssqlError(site, requestError(102, "Incorrect syntax near 'x'.")).retryable).toBe(false);
    expect(mssqlError(site, new mssql.RequestError('Canceled.', 'ECANCEL')).retryable).toBe(false);
    expect(
      mssqlError({ ...site, stream: 'dbo.x' }, requestError(208, "Invalid object name 'dbo.x'.")),
    ).toBeInstanceOf(NotFoundError);
    const data = new DataError('x');
    expect(mssqlError(site, data)).toBe(data);
  });

  it('names source, target and stream, never the password', () => {
    const err = mssqlError(
      { ...site, stream: 'dbo.orders' },
      requestError(50000, 'raised with s3cret'),
      'extract failed',
    );
    expect(err.message).toBe(
      'source erp (mssql://app@sql:1433/sales), stream dbo.orders: extract failed: raised with ***',
    );
    expect(err.context).toMatchObject({ source: 'erp', stream: 'dbo.orders', code: 'EREQUEST' });
  });
});

describe('connection failures through the real driver (no server needed)', () => {
  const servers: Server[] = [];
  const sockets: Socket[] = [];
  afterAll(async () => {
    for (const s of sockets) s.destroy();
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  });

  async function listen(onConnection: (s: Socket) => void): Promise<number> {
    const server = createServer((s) => {
      sockets.push(s);
      onConnection(s);
    });
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return (server.address() as { port: number }).port;
  }

  const connector = (port: number) =>
    mssqlConnector.create(
      'erp',
      mssqlConnector.configSchema.parse({
        url: `mssql://app:s3cret-pw@127.0.0.1:${port}/sales`,
        connect_timeout_seconds: 1,
      }),
      { baseDir: '.' },
    );

  it('a refused connection is a retryable SourceError naming the source, without the password', async () => {
    const port = await listen((s) => s.destroy());
    await new Promise<void>((r) => servers.pop()!.close(() => r()));
    const err = await connector(port)
      .test()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).retryable).toBe(true);
    expect((err as Error).message).toMatch(
      new RegExp(`^source erp \\(mssql://app@127\\.0\\.0\\.1:${port}/sales\\): cannot connect: `),
    );
    expect((err as Error).message).not.toContain('s3cret-pw');
  });

  it('a server that never answers times out: retryable', async () => {
    const port = await listen(() => {});
    const err = await connector(port)
      .discover()
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(SourceError);
    expect((err as SourceError).retryable).toBe(true);
    expect((err as SourceError).context['code']).toBe('ETIMEOUT');
  });
});
