import { ConfigError, DataError, NotFoundError } from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CheckInput,
  type CheckResult,
  type CheckSpec,
  checkListSchema,
  gateStatus,
  runChecks,
} from './index.js';

let engine: Engine;
beforeAll(async () => {
  engine = await openEngine();
  // Rows a run writes, and the rows already in the table; the table as published is both.
  await engine.run(`CREATE TABLE staged AS SELECT * FROM (VALUES
    (1, 'Acme',    'midwest', 100.00::DECIMAL(12,2), 'a@acme.com', TIMESTAMPTZ '2026-03-01 10:00:00+00', 10,   DATE '2026-03-01'),
    (2, NULL,      'south',   -5.00,                 'nobody',     TIMESTAMPTZ '2026-03-01 11:00:00+00', 11,   DATE '2026-02-01'),
    (3, 'Initech', 'mars',    1000001.00,            NULL,         NULL,                                 99,   NULL),
    (4, 'Hooli',   NULL,      NULL,                  'h@hooli',    TIMESTAMPTZ '2026-02-28 09:00:00+00', NULL, DATE '2026-03-02')
  ) v(id, name, region, amount, email, updated_at, account_id, day)`);
  await engine.run(`CREATE TABLE existing AS SELECT * FROM (VALUES
    (1, 'Acme old', 'west', 1.00::DECIMAL(12,2), 'x@y.z', TIMESTAMPTZ '2026-01-01 00:00:00+00', 10, DATE '2026-01-01'),
    (5, 'Umbrella', 'west', 2.00,                'u@u.u', TIMESTAMPTZ '2026-01-02 00:00:00+00', 10, DATE '2026-01-02')
  ) v(id, name, region, amount, email, updated_at, account_id, day)`);
  await engine.run(
    `CREATE TABLE parents AS SELECT * FROM (VALUES (10, 'p10'), (11, 'p11'), (NULL, 'none')) v(id, label)`,
  );
});
afterAll(() => engine.close());

const COLUMNS = ['id', 'name', 'region', 'amount', 'email', 'updated_at', 'account_id', 'day'];
const NOW = new Date('2026-03-02T00:00:00Z');

function input(overrides: Partial<CheckInput> = {}): CheckInput {
  return {
    engine,
    table: 'crm.accounts',
    rowsSql: 'SELECT * FROM staged',
    tableSql: 'SELECT * FROM existing UNION ALL SELECT * FROM staged',
    columns: COLUMNS,
    async resolveTable(name) {
      if (name === 'crm.parents') return 'SELECT * FROM parents';
      throw new NotFoundError('table', `table ${name} does not exist`);
    },
    now: NOW,
    ...overrides,
  };
}

const parse = (decls: unknown[]): CheckSpec[] => checkListSchema.parse(decls);

async function run(decls: unknown[], overrides: Partial<CheckInput> = {}): Promise<CheckResult[]> {
  return runChecks(parse(decls), input(overrides));
}

async function one(decl: unknown, overrides: Partial<CheckInput> = {}): Promise<CheckResult> {
  const [result] = await run([decl], overrides);
  return result!;
}

async function configError(decls: unknown[], overrides: Partial<CheckInput> = {}): Promise<ConfigError> {
  const error = await run(decls, overrides).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(ConfigError);
  return error as ConfigError;
}

