import { typeToString } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { assembleStreams, type ColumnRow } from './discover-streams.js';

const col = (table: string, column: string, type: string, extra: Partial<ColumnRow> = {}): ColumnRow => ({
  schema: 'sales',
  table,
  column,
  type,
  length: null,
  precision: null,
  scale: null,
  datetime_precision: null,
  nullable: 'YES',
  ...extra,
});

describe('assembleStreams', () => {
  const streams = assembleStreams(
    [
      { schema: 'sales', table: 'orders', kind: 'BASE TABLE' },
      { schema: 'sales', table: 'lines', kind: 'BASE TABLE' },
      { schema: 'sales', table: 'v_open', kind: 'VIEW' },
    ],
    [
      col('orders', 'id', 'int', { nullable: 'NO' }),
      col('orders', 'total', 'decimal', { precision: 12, scale: 2 }),
      col('orders', 'placed', 'datetime2', { datetime_precision: 7 }),
      col('orders', 'rv', 'timestamp', { nullable: 'NO' }),
      col('orders', 'note', 'nvarchar', { length: -1 }),
      col('orders', 'area', 'geography'),
      col('lines', 'order_id', 'int', { nullable: 'NO' }),
      col('lines', 'n', 'smallint', { nullable: 'NO' }),
      col('lines', 'at', 'datetimeoffset', { datetime_precision: 7 }),
      col('v_open', 'id', 'int'),
    ],
    [
      { schema: 'sales', table: 'orders', column: 'id' },
      { schema: 'sales', table: 'lines', column: 'order_id' },
      { schema: 'sales', table: 'lines', column: 'n' },
    ],
    [{ schema: 'sales', table: 'orders', column: 'note', comment: 'free text' }],
    [
      { schema: 'sales', table: 'orders', rows: '1200' },
      { schema: 'sales', table: 'lines', rows: 5000 },
    ],
  );
  const [orders, lines, view] = streams as [(typeof streams)[0], (typeof streams)[0], (typeof streams)[0]];

  it('names streams schema.table with mapped columns and comments', () => {
    expect(streams.map((s) => s.name)).toEqual(['sales.orders', 'sales.lines', 'sales.v_open']);
    expect(
      orders.columns.map((c) => [
        c.name,
        c.sourceType,
        c.type ? typeToString(c.type) : c.unsupported,
        c.nullable,
      ]),
    ).toEqual([
      ['id', 'int', 'int', false],
      ['total', 'decimal(12,2)', 'decimal(12, 2)', true],
      ['placed', 'datetime2(7)', 'timestamp', true],
      ['rv', 'timestamp', 'binary', false],
      ['note', 'nvarchar(max)', 'string', true],
      ['area', 'geography', 'geography: spatial types have no Iceberg type (cast to text: WKT)', true],
    ]);
    expect(orders.columns.find((c) => c.name === 'note')!.description).toBe('free text');
  });

  it('keys in key order; cursor candidates: temporal columns, rowversion, an integer key', () => {
    expect(orders.primaryKey).toEqual(['id']);
    expect(orders.cursorCandidates).toEqual(['id', 'placed', 'rv']);
    expect(lines.primaryKey).toEqual(['order_id', 'n']);
    expect(lines.cursorCandidates).toEqual(['at']);
    expect(view.primaryKey).toEqual([]);
  });

  it('row estimates from sys.partitions, none for views', () => {
    expect(orders.estimatedRows).toBe(1200);
    expect(lines.estimatedRows).toBe(5000);
    expect(view.estimatedRows).toBeUndefined();
  });
});
