import { ConfigError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { connectionSettings, mysqlConfigSchema } from './config.js';

const parse = (c: unknown) => mysqlConfigSchema.parse(c);

describe('mysql config', () => {
  it('applies defaults', () => {
    expect(parse({ url: 'mysql://u@h/db' })).toEqual({
      url: 'mysql://u@h/db',
      timezone: 'UTC',
      connect_timeout_seconds: 10,
      zero_dates: 'error',
    });
  });

  it('rejects unknown keys, url together with host keys, neither, bad zones', () => {
    expect(mysqlConfigSchema.safeParse({ url: 'mysql://h/', hots: 'x' }).success).toBe(false);
    const both = mysqlConfigSchema.safeParse({ url: 'mysql://h/', host: 'h', password: 'p' });
    expect(both.success).toBe(false);
    expect(both.error!.issues.map((i) => i.path.join('.'))).toEqual(['host', 'password']);
    expect(mysqlConfigSchema.safeParse({}).error!.issues[0]!.message).toBe('url or host is required');
    expect(
      mysqlConfigSchema.safeParse({ host: 'h', timezone: 'Mars/Olympus' }).error!.issues[0]!.message,
    ).toBe('unknown time zone Mars/Olympus');
    expect(parse({ host: 'h', timezone: '+05:30' }).timezone).toBe('+05:30');
    expect(mysqlConfigSchema.safeParse({ host: 'h', zero_dates: 'zero' }).success).toBe(false);
  });

  it('accepts numeric strings (from ${VAR} substitution)', () => {
    const c = parse({ host: 'h', port: '3307', connect_timeout_seconds: '3' });
    expect(c.port).toBe(3307);
    expect(c.connect_timeout_seconds).toBe(3);
  });

  it('resolves a URL, decoding user, password and database; the target has no password', () => {
    const s = connectionSettings(
      'crm',
      parse({ url: 'mysql://app%40x:p%2Fss%3Aw@db.example:3307/shop%20db' }),
    );
    expect(s).toMatchObject({
      host: 'db.example',
      port: 3307,
      user: 'app@x',
      password: 'p/ss:w',
      database: 'shop db',
    });
    expect(s.target).toBe('mysql://app%40x@db.example:3307/shop%20db');
    expect(s.target).not.toContain('p%2Fss');
    expect(s.connectTimeoutMs).toBe(10_000);
  });

  it('resolves defaults and host keys; IPv6 hosts in brackets', () => {
    expect(connectionSettings('a', parse({ url: 'mariadb://[::1]/' }))).toMatchObject({
      host: '::1',
      port: 3306,
      user: 'root',
      password: undefined,
      database: undefined,
      target: 'mysql://root@[::1]:3306/',
    });
    expect(
      connectionSettings('a', parse({ host: 'h', user: 'u', password: 'secret', database: 'd' })),
    ).toMatchObject({
      host: 'h',
      user: 'u',
      password: 'secret',
      target: 'mysql://u@h:3306/d',
    });
  });

  it('a malformed URL, another scheme or URL parameters are ConfigErrors naming the source', () => {
    expect(() => connectionSettings('crm', parse({ url: 'not a url' }))).toThrow(ConfigError);
    expect(() => connectionSettings('crm', parse({ url: 'postgres://h/db' }))).toThrow(
      /source crm: url must start with mysql:\/\//,
    );
    expect(() => connectionSettings('crm', parse({ url: 'mysql://u:pw@h/db?ssl=true&password=x' }))).toThrow(
      /source crm: url parameters are not supported \(ssl, password\)/,
    );
  });
});