describe('declarations', () => {
  it('parses every kind with deterministic default names, severity error and scopes', () => {
    const specs = parse([
      { not_null: ['id', 'name'] },
      { unique: ['a', 'b'] },
      { unique: { columns: ['id'], severity: 'warn' } },
      { accepted_values: { column: 'region', values: ['midwest', 1, true], severity: 'warn' } },
      { range: { column: 'amount', min: 0, max: 1000000 } },
      { regex: { column: 'email', pattern: '^[^@]+@[^@]+$' } },
      { row_count: { min: 1 } },
      { freshness: { column: 'updated_at', max_age: '24h' } },
      { relationships: { column: 'account_id', to: 'crm.parents', field: 'id' } },
      { sql: { name: 'no_negative_totals', query: 'SELECT * FROM {{ table }} WHERE total < 0' } },
      { not_null: { columns: 'email', name: 'email present' } },
    ]);
    expect(specs.map((s) => [s.name, s.kind, s.severity, s.scope])).toEqual([
      ['not_null(id,name)', 'not_null', 'error', 'rows'],
      ['unique(a,b)', 'unique', 'error', 'table'],
      ['unique(id)', 'unique', 'warn', 'table'],
      ['accepted_values(region)', 'accepted_values', 'warn', 'rows'],
      ['range(amount)', 'range', 'error', 'rows'],
      ['regex(email)', 'regex', 'error', 'rows'],
      ['row_count', 'row_count', 'error', 'table'],
      ['freshness(updated_at)', 'freshness', 'error', 'table'],
      ['relationships(account_id,crm.parents.id)', 'relationships', 'error', 'rows'],
      ['no_negative_totals', 'sql', 'error', 'table'],
      ['email present', 'not_null', 'error', 'rows'],
    ]);
    expect(specs[7]).toMatchObject({ maxAge: '24h', maxAgeMs: 86_400_000 });
    expect(specs[4]).toMatchObject({ min: 0, max: 1000000 });
    expect(specs[6]).not.toHaveProperty('max');
    expect(parse([{ not_null: ['id', 'name'] }])).toEqual(parse([{ not_null: { columns: ['id', 'name'] } }]));
  });

  it('reports bad declarations with their YAML paths', () => {
    const issues = (decls: unknown) => {
      const r = checkListSchema.safeParse(decls);
      expect(r.success).toBe(false);
      return r.error!.issues.map((i) => [i.path, i.message]);
    };
    expect(
      issues([{ not_null: ['id'] }, { unique: ['id'] }, { accepted_values: { column: 'r', values: [] } }]),
    ).toEqual([[[2, 'accepted_values', 'values'], 'must list at least one value']]);
    const [unknownKind] = issues([{ not_nul: ['id'] }]);
    expect(unknownKind![0]).toEqual([0]);
    expect(unknownKind![1]).toMatch(
      /unknown check kind "not_nul"; known kinds: not_null, unique, accepted_values/,
    );
    expect(unknownKind![1]).toContain('relationships, sql');
    expect(issues([{ not_null: ['a'], unique: ['a'] }])).toEqual([
      [[0], 'one check per list item, found not_null and unique'],
    ]);
    expect(issues([{ accepted_values: { column: 'r', value: ['a'] } }])).toEqual([
      [[0, 'accepted_values', 'values'], 'required'],
      [[0, 'accepted_values'], 'unknown key "value"; allowed: column, values, severity, name'],
    ]);
    expect(issues([{ range: { column: 'a' } }, { range: { column: 'a', min: 5, max: 1 } }])).toEqual([
      [[0, 'range'], 'range needs min, max or both'],
      [[1, 'range', 'max'], 'max (1) is below min (5)'],
    ]);
    expect(issues([{ freshness: { column: 'u', max_age: '1 day' } }])[0]![0]).toEqual([
      0,
      'freshness',
      'max_age',
    ]);
    expect(issues([{ sql: { query: 'SELECT 1' } }])).toEqual([[[0, 'sql', 'name'], 'required']]);
    expect(issues([{ not_null: { columns: ['a'], severity: 'fatal' } }])[0]![0]).toEqual([
      0,
      'not_null',
      'severity',
    ]);
    expect(issues([{ relationships: { column: 'a', to: 'accounts', field: 'id' } }])).toEqual([
      [[0, 'relationships', 'to'], 'expected a table name <namespace>.<table>'],
    ]);
    expect(issues([{ row_count: { min: -1 } }])[0]![0]).toEqual([0, 'row_count', 'min']);
    expect(issues([{ not_null: ['a'] }, { not_null: { columns: ['a'], severity: 'warn' } }])).toEqual([
      [[1, 'not_null', 'name'], 'duplicate check name "not_null(a)": give one of the checks its own name'],
    ]);
    expect(issues(['not_null'])[0]![1]).toMatch(/expected a check such as "not_null: \[id\]"/);
  });
});

