/**
 * The command line's partitioning text, `--partition-by "day(created_at), bucket(16, id), region"`,
 * parsed into partition spec fields against a schema. It is user input, so every error is a
 * UsageError naming the column or transform at fault; the checks are Iceberg Java's (transform valid
 * for the source type, no duplicate or redundant fields, partition names unique and not shadowing
 * another column), so a spec we write is one Java and PyIceberg accept.
 *
 * Default names are those of Iceberg Java's `UpdatePartitionSpec` and PyIceberg (`_PartitionNameGenerator`):
 * identity → the column name, `<col>_year|_month|_day|_hour`, `<col>_bucket_<N>`, `<col>_trunc_<W>`,
 * `<col>_null`. (Java's `PartitionSpec.Builder` shorthand, used by Spark's CREATE TABLE, omits N and W:
 * `<col>_bucket`, `<col>_trunc`; names are free text, so either is valid.)
 */
import {
  formatPrimitiveType,
  type IcebergType,
  isPrimitive,
  type NestedField,
  type PrimitiveType,
  UsageError,
} from '@lakekit/core';
import type { Schema } from '../schema.js';
import { canTransform, formatTransform, type Transform, transformSourceTypesText } from './transforms.js';

/** One field of a partition spec: source column, partition field id, name and transform. */
export interface PartitionSpecField {
  readonly sourceId: number;
  readonly fieldId: number;
  readonly name: string;
  readonly transform: Transform;
  /** Type of the source column (convenience for writers; not part of the spec's JSON). */
  readonly sourceType: PrimitiveType;
}

const INT_MAX = 2 ** 31 - 1;

/** Transform names the text accepts (Spark's plural forms included) and the transform they mean. */
const FUNCTIONS: Record<string, Transform['kind']> = {
  identity: 'identity',
  year: 'year',
  years: 'year',
  month: 'month',
  months: 'month',
  day: 'day',
  days: 'day',
  hour: 'hour',
  hours: 'hour',
  bucket: 'bucket',
  truncate: 'truncate',
  void: 'void',
};

const TIME_KINDS = new Set<Transform['kind']>(['year', 'month', 'day', 'hour']);

/**
 * Parses partitioning text into spec fields, ids from `lastPartitionId + 1` (999 for a new table).
 * Terms are `col` or `identity(col)`, `year|month|day|hour(col)`, `bucket(N, col)`,
 * `truncate(W, col)` (also `(col, N)`), `void(col)`, each optionally followed by `AS name`; columns
 * may be "quoted" and nested struct fields dotted (`a.b`). Blank text means unpartitioned (`[]`).
 */
export function parsePartitionSpecText(
  text: string,
  schema: Schema,
  lastPartitionId = 999,
): PartitionSpecField[] {
  const terms = new Parser(text).parse();
  const out: PartitionSpecField[] = [];
  const names = new Map<string, string>();
  for (const term of terms) {
    const col = resolveColumn(schema, term.column, term.source);
    if (!isPrimitive(col.field.type)) {
      throw usage(
        `${term.source}: column "${col.name}" is a ${col.field.type.kind}; only primitive columns can be partitioned`,
        term.source,
      );
    }
    const sourceType = col.field.type;
    const transform = buildTransform(term);
    if (!canTransform(transform, sourceType)) {
      throw usage(
        `${term.source}: ${term.fn ?? 'identity'} accepts ${transformSourceTypesText(transform)} columns, ` +
          `but "${col.name}" is ${formatPrimitiveType(sourceType)}`,
        term.source,
      );
    }
    const name = term.alias ?? defaultPartitionFieldName(col.name, transform);
    if (name === '') throw usage(`${term.source}: the partition name is empty`, term.source);
    for (const prev of out) {
      if (prev.sourceId !== col.field.id) continue;
      const prevText = names.get(prev.name)!;
      if (formatTransform(prev.transform) === formatTransform(transform)) {
        throw usage(`${term.source} repeats ${prevText}`, term.source);
      }
      if (TIME_KINDS.has(prev.transform.kind) && TIME_KINDS.has(transform.kind)) {
        throw usage(
          `${term.source} and ${prevText} are redundant: use one time transform per column`,
          term.source,
        );
      }
    }
    if (names.has(name)) {
      throw usage(
        `${term.source}: partition name "${name}" is already used by ${names.get(name)!}`,
        term.source,
      );
    }
    const shadowed = findPath(schema.fields, name.split('.')) ?? findPath(schema.fields, [name]);
    if (shadowed && !(transform.kind === 'identity' && shadowed.id === col.field.id)) {
      throw usage(
        `${term.source}: partition name "${name}" is the name of a table column; choose another with AS`,
        term.source,
      );
    }
    names.set(name, term.source);
    out.push({
      sourceId: col.field.id,
      fieldId: lastPartitionId + out.length + 1,
      name,
      transform,
      sourceType,
    });
  }
  return out;
}

