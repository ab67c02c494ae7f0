/**
 * The SQL guard of governed queries. User SQL is parsed by DuckDB's own parser
 * (`json_serialize_sql`, which serializes SELECT statements only) and accepted only when:
 * - it is exactly one SELECT statement;
 * - every table reference is `ns.table` (later checked against the caller's views) or the name of a
 *   CTE in scope — a quoted file path (`'x.parquet'`) parses as a table name too and is refused;
 * - every function and table function is on an allow-list, unqualified;
 * - every expression class and FROM item is of a kind known to be read-only;
 * - it is not too large or too deeply nested.
 * The guard decides on the tree only; the engine then rewrites the tree (guard first, rewrite
 * second, so nothing a caller writes is ever trusted).
 */
import { ForbiddenError, UsageError } from '@lakekit/core';
import type { TableRefNode } from '../table-references.js';

/** Longest SQL text accepted. */
export const MAX_SQL_LENGTH = 100_000;
/** Deepest nesting of the parse tree accepted. */
export const MAX_TREE_DEPTH = 400;

/** Prefix reserved for the engine's own names. */
export const RESERVED_PREFIX = '__lk';

/**
 * Scalar, aggregate and window functions a governed query may call (DuckDB's names as the parser
 * gives them; operators appear as functions too). Anything else — file and network readers,
 * settings, environment, sequences, sleeping, randomness, the current time, raising errors, query
 * text, aggregate states — is refused by omission.
 */
const SCALAR = `
! !__postfix !~~ !~~* % & && * ** + - ->> / // <-> << <=> <@ >> @ @> ^ ^@ | || ~ ~~ ~~* ~~~
abs acos acosh add age array_append array_cat array_concat array_contains array_cosine_distance
array_cosine_similarity array_cross_product array_distance array_distinct array_dot_product
array_extract array_filter array_grade_up array_has array_has_all array_has_any array_indexof
array_inner_product array_intersect array_length array_negative_dot_product
array_negative_inner_product array_pop_back array_pop_front array_position array_prepend
array_push_back array_push_front array_resize array_reverse array_reverse_sort array_select
array_slice array_sort array_to_string array_transform array_unique array_value array_where array_zip
ascii asin asinh atan atan2 atanh bar base64 bin bit_count bit_length bit_position bitstring
cardinality cbrt ceil ceiling century char_length character_length chr coalesce concat concat_ws
contains cos cosh cot damerau_levenshtein date_add date_diff date_part date_sub date_trunc datediff
datepart datesub datetrunc day dayname dayofmonth dayofweek dayofyear days_in_month decade decode
degrees divide editdist3 element_at encode ends_with epoch epoch_ms epoch_ns epoch_us equi_width_bins
era even exp factorial fdiv filter flatten floor fmod format format_bytes formatreadabledecimalsize
formatreadablesize from_base64 from_binary from_hex from_json from_json_strict gamma gcd
generate_subscripts get_bit greatest greatest_common_divisor hamming hash hex hour ifnull ilike_escape
instr isfinite isinf isnan isodow isoyear jaccard jaro_similarity jaro_winkler_similarity json
json_array json_array_length json_contains json_exists json_extract json_extract_path
json_extract_path_text json_extract_string json_keys json_merge_patch json_object json_pretty
json_quote json_structure json_transform json_transform_strict json_type json_valid json_value julian
last_day lcase lcm least least_common_multiple left left_grapheme len length length_grapheme
levenshtein lgamma like_escape list_append list_cat list_concat list_contains list_cosine_distance
list_cosine_similarity list_distance list_distinct list_dot_product list_element list_extract
list_filter list_grade_up list_has list_has_all list_has_any list_indexof list_inner_product
list_intersect list_negative_dot_product list_negative_inner_product list_pack list_position
list_prepend list_resize list_reverse list_reverse_sort list_select list_slice list_sort
list_transform list_unique list_value list_where list_zip list_max list_min list_count list_sum
list_avg list_median list_first list_last list_string_agg list_bool_and list_bool_or ln log log10
log2 lower lpad ltrim make_date make_time make_timestamp make_timestamp_ms make_timestamp_ns
make_timestamptz map map_concat map_contains map_contains_entry map_contains_value map_entries
map_extract map_extract_value map_from_entries map_keys map_values md5 md5_number md5_number_lower
md5_number_upper microsecond millennium millisecond minute mismatches mod month monthname multiply
nanosecond nextafter nfc_normalize normalized_interval not_ilike_escape not_like_escape nullif
octet_length ord parse_formatted_bytes pi position pow power prefix printf quarter radians
regexp_escape regexp_extract regexp_extract_all regexp_full_match regexp_matches regexp_replace
regexp_split_to_array repeat replace reverse right right_grapheme round round_even roundbankers row
row_to_json rpad rtrim second sha1 sha256 sign signbit sin sinh split split_part sqrt starts_with
str_split str_split_regex strftime string_split string_split_regex string_to_array strip_accents
strlen strpos strptime struct_concat struct_contains struct_extract struct_extract_at struct_has
struct_indexof struct_insert struct_keys struct_pack struct_position struct_update struct_values
substr substring substring_grapheme subtract suffix tan tanh time_bucket timezone timezone_hour
timezone_minute to_base to_base64 to_binary to_centuries to_days to_decades to_hex to_hours to_json
to_microseconds to_millennia to_milliseconds to_minutes to_months to_quarters to_seconds to_timestamp
to_weeks to_years translate trim trunc try_strptime typeof ucase unbin unhex unicode union_extract
union_tag union_value upper url_decode url_encode week weekday weekofyear xor year yearweek
`;

