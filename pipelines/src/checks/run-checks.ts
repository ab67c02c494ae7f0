/**
 * Evaluates a table's checks with DuckDB in two phases. First every check is prepared: its columns,
 * literals, regular expression, referenced table and SQL are validated and bound (DESCRIBE) so that a
 * check that cannot run is a ConfigError naming the table, check and column before anything is
 * counted. Then all row checks are counted in one aggregate over the rows written, table checks in
 * as few passes over the table as their shapes allow, and samples are read only for failed checks.
 */
import { ConfigError, DataError, NotFoundError, quoteIdent, quoteLiteral } from '@lakekit/core';
import type { CheckResult } from './check-result.js';
import type {
  CheckSpec,
  CheckValue,
  FreshnessCheck,
  RowCountCheck,
  SqlCheck,
  UniqueCheck,
} from './check-spec.js';
import {
  countFailingSql,
  duplicateKeysSql,
  failingPredicate,
  failingRowsSql,
  type RowCheck,
  renderQuery,
  rowColumn,
  SQL_PLACEHOLDERS,
  TABLE,
  unknownPlaceholders,
  valueLiteral,
} from './check-sql.js';

/** What the checks of one table judge. */
export interface CheckInput {
  /** A DuckDB engine (`Engine` from @lakekit/iceberg) that can read `rowsSql` and `tableSql`. */
  readonly engine: {
    all(sql: string): Promise<Record<string, unknown>[]>;
    run(sql: string): Promise<void>;
  };
  /** The table's name (`crm.accounts`), for messages. */
  readonly table: string;
  /** A SELECT of the rows this run writes: row checks judge these. */
  readonly rowsSql: string;
  /** A SELECT of the table as it would be published: table checks judge this. */
  readonly tableSql: string;
  /** The table's columns; checks must name existing ones. */
  readonly columns: readonly string[];
  /** A SELECT of another Lakekit table (for `relationships`); throws NotFoundError when missing. */
  resolveTable(name: string): Promise<string>;
  /** The run's clock, for `freshness`. */
  readonly now: Date;
  /** Failing rows (or duplicate keys) kept per failed check. Default 5. */
  readonly sampleSize?: number;
  /**
   * Names of `unique` checks that passed on the snapshot this write builds on: only keys of the rows
   * written can be duplicated now, so those checks judge just the table rows with those keys (the
   * same verdict, without scanning the whole table). Their columns must all be in `rowsSql`.
   */
  readonly uniqueAlreadyPassed?: ReadonlySet<string>;
}

/** A check and the SQL fragment it was prepared into. */
interface Prepared<C extends CheckSpec = CheckSpec> {
  readonly check: C;
  /** Row checks: true for a failing row. */
  readonly predicate?: string;
  /** `sql` checks: the query with its placeholders replaced. */
  readonly sql?: string;
  /** `freshness`: the newest value of the column as epoch milliseconds. */
  readonly newest?: string;
}

/**
 * Runs every check (a failure does not stop the others) and returns one result per check, in order.
 * Throws ConfigError when a check cannot run (unknown column, bad pattern or value, missing table,
 * a `sql` query that is not one valid SELECT), DataError when DuckDB fails while counting.
 */
export async function runChecks(checks: readonly CheckSpec[], input: CheckInput): Promise<CheckResult[]> {
  const prepared = await prepare(checks, input);
  const results = new Map<CheckSpec, CheckResult>();
  const sampleSize = Math.max(0, Math.floor(input.sampleSize ?? 5));

  const rowChecks = prepared.filter((p): p is Prepared<RowCheck> & { predicate: string } => !!p.predicate);
  if (rowChecks.length > 0) {
    for (const r of await evaluateRowChecks(rowChecks, input, sampleSize)) results.set(r.check, r.result);
  }
  const aggregates = prepared.filter(
    (p): p is Prepared<RowCountCheck | FreshnessCheck> =>
      p.check.kind === 'row_count' || p.check.kind === 'freshness',
  );
  if (aggregates.length > 0) {
    for (const r of await evaluateAggregates(aggregates, input)) results.set(r.check, r.result);
  }
  for (const { check, sql } of prepared) {
    if (check.kind === 'unique') results.set(check, await evaluateUnique(check, input, sampleSize));
    if (check.kind === 'sql') results.set(check, await evaluateSql(check, sql!, input, sampleSize));
  }
  return checks.map((c) => results.get(c)!);
}

// ---------------------------------------------------------------------------------------------------
// Preparation: everything that can be known wrong before counting.

