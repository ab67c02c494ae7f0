import { NotFoundError, type SourceStream, typeToString, UnsupportedError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { planColumn, planColumns, selectList } from './column-plan.js';

const col = (name: string, sourceType: string) => ({ name, sourceType, nullable: true });

describe('column plans', () => {
  it.each([
    ['bit', '[c]', 'plain', 'boolean'],
    ['bigint', '[c]', 'plain', 'long'],
    ['decimal(12,2)', 'CONVERT(varchar(41), [c])', 'plain', 'decimal(12, 2)'],
    [
      'datetimeoffset(7)',
      "LEFT(CONVERT(varchar(33), CAST(SWITCHOFFSET([c], '+00:00') AS datetime2(7)), 126), 26)",
      'plain',
      'timestamptz',
    ],
    ['uniqueidentifier', '[c]', 'plain', 'uuid'],
    ['nvarchar(max)', '[c]', 'text', 'string'],
    ['varchar(10)', '[c]', 'text', 'string'],
    ['xml', 'CAST([c] AS nvarchar(max))', 'text', 'string'],
    ['varbinary(max)', 'CONVERT(varchar(max), [c], 2)', 'hex', 'binary'],
    ['image', 'CONVERT(varchar(max), CAST([c] AS varbinary(max)), 2)', 'hex', 'binary'],
  ])('%s is read as %s (%s) → %s', (type, select, encoder, iceberg) => {
    const p = planColumn('dbo.t', col('c', type), false);
    expect(p.select).toBe(select);
    expect(p.encoder).toBe(encoder);
    expect(typeToString(p.type)).toBe(iceberg);
  });

  it('unsupported columns fail naming stream and column, unless read as text', () => {
    expect(() => planColumn('dbo.t', col('shape', 'geometry'), false)).toThrow(UnsupportedError);
    expect(() => planColumn('dbo.t', col('shape', 'geometry'), false)).toThrow(
      /stream dbo\.t, column shape: geometry: spatial/,
    );
    expect(planColumn('dbo.t', col('shape', 'geometry'), true)).toEqual({
      name: 'shape',
      select: '[shape].STAsText()',
      encoder: 'text',
      type: { kind: 'string' },
    });
  });

  it('plans all columns by default or the requested ones; unknown columns are NotFoundError', () => {
    const stream: SourceStream = {
      name: 'dbo.t',
      columns: [col('id', 'int'), col('b', 'varbinary(8)')],
      primaryKey: ['id'],
      cursorCandidates: [],
    };
    expect(selectList(planColumns(stream, undefined))).toEqual([
      '[id] AS [id]',
      'CONVERT(varchar(max), [b], 2) AS [b]',
    ]);
    expect(planColumns(stream, [{ name: 'b' }]).map((p) => p.name)).toEqual(['b']);
    expect(() => planColumns(stream, [{ name: 'zz' }])).toThrow(NotFoundError);
  });
});
