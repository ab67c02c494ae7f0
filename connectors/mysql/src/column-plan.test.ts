import { NotFoundError, type SourceStream, typeToString, UnsupportedError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { columnType, planColumn, planColumns, quoteMysqlIdent } from './column-plan.js';

const col = (name: string, sourceType: string) => ({ name, sourceType, nullable: true });
const plan = (sourceType: string, tz = 'UTC', asText = false) =>
  planColumn('db.t', col('c', sourceType), asText, tz);

describe('column plans', () => {
  it('quotes identifiers', () => {
    expect(quoteMysqlIdent('a`b')).toBe('`a``b`');
  });

  it.each([
    ['tinyint(1)', '(`c` <> 0)', 'plain', 'boolean'],
    ['bit(1)', 'CAST(`c` AS UNSIGNED)', 'plain', 'boolean'],
    ['bit(12)', 'CAST(`c` AS UNSIGNED)', 'plain', 'long'],
    ['float', '(`c` + 0E0)', 'plain', 'float'],
    ['double', '`c`', 'plain', 'double'],
    ['int(11)', '`c`', 'plain', 'int'],
    ['bigint(20) unsigned', '`c`', 'plain', 'decimal(20, 0)'],
    ['decimal(12,2)', '`c`', 'plain', 'decimal(12, 2)'],
    ['uuid', '`c`', 'plain', 'uuid'],
    ['varchar(10)', '`c`', 'text', 'string'],
    ['json', '`c`', 'text', 'string'],
    ["enum('a')", '`c`', 'text', 'string'],
    ['blob', 'HEX(`c`)', 'hex', 'binary'],
    ['date', '`c`', 'date', 'date'],
    ['datetime(6)', '`c`', 'date', 'timestamp'],
    ['timestamp', '`c`', 'date', 'timestamptz'],
    ['time', '`c`', 'time', 'time'],
  ])('%s is read as %s (%s) → %s', (sourceType, select, encoder, type) => {
    const p = plan(sourceType);
    expect(p.select).toBe(select);
    expect(p.encoder).toBe(encoder);
    expect(typeToString(p.type)).toBe(type);
  });

  it('DATETIME in a zoned source is timestamptz, written with the zone offset', () => {
    const p = plan('datetime', 'Europe/Berlin');
    expect(p.encoder).toBe('zoned');
    expect(typeToString(p.type)).toBe('timestamptz');
    expect(typeToString(columnType('datetime', 'Europe/Berlin').type!)).toBe('timestamptz');
    expect(typeToString(columnType('datetime', 'UTC').type!)).toBe('timestamp');
    expect(typeToString(columnType('timestamp', 'Europe/Berlin').type!)).toBe('timestamptz');
  });

  it('as text: spatial values as WKT, anything else cast to CHAR', () => {
    expect(plan('point', 'UTC', true)).toEqual({
      name: 'c',
      select: 'ST_AsText(`c`)',
      encoder: 'text',
      type: { kind: 'string' },
    });
    expect(plan('decimal(65,30)', 'UTC', true).select).toBe('CAST(`c` AS CHAR)');
  });

  it('an unsupported column is an UnsupportedError naming stream and column', () => {
    expect(() => plan('decimal(65,30)')).toThrow(UnsupportedError);
    expect(() => plan('geometry')).toThrow(/stream db\.t, column c: geometry: spatial types/);
  });

  it('plans every column by default, or the requested ones; an unknown one is NotFoundError', () => {
    const stream: SourceStream = {
      name: 'db.t',
      columns: [col('id', 'int'), col('b', 'blob')],
      primaryKey: ['id'],
      cursorCandidates: [],
    };
    expect(planColumns(stream, undefined, 'UTC').map((p) => p.select)).toEqual(['`id`', 'HEX(`b`)']);
    expect(planColumns(stream, [{ name: 'b' }], 'UTC').map((p) => p.name)).toEqual(['b']);
    expect(() => planColumns(stream, [{ name: 'nope' }], 'UTC')).toThrow(NotFoundError);
    expect(() => planColumns(stream, [{ name: 'nope' }], 'UTC')).toThrow(/db\.t has no column nope/);
  });
});
