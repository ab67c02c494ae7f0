import { describe, expect, it } from 'vitest';
import { mssqlConnector, serverVersion } from './mssql-connector.js';
import { sessionIsolation } from './mssql-session.js';

describe('mssqlConnector', () => {
  it('is the mssql kind with url and password secret; creating it does not connect', () => {
    expect(mssqlConnector.kind).toBe('mssql');
    expect(mssqlConnector.secrets).toEqual(['url', 'password']);
    const c = mssqlConnector.create('erp', mssqlConnector.configSchema.parse({ host: 'nowhere.invalid' }), {
      baseDir: '.',
    });
    expect(c.kind).toBe('mssql');
  });

  it('names the server', () => {
    expect(serverVersion('16.0.4135.4', 'Developer Edition (64-bit)')).toBe('SQL Server 16.0.4135.4');
    expect(serverVersion('12.0.2000.8', 'SQL Azure')).toBe('Azure SQL 12.0.2000.8');
  });

  it('uses SNAPSHOT isolation when the database allows it, else REPEATABLE READ', () => {
    expect(sessionIsolation(1)).toBe('SNAPSHOT');
    expect(sessionIsolation(0)).toBe('REPEATABLE_READ');
    expect(sessionIsolation(3)).toBe('REPEATABLE_READ'); // IN_TRANSITION_TO_ON
    expect(sessionIsolation(undefined)).toBe('REPEATABLE_READ');
  });
});
