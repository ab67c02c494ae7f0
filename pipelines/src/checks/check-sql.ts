/**
 * The SQL of each check, as pure functions of the check and the relations it judges. Row checks are
 * a predicate that is true exactly for a failing row (never NULL, so it works in FILTER and WHERE
 * alike); NULL values pass every row check but `not_null`, as in dbt. Column references are
 * qualified with the alias of the relation so that correlated subqueries stay unambiguous.
 */
import { quoteIdent, quoteLiteral } from '@lakekit/core';
import type {
  AcceptedValuesCheck,
  CheckValue,
  NotNullCheck,
  RangeCheck,
  RegexCheck,
  RelationshipsCheck,
  UniqueCheck,
} from './check-spec.js';

/** Alias of the rows a run writes. */
export const ROWS = '_lk_rows';
/** Alias of the table as it would be published. */
export const TABLE = '_lk_table';
const PARENT = '_lk_parent';

/** The checks that judge single rows. */
export type RowCheck = NotNullCheck | AcceptedValuesCheck | RangeCheck | RegexCheck | RelationshipsCheck;

/** `_lk_rows."col"`. */
export function rowColumn(column: string): string {
  return `${ROWS}.${quoteIdent(column)}`;
}

/**
 * A literal to compare with a column of DuckDB type `columnType`. Text columns compare with text
 * (YAML `1` means '1' there); elsewhere numbers and booleans stay themselves and strings are cast
 * by DuckDB to the column's type (a date, a timestamp).
 */
export function valueLiteral(value: CheckValue, columnType: string | undefined): string {
  if (typeof value === 'string' || columnType === 'VARCHAR') return quoteLiteral(String(value));
  return typeof value === 'boolean' ? (value ? 'TRUE' : 'FALSE') : String(value);
}

/**
 * The predicate true for a failing row. `types` gives DuckDB column types (for literals);
 * `parentSql` is the SELECT of the referenced table of a `relationships` check.
 */
export function failingPredicate(
  check: RowCheck,
  types: ReadonlyMap<string, string>,
  parentSql?: string,
): string {
  switch (check.kind) {
    case 'not_null':
      return check.columns.map((c) => `${rowColumn(c)} IS NULL`).join(' OR ');
    case 'accepted_values': {
      const c = rowColumn(check.column);
      const type = types.get(check.column);
      return `(${c} IS NOT NULL AND ${c} NOT IN (${check.values.map((v) => valueLiteral(v, type)).join(', ')}))`;
    }
    case 'range': {
      const c = rowColumn(check.column);
      const type = types.get(check.column);
      const outside = [
        ...(check.min === undefined ? [] : [`${c} < ${valueLiteral(check.min, type)}`]),
        ...(check.max === undefined ? [] : [`${c} > ${valueLiteral(check.max, type)}`]),
      ];
      return `(${c} IS NOT NULL AND (${outside.join(' OR ')}))`;
    }
    case 'regex': {
      const c = rowColumn(check.column);
      return `(${c} IS NOT NULL AND NOT regexp_full_match(CAST(${c} AS VARCHAR), ${quoteLiteral(check.pattern)}))`;
    }
    case 'relationships': {
      // NOT EXISTS rather than NOT IN: a NULL in the parent column must not hide orphans.
      const c = rowColumn(check.column);
      const match = `SELECT 1 FROM (\n${parentSql}\n) AS ${PARENT} WHERE ${PARENT}.${quoteIdent(check.field)} = ${c}`;
      return `(${c} IS NOT NULL AND NOT EXISTS (${match}))`;
    }
  }
}

/** One aggregate over `rowsSql` counting the failing rows of each predicate (`c0`, `c1`, …). */
export function countFailingSql(rowsSql: string, predicates: readonly string[]): string {
  const counts = predicates.map((p, i) => `count(*) FILTER (WHERE ${p}) AS c${i}`);
  return `SELECT ${counts.join(', ')} FROM (\n${rowsSql}\n) AS ${ROWS}`;
}

/** The failing rows of `rowsSql` for one predicate (for samples and the quarantine table). */
export function failingRowsSql(rowsSql: string, predicate: string): string {
  return `SELECT ${ROWS}.* FROM (\n${rowsSql}\n) AS ${ROWS} WHERE ${predicate}`;
}

/**
 * The keys of a `unique` check that occur more than once, with their count as `countAlias`.
 * Keys with a NULL part are left out, as a SQL UNIQUE constraint leaves them out.
 */
export function duplicateKeysSql(check: UniqueCheck, tableSql: string, countAlias: string): string {
  const cols = check.columns.map((c) => `${TABLE}.${quoteIdent(c)}`);
  const notNull = cols.map((c) => `${c} IS NOT NULL`).join(' AND ');
  return (
    `SELECT ${cols.join(', ')}, count(*) AS ${quoteIdent(countAlias)} FROM (\n${tableSql}\n) AS ${TABLE} ` +
    `WHERE ${notNull} GROUP BY ALL HAVING count(*) > 1`
  );
}

const PLACEHOLDER = /\{\{\s*([A-Za-z_]\w*)\s*\}\}/g;

/** The placeholders a `sql` check may use. */
export const SQL_PLACEHOLDERS = ['table', 'rows'] as const;

/** The names of `{{ … }}` placeholders in a query that are not `table` or `rows`. */
export function unknownPlaceholders(query: string): string[] {
  const names = [...query.matchAll(PLACEHOLDER)].map((m) => m[1]!);
  return [...new Set(names.filter((n) => !(SQL_PLACEHOLDERS as readonly string[]).includes(n)))];
}

/** The query of a `sql` check with `{{ table }}` and `{{ rows }}` replaced by `relations`. */
export function renderQuery(query: string, relations: { table: string; rows: string }): string {
  const body = query.replace(/[\s;]+$/, '');
  return body.replace(PLACEHOLDER, (_, name: 'table' | 'rows') => relations[name]);
}