describe('row checks', () => {
  it('not_null counts rows with a NULL in any column, per column in the message', async () => {
    const r = await one({ not_null: ['id', 'name', 'email'] });
    expect(r).toMatchObject({
      status: 'failed',
      failingRows: 2,
      scope: 'rows',
      message: '2 rows have NULL (1 in name, 1 in email)',
    });
    expect(r.sample.map((s) => s['id'])).toEqual([2, 3]);
    expect(await one({ not_null: ['name'] })).toMatchObject({
      failingRows: 1,
      message: '1 row has NULL in name',
    });
    expect(await one({ not_null: ['id'] })).toMatchObject({
      status: 'passed',
      failingRows: 0,
      sample: [],
      message: 'no NULL in id',
    });
  });

  it('failingRowsSql selects exactly the failing rows, all columns', async () => {
    const results = await run([
      { not_null: ['region'] },
      { accepted_values: { column: 'region', values: ['midwest', 'south', 'west'] } },
      { range: { column: 'amount', min: 0, max: 1000000 } },
      { regex: { column: 'email', pattern: '[^@]+@[^@]+\\.[a-z]+' } },
      { relationships: { column: 'account_id', to: 'crm.parents', field: 'id' } },
    ]);
    const ids = async (r: CheckResult) =>
      (await engine.all(`SELECT id FROM (${r.failingRowsSql}) ORDER BY id`)).map((row) => row['id']);
    expect(await Promise.all(results.map(ids))).toEqual([[4], [3], [2, 3], [2, 4], [3]]);
    const [row] = await engine.all(`SELECT * FROM (${results[0]!.failingRowsSql})`);
    expect(Object.keys(row!)).toEqual(COLUMNS);
  });

  it('accepted_values, range and regex let NULL pass (like dbt); not_null does not', async () => {
    const rowsSql = "SELECT * FROM (VALUES (NULL::VARCHAR, NULL::INTEGER), ('a', 1)) v(s, n)";
    const results = await run(
      [
        { accepted_values: { column: 's', values: ['a'] } },
        { range: { column: 'n', min: 1, max: 1 } },
        { regex: { column: 's', pattern: 'a' } },
        { not_null: ['s'] },
      ],
      { rowsSql, tableSql: rowsSql, columns: ['s', 'n'] },
    );
    expect(results.map((r) => [r.status, r.failingRows])).toEqual([
      ['passed', 0],
      ['passed', 0],
      ['passed', 0],
      ['failed', 1],
    ]);
    expect(results[0]!.message).toBe('every s is one of a (or NULL)');
  });

  it('accepted_values compares in the column type: YAML numbers match text columns', async () => {
    const rowsSql = "SELECT * FROM (VALUES ('1', 1), ('2', 2), ('x', 3)) v(s, n)";
    const opts = { rowsSql, tableSql: rowsSql, columns: ['s', 'n'] };
    expect(await one({ accepted_values: { column: 's', values: [1, 2] } }, opts)).toMatchObject({
      failingRows: 1,
      sample: [{ s: 'x', n: 3 }],
      message: '1 row has s outside the accepted values 1, 2',
    });
    expect(await one({ accepted_values: { column: 'n', values: [1, '2'] } }, opts)).toMatchObject({
      failingRows: 1,
    });
    const e = await configError([{ accepted_values: { column: 'n', values: [1, 'two'] } }], opts);
    expect(e.message).toBe(
      'check "accepted_values(n)" on crm.accounts: "two" is not a valid INTEGER for column "n"',
    );
  });

  it('range bounds are inclusive, either may be absent, and strings work for dates', async () => {
    expect(await one({ range: { column: 'amount', min: 0, max: 1000000 } })).toMatchObject({
      failingRows: 2,
      message: '2 rows have amount not between 0 and 1000000',
    });
    expect(await one({ range: { column: 'amount', min: -5, max: 1000001 } })).toMatchObject({
      status: 'passed',
    });
    expect(await one({ range: { column: 'amount', max: 0 } })).toMatchObject({
      failingRows: 2,
      message: '2 rows have amount not at most 0',
    });
    expect(await one({ range: { column: 'day', min: '2026-03-01' } })).toMatchObject({
      failingRows: 1,
      sample: [{ id: 2 }],
    });
    const bad = await configError([{ range: { column: 'day', min: 'soon' } }]);
    expect(bad.message).toBe(
      'check "range(day)" on crm.accounts: "soon" is not a valid DATE for column "day"',
    );
    const mismatch = await configError([{ not_null: ['id'] }, { range: { column: 'day', min: 5 } }]);
    expect(mismatch.message).toMatch(
      /^check "range\(day\)" on crm\.accounts: cannot be evaluated: Binder Error/,
    );
    expect(mismatch.context).toMatchObject({ table: 'crm.accounts', check: 'range(day)' });
  });

  it('regex must match the whole value', async () => {
    expect(await one({ regex: { column: 'email', pattern: '^[^@]+@[^@]+$' } })).toMatchObject({
      failingRows: 1,
      sample: [{ id: 2, email: 'nobody' }],
      message: '1 row has email not matching ^[^@]+@[^@]+$',
    });
    // 'acme' occurs in a@acme.com but the whole value does not match it.
    expect(await one({ regex: { column: 'email', pattern: 'acme' } })).toMatchObject({ failingRows: 3 });
    const e = await configError([{ regex: { column: 'email', pattern: '(' } }]);
    expect(e.message).toMatch(/^check "regex\(email\)" on crm\.accounts: invalid pattern: .*missing \)/);
  });

  it('counts all row checks in one aggregate query and reads samples only for failed checks', async () => {
    const seen: string[] = [];
    const spy = {
      all: (sql: string) => {
        seen.push(sql);
        return engine.all(sql);
      },
      run: (sql: string) => engine.run(sql),
    };
    const results = await run(
      [
        { not_null: ['id'] },
        { not_null: ['name'] },
        { range: { column: 'amount', max: 100 } },
        { regex: { column: 'name', pattern: '.+' } },
      ],
      { engine: spy, sampleSize: 1 },
    );
    expect(results.map((r) => r.status)).toEqual(['passed', 'failed', 'failed', 'passed']);
    const counting = seen.filter((s) => s.startsWith('SELECT count(*) FILTER'));
    expect(counting).toHaveLength(1);
    expect(seen.filter((s) => s.endsWith('LIMIT 1'))).toHaveLength(2);
    expect(results[2]!.sample).toEqual([expect.objectContaining({ id: 3 })]);
  });
});

