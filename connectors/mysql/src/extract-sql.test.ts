import { DataError, UnsupportedError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import {
  cursorLiteral,
  cursorPredicate,
  keysetExpr,
  keysetLiteral,
  keysetPredicate,
  selectList,
  selectSql,
  tableRef,
} from './extract-sql.js';

describe('extract SQL', () => {
  it('quotes database and table, backticks doubled', () => {
    expect(tableRef('shop', 'order`s')).toBe('`shop`.`order``s`');
  });

  it('a full read is a plain SELECT', () => {
    expect(
      selectSql({ database: 'shop', table: 'orders', select: ['`id` AS `id`', 'HEX(`b`) AS `b`'] }),
    ).toBe('SELECT `id` AS `id`, HEX(`b`) AS `b` FROM `shop`.`orders`');
  });

  it('a keyset chunk filters, orders and limits', () => {
    const order = ['`at`', '`id`'];
    const sql = selectSql({
      database: 'shop',
      table: 'orders',
      select: ['`id` AS `id`'],
      where: [
        cursorPredicate('`at`', "'2026-01-01 00:00:00'", false),
        '`at` IS NOT NULL',
        keysetPredicate(order, ["'2026-02-01 10:00:00.5'", '42']),
      ],
      orderBy: order,
      limit: 1000,
    });
    expect(sql).toBe(
      "SELECT `id` AS `id` FROM `shop`.`orders` WHERE (`at` > '2026-01-01 00:00:00') AND (`at` IS NOT NULL) AND " +
        "(`at` > '2026-02-01 10:00:00.5' OR (`at` = '2026-02-01 10:00:00.5' AND (`id` > 42))) ORDER BY `at`, `id` LIMIT 1000",
    );
  });

  it('keyset predicates nest over any number of columns', () => {
    expect(keysetPredicate(['`a`'], ['1'])).toBe('`a` > 1');
    expect(keysetPredicate(['`a`', '`b`', '`c`'], ['1', "'x'", '3'])).toBe(
      "`a` > 1 OR (`a` = 1 AND (`b` > 'x' OR (`b` = 'x' AND (`c` > 3))))",
    );
    expect(() => keysetPredicate(['`a`'], [])).toThrow();
  });

  it('>= for inclusive cursors', () => {
    expect(cursorPredicate('`at`', "'x'", true)).toBe("`at` >= 'x'");
  });

  it('selects each planned column under its own name', () => {
    expect(
      selectList([
        { name: 'id', select: '`id`', encoder: 'plain', type: { kind: 'long' } },
        { name: 'b', select: 'HEX(`b`)', encoder: 'hex', type: { kind: 'binary' } },
      ]),
    ).toEqual(['`id` AS `id`', 'HEX(`b`) AS `b`']);
  });
});

describe('cursorLiteral', () => {
  const lit = (type: string, after: string, tz = 'UTC') => cursorLiteral('shop.orders', 'c', type, after, tz);

  it('numbers inline, validated', () => {
    expect(lit('bigint(20)', '9223372036854775807')).toBe('9223372036854775807');
    expect(lit('decimal(12,2)', '-12.50')).toBe('-12.50');
    expect(() => lit('int', '1; DROP TABLE x')).toThrow(DataError);
    expect(() => lit('int', 'abc')).toThrow(/shop\.orders, cursor column c: 'abc' is not a valid int value/);
  });

  it('dates and times as quoted text', () => {
    expect(lit('date', '2026-01-02')).toBe("'2026-01-02'");
    expect(lit('time(6)', '12:30:00.5')).toBe("'12:30:00.5'");
    expect(() => lit('date', '2026-01-02 00:00:00')).toThrow(DataError);
  });

  it('DATETIME in a UTC source: wall-clock text as it is, an offset converts to UTC', () => {
    expect(lit('datetime(6)', '2026-05-15 10:30:30.123456')).toBe("'2026-05-15 10:30:30.123456'");
    expect(lit('datetime', '2026-05-15T10:30:30')).toBe("'2026-05-15 10:30:30'");
    expect(lit('datetime', '2026-05-15 10:30:30+02:00')).toBe("'2026-05-15 08:30:30'");
  });

  it('TIMESTAMP: the instant in UTC (the session reads TIMESTAMP in +00:00)', () => {
    expect(lit('timestamp(6)', '2026-05-15 10:30:30.000001+02')).toBe("'2026-05-15 08:30:30.000001'");
    expect(lit('timestamp', '2026-05-15 10:30:30Z')).toBe("'2026-05-15 10:30:30'");
    expect(lit('timestamp', '2026-05-15 10:30:30')).toBe("'2026-05-15 10:30:30'");
  });

  it('DATETIME in a zoned source: the instant as wall-clock time in that zone', () => {
    expect(lit('datetime', '2026-07-01 10:00:00+00', 'Europe/Berlin')).toBe("'2026-07-01 12:00:00'");
    expect(lit('datetime', '2026-01-01 10:00:00', 'Europe/Berlin')).toBe("'2026-01-01 11:00:00'");
    expect(lit('datetime', '2026-01-01 10:00:00', '-05:00')).toBe("'2026-01-01 05:00:00'");
  });

  it('strings escaped, binaries as hex literals, booleans as 0/1', () => {
    expect(lit('varchar(20)', "it's \\ here")).toBe("'it\\'s \\\\ here'");
    expect(lit('varbinary(4)', '00ff')).toBe("X'00ff'");
    expect(() => lit('varbinary(4)', "0'")).toThrow(DataError);
    expect(lit('tinyint(1)', 'true')).toBe('1');
    expect(lit('tinyint(1)', 'f')).toBe('0');
  });

  it('types without a mapping cannot be cursors', () => {
    expect(() => lit('point', 'x')).toThrow(UnsupportedError);
  });
});

describe('keyset values', () => {
  it('reads FLOAT as DOUBLE and BIT as a number', () => {
    expect(keysetExpr('float', '`f`')).toBe('(`f` + 0E0)');
    expect(keysetExpr('bit(3)', '`b`')).toBe('CAST(`b` AS UNSIGNED)');
    expect(keysetExpr('datetime(6)', '`d`')).toBe('`d`');
  });

  it('turns the bytes the server sent back into literals', () => {
    const bytes = (s: string) => Buffer.from(s, 'utf8');
    expect(keysetLiteral('bigint(20) unsigned', bytes('18446744073709551615'))).toBe('18446744073709551615');
    expect(keysetLiteral('double', bytes('-2.5e-300'))).toBe('-2.5e-300');
    expect(keysetLiteral('datetime(6)', bytes('2026-01-01 00:00:00.000001'))).toBe(
      "'2026-01-01 00:00:00.000001'",
    );
    expect(keysetLiteral('varchar(10)', bytes("o'k ✓"))).toBe("'o\\'k ✓'");
    expect(keysetLiteral('varbinary(4)', Buffer.from([0, 255]))).toBe("X'00ff'");
    expect(keysetLiteral('int', 7)).toBe('7');
    expect(keysetLiteral('int', null)).toBe('NULL');
  });
});