const AGGREGATE = `
any_value approx_count_distinct approx_quantile arbitrary arg_max arg_max_null arg_max_nulls_last
arg_min arg_min_null arg_min_nulls_last argmax argmin array_agg avg bit_and bit_or bit_xor
bitstring_agg bool_and bool_or corr count count_if count_star countif covar_pop covar_samp entropy
favg first fsum geomean geometric_mean group_concat histogram histogram_exact kahan_sum kurtosis
kurtosis_pop last list listagg mad max max_by mean median min min_by mode product quantile
quantile_cont quantile_disc regr_avgx regr_avgy regr_count regr_intercept regr_r2 regr_slope regr_sxx
regr_sxy regr_syy sem skewness stddev stddev_pop stddev_samp string_agg sum sumkahan var_pop var_samp
variance wavg weighted_avg json_group_array json_group_object
`;

const WINDOW = `
cume_dist dense_rank first_value lag last_value lead nth_value ntile percent_rank rank rank_dense
row_number fill
`;

const words = (s: string) => s.split(/\s+/).filter((w) => w !== '');

/** Every function name a governed query may call. */
export const ALLOWED_FUNCTIONS: ReadonlySet<string> = new Set([
  ...words(SCALAR),
  ...words(AGGREGATE),
  ...words(WINDOW),
]);

/** Table functions a governed query may use in FROM (they read nothing but their arguments). */
export const ALLOWED_TABLE_FUNCTIONS: ReadonlySet<string> = new Set(['range', 'generate_series', 'unnest']);

/**
 * Bare names DuckDB binds, when no column has that name, to a function (SQL value functions): they
 * would call the current time or the environment past the function allow-list.
 */
const VALUE_FUNCTION_NAMES = new Set([
  'current_date',
  'current_time',
  'current_timestamp',
  'localtime',
  'localtimestamp',
  'current_user',
  'session_user',
  'user',
  'current_catalog',
  'current_schema',
  'current_role',
]);

