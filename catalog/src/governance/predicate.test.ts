import { type Engine, openEngine } from '@lakekit/iceberg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { substituteAttributes, validateRowFilterPredicate } from './predicate.js';

const columns = [
  { name: 'id', type: 'long' },
  { name: 'region', type: 'string' },
  { name: 'name', type: 'string' },
  { name: 'created_at', type: 'timestamptz' },
  { name: 'Revenue', type: 'decimal(12,2)' },
];

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine({ threads: 1 });
});
afterAll(() => engine.close());

const validate = (p: string) => validateRowFilterPredicate(engine, p, columns);

describe('validateRowFilterPredicate', () => {
  it('accepts predicates over the columns and principal attributes, normalised by DuckDB', async () => {
    const v = await validate("region = principal.region and name ilike 'a%'");
    expect(v.attributes).toEqual(['region']);
    expect(v.normalized).toBe('((region = principal.region) AND ("name" ~~* \'a%\'))');
    const w = await validate(
      "lower(trim(region)) in ('west', 'south') or coalesce(revenue, 0) between 1 and 2 or id is null",
    );
    expect(w.attributes).toEqual([]);
    await expect(
      validate(
        "year(created_at) >= 2024 and cast(id as varchar) like '1%' and starts_with(name, principal.team)",
      ),
    ).resolves.toMatchObject({ attributes: ['team'] });
    await expect(
      validate("date_trunc('day', created_at) < current_date and abs(round(revenue)) > 1"),
    ).resolves.toMatchObject({
      attributes: [],
    });
    await expect(validate("case when region = 'x' then true else false end")).resolves.toMatchObject({
      attributes: [],
    });
  });

  it.each([
    ['1=1) or (true', /not valid SQL/],
    ['true) or (1=1', /not valid SQL/],
    ['true; drop table x', /not valid SQL/],
    ['true; select 1', /several statements/],
    ['id in (select id from other)', /subqueries/],
    ['exists (select 1)', /subqueries/],
    ['(select true)', /subqueries/],
    ["region = (select max(region) from read_csv('/etc/passwd'))", /subqueries/],
    ["read_csv('/etc/passwd') is not null", /function read_csv/],
    ["region = 'x' -- and secret", /comments/],
    ["region = 'x' /* hidden */", /comments/],
    ['salary > 10', /unknown column salary/],
    ['t.region = 1', /neither a column/],
    ['principal.a.b = 1', /neither a column/],
    ['getenv(region) = 1', /function getenv/],
    ['sum(id) over () > 1', /window functions/],
    ['count(*) filter (where id > 1) > 0', /function count_star/],
    ['id = ?', /beyond the WHERE clause/],
    ['true order by id', /beyond the WHERE clause/],
    ['true limit 1', /beyond the WHERE clause/],
    ['cast(region as int[]) = [1]', /cast to|not allowed/],
    ["other.lower(region) = 'x'", /function other.lower is not allowed/],
    ['', /empty/],
  ])('rejects %s', async (predicate, message) => {
    await expect(validate(predicate)).rejects.toThrow(message);
    await expect(validate(predicate)).rejects.toMatchObject({ code: 'usage' });
  });

  it('does not let a quoted string hide a comment marker from the check', async () => {
    await expect(validate("name = '--' or name = '/*'")).resolves.toMatchObject({ attributes: [] });
  });
});

describe('substituteAttributes', () => {
  it('replaces principal attributes with literals, and missing ones with NULL', () => {
    expect(
      substituteAttributes('region = principal.region and team = principal.team', { region: 'west' }),
    ).toBe("region = 'west' and team = NULL");
  });

  it('quotes values so they cannot escape the literal', () => {
    expect(substituteAttributes('region = principal.region', { region: "x' or true or '" })).toBe(
      "region = 'x'' or true or '''",
    );
  });

  it('leaves string literals, quoted identifiers and longer dotted names alone', () => {
    const attrs = { region: 'west' };
    expect(substituteAttributes('name = \'principal.region\' and "principal.region" = 1', attrs)).toBe(
      'name = \'principal.region\' and "principal.region" = 1',
    );
    expect(substituteAttributes("x = E'\\' principal.region' and y = $$principal.region$$", attrs)).toBe(
      "x = E'\\' principal.region' and y = $$principal.region$$",
    );
    expect(substituteAttributes('t.principal.region = 1', attrs)).toBe('t.principal.region = 1');
  });

  it('handles quoted attribute names, any case of principal and spaces around the dot', () => {
    expect(
      substituteAttributes('a = principal."cost center" or b = PRINCIPAL . region', {
        region: 'w',
        'cost center': 'c1',
      }),
    ).toBe("a = 'c1' or b = 'w'");
  });

  it('substitutes into the normalised text of a validated predicate', async () => {
    const v = await validate('region = principal.region');
    expect(substituteAttributes(v.normalized, { region: 'south' })).toBe("(region = 'south')");
  });
});
