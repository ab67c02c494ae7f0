/**
 * Row-filter predicates: validated with DuckDB's own parser, and `principal.<attribute>` references
 * replaced by the caller's attribute values.
 *
 * A predicate is accepted only when `SELECT * FROM t WHERE <predicate>` parses to exactly the tree of
 * `SELECT * FROM t WHERE true` but for its WHERE clause, when `SELECT * FROM t WHERE (<predicate>)`
 * gives the same WHERE clause (so text like `1=1) or (true` cannot reach outside the parentheses it
 * will be placed in), and when every node of that clause is on an allow-list.
 */
import { parseJson, quoteLiteral, stringifyJson, UsageError } from '@lakekit/core';
import type { Engine } from '@lakekit/iceberg';
import type { TableColumn } from './types.js';

/** A validated predicate: its normalised text and the principal attributes it uses. */
export interface ValidatedPredicate {
  normalized: string;
  attributes: string[];
}

const PREFIX = 'SELECT * FROM t WHERE ';
const MAX_LENGTH = 4000;

/** Scalar functions and operators (DuckDB's names in the parse tree) a predicate may call. */
const FUNCTIONS = new Set([
  '+',
  '-',
  '*',
  '/',
  '//',
  '%',
  '||',
  '~~',
  '!~~',
  '~~*',
  '!~~*',
  'lower',
  'lcase',
  'upper',
  'ucase',
  'trim',
  'ltrim',
  'rtrim',
  'coalesce',
  'ifnull',
  'nullif',
  'starts_with',
  'ends_with',
  'prefix',
  'suffix',
  'contains',
  'concat',
  'date_part',
  'datepart',
  'year',
  'month',
  'day',
  'date_trunc',
  'datetrunc',
  'abs',
  'round',
  'length',
  'len',
  'now',
  'today',
  'current_date',
]);

/** Operator node types (class OPERATOR) a predicate may use. */
const OPERATORS = new Set([
  'OPERATOR_NOT',
  'OPERATOR_IS_NULL',
  'OPERATOR_IS_NOT_NULL',
  'OPERATOR_COALESCE',
  'COMPARE_IN',
  'COMPARE_NOT_IN',
]);

/** Types a predicate may cast to (no nested types: their type_info could carry anything). */
const CAST_TYPES = new Set([
  'BOOLEAN',
  'TINYINT',
  'SMALLINT',
  'INTEGER',
  'BIGINT',
  'HUGEINT',
  'FLOAT',
  'DOUBLE',
  'DECIMAL',
  'VARCHAR',
  'DATE',
  'TIME',
  'TIMESTAMP',
  'TIMESTAMP WITH TIME ZONE',
  'UUID',
  'INTERVAL',
]);

/** Names DuckDB parses as column references but resolves to the current date and time. */
const SPECIAL_REFS = new Set(['current_date', 'current_timestamp', 'current_time']);

type Node = Record<string, unknown>;

function reject(predicate: string, why: string): never {
  throw new UsageError(`row filter ${JSON.stringify(predicate)} rejected: ${why}`, {
    context: { predicate },
  });
}

/** Removes source positions, which differ between otherwise equal trees. */
function withoutLocations(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(withoutLocations);
  if (v !== null && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v as Node)
        .filter(([k]) => k !== 'query_location')
        .map(([k, x]) => [k, withoutLocations(x)]),
    );
  }
  return v;
}

async function parse(engine: Engine, sql: string): Promise<Node> {
  const rows = await engine.all(`SELECT CAST(json_serialize_sql(${quoteLiteral(sql)}) AS VARCHAR) AS j`);
  return parseJson(String(rows[0]!['j'])) as Node;
}

/** The single statement of a parse result, without source positions; a rejection otherwise. */
function singleStatement(predicate: string, tree: Node): { node: Node } & Node {
  if (tree['error'] === true) {
    reject(predicate, `not valid SQL (${String(tree['error_message'] ?? 'parse error')})`);
  }
  const statements = tree['statements'] as Node[];
  if (statements.length !== 1) reject(predicate, 'it must be one expression, not several statements');
  return withoutLocations(statements[0]) as { node: Node } & Node;
}

/** A statement with its WHERE clause blanked out, as comparable text. */
function outsideWhere(statement: { node: Node }): string {
  return stringifyJson({ ...statement, node: { ...statement.node, where_clause: null } });
}

/** Lexical check before parsing: no comments (they can hide text from a reader of the policy). */
function checkLexically(predicate: string): void {
  for (const t of tokens(predicate)) {
    if (t.kind === 'comment') reject(predicate, 'comments are not allowed');
  }
}

