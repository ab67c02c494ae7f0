import { typeToString } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { assembleStreams, discoverySql } from './discover-streams.js';

describe('discovery', () => {
  it('queries information_schema for the given databases, or one table', () => {
    const all = discoverySql(['shop', "o'reilly"]);
    expect(all.tables).toBe(
      "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, TABLE_TYPE AS kind, TABLE_ROWS AS est FROM information_schema.TABLES WHERE TABLE_SCHEMA IN ('shop', 'o\\'reilly') AND TABLE_TYPE IN ('BASE TABLE', 'VIEW', 'SYSTEM VERSIONED') ORDER BY TABLE_SCHEMA, TABLE_NAME",
    );
    const one = discoverySql(['shop'], 'orders');
    expect(one.columns).toBe(
      "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col, COLUMN_TYPE AS col_type, IS_NULLABLE AS nullable, COLUMN_COMMENT AS comment FROM information_schema.COLUMNS WHERE TABLE_SCHEMA IN ('shop') AND TABLE_NAME = 'orders' ORDER BY TABLE_SCHEMA, TABLE_NAME, ORDINAL_POSITION",
    );
    expect(one.keys).toBe(
      "SELECT TABLE_SCHEMA AS db, TABLE_NAME AS tbl, COLUMN_NAME AS col FROM information_schema.STATISTICS WHERE TABLE_SCHEMA IN ('shop') AND TABLE_NAME = 'orders' AND INDEX_NAME = 'PRIMARY' ORDER BY TABLE_SCHEMA, TABLE_NAME, SEQ_IN_INDEX",
    );
  });

  it('assembles streams: mapped columns, keys in order, cursor candidates, estimates', () => {
    const streams = assembleStreams(
      [
        { db: 'shop', tbl: 'orders', kind: 'BASE TABLE', est: '1200' },
        { db: 'shop', tbl: 'lines', kind: 'BASE TABLE', est: 10 },
        { db: 'shop', tbl: 'v', kind: 'VIEW', est: null },
      ],
      [
        {
          db: 'shop',
          tbl: 'orders',
          col: 'id',
          col_type: 'bigint(20) unsigned',
          nullable: 'NO',
          comment: '',
        },
        {
          db: 'shop',
          tbl: 'orders',
          col: 'placed',
          col_type: 'datetime(6)',
          nullable: 'YES',
          comment: 'when',
        },
        { db: 'shop', tbl: 'orders', col: 'shape', col_type: 'point', nullable: 'YES', comment: null },
        { db: 'shop', tbl: 'lines', col: 'order_id', col_type: 'int', nullable: 'NO', comment: '' },
        { db: 'shop', tbl: 'lines', col: 'n', col_type: 'int', nullable: 'NO', comment: '' },
        { db: 'shop', tbl: 'lines', col: 'day', col_type: 'date', nullable: 'NO', comment: '' },
        { db: 'shop', tbl: 'v', col: 'id', col_type: 'int', nullable: 'YES', comment: '' },
      ],
      [
        { db: 'shop', tbl: 'orders', col: 'id' },
        { db: 'shop', tbl: 'lines', col: 'order_id' },
        { db: 'shop', tbl: 'lines', col: 'n' },
      ],
      'UTC',
    );
    expect(streams.map((s) => s.name)).toEqual(['shop.orders', 'shop.lines', 'shop.v']);
    const [orders, lines, view] = streams as [(typeof streams)[0], (typeof streams)[0], (typeof streams)[0]];
    expect(
      orders.columns.map((c) => [
        c.name,
        c.type ? typeToString(c.type) : c.unsupported,
        c.nullable,
        c.description,
      ]),
    ).toEqual([
      ['id', 'decimal(20, 0)', false, undefined],
      ['placed', 'timestamp', true, 'when'],
      ['shape', 'point: spatial types have no Iceberg type (cast to text: WKT)', true, undefined],
    ]);
    expect(orders.primaryKey).toEqual(['id']);
    expect(orders.cursorCandidates).toEqual(['id', 'placed']);
    expect(orders.estimatedRows).toBe(1200);
    expect(orders.database).toBe('shop');
    expect(orders.table).toBe('orders');
    expect(lines.primaryKey).toEqual(['order_id', 'n']);
    expect(lines.cursorCandidates).toEqual(['day']);
    expect(view.primaryKey).toEqual([]);
    expect(view.estimatedRows).toBeUndefined();
  });

  it('DATETIME columns of a zoned source are timestamptz', () => {
    const [s] = assembleStreams(
      [{ db: 'a', tbl: 'b', kind: 'BASE TABLE', est: 0 }],
      [{ db: 'a', tbl: 'b', col: 'at', col_type: 'datetime', nullable: 'NO', comment: '' }],
      [],
      'Europe/Berlin',
    );
    expect(typeToString(s!.columns[0]!.type!)).toBe('timestamptz');
  });
});
