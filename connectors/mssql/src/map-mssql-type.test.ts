import { typeToString } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { classifyMssqlType, mapMssqlType } from './map-mssql-type.js';

/** Every row of the README's table: source type → Iceberg type (or `!` + the start of the reason). */
const TABLE: [string, string][] = [
  ['bit', 'boolean'],
  ['tinyint', 'int'],
  ['smallint', 'int'],
  ['int', 'int'],
  ['bigint', 'long'],
  ['decimal(12,2)', 'decimal(12, 2)'],
  ['decimal(38,10)', 'decimal(38, 10)'],
  ['numeric(5,0)', 'decimal(5, 0)'],
  ['decimal', 'decimal(18, 0)'],
  ['money', 'decimal(19, 4)'],
  ['smallmoney', 'decimal(10, 4)'],
  ['real', 'float'],
  ['float(24)', 'float'],
  ['float(1)', 'float'],
  ['float(25)', 'double'],
  ['float(53)', 'double'],
  ['float', 'double'],
  ['date', 'date'],
  ['time(7)', 'time'],
  ['time(0)', 'time'],
  ['datetime2(7)', 'timestamp'],
  ['datetime2(3)', 'timestamp'],
  ['datetime', 'timestamp'],
  ['smalldatetime', 'timestamp'],
  ['datetimeoffset(7)', 'timestamptz'],
  ['char(10)', 'string'],
  ['varchar(40)', 'string'],
  ['varchar(max)', 'string'],
  ['nchar(10)', 'string'],
  ['nvarchar(255)', 'string'],
  ['nvarchar(max)', 'string'],
  ['text', 'string'],
  ['ntext', 'string'],
  ['xml', 'string'],
  ['uniqueidentifier', 'uuid'],
  ['binary(16)', 'binary'],
  ['varbinary(8)', 'binary'],
  ['varbinary(max)', 'binary'],
  ['image', 'binary'],
  ['rowversion', 'binary'],
  ['timestamp', 'binary'],
  ['sql_variant', '!sql_variant: sql_variant holds values of any type'],
  ['hierarchyid', '!hierarchyid: hierarchyid has no Iceberg type'],
  ['geography', '!geography: spatial types have no Iceberg type'],
  ['geometry', '!geometry: spatial types have no Iceberg type'],
  ['my_clr_type', '!my_clr_type: has no Iceberg type'],
];

describe('mapMssqlType', () => {
  it.each(TABLE)('%s → %s', (source, want) => {
    const got = mapMssqlType(source);
    if (want.startsWith('!')) {
      expect(got.type).toBeUndefined();
      expect(got.unsupported!.startsWith(want.slice(1)), got.unsupported).toBe(true);
    } else {
      expect(got.unsupported).toBeUndefined();
      expect(typeToString(got.type!)).toBe(want);
    }
  });

  it('ignores case and surrounding space', () => {
    expect(typeToString(mapMssqlType(' NVARCHAR(MAX) ').type!)).toBe('string');
    expect(typeToString(mapMssqlType('DateTimeOffset(7)').type!)).toBe('timestamptz');
  });

  it('tells how values are read', () => {
    expect(classifyMssqlType('varchar(10)').kind).toBe('varchar');
    expect(classifyMssqlType('nvarchar(10)').kind).toBe('string');
    expect(classifyMssqlType('money').kind).toBe('money');
    expect(classifyMssqlType('image').kind).toBe('image');
    expect(classifyMssqlType('timestamp').kind).toBe('binary');
    expect(classifyMssqlType('geography').kind).toBe('unsupported');
  });
});
