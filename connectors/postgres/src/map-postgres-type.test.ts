import { typeToString } from '@lakekit/core';
import { describe, expect, it } from 'vitest';
import { mapPostgresType, type PgTypeKind, parsePgType } from './map-postgres-type.js';
import { selectExpr } from './select-expr.js';

/** Every row of the mapping table (README.md): format_type() text → Iceberg type. */
const MAPPED: [string, string][] = [
  ['smallint', 'int'],
  ['integer', 'int'],
  ['bigint', 'long'],
  ['oid', 'long'],
  ['xid', 'long'],
  ['numeric(12,2)', 'decimal(12, 2)'],
  ['numeric(38,10)', 'decimal(38, 10)'],
  ['numeric(5,0)', 'decimal(5, 0)'],
  ['numeric(5)', 'decimal(5, 0)'],
  ['numeric', 'decimal(38, 9)'],
  ['real', 'float'],
  ['double precision', 'double'],
  ['money', 'decimal(19, 2)'],
  ['boolean', 'boolean'],
  ['text', 'string'],
  ['character varying', 'string'],
  ['character varying(40)', 'string'],
  ['character(3)', 'string'],
  ['bpchar', 'string'],
  ['"char"', 'string'],
  ['name', 'string'],
  ['citext', 'string'],
  ['public.citext', 'string'],
  ['uuid', 'uuid'],
  ['json', 'string'],
  ['jsonb', 'string'],
  ['jsonpath', 'string'],
  ['xml', 'string'],
  ['bytea', 'binary'],
  ['date', 'date'],
  ['time without time zone', 'time'],
  ['time(3) without time zone', 'time'],
  ['time with time zone', 'string'],
  ['timestamp without time zone', 'timestamp'],
  ['timestamp(3) without time zone', 'timestamp'],
  ['timestamp with time zone', 'timestamptz'],
  ['timestamp(0) with time zone', 'timestamptz'],
  ['interval', 'string'],
  ['interval year to month', 'string'],
  ['interval(3)', 'string'],
  ['inet', 'string'],
  ['cidr', 'string'],
  ['macaddr', 'string'],
  ['macaddr8', 'string'],
  ['bit(8)', 'string'],
  ['bit varying(10)', 'string'],
  ['pg_lsn', 'string'],
  ['regclass', 'string'],
  ['integer[]', 'list<int>'],
  ['bigint[]', 'list<long>'],
  ['text[]', 'list<string>'],
  ['character varying(20)[]', 'list<string>'],
  ['numeric(10,2)[]', 'list<decimal(10, 2)>'],
  ['timestamp with time zone[]', 'list<timestamptz>'],
  ['uuid[]', 'list<uuid>'],
  ['jsonb[]', 'list<string>'],
  ['money[]', 'list<decimal(19, 2)>'],
  ['integer[][]', 'list<list<int>>'],
];

const UNSUPPORTED: [string, RegExp][] = [
  ['numeric(39,2)', /precision 38/],
  ['numeric(50)', /precision 38/],
  ['numeric(3,5)', /scale outside/],
  ['numeric(4,-2)', /scale outside/],
  ['tsvector', /text search/],
  ['tsquery', /text search/],
  ['point', /geometric/],
  ['line', /geometric/],
  ['lseg', /geometric/],
  ['box', /geometric/],
  ['path', /geometric/],
  ['polygon', /geometric/],
  ['circle', /geometric/],
  ['tid', /tuple identifiers/],
  ['some_extension_type', /some_extension_type has no Iceberg mapping/],
  ['bytea[]', /arrays of bytea/],
  ['point[]', /geometric/],
];

describe('mapPostgresType', () => {
  it.each(MAPPED)('%s → %s', (source, iceberg) => {
    const m = mapPostgresType(source);
    expect(m.unsupported).toBeUndefined();
    expect(typeToString(m.type!)).toBe(iceberg);
  });

  it.each(UNSUPPORTED)('%s is unsupported (%s)', (source, reason) => {
    const m = mapPostgresType(source);
    expect(m.type).toBeUndefined();
    expect(m.unsupported).toMatch(reason);
    expect(m.unsupported).toMatch(/text/);
  });

  it('maps enums (and arrays of enums) to strings by their pg_type kind, not their name', () => {
    expect(typeToString(mapPostgresType('mood', 'enum').type!)).toBe('string');
    expect(typeToString(mapPostgresType('"My Schema".mood[]', 'enum').type!)).toBe('list<string>');
    expect(mapPostgresType('mood').unsupported).toMatch(/mood/);
  });

  it.each([
    ['composite', /composite type/],
    ['range', /range type/],
    ['multirange', /range type/],
    ['pseudo', /pseudo-type/],
  ] as [PgTypeKind, RegExp][])('%s types are unsupported', (kind, reason) => {
    expect(mapPostgresType('int4range', kind).unsupported).toMatch(reason);
  });

  it('gives nested lists placeholder element ids and optional elements', () => {
    expect(mapPostgresType('integer[][]').type).toEqual({
      kind: 'list',
      elementId: 1,
      elementRequired: false,
      element: { kind: 'list', elementId: 2, elementRequired: false, element: { kind: 'int' } },
    });
  });
});

describe('parsePgType', () => {
  it('takes modifiers, arrays and schema qualification apart', () => {
    expect(parsePgType('timestamp(3) with time zone[]')).toEqual({
      name: 'timestamp with time zone',
      args: [3],
      arrayDepth: 1,
    });
    expect(parsePgType('numeric(12, 2)')).toEqual({ name: 'numeric', args: [12, 2], arrayDepth: 0 });
    expect(parsePgType('ext.citext')).toEqual({ name: 'citext', args: [], arrayDepth: 0 });
    expect(parsePgType('"char"')).toEqual({ name: '"char"', args: [], arrayDepth: 0 });
    expect(parsePgType('interval day to second(3)').name).toBe('interval');
  });
});

describe('selectExpr', () => {
  it('produces canonical text for the types whose own text is not canonical', () => {
    expect(selectExpr('m', 'money')).toBe('"m"::numeric');
    expect(selectExpr('b', 'bytea')).toBe(`encode("b", 'hex')`);
    expect(selectExpr('a', 'integer[]')).toBe('to_json("a"::text[])::text');
    expect(selectExpr('a', 'money[]')).toBe('to_json("a"::numeric[]::text[])::text');
    expect(selectExpr('t', 'timestamp with time zone')).toBe('"t"');
    expect(selectExpr('odd"name', 'point', true)).toBe('"odd""name"::text');
  });
});