async function prepare(checks: readonly CheckSpec[], input: CheckInput): Promise<Prepared[]> {
  for (const check of checks) {
    for (const column of columnsOf(check)) requireColumn(input, check, column);
  }
  const needsTypes = checks.some((c) => ['accepted_values', 'range', 'freshness'].includes(c.kind));
  const types = needsTypes ? await describe(input, input.tableSql, undefined) : new Map<string, string>();
  const parents = new Map<string, Promise<string>>();

  const prepared: Prepared[] = [];
  for (const check of checks) {
    switch (check.kind) {
      case 'accepted_values':
        await requireCastable(input, check, check.column, check.values, types);
        prepared.push({ check, predicate: failingPredicate(check, types) });
        break;
      case 'range': {
        const bounds = [check.min, check.max].filter((b): b is number | string => b !== undefined);
        await requireCastable(input, check, check.column, bounds, types);
        prepared.push({ check, predicate: failingPredicate(check, types) });
        break;
      }
      case 'regex':
        await bind(input, check, `SELECT regexp_full_match('', ${quoteLiteral(check.pattern)})`, 'pattern');
        prepared.push({ check, predicate: failingPredicate(check, types) });
        break;
      case 'relationships': {
        let parent = parents.get(check.to);
        if (parent === undefined) {
          // The table itself is judged as published, so a self-reference sees this run's rows.
          parent = check.to === input.table ? Promise.resolve(input.tableSql) : input.resolveTable(check.to);
          parents.set(check.to, parent);
        }
        const parentSql = await parent.catch((e: unknown) => {
          if (!(e instanceof NotFoundError)) throw e;
          throw fail(input, check, `table ${check.to} does not exist`, {
            cause: e,
            context: { to: check.to },
          });
        });
        const parentTypes = await describe(input, parentSql, check);
        if (!parentTypes.has(check.field)) {
          throw fail(input, check, `column "${check.field}" does not exist in ${check.to}`, {
            context: { to: check.to, column: check.field },
          });
        }
        prepared.push({ check, predicate: failingPredicate(check, types, parentSql) });
        break;
      }
      case 'freshness': {
        const type = types.get(check.column) ?? '';
        if (!/^(DATE|TIMESTAMP)/.test(type)) {
          throw fail(input, check, `column "${check.column}" is ${type}, not a date or timestamp`, {
            context: { column: check.column },
          });
        }
        // Epoch ms of the newest value: a DATE counts from its midnight, a TIMESTAMP without zone as UTC.
        const to = type === 'TIMESTAMP WITH TIME ZONE' ? 'TIMESTAMPTZ' : 'TIMESTAMP';
        prepared.push({
          check,
          newest: `epoch_ms(CAST(max(${TABLE}.${quoteIdent(check.column)}) AS ${to}))`,
        });
        break;
      }
      case 'sql':
        prepared.push({ check, sql: await prepareSql(check, input) });
        break;
      case 'not_null':
        prepared.push({ check, predicate: failingPredicate(check, types) });
        break;
      default:
        prepared.push({ check });
    }
  }

  // Bind the row aggregate once (type mismatches such as a number bound on a DATE column); on
  // failure bind each check alone to name the one at fault.
  const rowChecks = prepared.filter((p) => p.predicate !== undefined);
  if (rowChecks.length > 0) {
    const bindAll = (ps: readonly Prepared[]) =>
      input.engine.all(
        `DESCRIBE ${countFailingSql(
          input.rowsSql,
          ps.map((p) => p.predicate!),
        )}`,
      );
    await locate(rowChecks, bindAll, (p, e) =>
      fail(input, p.check, `cannot be evaluated: ${firstLine(e)}`, { cause: e }),
    );
  }
  return prepared;
}

function columnsOf(check: CheckSpec): readonly string[] {
  switch (check.kind) {
    case 'not_null':
    case 'unique':
      return check.columns;
    case 'row_count':
    case 'sql':
      return [];
    default:
      return [check.column];
  }
}

function requireColumn(input: CheckInput, check: CheckSpec, column: string): void {
  if (input.columns.includes(column)) return;
  const near = input.columns.find((c) => c.toLowerCase() === column.toLowerCase());
  const hint = near === undefined ? '' : ` (did you mean "${near}"?)`;
  const listed = input.columns.slice(0, 30).join(', ') + (input.columns.length > 30 ? ', …' : '');
  throw fail(input, check, `column "${column}" does not exist${hint}; columns: ${listed}`, {
    context: { column },
  });
}