/** The default partition field name of a transform of `sourceName` (Java's UpdatePartitionSpec, PyIceberg). */
export function defaultPartitionFieldName(sourceName: string, t: Transform): string {
  switch (t.kind) {
    case 'identity':
      return sourceName;
    case 'bucket':
      return `${sourceName}_bucket_${t.numBuckets}`;
    case 'truncate':
      return `${sourceName}_trunc_${t.width}`;
    case 'void':
      return `${sourceName}_null`;
    default:
      return `${sourceName}_${t.kind}`;
  }
}

/** The spec's JSON of a partition field (`source-id`, `field-id`, `name`, `transform`). */
export function partitionFieldToJson(f: PartitionSpecField): Record<string, unknown> {
  return {
    'source-id': f.sourceId,
    'field-id': f.fieldId,
    name: f.name,
    transform: formatTransform(f.transform),
  };
}

interface Term {
  /** The term as typed, for messages. */
  readonly source: string;
  /** The function name as typed (lowercase), absent for a bare column. */
  readonly fn?: string;
  readonly column: readonly string[];
  readonly param?: number;
  readonly alias?: string;
}

function buildTransform(term: Term): Transform {
  const kind = term.fn === undefined ? 'identity' : FUNCTIONS[term.fn]!;
  if (kind === 'bucket' || kind === 'truncate') {
    const n = term.param;
    if (n === undefined || !Number.isInteger(n) || n < 1 || n > INT_MAX) {
      const what = kind === 'bucket' ? 'number of buckets' : 'width';
      throw usage(`${term.source}: the ${what} must be an integer from 1 to ${INT_MAX}`, term.source);
    }
    return kind === 'bucket' ? { kind, numBuckets: n } : { kind, width: n };
  }
  return { kind };
}

interface ResolvedColumn {
  readonly field: NestedField;
  /** Canonical dotted name from the schema. */
  readonly name: string;
}

function resolveColumn(schema: Schema, path: readonly string[], source: string): ResolvedColumn {
  const typed = path.join('.');
  // A top-level name that itself contains dots ("a.b" quoted) wins over a struct path.
  const candidates: (readonly string[])[] = path.length > 1 ? [path, [typed]] : [path];
  for (const exact of [true, false]) {
    for (const p of candidates) {
      const found = resolvePath(schema.fields, p, exact, source);
      if (found) return found;
    }
  }
  throw usage(`${source}: the table has no column "${typed}"`, source, typed);
}

