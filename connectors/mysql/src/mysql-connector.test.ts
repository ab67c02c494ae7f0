import { describe, expect, it } from 'vitest';
import { mysqlConnector, serverVersion } from './mysql-connector.js';
import { SESSION_SETUP } from './mysql-session.js';

describe('mysqlConnector', () => {
  it('is the mysql kind with url and password secret', () => {
    expect(mysqlConnector.kind).toBe('mysql');
    expect(mysqlConnector.secrets).toEqual(['url', 'password']);
    const c = mysqlConnector.create('crm', mysqlConnector.configSchema.parse({ host: 'h', password: 'x' }), {
      baseDir: '.',
    });
    expect(c.kind).toBe('mysql');
  });

  it('names the server product and version', () => {
    expect(serverVersion('10.11.19-MariaDB-0+deb12u1')).toBe('MariaDB 10.11.19');
    expect(serverVersion('8.0.36')).toBe('MySQL 8.0.36');
    expect(serverVersion('5.7.44-log')).toBe('MySQL 5.7.44');
  });

  it('opens sessions in UTC, with backslash escapes, as a read-only consistent snapshot', () => {
    expect(SESSION_SETUP).toEqual([
      "SET SESSION time_zone = '+00:00'",
      "SET SESSION sql_mode = 'NO_ENGINE_SUBSTITUTION'",
      'SET SESSION net_write_timeout = 86400',
      'SET SESSION TRANSACTION ISOLATION LEVEL REPEATABLE READ',
      'START TRANSACTION WITH CONSISTENT SNAPSHOT, READ ONLY',
    ]);
  });
});