/**
 * Accepts `predicate` only if it is one boolean SQL expression over `columns` and
 * `principal.<attribute>` references (no subqueries, no several statements, no comments that hide
 * text, no functions outside an allow-list); throws UsageError naming the problem otherwise.
 */
export async function validateRowFilterPredicate(
  engine: Engine,
  predicate: string,
  columns: readonly TableColumn[],
): Promise<ValidatedPredicate> {
  const text = predicate.trim();
  if (text === '') reject(predicate, 'it is empty');
  if (text.length > MAX_LENGTH) reject(predicate, `longer than ${MAX_LENGTH} characters`);
  checkLexically(text);

  const [bare, wrapped, baseline] = await Promise.all([
    parse(engine, `${PREFIX}${text}`),
    parse(engine, `${PREFIX}(${text})`),
    parse(engine, `${PREFIX}true`),
  ]);
  const statement = singleStatement(text, bare);
  if (outsideWhere(statement) !== outsideWhere(singleStatement(text, baseline))) {
    reject(text, 'it reaches beyond the WHERE clause (ORDER BY, LIMIT, GROUP BY, parameters, …)');
  }
  const where = statement.node['where_clause'];
  if (stringifyJson(where) !== stringifyJson(singleStatement(text, wrapped).node['where_clause'])) {
    reject(text, 'it does not stay one expression when placed in parentheses');
  }

  const known = new Map(columns.map((c) => [c.name.toLowerCase(), c.name]));
  const attributes = new Set<string>();
  const visit = (v: unknown): void => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
      return;
    }
    if (v === null || typeof v !== 'object') return;
    const n = v as Node;
    if (typeof n['class'] === 'string') checkNode(text, n, known, attributes);
    for (const x of Object.values(n)) visit(x);
  };
  visit(where);

  return { normalized: await normalizePredicate(engine, text), attributes: [...attributes].sort() };
}

/**
 * A predicate as DuckDB prints it back from its parse tree (the form stored); the trimmed input when
 * DuckDB cannot parse or print it.
 */
export async function normalizePredicate(engine: Engine, predicate: string): Promise<string> {
  const text = predicate.trim();
  try {
    const rows = await engine.all(
      `SELECT json_deserialize_sql(json_serialize_sql(${quoteLiteral(`${PREFIX}${text}`)})) AS s`,
    );
    const printed = String(rows[0]!['s']);
    return printed.startsWith(PREFIX) ? printed.slice(PREFIX.length) : text;
  } catch {
    return text;
  }
}

/** Checks one expression node of the WHERE clause against the allow-list. */
function checkNode(predicate: string, n: Node, known: Map<string, string>, attributes: Set<string>): void {
  const cls = n['class'] as string;
  const type = String(n['type']);
  switch (cls) {
    case 'CONJUNCTION':
    case 'COMPARISON':
    case 'BETWEEN':
    case 'CONSTANT':
    case 'CASE':
      return;
    case 'OPERATOR':
      if (!OPERATORS.has(type)) reject(predicate, `operator ${type} is not allowed`);
      return;
    case 'CAST': {
      const castType = n['cast_type'] as { id: string; type_info: Node | null };
      const simple =
        CAST_TYPES.has(castType.id) &&
        (castType.type_info === null || castType.type_info['type'] === 'DECIMAL_TYPE_INFO');
      if (!simple) reject(predicate, `cast to ${castType.id} is not allowed (only simple types)`);
      return;
    }
    case 'COLUMN_REF': {
      const names = n['column_names'] as string[];
      if (names.length === 2 && names[0]!.toLowerCase() === 'principal') {
        attributes.add(names[1]!);
        return;
      }
      if (names.length === 1) {
        const name = names[0]!.toLowerCase();
        if (known.has(name) || SPECIAL_REFS.has(name)) return;
        reject(predicate, `unknown column ${names[0]} (columns: ${[...known.values()].join(', ')})`);
      }
      reject(
        predicate,
        `reference ${names.join('.')} is neither a column of the table nor principal.<attribute>`,
      );
      break;
    }
    case 'FUNCTION': {
      const name = String(n['function_name']).toLowerCase();
      // TRIM(x) parses with schema `main`, DuckDB's default schema, where the built-ins live.
      if ((n['schema'] !== '' && n['schema'] !== 'main') || (n['catalog'] ?? '') !== '') {
        reject(predicate, `function ${String(n['schema'])}.${name} is not allowed`);
      }
      if (!FUNCTIONS.has(name)) reject(predicate, `function ${name} is not allowed`);
      const orders = (n['order_bys'] as { orders?: unknown[] } | null)?.orders ?? [];
      if (n['filter'] !== null || orders.length > 0 || n['distinct'] === true || n['export_state'] === true) {
        reject(predicate, `aggregate forms of ${name} (FILTER, ORDER BY, DISTINCT) are not allowed`);
      }
      return;
    }
    case 'SUBQUERY':
      reject(predicate, 'subqueries are not allowed');
      break;
    case 'WINDOW':
      reject(predicate, 'window functions are not allowed');
      break;
    default:
      reject(predicate, `${cls.toLowerCase()} expressions (${type}) are not allowed`);
  }
}