/** Strings compared with a non-text column must convert to its type ('2026-01-01' for a DATE). */
async function requireCastable(
  input: CheckInput,
  check: CheckSpec,
  column: string,
  values: readonly CheckValue[],
  types: ReadonlyMap<string, string>,
): Promise<void> {
  const type = types.get(column);
  const strings = values.filter((v): v is string => typeof v === 'string');
  if (type === undefined || type === 'VARCHAR' || strings.length === 0) return;
  const casts = strings.map((v, i) => `TRY_CAST(${valueLiteral(v, type)} AS ${type}) IS NULL AS v${i}`);
  const [row] = await input.engine.all(`SELECT ${casts.join(', ')}`);
  const bad = strings.find((_, i) => row?.[`v${i}`] === true);
  if (bad !== undefined) {
    throw fail(input, check, `"${bad}" is not a valid ${type} for column "${column}"`, {
      context: { column },
    });
  }
}

/** Column name → DuckDB type of a SELECT (binds it without running it). */
async function describe(
  input: CheckInput,
  sql: string,
  check: CheckSpec | undefined,
): Promise<Map<string, string>> {
  const rows =
    check === undefined
      ? await input.engine.all(`DESCRIBE (\n${sql}\n)`)
      : await bind(input, check, `DESCRIBE (\n${sql}\n)`, 'query');
  return new Map(rows.map((r) => [String(r['column_name']), String(r['column_type'])]));
}

async function bind(
  input: CheckInput,
  check: CheckSpec,
  sql: string,
  what: string,
): Promise<Record<string, unknown>[]> {
  try {
    return await input.engine.all(sql);
  } catch (e) {
    throw fail(input, check, `invalid ${what}: ${firstLine(e)}`, { cause: e });
  }
}

/** A `sql` check's query: one SELECT (checked by DuckDB's parser), only known placeholders, bound. */
async function prepareSql(check: SqlCheck, input: CheckInput): Promise<string> {
  const unknown = unknownPlaceholders(check.query);
  if (unknown.length > 0) {
    const names = unknown.map((n) => `{{ ${n} }}`).join(', ');
    throw fail(
      input,
      check,
      `unknown placeholder ${names}; use ${SQL_PLACEHOLDERS.map((n) => `{{ ${n} }}`).join(' or ')}`,
    );
  }
  // Parse with placeholders as plain names: only the shape of the user's text matters here.
  const parsable = renderQuery(check.query, { table: '_lk_table', rows: '_lk_rows' });
  const [row] = await input.engine.all(`SELECT json_serialize_sql(${quoteLiteral(parsable)}) AS j`);
  const parsed = JSON.parse(String(row?.['j'])) as {
    error: boolean;
    error_message?: string;
    statements?: unknown[];
  };
  if (parsed.error) {
    const why = /Only SELECT/.test(parsed.error_message ?? '')
      ? 'is not a SELECT'
      : `does not parse: ${parsed.error_message}`;
    throw fail(input, check, `query ${why}`);
  }
  if (parsed.statements?.length !== 1) {
    throw fail(input, check, `query must be one SELECT, found ${parsed.statements?.length ?? 0} statements`);
  }
  const sql = renderQuery(check.query, { table: `(\n${input.tableSql}\n)`, rows: `(\n${input.rowsSql}\n)` });
  await bind(input, check, `DESCRIBE (\n${sql}\n)`, 'query');
  return sql;
}

// ---------------------------------------------------------------------------------------------------
// Evaluation.

interface Evaluated {
  readonly check: CheckSpec;
  readonly result: CheckResult;
}

async function evaluateRowChecks(
  prepared: readonly { readonly check: RowCheck; readonly predicate: string }[],
  input: CheckInput,
  sampleSize: number,
): Promise<Evaluated[]> {
  // One pass: a count per check, plus a count per column of multi-column not_null checks.
  const predicates: string[] = [];
  for (const p of prepared) {
    predicates.push(p.predicate);
    if (p.check.kind === 'not_null' && p.check.columns.length > 1) {
      for (const c of p.check.columns) predicates.push(`${rowColumn(c)} IS NULL`);
    }
  }
  const [row] = await locate(
    prepared,
    () => input.engine.all(countFailingSql(input.rowsSql, predicates)),
    (p, e) => evaluationError(input, p.check, e),
    (p) => input.engine.all(countFailingSql(input.rowsSql, [p.predicate])),
  );
  const counts = predicates.map((_, i) => Number(row?.[`c${i}`] ?? 0));

  const out: Evaluated[] = [];
  let at = 0;
  for (const { check, predicate } of prepared) {
    const failing = counts[at++]!;
    const perColumn =
      check.kind === 'not_null' && check.columns.length > 1 ? check.columns.map(() => counts[at++]!) : [];
    const sql = failingRowsSql(input.rowsSql, predicate);
    const sample =
      failing > 0 && sampleSize > 0
        ? await input.engine.all(`${sql} LIMIT ${sampleSize}`).catch((e: unknown) => {
            throw evaluationError(input, check, e);
          })
        : [];
    out.push({
      check,
      result: {
        ...identity(check),
        status: failing > 0 ? 'failed' : 'passed',
        failingRows: failing,
        sample,
        message: rowMessage(check, failing, perColumn),
        failingRowsSql: sql,
      },
    });
  }
  return out;
}

