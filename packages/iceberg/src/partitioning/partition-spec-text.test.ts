import { UsageError } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import type { Schema } from '../schema.js';
import { parsePartitionSpecText, partitionFieldToJson } from './partition-spec-text.js';

const schema: Schema = {
  schemaId: 0,
  fields: [
    { id: 1, name: 'id', required: true, type: { kind: 'long' } },
    { id: 2, name: 'created_at', required: false, type: { kind: 'timestamptz' } },
    { id: 3, name: 'name', required: false, type: { kind: 'string' } },
    { id: 4, name: 'region', required: false, type: { kind: 'string' } },
    { id: 5, name: 'ts', required: false, type: { kind: 'timestamp' } },
    { id: 6, name: 'amount', required: false, type: { kind: 'decimal', precision: 10, scale: 2 } },
    { id: 7, name: 'ratio', required: false, type: { kind: 'double' } },
    { id: 8, name: 'day', required: false, type: { kind: 'date' } },
    { id: 9, name: 'my col', required: false, type: { kind: 'int' } },
    {
      id: 10,
      name: 'addr',
      required: false,
      type: {
        kind: 'struct',
        fields: [{ id: 12, name: 'city', required: false, type: { kind: 'string' } }],
      },
    },
    {
      id: 11,
      name: 'tags',
      required: false,
      type: { kind: 'list', elementId: 13, elementRequired: false, element: { kind: 'string' } },
    },
    { id: 14, name: 'Mixed', required: false, type: { kind: 'int' } },
  ],
};

const parse = (text: string, last?: number) =>
  parsePartitionSpecText(text, schema, last).map(partitionFieldToJson);

describe('parsePartitionSpecText', () => {
  it('parses the documented forms with Java/PyIceberg default names and ids from last-partition-id + 1', () => {
    expect(parse('day(created_at), bucket(16, id), truncate(4, name), identity(region), year(ts)')).toEqual([
      { 'source-id': 2, 'field-id': 1000, name: 'created_at_day', transform: 'day' },
      { 'source-id': 1, 'field-id': 1001, name: 'id_bucket_16', transform: 'bucket[16]' },
      { 'source-id': 3, 'field-id': 1002, name: 'name_trunc_4', transform: 'truncate[4]' },
      { 'source-id': 4, 'field-id': 1003, name: 'region', transform: 'identity' },
      { 'source-id': 5, 'field-id': 1004, name: 'ts_year', transform: 'year' },
    ]);
  });

  it('bare columns are identity; month and the plural (Spark) names; void', () => {
    expect(parse('region, month(ts), days(created_at), void(ratio)', 1004)).toEqual([
      { 'source-id': 4, 'field-id': 1005, name: 'region', transform: 'identity' },
      { 'source-id': 5, 'field-id': 1006, name: 'ts_month', transform: 'month' },
      { 'source-id': 2, 'field-id': 1007, name: 'created_at_day', transform: 'day' },
      { 'source-id': 7, 'field-id': 1008, name: 'ratio_null', transform: 'void' },
    ]);
  });

  it('accepts (column, N) order, AS names, quoted and nested columns, case-insensitive names', () => {
    expect(
      parse('bucket(id, 8) AS shard, "my col", truncate(100, amount), addr.city, mixed, HOUR(TS) as h'),
    ).toEqual([
      { 'source-id': 1, 'field-id': 1000, name: 'shard', transform: 'bucket[8]' },
      { 'source-id': 9, 'field-id': 1001, name: 'my col', transform: 'identity' },
      { 'source-id': 6, 'field-id': 1002, name: 'amount_trunc_100', transform: 'truncate[100]' },
      { 'source-id': 12, 'field-id': 1003, name: 'addr.city', transform: 'identity' },
      { 'source-id': 14, 'field-id': 1004, name: 'Mixed', transform: 'identity' },
      { 'source-id': 5, 'field-id': 1005, name: 'h', transform: 'hour' },
    ]);
  });

  it('keeps the source type for writers', () => {
    const [f] = parsePartitionSpecText('day(created_at)', schema);
    expect(f?.sourceType).toEqual({ kind: 'timestamptz' });
    expect(f?.transform).toEqual({ kind: 'day' });
  });

  it('blank text is unpartitioned', () => {
    expect(parse('  ')).toEqual([]);
  });

  const errors: [string, RegExp][] = [
    ['day(nope)', /day\(nope\): the table has no column "nope"/],
    ['nope', /no column "nope"/],
    ['day(id)', /day\(id\): day accepts date, timestamp or timestamptz columns, but "id" is long/],
    ['hour(day)', /hour\(day\): hour accepts timestamp or timestamptz columns, but "day" is date/],
    [
      'bucket(16, ratio)',
      /bucket\(16, ratio\): bucket accepts int, long, decimal, .* columns, but "ratio" is double/,
    ],
    ['truncate(4, ts)', /truncate accepts int, long, decimal, string or binary columns/],
    ['zorder(id)', /unknown transform "zorder"/],
    ['bucket(id)', /bucket\(id\): expected bucket\(N, column\)/],
    ['bucket(0, id)', /the number of buckets must be an integer from 1/],
    ['truncate(1.5, name)', /the width must be an integer/],
    ['day(ts, 3)', /day\(ts, 3\): expected day\(column\)/],
    ['identity(addr)', /"addr" is a struct; only primitive columns/],
    ['tags.element', /"tags" is a list; fields inside lists and maps/],
    ['day(ts), hour(ts)', /hour\(ts\) and day\(ts\) are redundant/],
    ['bucket(4, id), bucket(4, id)', /bucket\(4, id\) repeats bucket\(4, id\)/],
    ['region, name AS region', /partition name "region" is already used by region/],
    ['bucket(4, id) AS name', /partition name "name" is the name of a table column/],
    ['day(created_at) AS ts', /"ts" is the name of a table column/],
    ['day(ts) ts_day', /expected a comma between partition fields at position 9, found "ts_day"/],
    ['day(ts),', /expected a column or a transform .* found the end/],
    ['day(ts', /expected "\)"/],
    ['"unterminated', /unterminated quoted name/],
    ['region; drop', /unexpected ";"/],
  ];
  for (const [text, message] of errors) {
    it(`rejects ${text}`, () => {
      let error: unknown;
      try {
        parsePartitionSpecText(text, schema);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(UsageError);
      expect((error as Error).message).toMatch(message);
      expect((error as Error).message).toMatch(/^--partition-by /);
    });
  }

  it('allows identity of a column under its own name but not AS another column', () => {
    expect(parse('identity(region) AS region')[0]?.['name']).toBe('region');
    expect(() => parse('identity(region) AS name')).toThrow(/"name" is the name of a table column/);
  });
});
