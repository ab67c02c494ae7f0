import { typeToString } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { classifyMysqlType, mapMysqlType } from './map-mysql-type.js';

/** Every row of the README's table: COLUMN_TYPE → Iceberg type (or `!` + the start of the reason). */
const TABLE: [string, string][] = [
  ['tinyint(1)', 'boolean'],
  ['tinyint(1) unsigned', 'boolean'],
  ['tinyint', 'int'],
  ['tinyint(4)', 'int'],
  ['tinyint(3) unsigned', 'int'],
  ['smallint(6)', 'int'],
  ['smallint unsigned', 'int'],
  ['mediumint(9)', 'int'],
  ['mediumint unsigned', 'int'],
  ['int(11)', 'int'],
  ['int', 'int'],
  ['int(10) unsigned', 'long'],
  ['int(10) unsigned zerofill', 'long'],
  ['bigint(20)', 'long'],
  ['bigint', 'long'],
  ['bigint(20) unsigned', 'decimal(20, 0)'],
  ['decimal(12,2)', 'decimal(12, 2)'],
  ['decimal(38,10)', 'decimal(38, 10)'],
  ['decimal(10,0) unsigned', 'decimal(10, 0)'],
  ['decimal', 'decimal(10, 0)'],
  ['decimal(39,2)', '!decimal(39,2): Iceberg decimals hold at most 38 digits'],
  ['decimal(65,30)', '!decimal(65,30): Iceberg decimals hold at most 38 digits'],
  ['float', 'float'],
  ['float(7,4)', 'float'],
  ['float unsigned', 'float'],
  ['double', 'double'],
  ['double(10,2)', 'double'],
  ['real', 'double'],
  ['bit(1)', 'boolean'],
  ['bit(10)', 'long'],
  ['bit(64)', 'long'],
  ['char(3)', 'string'],
  ['varchar(255)', 'string'],
  ['tinytext', 'string'],
  ['text', 'string'],
  ['mediumtext', 'string'],
  ['longtext', 'string'],
  ["enum('a','b,c')", 'string'],
  ["set('a','b')", 'string'],
  ['json', 'string'],
  ['binary(16)', 'binary'],
  ['varbinary(8)', 'binary'],
  ['tinyblob', 'binary'],
  ['blob', 'binary'],
  ['mediumblob', 'binary'],
  ['longblob', 'binary'],
  ['date', 'date'],
  ['time', 'time'],
  ['time(6)', 'time'],
  ['datetime', 'timestamp'],
  ['datetime(6)', 'timestamp'],
  ['timestamp', 'timestamptz'],
  ['timestamp(3)', 'timestamptz'],
  ['year(4)', 'int'],
  ['year', 'int'],
  ['uuid', 'uuid'],
  ['inet6', 'string'],
  ['inet4', 'string'],
  ['geometry', '!geometry: spatial types have no Iceberg type'],
  ['point', '!point: spatial types have no Iceberg type'],
  ['linestring', '!linestring: spatial'],
  ['polygon', '!polygon: spatial'],
  ['multipoint', '!multipoint: spatial'],
  ['multilinestring', '!multilinestring: spatial'],
  ['multipolygon', '!multipolygon: spatial'],
  ['geometrycollection', '!geometrycollection: spatial'],
  ['geomcollection', '!geomcollection: spatial'],
  ['vector(3)', '!vector(3) has no Iceberg type'],
];

describe('mapMysqlType', () => {
  it.each(TABLE)('%s → %s', (source, want) => {
    const got = mapMysqlType(source);
    if (want.startsWith('!')) {
      expect(got.type).toBeUndefined();
      expect(got.unsupported).toMatch(new RegExp(`^${want.slice(1).replace(/[()]/g, '\\$&')}`));
    } else {
      expect(got.unsupported).toBeUndefined();
      expect(typeToString(got.type!)).toBe(want);
    }
  });

  it('ignores case and surrounding space', () => {
    expect(typeToString(mapMysqlType('  BIGINT(20) UNSIGNED ').type!)).toBe('decimal(20, 0)');
  });

  it('tells how values are read: tinyint(1) as a truth value, FLOAT widened, binaries as hex', () => {
    expect(classifyMysqlType('tinyint(1)').kind).toBe('boolean');
    expect(classifyMysqlType('bit(1)').kind).toBe('bit');
    expect(classifyMysqlType('float').kind).toBe('float');
    expect(classifyMysqlType('blob').kind).toBe('binary');
    expect(classifyMysqlType('datetime(6)').kind).toBe('datetime');
    expect(classifyMysqlType('timestamp').kind).toBe('timestamp');
    expect(classifyMysqlType('point').kind).toBe('unsupported');
  });
});
