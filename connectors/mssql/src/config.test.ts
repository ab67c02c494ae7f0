import { ConfigError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { connectionSettings, mssqlConfigSchema, poolConfig } from './config.js';

const parse = (c: unknown) => mssqlConfigSchema.parse(c);

describe('mssql config', () => {
  it('applies defaults: encrypted, certificate checked', () => {
    expect(parse({ url: 'mssql://u@h/db' })).toEqual({
      url: 'mssql://u@h/db',
      encrypt: true,
      trust_server_certificate: false,
      connect_timeout_seconds: 15,
    });
  });

  it('rejects unknown keys, url with host keys, neither; accepts strings from ${VAR}', () => {
    expect(mssqlConfigSchema.safeParse({ host: 'h', encrypted: true }).success).toBe(false);
    const both = mssqlConfigSchema.safeParse({ url: 'mssql://h/', user: 'sa' });
    expect(both.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['user', 'give either url or user, not both'],
    ]);
    expect(mssqlConfigSchema.safeParse({ encrypt: false }).error!.issues[0]!.message).toBe(
      'url or host is required',
    );
    const c = parse({
      host: 'h',
      port: '1434',
      encrypt: 'false',
      trust_server_certificate: 'true',
      schemas: ['sales'],
    });
    expect(c).toMatchObject({
      port: 1434,
      encrypt: false,
      trust_server_certificate: true,
      schemas: ['sales'],
    });
    expect(mssqlConfigSchema.safeParse({ host: 'h', schemas: [] }).success).toBe(false);
  });

  it('resolves a URL; the target has no password', () => {
    const s = connectionSettings(
      'erp',
      parse({ url: 'sqlserver://app:p%40ss@sql.example:1444/Sales%20DB', encrypt: false }),
    );
    expect(s).toMatchObject({
      host: 'sql.example',
      port: 1444,
      user: 'app',
      password: 'p@ss',
      database: 'Sales DB',
      encrypt: false,
      trustServerCertificate: false,
      connectTimeoutMs: 15_000,
      target: 'mssql://app@sql.example:1444/Sales%20DB',
    });
  });

  it('resolves host keys and defaults', () => {
    expect(connectionSettings('erp', parse({ host: 'h' }))).toMatchObject({
      host: 'h',
      port: 1433,
      user: undefined,
      database: undefined,
      target: 'mssql://h:1433/',
    });
  });

  it('malformed URLs, other schemes, URL parameters are ConfigErrors naming the source', () => {
    expect(() => connectionSettings('erp', parse({ url: '::' }))).toThrow(ConfigError);
    expect(() => connectionSettings('erp', parse({ url: 'mysql://h/db' }))).toThrow(
      /source erp: url must start with mssql:\/\//,
    );
    expect(() => connectionSettings('erp', parse({ url: 'mssql://h/db?encrypt=false' }))).toThrow(
      /source erp: url parameters are not supported \(encrypt\); use encrypt and trust_server_certificate/,
    );
  });

  it('builds a one-connection pool config without a request timeout', () => {
    const s = connectionSettings(
      'erp',
      parse({ host: 'h', user: 'sa', password: 'pw', database: 'd', trust_server_certificate: true }),
    );
    expect(poolConfig(s)).toEqual({
      server: 'h',
      port: 1433,
      user: 'sa',
      password: 'pw',
      database: 'd',
      connectionTimeout: 15_000,
      requestTimeout: 0,
      pool: { min: 0, max: 1 },
      options: { encrypt: true, trustServerCertificate: true, appName: 'lakekit' },
    });
  });
});