/** A lexical piece of SQL text, as far as substitution and comment detection need it. */
interface Token {
  kind: 'string' | 'quoted' | 'comment' | 'word' | 'other';
  start: number;
  end: number;
}

/** Splits SQL text into string literals (incl. E'…' and $tag$…$tag$), quoted identifiers, comments, words. */
function tokens(sql: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  while (i < sql.length) {
    const c = sql[i]!;
    const start = i;
    if (c === "'" || ((c === 'e' || c === 'E') && sql[i + 1] === "'" && !/[\w$]/.test(sql[i - 1] ?? ''))) {
      const escapes = c !== "'";
      i += escapes ? 2 : 1;
      while (i < sql.length) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      out.push({ kind: 'string', start, end: ++i });
    } else if (c === '"') {
      i++;
      while (i < sql.length && !(sql[i] === '"' && sql[i + 1] !== '"')) i += sql[i] === '"' ? 2 : 1;
      out.push({ kind: 'quoted', start, end: ++i });
    } else if (c === '$' && /^\$[A-Za-z_]*\$/.test(sql.slice(i))) {
      const tag = /^\$[A-Za-z_]*\$/.exec(sql.slice(i))![0];
      const close = sql.indexOf(tag, i + tag.length);
      i = close < 0 ? sql.length : close + tag.length;
      out.push({ kind: 'string', start, end: i });
    } else if (sql.startsWith('--', i)) {
      const nl = sql.indexOf('\n', i);
      i = nl < 0 ? sql.length : nl;
      out.push({ kind: 'comment', start, end: i });
    } else if (sql.startsWith('/*', i)) {
      const close = sql.indexOf('*/', i + 2);
      i = close < 0 ? sql.length : close + 2;
      out.push({ kind: 'comment', start, end: i });
    } else if (/[A-Za-z_]/.test(c)) {
      while (i < sql.length && /[\w$]/.test(sql[i]!)) i++;
      out.push({ kind: 'word', start, end: i });
    } else {
      out.push({ kind: 'other', start, end: ++i });
    }
  }
  return out;
}

/**
 * Replaces every `principal.<attribute>` outside string literals and quoted identifiers with the
 * attribute's value as a SQL string literal ('midwest'), or NULL when the principal lacks it.
 */
export function substituteAttributes(
  predicate: string,
  attributes: Readonly<Record<string, string>>,
): string {
  const ts = tokens(predicate);
  const significant = (k: number) => {
    while (k < ts.length && ts[k]!.kind === 'other' && /\s/.test(predicate[ts[k]!.start]!)) k++;
    return k;
  };
  let out = '';
  let copied = 0;
  for (let k = 0; k < ts.length; k++) {
    const t = ts[k]!;
    if (t.kind !== 'word' || predicate.slice(t.start, t.end).toLowerCase() !== 'principal') continue;
    // Not the last part of a longer dotted name (`x.principal.region`).
    const before = predicate.slice(0, t.start).trimEnd();
    if (before.endsWith('.')) continue;
    const dot = significant(k + 1);
    if (ts[dot]?.kind !== 'other' || predicate[ts[dot]!.start] !== '.') continue;
    const nameAt = significant(dot + 1);
    const nameToken = ts[nameAt];
    if (!nameToken || (nameToken.kind !== 'word' && nameToken.kind !== 'quoted')) continue;
    const raw = predicate.slice(nameToken.start, nameToken.end);
    const name = nameToken.kind === 'quoted' ? raw.slice(1, -1).replaceAll('""', '"') : raw;
    const value = Object.hasOwn(attributes, name) ? attributes[name] : undefined;
    out += predicate.slice(copied, t.start) + (value === undefined ? 'NULL' : quoteLiteral(value));
    copied = nameToken.end;
    k = nameAt;
  }
  return out + predicate.slice(copied);
}
