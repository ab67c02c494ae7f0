import { DataError, NotFoundError, SourceError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { isRetryableMysqlError, mysqlError } from './mysql-error.js';

const site = { source: 'crm', target: 'mysql://app@db:3306/shop', password: 's3cret' };
const driver = (code: string, errno?: number, message = `${code} happened`) =>
  Object.assign(new Error(message), { code, ...(errno === undefined ? {} : { errno }) });

describe('mysql errors', () => {
  it('rejected credentials are auth errors, never retried', () => {
    for (const e of [
      driver('ER_ACCESS_DENIED_ERROR', 1045, "Access denied for user 'app'@'10.0.0.1' (using password: YES)"),
      driver('ER_DBACCESS_DENIED_ERROR', 1044),
    ]) {
      const err = mysqlError(site, e);
      expect(err).toBeInstanceOf(SourceError);
      expect(err.code).toBe('source_auth');
      expect(err.retryable).toBe(false);
    }
  });

  it.each([
    ['ER_LOCK_DEADLOCK', 1213],
    ['ER_LOCK_WAIT_TIMEOUT', 1205],
    ['PROTOCOL_CONNECTION_LOST', undefined],
    ['ECONNREFUSED', undefined],
    ['ECONNRESET', undefined],
    ['ETIMEDOUT', undefined],
    ['ER_CON_COUNT_ERROR', 1040],
    ['ER_TABLE_DEF_CHANGED', 1412],
    ['CR_SERVER_LOST', 2013],
  ])('%s is retryable', (code, errno) => {
    const err = mysqlError(site, driver(code, errno));
    expect(err).toBeInstanceOf(SourceError);
    expect(err.retryable).toBe(true);
    expect(isRetryableMysqlError(driver(code, errno))).toBe(true);
  });

  it('other failures are not retryable', () => {
    expect(mysqlError(site, driver('ER_PARSE_ERROR', 1064)).retryable).toBe(false);
    expect(mysqlError(site, driver('ENOTFOUND')).retryable).toBe(false);
  });

  it('names source, target and stream, keeps the code, never the password', () => {
    const err = mysqlError(
      { ...site, stream: 'shop.orders' },
      driver('ER_X', 1234, 'bad thing with s3cret inside'),
      'extract failed',
    );
    expect(err.message).toBe(
      'source crm (mysql://app@db:3306/shop), stream shop.orders: extract failed: bad thing with *** inside',
    );
    expect(err.context).toMatchObject({ source: 'crm', stream: 'shop.orders', code: 'ER_X' });
  });

  it('a missing table read for a stream is NotFoundError; LakeErrors pass through', () => {
    expect(mysqlError({ ...site, stream: 'shop.x' }, driver('ER_NO_SUCH_TABLE', 1146))).toBeInstanceOf(
      NotFoundError,
    );
    const data = new DataError('x');
    expect(mysqlError(site, data)).toBe(data);
  });
});