describe('relationships', () => {
  it('checks values against a resolved table; a NULL in the parent hides no orphan', async () => {
    const r = await one({ relationships: { column: 'account_id', to: 'crm.parents', field: 'id' } });
    expect(r).toMatchObject({
      status: 'failed',
      failingRows: 1,
      sample: [{ id: 3, account_id: 99 }],
      message: '1 row has account_id with no match in crm.parents.id',
    });
  });

  it('a reference to the table itself sees the table as published', async () => {
    // account_id 10 and 11 are not ids of crm.accounts; 99 neither: all three fail.
    const r = await one({ relationships: { column: 'account_id', to: 'crm.accounts', field: 'id' } });
    expect(r.failingRows).toBe(3);
    const self = await one({ relationships: { column: 'id', to: 'crm.accounts', field: 'id' } });
    expect(self.status).toBe('passed');
  });

  it('a missing table or field is a ConfigError naming the check', async () => {
    const missing = await configError([
      { relationships: { column: 'account_id', to: 'crm.nope', field: 'id' } },
    ]);
    expect(missing.message).toBe(
      'check "relationships(account_id,crm.nope.id)" on crm.accounts: table crm.nope does not exist',
    );
    expect(missing.cause).toBeInstanceOf(NotFoundError);
    const field = await configError([
      { relationships: { column: 'account_id', to: 'crm.parents', field: 'pid' } },
    ]);
    expect(field.message).toBe(
      'check "relationships(account_id,crm.parents.pid)" on crm.accounts: column "pid" does not exist in crm.parents',
    );
  });
});