async function evaluateAggregates(
  prepared: readonly Prepared<RowCountCheck | FreshnessCheck>[],
  input: CheckInput,
): Promise<Evaluated[]> {
  // One pass for the row count and the newest value of every freshness column.
  const aggregate = (ps: readonly Prepared<RowCountCheck | FreshnessCheck>[]) => {
    const newest = ps.map((p) => (p.newest ? `, ${p.newest} AS f${prepared.indexOf(p)}` : ''));
    return input.engine.all(
      `SELECT count(*) AS n${newest.join('')} FROM (\n${input.tableSql}\n) AS ${TABLE}`,
    );
  };
  const [row] = await locate(prepared, aggregate, (p, e) => evaluationError(input, p.check, e));
  const n = Number(row?.['n'] ?? 0);
  return prepared.map(({ check }, i) => {
    let failed: boolean;
    let message: string;
    if (check.kind === 'row_count') {
      const low = check.min !== undefined && n < check.min;
      const high = check.max !== undefined && n > check.max;
      failed = low || high;
      const has = `the table has ${rows(n)}`;
      message = low
        ? `${has}; at least ${check.min} expected`
        : high
          ? `${has}; at most ${check.max} expected`
          : has;
    } else {
      const value = row?.[`f${i}`];
      const max = value === null || value === undefined ? undefined : Number(value);
      const age = max === undefined ? undefined : input.now.getTime() - max;
      failed = age === undefined || age > check.maxAgeMs;
      message =
        n === 0
          ? `the table is empty: no ${check.column} to judge freshness by`
          : max === undefined
            ? `${check.column} is NULL in every row`
            : `the newest ${check.column} is ${new Date(max).toISOString()}, ${formatAge(age!)} old; max_age is ${check.maxAge}`;
    }
    return {
      check,
      result: {
        ...identity(check),
        status: failed ? 'failed' : 'passed',
        failingRows: 0,
        sample: [],
        message,
      },
    };
  });
}

async function evaluateUnique(
  check: UniqueCheck,
  input: CheckInput,
  sampleSize: number,
): Promise<CheckResult> {
  let countAlias = 'occurrences';
  while (check.columns.includes(countAlias)) countAlias = `_${countAlias}`;
  const keys0 = check.columns.map(quoteIdent).join(', ');
  const scope = input.uniqueAlreadyPassed?.has(check.name)
    ? `SELECT * FROM (\n${input.tableSql}\n) WHERE (${keys0}) IN (SELECT ${keys0} FROM (\n${input.rowsSql}\n))`
    : input.tableSql;
  const dups = duplicateKeysSql(check, scope, countAlias);
  try {
    const [row] = await input.engine.all(
      `SELECT count(*) AS k, coalesce(sum(${quoteIdent(countAlias)}), 0) AS n FROM (\n${dups}\n)`,
    );
    const keys = Number(row?.['k'] ?? 0);
    // Most repeated keys first, then by key: positions 1..k are the key columns.
    const byKey = check.columns.map((_, i) => String(i + 1)).join(', ');
    const sample =
      keys > 0 && sampleSize > 0
        ? await input.engine.all(
            `SELECT * FROM (\n${dups}\n) ORDER BY ${quoteIdent(countAlias)} DESC, ${byKey} LIMIT ${sampleSize}`,
          )
        : [];
    const key = check.columns.length === 1 ? check.columns[0]! : `(${check.columns.join(', ')})`;
    const noun = check.columns.length === 1 ? 'value' : 'combination';
    const message =
      keys === 0
        ? `every ${key} is unique`
        : `${keys} ${noun}${keys === 1 ? '' : 's'} of ${key} occur${keys === 1 ? 's' : ''} more than once (${rows(Number(row?.['n']))})`;
    return { ...identity(check), status: keys > 0 ? 'failed' : 'passed', failingRows: keys, sample, message };
  } catch (e) {
    throw evaluationError(input, check, e);
  }
}

