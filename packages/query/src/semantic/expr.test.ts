import { describe, expect, it } from 'vitest';
import { checkExpression, qualifyExpression } from './expr.js';

const COLUMNS = new Set(['id', 'qty', 'unit_price', 'status', 'ordered_at', 'my col']);

describe('model expressions', () => {
  it('accepts columns, functions, CASE, casts and typed literals, and lists the columns read', () => {
    expect(checkExpression('qty * unit_price', COLUMNS)).toEqual(['qty', 'unit_price']);
    expect(
      checkExpression(
        "CASE WHEN status IN ('a', 'b') THEN CAST(qty AS DECIMAL(12, 2)) ELSE qty::DOUBLE END",
        COLUMNS,
      ),
    ).toEqual(['status', 'qty']);
    expect(checkExpression("date_trunc('month', ordered_at) >= DATE '2026-01-01'", COLUMNS)).toEqual([
      'ordered_at',
    ]);
    expect(checkExpression('coalesce(qty, 0) + 1.5e2', COLUMNS)).toEqual(['qty']);
    expect(checkExpression('"My Col" IS NOT NULL', COLUMNS)).toEqual(['my col']);
  });

  it('qualifies every column with the alias and keeps the rest of the text', () => {
    expect(qualifyExpression('qty * unit_price', 'order_lines')).toBe(
      '"order_lines"."qty" * "order_lines"."unit_price"',
    );
    expect(qualifyExpression("CASE WHEN id % 2 = 0 THEN 'id' ELSE status END", 'o')).toBe(
      `CASE WHEN "o"."id" % 2 = 0 THEN 'id' ELSE "o"."status" END`,
    );
    expect(qualifyExpression('CAST(qty AS DECIMAL(12,2))', 'l')).toBe('CAST("l"."qty" AS DECIMAL(12,2))');
  });

  it('refuses unknown columns, functions outside the allow-list, aggregates, clauses and comments', () => {
    expect(() => checkExpression('qty * price', COLUMNS)).toThrow('column price does not exist');
    expect(() => checkExpression('read_csv(status)', COLUMNS)).toThrow('function read_csv() is not allowed');
    expect(() => checkExpression('getenv(status)', COLUMNS)).toThrow('function getenv() is not allowed');
    expect(() => checkExpression('sum(qty)', COLUMNS)).toThrow(/aggregate and window functions/);
    expect(() => checkExpression('(SELECT max(id) FROM y)', COLUMNS)).toThrow(/"SELECT" is not allowed/);
    expect(() => checkExpression('qty -- comment', COLUMNS)).toThrow(/comments/);
    expect(() => checkExpression('qty /* c */', COLUMNS)).toThrow(/comments/);
    expect(() => checkExpression('qty; DROP TABLE x', COLUMNS)).toThrow(/unexpected character ";"/);
    expect(() => checkExpression('current_date', COLUMNS)).toThrow(/not allowed/);
    expect(() => checkExpression('(qty', COLUMNS)).toThrow(/unbalanced/);
    expect(() => checkExpression("'unterminated", COLUMNS)).toThrow(/unterminated/);
    expect(() => checkExpression('   ', COLUMNS)).toThrow(/empty/);
    expect(() => checkExpression('t.qty', COLUMNS)).toThrow(/unexpected character "\."/);
  });

  it('without known columns, any name that is not a keyword or function counts as a column', () => {
    expect(checkExpression('anything + other')).toEqual(['anything', 'other']);
  });
});