describe('table checks', () => {
  it('a unique check that passed on the parent snapshot judges only the keys written', async () => {
    // existing has id 5 twice (a duplicate a full scan reports); staged duplicates id 1 with existing.
    const tableSql =
      'SELECT * FROM existing UNION ALL SELECT * FROM existing WHERE id = 5 UNION ALL SELECT * FROM staged';
    const full = await one({ unique: ['id'] }, { tableSql });
    expect(full.failingRows).toBe(2);
    const scoped = await one({ unique: ['id'] }, { tableSql, uniqueAlreadyPassed: new Set(['unique(id)']) });
    expect(scoped).toMatchObject({ status: 'failed', failingRows: 1, sample: [{ id: 1, occurrences: '2' }] });
    const clean = await one(
      { unique: ['id'] },
      {
        tableSql,
        rowsSql: 'SELECT * FROM staged WHERE id <> 1',
        uniqueAlreadyPassed: new Set(['unique(id)']),
      },
    );
    expect(clean.status).toBe('passed');
  });

  it('unique judges the published table, ignores NULL keys and samples duplicate keys', async () => {
    const r = await one({ unique: ['id'] });
    expect(r).toMatchObject({
      status: 'failed',
      scope: 'table',
      failingRows: 1,
      sample: [{ id: 1, occurrences: '2' }],
      message: '1 value of id occurs more than once (2 rows)',
    });
    expect(r.failingRowsSql).toBeUndefined();
    expect(await one({ unique: ['id', 'name'] })).toMatchObject({
      status: 'passed',
      message: 'every (id, name) is unique',
    });
    const rowsSql =
      "SELECT * FROM (VALUES (1, 'a'), (1, 'a'), (NULL, 'b'), (NULL, 'b'), (2, 'c'), (2, 'c'), (2, 'c')) v(k, occurrences)";
    const dup = await one(
      { unique: ['k', 'occurrences'] },
      { rowsSql, tableSql: rowsSql, columns: ['k', 'occurrences'] },
    );
    expect(dup).toMatchObject({
      failingRows: 2,
      sample: [
        { k: 2, occurrences: 'c', _occurrences: '3' },
        { k: 1, occurrences: 'a', _occurrences: '2' },
      ],
      message: '2 combinations of (k, occurrences) occur more than once (5 rows)',
    });
  });

  it('row_count', async () => {
    expect(await one({ row_count: { min: 1, max: 6 } })).toMatchObject({
      status: 'passed',
      message: 'the table has 6 rows',
    });
    expect(await one({ row_count: { min: 7 } })).toMatchObject({
      status: 'failed',
      failingRows: 0,
      message: 'the table has 6 rows; at least 7 expected',
    });
    expect(await one({ row_count: { max: 5 } })).toMatchObject({
      status: 'failed',
      message: 'the table has 6 rows; at most 5 expected',
    });
  });

  it('freshness compares the newest value with now - max_age', async () => {
    // Newest updated_at is 2026-03-01 11:00Z, 13h before NOW.
    expect(await one({ freshness: { column: 'updated_at', max_age: '24h' } })).toMatchObject({
      status: 'passed',
      message: 'the newest updated_at is 2026-03-01T11:00:00.000Z, 13h old; max_age is 24h',
    });
    expect(await one({ freshness: { column: 'updated_at', max_age: '12h' } })).toMatchObject({
      status: 'failed',
    });
    expect(
      await one(
        { freshness: { column: 'updated_at', max_age: '30m' } },
        { now: new Date('2026-03-01T11:30:00Z') },
      ),
    ).toMatchObject({
      status: 'passed',
    });
    // A DATE counts from its midnight: 2026-03-02 is 0s old at NOW.
    expect(await one({ freshness: { column: 'day', max_age: '1d' } })).toMatchObject({ status: 'passed' });
    expect(
      await one({ freshness: { column: 'day', max_age: '1d' } }, { now: new Date('2026-03-04T00:00:01Z') }),
    ).toMatchObject({
      status: 'failed',
      message: 'the newest day is 2026-03-02T00:00:00.000Z, 2d old; max_age is 1d',
    });
  });

  it('freshness fails on an empty table or an all-NULL column; other types are a ConfigError', async () => {
    const empty = 'SELECT * FROM staged WHERE false';
    expect(
      await one({ freshness: { column: 'updated_at', max_age: '1d' } }, { tableSql: empty }),
    ).toMatchObject({
      status: 'failed',
      message: 'the table is empty: no updated_at to judge freshness by',
    });
    const nulls = 'SELECT * REPLACE (NULL::TIMESTAMPTZ AS updated_at) FROM staged';
    expect(
      await one({ freshness: { column: 'updated_at', max_age: '1d' } }, { tableSql: nulls }),
    ).toMatchObject({
      status: 'failed',
      message: 'updated_at is NULL in every row',
    });
    const e = await configError([{ freshness: { column: 'name', max_age: '1d' } }]);
    expect(e.message).toBe(
      'check "freshness(name)" on crm.accounts: column "name" is VARCHAR, not a date or timestamp',
    );
  });

  it('sql fails when the query returns rows; {{ table }} is the published table, {{ rows }} the rows written', async () => {
    const results = await run([
      {
        sql: { name: 'negatives', query: 'SELECT id, amount FROM {{ table }} WHERE amount < 0 ORDER BY id;' },
      },
      { sql: { name: 'none', query: 'SELECT * FROM {{table}} t WHERE t.amount < -100 -- trailing comment' } },
      { sql: { name: 'new ids', query: 'SELECT id FROM {{ rows }} EXCEPT SELECT id FROM {{ table }}' } },
      {
        sql: {
          name: 'count',
          query: 'SELECT count(*) AS n FROM {{ rows }} HAVING count(*) > 3',
          severity: 'warn',
        },
      },
    ]);
    expect(results.map((r) => [r.name, r.status, r.failingRows, r.message])).toEqual([
      ['negatives', 'failed', 1, 'the query returned 1 row'],
      ['none', 'passed', 0, 'the query returned no rows'],
      ['new ids', 'passed', 0, 'the query returned no rows'],
      ['count', 'failed', 1, 'the query returned 1 row'],
    ]);
    expect(results[0]!.sample).toEqual([{ id: 2, amount: '-5.00' }]);
    expect(results[3]!.sample).toEqual([{ n: '4' }]);
  });

  it('sql must be one valid SELECT with known placeholders', async () => {
    const msg = async (query: string) => (await configError([{ sql: { name: 'q', query } }])).message;
    expect(await msg('DELETE FROM {{ table }}')).toBe('check "q" on crm.accounts: query is not a SELECT');
    expect(await msg('CREATE TABLE x AS SELECT 1')).toBe('check "q" on crm.accounts: query is not a SELECT');
    expect(await msg('SELECT 1; SELECT 2')).toBe(
      'check "q" on crm.accounts: query must be one SELECT, found 2 statements',
    );
    expect(await msg('SELEC 1')).toMatch(/^check "q" on crm\.accounts: query does not parse: syntax error/);
    expect(await msg('SELECT * FROM {{ tabel }}')).toBe(
      'check "q" on crm.accounts: unknown placeholder {{ tabel }}; use {{ table }} or {{ rows }}',
    );
    expect(await msg('SELECT nope FROM {{ table }}')).toMatch(
      /^check "q" on crm\.accounts: invalid query: Binder Error/,
    );
  });

  it('an error while counting is a DataError naming the check', async () => {
    const error = await run([
      { sql: { name: 'cast', query: 'SELECT CAST(name AS INTEGER) FROM {{ table }}' } },
    ]).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DataError);
    expect((error as DataError).message).toMatch(
      /^check "cast" on crm\.accounts failed to evaluate: Conversion Error/,
    );
  });
});