function resolvePath(
  fields: readonly NestedField[],
  path: readonly string[],
  exact: boolean,
  source: string,
): ResolvedColumn | undefined {
  let current = fields;
  const names: string[] = [];
  let field: NestedField | undefined;
  for (const [i, part] of path.entries()) {
    if (field !== undefined) {
      const t: IcebergType = field.type;
      if (t.kind !== 'struct') {
        if (t.kind === 'list' || t.kind === 'map') {
          throw usage(
            `${source}: "${names.join('.')}" is a ${t.kind}; fields inside lists and maps cannot be partitioned`,
            source,
          );
        }
        return undefined;
      }
      current = t.fields;
    }
    field = current.find((f) => f.name === part);
    if (!field && !exact) {
      const matches = current.filter((f) => f.name.toLowerCase() === part.toLowerCase());
      if (matches.length > 1) {
        throw usage(
          `${source}: column "${path.slice(0, i + 1).join('.')}" is ambiguous (${matches.map((f) => `"${f.name}"`).join(', ')}); write it exactly`,
          source,
        );
      }
      field = matches[0];
    }
    if (!field) return undefined;
    names.push(field.name);
  }
  return field ? { field, name: names.join('.') } : undefined;
}

function findPath(fields: readonly NestedField[], path: readonly string[]): NestedField | undefined {
  let current = fields;
  let field: NestedField | undefined;
  for (const part of path) {
    if (field !== undefined) {
      if (field.type.kind !== 'struct') return undefined;
      current = field.type.fields;
    }
    field = current.find((f) => f.name === part);
    if (!field) return undefined;
  }
  return field;
}

function usage(message: string, term: string, column?: string): UsageError {
  return new UsageError(`--partition-by ${message}`, {
    context: { partitionField: term, ...(column !== undefined ? { column } : {}) },
  });
}

type Token =
  | { readonly kind: 'ident'; readonly text: string; readonly quoted: boolean; readonly at: number }
  | { readonly kind: 'number'; readonly text: string; readonly at: number }
  | { readonly kind: '(' | ')' | ',' | '.' | 'end'; readonly at: number };

/** A small recursive-descent parser over the tokens of the text. */
class Parser {
  private readonly tokens: Token[];
  private pos = 0;

  constructor(private readonly text: string) {
    this.tokens = tokenize(text);
  }

  parse(): Term[] {
    if (this.peek().kind === 'end') return [];
    const terms: Term[] = [this.term()];
    while (this.peek().kind === ',') {
      this.next();
      terms.push(this.term());
    }
    const end = this.peek();
    if (end.kind !== 'end') throw this.unexpected(end, 'a comma between partition fields');
    return terms;
  }

  private term(): Term {
    const start = this.peek().at;
    const first = this.next();
    if (first.kind !== 'ident') throw this.unexpected(first, 'a column or a transform such as day(col)');
    let fn: string | undefined;
    let column: string[];
    let param: number | undefined;
    if (this.peek().kind === '(' && !first.quoted) {
      fn = first.text.toLowerCase();
      if (FUNCTIONS[fn] === undefined) {
        throw usage(
          `unknown transform "${first.text}" (use identity, year, month, day, hour, bucket, truncate or void)`,
          first.text,
        );
      }
      this.next();
      const args: (string[] | number)[] = [this.arg()];
      while (this.peek().kind === ',') {
        this.next();
        args.push(this.arg());
      }
      const close = this.next();
      if (close.kind !== ')') throw this.unexpected(close, '")"');
      const source = this.text.slice(start, close.at + 1).trim();
      const cols = args.filter((a): a is string[] => Array.isArray(a));
      const nums = args.filter((a): a is number => typeof a === 'number');
      const needsParam = fn === 'bucket' || fn === 'truncate';
      if (cols.length !== 1 || nums.length !== (needsParam ? 1 : 0)) {
        const shape = needsParam ? `${fn}(N, column)` : `${fn}(column)`;
        throw usage(`${source}: expected ${shape}`, source);
      }
      column = cols[0]!;
      param = nums[0];
    } else {
      this.pos--;
      column = this.columnRef();
    }
    let end = this.tokens[this.pos - 1]!;
    let alias: string | undefined;
    const as = this.peek();
    if (as.kind === 'ident' && !as.quoted && as.text.toLowerCase() === 'as') {
      this.next();
      const name = this.next();
      if (name.kind !== 'ident') throw this.unexpected(name, 'a partition name after AS');
      alias = name.text;
      end = name;
    }
    const source = this.text.slice(start, end.at + tokenLength(this.text, end)).trim();
    return {
      source,
      column,
      ...(fn !== undefined ? { fn } : {}),
      ...(param !== undefined ? { param } : {}),
      ...(alias !== undefined ? { alias } : {}),
    };
  }

