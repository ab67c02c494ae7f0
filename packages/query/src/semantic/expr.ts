/**
 * SQL expressions written in semantic models (dimension and measure `expr`, measure `filter`): a
 * conservative check and the rewrite that qualifies their columns with the entity's alias.
 *
 * An expression is tokenized (strings, quoted identifiers, numbers, words, operators) and every word
 * is classified: a keyword, a function (a word before `(`, which must be an allowed scalar function
 * of governed queries), a type name (after `::` or `AS` in a cast), or a column of the entity. No
 * subqueries, clauses, comments, statement separators, aggregates or window functions are
 * accepted, and columns must exist. The governed engine's guard checks the final SQL again.
 */
import { quoteIdent } from '@lakekit/core';
import { ALLOWED_FUNCTIONS } from '../governed/guard.js';

/** A problem with a model expression (the loader turns it into a ConfigError naming the field). */
export class ExpressionError extends Error {}

interface Token {
  kind: 'string' | 'ident' | 'number' | 'word' | 'op';
  text: string;
  start: number;
  end: number;
}

const KEYWORDS = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'null',
  'like',
  'ilike',
  'glob',
  'similar',
  'escape',
  'between',
  'true',
  'false',
  'case',
  'when',
  'then',
  'else',
  'end',
  'as',
  'distinct',
  'to',
  'interval',
]);

/** Words that start a typed literal when a string follows: `DATE '2026-01-01'`. */
const TYPED_LITERALS = new Set(['date', 'timestamp', 'timestamptz', 'time', 'interval']);

/** Clauses and statements: an expression holding one is refused. */
const REFUSED_WORDS = new Set([
  'select',
  'from',
  'where',
  'with',
  'union',
  'intersect',
  'except',
  'join',
  'group',
  'order',
  'having',
  'limit',
  'offset',
  'over',
  'window',
  'filter',
  'within',
  'exists',
  'any',
  'all',
  'some',
  'lateral',
  'recursive',
  'qualify',
  'pivot',
  'unpivot',
  'using',
  'returning',
  'values',
  'table',
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

/** Aggregate and window functions: a measure's aggregation is its `agg`, never its expression. */
const AGGREGATES = new Set(
  `any_value approx_count_distinct approx_quantile arbitrary arg_max arg_min argmax argmin array_agg avg
  bit_and bit_or bit_xor bitstring_agg bool_and bool_or corr count count_if count_star countif
  covar_pop covar_samp entropy favg first fsum geomean geometric_mean group_concat histogram
  histogram_exact kahan_sum kurtosis kurtosis_pop last list listagg mad max max_by mean median min
  min_by mode product quantile quantile_cont quantile_disc regr_avgx regr_avgy regr_count
  regr_intercept regr_r2 regr_slope regr_sxx regr_sxy regr_syy sem skewness stddev stddev_pop
  stddev_samp string_agg sum sumkahan var_pop var_samp variance wavg weighted_avg json_group_array
  json_group_object cume_dist dense_rank first_value lag last_value lead nth_value ntile percent_rank
  rank rank_dense row_number fill arg_max_null arg_min_null arg_max_nulls_last arg_min_nulls_last`
    .split(/\s+/)
    .filter((w) => w !== ''),
);

const OPERATORS = ['::', '<=', '>=', '<>', '!=', '||', '=', '<', '>', '+', '-', '*', '/', '%', '(', ')', ','];

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (text.startsWith('--', i) || text.startsWith('/*', i))
      throw new ExpressionError('comments are not allowed in expressions');
    if (c === "'" || c === '"') {
      let j = i + 1;
      for (;;) {
        if (j >= text.length)
          throw new ExpressionError(`unterminated ${c === "'" ? 'string' : 'quoted name'}`);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            j += 2;
            continue;
          }
          break;
        }
        j++;
      }
      out.push({ kind: c === "'" ? 'string' : 'ident', text: text.slice(i, j + 1), start: i, end: j + 1 });
      i = j + 1;
      continue;
    }
    const num = /^(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      out.push({ kind: 'number', text: num[0], start: i, end: i + num[0].length });
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      out.push({ kind: 'word', text: word[0], start: i, end: i + word[0].length });
      i += word[0].length;
      continue;
    }
    const op = OPERATORS.find((o) => text.startsWith(o, i));
    if (!op) throw new ExpressionError(`unexpected character "${c}" at position ${i + 1}`);
    out.push({ kind: 'op', text: op, start: i, end: i + op.length });
    i += op.length;
  }
  return out;
}