async function evaluateSql(
  check: SqlCheck,
  sql: string,
  input: CheckInput,
  sampleSize: number,
): Promise<CheckResult> {
  try {
    const [row] = await input.engine.all(`SELECT count(*) AS n FROM (\n${sql}\n)`);
    const n = Number(row?.['n'] ?? 0);
    const sample =
      n > 0 && sampleSize > 0 ? await input.engine.all(`SELECT * FROM (\n${sql}\n) LIMIT ${sampleSize}`) : [];
    const message = n === 0 ? 'the query returned no rows' : `the query returned ${rows(n)}`;
    return { ...identity(check), status: n > 0 ? 'failed' : 'passed', failingRows: n, sample, message };
  } catch (e) {
    throw evaluationError(input, check, e);
  }
}

// ---------------------------------------------------------------------------------------------------
// Helpers.

/**
 * Runs `all` for a batch; when it throws, runs `one` for each item (by default the batch of that
 * item alone) and reports the first that fails through `blame`; rethrows when none does.
 */
async function locate<T, R>(
  items: readonly T[],
  all: (items: readonly T[]) => Promise<R>,
  blame: (item: T, error: unknown) => Error,
  one: (item: T) => Promise<unknown> = (item) => all([item]),
): Promise<R> {
  try {
    return await all(items);
  } catch (e) {
    if (items.length > 1) {
      for (const item of items) {
        try {
          await one(item);
        } catch (itemError) {
          throw blame(item, itemError);
        }
      }
    }
    throw blame(items[0]!, e);
  }
}

function identity(check: CheckSpec): Pick<CheckResult, 'name' | 'kind' | 'severity' | 'scope'> {
  return { name: check.name, kind: check.kind, severity: check.severity, scope: check.scope };
}

function fail(
  input: CheckInput,
  check: CheckSpec,
  problem: string,
  options: { cause?: unknown; context?: Record<string, string> } = {},
): ConfigError {
  return new ConfigError(`check "${check.name}" on ${input.table}: ${problem}`, {
    cause: options.cause,
    context: { table: input.table, check: check.name, ...options.context },
  });
}

function evaluationError(input: CheckInput, check: CheckSpec, e: unknown): DataError {
  return new DataError(`check "${check.name}" on ${input.table} failed to evaluate: ${firstLine(e)}`, {
    cause: e,
    context: { table: input.table, check: check.name },
  });
}

function firstLine(e: unknown): string {
  return (e instanceof Error ? e.message : String(e)).split('\n')[0]!;
}

function rows(n: number): string {
  return `${n} row${n === 1 ? '' : 's'}`;
}

function have(n: number): string {
  return `${rows(n)} ${n === 1 ? 'has' : 'have'}`;
}

function rowMessage(check: RowCheck, failing: number, perColumn: readonly number[]): string {
  switch (check.kind) {
    case 'not_null': {
      if (failing === 0) return `no NULL in ${check.columns.join(', ')}`;
      if (check.columns.length === 1) return `${have(failing)} NULL in ${check.columns[0]}`;
      const parts = check.columns.flatMap((c, i) => (perColumn[i]! > 0 ? [`${perColumn[i]} in ${c}`] : []));
      return `${have(failing)} NULL (${parts.join(', ')})`;
    }
    case 'accepted_values': {
      const accepted = check.values.map(String).join(', ');
      return failing === 0
        ? `every ${check.column} is one of ${accepted} (or NULL)`
        : `${have(failing)} ${check.column} outside the accepted values ${accepted}`;
    }
    case 'range': {
      const range =
        check.min === undefined
          ? `at most ${check.max}`
          : check.max === undefined
            ? `at least ${check.min}`
            : `between ${check.min} and ${check.max}`;
      return failing === 0
        ? `every ${check.column} is ${range} (or NULL)`
        : `${have(failing)} ${check.column} not ${range}`;
    }
    case 'regex':
      return failing === 0
        ? `every ${check.column} matches ${check.pattern} (or is NULL)`
        : `${have(failing)} ${check.column} not matching ${check.pattern}`;
    case 'relationships':
      return failing === 0
        ? `every ${check.column} has a match in ${check.to}.${check.field} (or is NULL)`
        : `${have(failing)} ${check.column} with no match in ${check.to}.${check.field}`;
  }
}

/** 90061000 → "1d 1h"; 1500000 → "25m"; under a minute → "45s". */
function formatAge(ms: number): string {
  const s = Math.max(0, Math.floor(ms / 1000));
  const d = Math.floor(s / 86400);
  const h = Math.floor((s % 86400) / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (d > 0) return h > 0 ? `${d}d ${h}h` : `${d}d`;
  if (h > 0) return m > 0 ? `${h}h ${m}m` : `${h}h`;
  return m > 0 ? `${m}m` : `${s}s`;
}