describe('validation before evaluation', () => {
  it('an unknown column is a ConfigError naming table, check and column, before any query', async () => {
    const seen: string[] = [];
    const spy = {
      all: async (sql: string) => {
        seen.push(sql);
        return [];
      },
      run: async () => {},
    };
    const e = await configError([{ row_count: { min: 1 } }, { not_null: ['id', 'Name'] }], { engine: spy });
    expect(e.message).toBe(
      'check "not_null(id,Name)" on crm.accounts: column "Name" does not exist (did you mean "name"?); columns: id, name, region, amount, email, updated_at, account_id, day',
    );
    expect(e.context).toEqual({ table: 'crm.accounts', check: 'not_null(id,Name)', column: 'Name' });
    expect(seen).toEqual([]);
  });
});

describe('severity and the gate', () => {
  it('warn failures warn, error failures block, all checks are evaluated', async () => {
    const results = await run([
      { not_null: { columns: ['name'], severity: 'warn' } },
      { row_count: { min: 1 } },
      { accepted_values: { column: 'region', values: ['west'] } },
      { unique: ['id'] },
    ]);
    expect(results.map((r) => [r.name, r.severity, r.status])).toEqual([
      ['not_null(name)', 'warn', 'failed'],
      ['row_count', 'error', 'passed'],
      ['accepted_values(region)', 'error', 'failed'],
      ['unique(id)', 'error', 'failed'],
    ]);
    expect(gateStatus(results)).toBe('blocked');
    expect(gateStatus(results.slice(0, 2))).toBe('warned');
    expect(gateStatus(results.slice(1, 2))).toBe('passed');
    expect(gateStatus([])).toBe('passed');
  });
});