/** A column reference found in an expression: where it is and its name (lower case). */
interface ColumnRef {
  name: string;
  start: number;
  end: number;
}

/** Classifies the tokens; returns the column references (positions in `text`). */
function columnRefs(text: string): ColumnRef[] {
  const tokens = tokenize(text);
  if (tokens.length === 0) throw new ExpressionError('the expression is empty');
  const refs: ColumnRef[] = [];
  let depth = 0;
  for (let i = 0; i < tokens.length; i++) {
    const t = tokens[i]!;
    const next = tokens[i + 1];
    if (t.kind === 'op') {
      if (t.text === '(') depth++;
      if (t.text === ')' && --depth < 0) throw new ExpressionError('unbalanced parentheses');
      if (t.text === '::') i = skipType(tokens, i + 1);
      continue;
    }
    if (t.kind === 'string' || t.kind === 'number') continue;
    if (t.kind === 'ident') {
      const name = t.text.slice(1, -1).replaceAll('""', '"');
      refs.push({ name: name.toLowerCase(), start: t.start, end: t.end });
      continue;
    }
    const w = t.text.toLowerCase();
    if (REFUSED_WORDS.has(w))
      throw new ExpressionError(
        `"${t.text}" is not allowed: an expression is a single value, without clauses`,
      );
    if (KEYWORDS.has(w) && w !== 'as') continue;
    if (next?.kind === 'op' && next.text === '(') {
      if (w === 'cast' || w === 'try_cast') continue;
      if (AGGREGATES.has(w))
        throw new ExpressionError(
          `aggregate and window functions such as ${t.text}() are not allowed here (a measure's aggregation is its agg)`,
        );
      if (!ALLOWED_FUNCTIONS.has(w)) throw new ExpressionError(`function ${t.text}() is not allowed`);
      continue;
    }
    if (w === 'as') {
      i = skipType(tokens, i + 1);
      continue;
    }
    if (TYPED_LITERALS.has(w) && next?.kind === 'string') continue;
    refs.push({ name: w, start: t.start, end: t.end });
  }
  if (depth !== 0) throw new ExpressionError('unbalanced parentheses');
  return refs;
}

/** Skips a type name (`DECIMAL(12, 2)`, `DOUBLE`) starting at `i`; returns the index of its last token. */
function skipType(tokens: readonly Token[], i: number): number {
  const t = tokens[i];
  if (t?.kind !== 'word') throw new ExpressionError('expected a type name');
  let j = i;
  if (tokens[j + 1]?.text === '(') {
    j += 2;
    while (tokens[j] && tokens[j]!.text !== ')') {
      if (tokens[j]!.kind !== 'number' && tokens[j]!.text !== ',')
        throw new ExpressionError('a type takes numbers only: DECIMAL(12, 2)');
      j++;
    }
    if (!tokens[j]) throw new ExpressionError('unbalanced parentheses');
  }
  return j;
}

/**
 * Checks an expression; `columns` (lower case) are the entity's columns, when known. Returns the
 * columns it reads.
 */
export function checkExpression(text: string, columns?: ReadonlySet<string>): string[] {
  const refs = columnRefs(text);
  if (columns) {
    for (const r of refs)
      if (!columns.has(r.name)) throw new ExpressionError(`column ${r.name} does not exist`);
  }
  return [...new Set(refs.map((r) => r.name))];
}

/** The expression with every column qualified by `alias`: `amount * 2` → `"orders"."amount" * 2`. */
export function qualifyExpression(text: string, alias: string): string {
  let out = '';
  let at = 0;
  for (const r of columnRefs(text)) {
    out += `${text.slice(at, r.start)}${quoteIdent(alias)}.${quoteIdent(r.name)}`;
    at = r.end;
  }
  return (out + text.slice(at)).trim();
}
