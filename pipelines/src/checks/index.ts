/**
 * Quality checks of write-audit-publish: a run writes to a staging branch, `runChecks` judges it,
 * and the runner publishes unless `gateStatus` is `blocked`. Row checks judge the rows the run writes
 * (their failing rows can be quarantined through `failingRowsSql`); table checks judge the table as
 * it would be published. Full reference with examples: docs/checks.md.
 *
 * | kind              | scope | fails when                                                        |
 * | ----------------- | ----- | ----------------------------------------------------------------- |
 * | `not_null`        | rows  | a row has NULL in any of the columns                              |
 * | `accepted_values` | rows  | a non-NULL value is not in `values` (compared in the column type) |
 * | `range`           | rows  | a non-NULL value is below `min` or above `max` (both inclusive)   |
 * | `regex`           | rows  | a non-NULL value (as text) does not fully match `pattern` (RE2)   |
 * | `relationships`   | rows  | a non-NULL value has no equal `field` in table `to`               |
 * | `unique`          | table | a key (all columns non-NULL) occurs more than once                |
 * | `row_count`       | table | count(*) is below `min` or above `max` (both inclusive)           |
 * | `freshness`       | table | max(column) is older than `max_age` before the run (or no value)  |
 * | `sql`             | table | the SELECT over `{{ table }}` / `{{ rows }}` returns any row      |
 *
 * NULL: only `not_null` fails on NULL (as in dbt); `unique` leaves keys with a NULL part out (as a
 * SQL UNIQUE constraint does). Every check takes `severity: error|warn` (default `error`) and a
 * `name` (default e.g. `not_null(id,name)`; required for `sql`). `not_null` and `unique` also take
 * a bare list: `not_null: [id, name]`.
 *
 * @example
 * const checks = checkListSchema.parse([{ not_null: ['id'] }, { unique: ['id'] }]);
 * const results = await runChecks(checks, { engine, table: 'crm.accounts', rowsSql, tableSql,
 *   columns, resolveTable, now: new Date() });
 * if (gateStatus(results) === 'blocked') … // quarantine via results[i].failingRowsSql
 */
export * from './check-result.js';
export * from './check-spec.js';
export * from './run-checks.js';