/** A name DuckDB could read as a file (replacement scan), never a CTE's. */
const FILE_LIKE_NAME = /[/\\:*?'"]|\.(parquet|csv|json|tsv|txt|ndjson|jsonl|gz|zst|db|duckdb|sqlite)$/i;

/** Expression classes of DuckDB's parse tree a governed query may contain. */
const EXPRESSION_CLASSES = new Set([
  'BETWEEN',
  'CASE',
  'CAST',
  'COLLATE',
  'COLUMN_REF',
  'COMPARISON',
  'CONJUNCTION',
  'CONSTANT',
  'FUNCTION',
  'LAMBDA',
  'LAMBDA_REF',
  'OPERATOR',
  'POSITIONAL_REFERENCE',
  'STAR',
  'SUBQUERY',
  'WINDOW',
]);

const QUERY_NODES = new Set(['SELECT_NODE', 'SET_OPERATION_NODE', 'RECURSIVE_CTE_NODE', 'CTE_NODE']);
const ALLOWED_FROM = new Set([
  'BASE_TABLE',
  'JOIN',
  'SUBQUERY',
  'TABLE_FUNCTION',
  'EXPRESSION_LIST',
  'EMPTY',
]);
const REFUSED_FROM: Record<string, string> = {
  PIVOT: 'PIVOT is not supported in governed queries (write it with GROUP BY and FILTER)',
  SHOW_REF: 'DESCRIBE, SHOW and SUMMARIZE are not allowed in governed queries',
  COLUMN_DATA: 'this FROM item is not allowed in governed queries',
  DELIM_GET: 'this FROM item is not allowed in governed queries',
  CTE: 'this FROM item is not allowed in governed queries',
};

/** A table reference the guard accepted: an `ns.table` name to be replaced by the caller's view. */
export interface GuardedReference {
  node: TableRefNode;
  /** `ns.table` as written (case kept). */
  name: string;
}

/** What the guard found in an accepted query. */
export interface GuardResult {
  references: GuardedReference[];
  /** Whether the root query ends in ORDER BY / LIMIT (for the total order the engine adds). */
  root: Record<string, unknown>;
}

function refuse(reason: string, context: Record<string, unknown> = {}): never {
  throw new ForbiddenError(`query refused: ${reason}`, { context: { reason, ...context } });
}

function lower(v: unknown): string {
  return typeof v === 'string' ? v.toLowerCase() : '';
}

/**
 * Checks a parsed statement list. `catalogNames` are the lower-cased names of every table and view
 * the governed DuckDB knows (system views included): a CTE may not take one of those names, so a
 * reference that DuckDB would resolve past the CTE can never reach them.
 */
export function guardQuery(
  tree: { statements: { node: Record<string, unknown> }[] },
  catalogNames: ReadonlySet<string>,
): GuardResult {
  if (tree.statements.length !== 1) refuse(`expected exactly one statement, got ${tree.statements.length}`);
  const root = tree.statements[0]!.node;
  if (!QUERY_NODES.has(String(root['type']))) refuse('only SELECT queries can run here');
  const references: GuardedReference[] = [];

  const visit = (v: unknown, scope: ReadonlySet<string>, depth: number): void => {
    if (depth > MAX_TREE_DEPTH) refuse(`the query is nested more than ${MAX_TREE_DEPTH} levels deep`);
    if (Array.isArray(v)) {
      for (const x of v) visit(x, scope, depth + 1);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const o = v as Record<string, unknown>;
    const cls = o['class'];
    const type = o['type'];
    if (typeof cls === 'string') {
      checkExpression(o, cls);
    } else if (typeof type === 'string') {
      if (type.endsWith('_NODE')) {
        if (!QUERY_NODES.has(type)) refuse(`${type.toLowerCase().replace(/_/g, ' ')} is not allowed`);
        if (o['sample'] !== undefined && o['sample'] !== null)
          refuse('USING SAMPLE is not repeatable and is not allowed in governed queries');
        scope = visitCtes(o, scope, depth);
      } else if (REFUSED_FROM[type]) {
        refuse(REFUSED_FROM[type]!);
      } else if (ALLOWED_FROM.has(type)) {
        if (o['sample'] !== undefined && o['sample'] !== null)
          refuse('TABLESAMPLE is not repeatable and is not allowed in governed queries');
        if (type === 'BASE_TABLE') {
          checkTableRef(o as TableRefNode, scope);
          // The AT clause's expression is checked like any other expression; it is evaluated on
          // its own, before the query, so it may not hold a query of its own.
          if (o['at_clause']) {
            walkTree(o['at_clause'], (x) => {
              if (x['class'] === 'SUBQUERY') refuse('AT (…) takes a constant expression, not a subquery');
            });
            visit(o['at_clause'], scope, depth + 1);
          }
          return;
        }
        if (type === 'TABLE_FUNCTION') {
          const fn = o['function'] as Record<string, unknown> | undefined;
          const name = lower(fn?.['function_name']);
          if (!ALLOWED_TABLE_FUNCTIONS.has(name) || fn?.['schema'] || fn?.['catalog'])
            refuse(`table function ${String(fn?.['function_name'])}() is not allowed`, { function: name });
          // Checked here as a table function: only its arguments are expressions to check.
          for (const [k, x] of Object.entries(o)) if (k !== 'function') visit(x, scope, depth + 1);
          for (const x of Object.values(fn ?? {})) visit(x, scope, depth + 2);
          return;
        }
      }
    }
    for (const [k, x] of Object.entries(o)) {
      if (k === 'cte_map') continue;
      visit(x, scope, depth + 1);
    }
  };

  /** Visits a node's CTE definitions; returns the scope its body sees. */
  const visitCtes = (node: Record<string, unknown>, outer: ReadonlySet<string>, depth: number) => {
    const map = (node['cte_map'] as { map?: { key: string; value: { query: unknown } }[] } | undefined)?.map;
    if (!Array.isArray(map) || map.length === 0) return outer;
    let scope = new Set(outer);
    for (const entry of map) {
      const name = lower(entry.key);
      if (name.startsWith(RESERVED_PREFIX)) refuse(`CTE names starting with ${RESERVED_PREFIX} are reserved`);
      if (catalogNames.has(name)) refuse(`a CTE may not be named ${entry.key}: that name is reserved`);
      if (FILE_LIKE_NAME.test(name)) refuse(`a CTE may not be named ${entry.key}: it reads as a file path`);
      const query = entry.value?.query as { node?: Record<string, unknown> } | undefined;
      // A recursive CTE sees itself in its recursive part only: DuckDB binds a reference in the
      // anchor (left) part past the CTE, so there it is checked as an outside reference.
      const node = query?.node;
      const inner = new Set(scope);
      if (node?.['type'] === 'RECURSIVE_CTE_NODE') {
        inner.add(name);
        const { left, ...rest } = node;
        visit(left, scope, depth + 3);
        visit({ ...entry.value, query: { ...query, node: rest } }, inner, depth + 1);
      } else {
        visit(entry.value, inner, depth + 1);
      }
      scope = new Set(scope);
      scope.add(name);
    }
    return scope;
  };

  const checkTableRef = (ref: TableRefNode, scope: ReadonlySet<string>) => {
    const name = ref.table_name;
    if (ref.catalog_name === '' && ref.schema_name === '') {
      if (scope.has(name.toLowerCase()) && ref.at_clause === null) return;
      if (FILE_LIKE_NAME.test(name))
        refuse(`"${name}" is a file path; governed queries read only tables (ns.table)`, { table: name });
      refuse(`table ${name}: name tables as <namespace>.<table>`, { table: name });
    }
    const full = ref.catalog_name
      ? `${ref.catalog_name}.${ref.schema_name}.${name}`
      : `${ref.schema_name}.${name}`;
    if (full.toLowerCase().startsWith(RESERVED_PREFIX)) refuse(`no table ${full}`, { table: full });
    references.push({ node: ref, name: full });
  };

  const checkExpression = (o: Record<string, unknown>, cls: string) => {
    if (!EXPRESSION_CLASSES.has(cls)) {
      refuse(
        cls === 'PARAMETER'
          ? 'prepared-statement parameters are not supported'
          : `${cls.toLowerCase()} expressions are not allowed`,
      );
    }
    if (cls === 'FUNCTION' || cls === 'WINDOW') {
      const name = lower(o['function_name']);
      // The parser itself writes `main.` before some functions (list and struct literals, TRIM,
      // EXTRACT…); no function can be created here, so `main.f` is the built-in `f`.
      if ((o['schema'] && lower(o['schema']) !== 'main') || o['catalog'])
        refuse(`function ${String(o['schema'])}.${String(o['function_name'])}() is not allowed`);
      if (!ALLOWED_FUNCTIONS.has(name))
        refuse(`function ${String(o['function_name'])}() is not allowed in governed queries`, {
          function: name,
        });
      if (o['export_state'] === true) refuse('EXPORT_STATE is not allowed');
    }
    if (cls === 'COLUMN_REF') {
      const names = o['column_names'];
      if (Array.isArray(names) && names.some((n) => lower(n).startsWith(RESERVED_PREFIX)))
        refuse(`names starting with ${RESERVED_PREFIX} are reserved`);
      if (Array.isArray(names) && names.length === 1 && VALUE_FUNCTION_NAMES.has(lower(names[0])))
        refuse(
          `${String(names[0])} is not allowed in governed queries (a column of that name must be qualified: t.${String(names[0])})`,
        );
    }
  };

  visit(root, new Set(), 0);
  return { references, root };
}

function walkTree(v: unknown, f: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(v)) for (const x of v) walkTree(x, f);
  else if (v !== null && typeof v === 'object') {
    f(v as Record<string, unknown>);
    for (const x of Object.values(v)) walkTree(x, f);
  }
}

/** Checks the SQL text before parsing (size and NUL bytes). */
export function checkSqlText(sql: string): void {
  if (typeof sql !== 'string' || sql.trim() === '') throw new UsageError('the query is empty');
  if (sql.length > MAX_SQL_LENGTH)
    refuse(`the query is ${sql.length} characters long; at most ${MAX_SQL_LENGTH} are accepted`);
  if (sql.includes('\u0000')) refuse('the query contains a NUL character');
}