  private arg(): string[] | number {
    const t = this.peek();
    if (t.kind === 'number') {
      this.next();
      return Number(t.text);
    }
    return this.columnRef();
  }

  private columnRef(): string[] {
    const parts: string[] = [];
    for (;;) {
      const t = this.next();
      if (t.kind !== 'ident') throw this.unexpected(t, 'a column name');
      parts.push(t.text);
      if (this.peek().kind !== '.') return parts;
      this.next();
    }
  }

  private peek(): Token {
    return this.tokens[this.pos] ?? this.tokens[this.tokens.length - 1]!;
  }

  private next(): Token {
    const t = this.peek();
    if (this.pos < this.tokens.length) this.pos++;
    return t;
  }

  private unexpected(t: Token, expected: string): UsageError {
    const found =
      t.kind === 'end' ? 'the end' : `"${this.text.slice(t.at, t.at + tokenLength(this.text, t))}"`;
    return usage(`"${this.text}": expected ${expected} at position ${t.at + 1}, found ${found}`, this.text);
  }
}

const IDENT = /[\p{L}_][\p{L}\p{N}_$]*/uy;
const NUMBER = /[+-]?\d+(?:\.\d*)?(?:[eE][+-]?\d+)?/y;

function tokenize(text: string): Token[] {
  const tokens: Token[] = [];
  let i = 0;
  while (i < text.length) {
    const ch = text[i]!;
    if (/\s/u.test(ch)) {
      i++;
      continue;
    }
    if (ch === '(' || ch === ')' || ch === ',' || ch === '.') {
      tokens.push({ kind: ch, at: i });
      i++;
      continue;
    }
    if (ch === '"' || ch === '`') {
      // Quoted identifier; the quote character is escaped by doubling it.
      let j = i + 1;
      let name = '';
      for (;;) {
        if (j >= text.length) throw usage(`"${text}": unterminated quoted name at position ${i + 1}`, text);
        if (text[j] === ch) {
          if (text[j + 1] === ch) {
            name += ch;
            j += 2;
            continue;
          }
          break;
        }
        name += text[j]!;
        j++;
      }
      tokens.push({ kind: 'ident', text: name, quoted: true, at: i });
      i = j + 1;
      continue;
    }
    NUMBER.lastIndex = i;
    const num = /[\d+-]/.test(ch) ? NUMBER.exec(text) : null;
    if (num) {
      tokens.push({ kind: 'number', text: num[0], at: i });
      i += num[0].length;
      continue;
    }
    IDENT.lastIndex = i;
    const id = IDENT.exec(text);
    if (id) {
      tokens.push({ kind: 'ident', text: id[0], quoted: false, at: i });
      i += id[0].length;
      continue;
    }
    throw usage(`"${text}": unexpected "${ch}" at position ${i + 1}`, text);
  }
  tokens.push({ kind: 'end', at: text.length });
  return tokens;
}

/** Length of a token's text in the source (quoted names include their quotes and doubled quotes). */
function tokenLength(text: string, t: Token): number {
  if (t.kind === 'end') return 0;
  if (t.kind === 'number') return t.text.length;
  if (t.kind !== 'ident') return 1;
  if (!t.quoted) return t.text.length;
  const q = text[t.at]!;
  let j = t.at + 1;
  while (j < text.length) {
    if (text[j] === q) {
      if (text[j + 1] === q) {
        j += 2;
        continue;
      }
      return j + 1 - t.at;
    }
    j++;
  }
  return text.length - t.at;
}
