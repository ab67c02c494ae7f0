import { DataError, UnsupportedError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { cursorParam, keysetParam } from './mssql-params.js';

const p = (type: string, after: string) => cursorParam('dbo.orders', 'c', type, after);

describe('cursor parameters', () => {
  it('numbers as validated text; SQL Server converts them to the column type', () => {
    expect(p('bigint', '9223372036854775807')).toEqual({
      name: 'after',
      type: 'NVarChar',
      value: '9223372036854775807',
    });
    expect(p('decimal(12,2)', '-12.50').value).toBe('-12.50');
    expect(p('float(53)', '1.5e-300').value).toBe('1.5e-300');
    expect(() => p('int', "1' OR 1=1")).toThrow(DataError);
    expect(() => p('int', 'x')).toThrow(/dbo\.orders, cursor column c: 'x' is not a valid int value/);
  });

  it('timestamps as ISO 8601 with T; zone-less columns get the UTC time of an instant with an offset', () => {
    expect(p('datetime2(7)', '2026-05-15 10:30:30.1234567').value).toBe('2026-05-15T10:30:30.1234567');
    expect(p('datetime2(7)', '2026-05-15T10:30:30+02:00').value).toBe('2026-05-15T08:30:30');
    expect(p('datetime2(7)', '2026-01-01 01:00:00.5-0230').value).toBe('2026-01-01T03:30:00.5');
    expect(p('datetime', '2026-05-15 10:30:30.123456').value).toBe('2026-05-15T10:30:30.123');
    expect(p('smalldatetime', '2026-05-15 10:30:30.5').value).toBe('2026-05-15T10:30:30');
    expect(() => p('datetime2(7)', '15/05/2026')).toThrow(DataError);
  });

  it('datetimeoffset keeps or adds the offset', () => {
    expect(p('datetimeoffset(7)', '2026-05-15 10:30:30.000001').value).toBe(
      '2026-05-15T10:30:30.000001+00:00',
    );
    expect(p('datetimeoffset(7)', '2026-05-15 10:30:30Z').value).toBe('2026-05-15T10:30:30+00:00');
    expect(p('datetimeoffset(7)', '2026-05-15T10:30:30+02').value).toBe('2026-05-15T10:30:30+02:00');
    expect(p('datetimeoffset(7)', '2026-05-15T10:30:30-0330').value).toBe('2026-05-15T10:30:30-03:30');
  });

  it('dates, times, uuids, bits validated', () => {
    expect(p('date', '2026-05-15').value).toBe('2026-05-15');
    expect(p('time(7)', '10:30:30.1234567').value).toBe('10:30:30.1234567');
    expect(p('uniqueidentifier', '6F9619FF-8B86-D011-B42D-00C04FC964FF').value).toBe(
      '6F9619FF-8B86-D011-B42D-00C04FC964FF',
    );
    expect(() => p('uniqueidentifier', 'nope')).toThrow(DataError);
    expect(p('bit', 'true').value).toBe('1');
    expect(p('bit', 'f').value).toBe('0');
  });

  it('strings typed like the column (varchar vs nvarchar), binaries as bytes', () => {
    expect(p('varchar(20)', "o'k")).toEqual({ name: 'after', type: 'VarChar', value: "o'k" });
    expect(p('nvarchar(20)', 'ü')).toEqual({ name: 'after', type: 'NVarChar', value: 'ü' });
    expect(p('rowversion', '00000000000007D1')).toEqual({
      name: 'after',
      type: 'VarBinary',
      value: Buffer.from('00000000000007d1', 'hex'),
    });
    expect(p('timestamp', '0x00000000000007D1').value).toEqual(Buffer.from('00000000000007d1', 'hex'));
    expect(() => p('rowversion', 'zz')).toThrow(DataError);
  });

  it('unsupported types cannot be cursors', () => {
    expect(() => p('geography', 'x')).toThrow(UnsupportedError);
  });
});

describe('keyset parameters', () => {
  it('binds the values the keyset columns were read as', () => {
    expect(keysetParam('p0', 'rowversion', Buffer.from([0, 1]))).toEqual({
      name: 'p0',
      type: 'VarBinary',
      value: Buffer.from([0, 1]),
    });
    expect(keysetParam('p1', 'int', 42)).toEqual({ name: 'p1', type: 'NVarChar', value: '42' });
    expect(keysetParam('p1', 'bigint', '9223372036854775807').value).toBe('9223372036854775807');
    expect(keysetParam('p0', 'datetime2(7)', '2026-01-01T00:00:00.1234567').value).toBe(
      '2026-01-01T00:00:00.1234567',
    );
    expect(keysetParam('p0', 'varchar(10)', 'abc').type).toBe('VarChar');
    expect(keysetParam('p0', 'nchar(10)', 'abc').type).toBe('NVarChar');
    expect(keysetParam('p0', 'bit', true).value).toBe('1');
    expect(keysetParam('p0', 'bit', false).value).toBe('0');
  });
});
