/**
 * The filter grammar of metric requests, metric `filter`s and synonym `filter`s (docs/semantic.md
 * has it in full):
 *
 *   filter     := or
 *   or         := and ("OR" and)*
 *   and        := not ("AND" not)*
 *   not        := "NOT" not | primary
 *   primary    := "(" filter ")" | synonym | period | predicate
 *   predicate  := operand ("=" | "!=" | "<>" | "<" | "<=" | ">" | ">=") operand
 *               | operand ["NOT"] "IN" "(" literal ("," literal)* ")"
 *               | dimension ["NOT"] "IN" period
 *               | operand ["NOT"] "BETWEEN" operand "AND" operand
 *               | operand ["NOT"] ("LIKE" | "ILIKE") string
 *               | operand "IS" ["NOT"] "NULL"
 *   operand    := dimension | literal
 *   dimension  := name ["." name ["." name]] | dimension synonym
 *   literal    := string | ["-"] number | "DATE" string | "TIMESTAMP" string | "TRUE" | "FALSE"
 *
 * A real tokenizer and recursive-descent parser read the text into a tree whose every dimension is
 * resolved against the model; SQL is printed from the tree only, with literals quoted by
 * `quoteLiteral`. No user text reaches the SQL unparsed.
 */
import { quoteLiteral } from '@lakekit/core';
import { type DimRef, formatDimRef, type ModelIndex } from './model-index.js';
import { dayAfter, describePeriod, isIsoDate, type Period, resolvePeriod } from './periods.js';
import type { Grain } from './types.js';

/** A problem in a filter, with its position (1-based character) in the text. */
export class FilterError extends Error {
  constructor(
    readonly reason: string,
    readonly position: number,
  ) {
    super(`at position ${position}: ${reason}`);
  }
}

export type Literal = { type: 'lit'; sql: string };
export type Operand = { type: 'dim'; ref: DimRef } | Literal;

/** A parsed filter. */
export type FilterNode =
  | { type: 'and' | 'or'; items: FilterNode[] }
  | { type: 'not'; item: FilterNode }
  | { type: 'cmp'; op: string; left: Operand; right: Operand }
  | { type: 'in'; not: boolean; operand: Operand; values: Literal[] }
  | { type: 'between'; not: boolean; operand: Operand; low: Operand; high: Operand }
  | { type: 'like'; not: boolean; ilike: boolean; operand: Operand; pattern: Literal }
  | { type: 'null'; not: boolean; operand: Operand }
  | { type: 'period'; not: boolean; dim: DimRef; period: Period }
  | { type: 'synonym'; phrase: string; node: FilterNode };

/** What a filter may use. */
export interface FilterContext {
  index: ModelIndex;
  /** Filter synonyms may be used (not inside a synonym's own filter). */
  synonyms: boolean;
  /** The time dimension a bare period (`last quarter` alone) applies to; throws an Error why none. */
  defaultTimeDimension?: () => DimRef;
}

interface Token {
  kind: 'word' | 'number' | 'string' | 'op' | 'end';
  text: string;
  /** Lower case (words). */
  lower: string;
  pos: number;
}

/** Words with a meaning in the grammar: they cannot name entities, dimensions or synonyms. */
export const FILTER_KEYWORDS: ReadonlySet<string> = new Set([
  'and',
  'or',
  'not',
  'in',
  'is',
  'null',
  'like',
  'ilike',
  'between',
  'true',
  'false',
  // Words that start a relative period.
  'today',
  'yesterday',
  'this',
  'current',
  'last',
  'previous',
  'prior',
  'past',
  'ytd',
  'qtd',
  'mtd',
  'wtd',
  'q1',
  'q2',
  'q3',
  'q4',
]);

const COMPARISONS = new Set(['=', '!=', '<>', '<', '<=', '>', '>=']);
const OPS = ['<=', '>=', '<>', '!=', '=', '<', '>', '(', ')', ',', '.', '-'];
const UNITS: Record<string, Grain> = {
  day: 'day',
  days: 'day',
  week: 'week',
  weeks: 'week',
  month: 'month',
  months: 'month',
  quarter: 'quarter',
  quarters: 'quarter',
  year: 'year',
  years: 'year',
};
const TO_DATE: Record<string, Grain> = { ytd: 'year', qtd: 'quarter', mtd: 'month', wtd: 'week' };

function tokenize(text: string): Token[] {
  const out: Token[] = [];
  let i = 0;
  const push = (kind: Token['kind'], t: string, pos: number) =>
    out.push({ kind, text: t, lower: t.toLowerCase(), pos: pos + 1 });
  while (i < text.length) {
    const c = text[i]!;
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    if (c === "'" || c === '"') {
      // A string in single or double quotes; the quote doubled stands for itself.
      let j = i + 1;
      let value = '';
      for (;;) {
        if (j >= text.length) throw new FilterError('the string is not closed', i + 1);
        if (text[j] === c) {
          if (text[j + 1] === c) {
            value += c;
            j += 2;
            continue;
          }
          break;
        }
        value += text[j];
        j++;
      }
      push('string', value, i);
      i = j + 1;
      continue;
    }
    const num = /^\d+(?:\.\d+)?(?:[eE][+-]?\d+)?/.exec(text.slice(i));
    if (num) {
      push('number', num[0], i);
      i += num[0].length;
      continue;
    }
    const word = /^[A-Za-z_][A-Za-z0-9_]*/.exec(text.slice(i));
    if (word) {
      push('word', word[0], i);
      i += word[0].length;
      continue;
    }
    const op = OPS.find((o) => text.startsWith(o, i));
    if (!op) throw new FilterError(`unexpected character "${c}"`, i + 1);
    push('op', op, i);
    i += op.length;
  }
  out.push({ kind: 'end', text: '', lower: '', pos: text.length + 1 });
  return out;
}

/** Parses a filter against a model; throws FilterError. */
export function parseFilter(text: string, ctx: FilterContext): FilterNode {
  return new Parser(tokenize(text), ctx).parse();
}

class Parser {
  private i = 0;

  constructor(
    private readonly tokens: Token[],
    private readonly ctx: FilterContext,
  ) {}

  parse(): FilterNode {
    if (this.peek().kind === 'end') throw this.error('the filter is empty');
    const node = this.or();
    if (this.peek().kind !== 'end') throw this.error(`unexpected "${this.peek().text}"`);
    return node;
  }

  private peek(k = 0): Token {
    return this.tokens[Math.min(this.i + k, this.tokens.length - 1)]!;
  }

  private next(): Token {
    const t = this.peek();
    if (t.kind !== 'end') this.i++;
    return t;
  }

  private isWord(w: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'word' && t.lower === w;
  }

  private isOp(o: string, k = 0): boolean {
    const t = this.peek(k);
    return t.kind === 'op' && t.text === o;
  }

  private error(reason: string, t: Token = this.peek()): FilterError {
    return new FilterError(reason, t.pos);
  }

  private expectOp(o: string): void {
    if (!this.isOp(o)) throw this.error(`expected "${o}"${this.peek().kind === 'end' ? ' at the end' : ''}`);
    this.next();
  }

  private or(): FilterNode {
    const items = [this.and()];
    while (this.isWord('or')) {
      this.next();
      items.push(this.and());
    }
    return items.length === 1 ? items[0]! : { type: 'or', items };
  }

  private and(): FilterNode {
    const items = [this.not()];
    while (this.isWord('and')) {
      this.next();
      items.push(this.not());
    }
    return items.length === 1 ? items[0]! : { type: 'and', items };
  }

  private not(): FilterNode {
    if (this.isWord('not')) {
      this.next();
      return { type: 'not', item: this.not() };
    }
    return this.primary();
  }

  /** Whether token `k` ahead ends a primary (so a synonym or bare period stands alone). */
  private endsPrimary(k: number): boolean {
    const t = this.peek(k);
    return (
      t.kind === 'end' ||
      (t.kind === 'op' && t.text === ')') ||
      (t.kind === 'word' && (t.lower === 'and' || t.lower === 'or'))
    );
  }

  private primary(): FilterNode {
    if (this.isOp('(')) {
      this.next();
      const inner = this.or();
      this.expectOp(')');
      return inner;
    }
    const synonym = this.matchSynonym((s) => s.filter !== undefined);
    if (synonym && this.endsPrimary(synonym.length)) {
      const start = this.peek();
      if (!this.ctx.synonyms)
        throw this.error(
          `synonym "${synonym.phrase}" cannot be used here (a synonym's filter may not use other synonyms)`,
          start,
        );
      this.i += synonym.length;
      const node = parseFilter(this.ctx.index.synonyms.get(synonym.phrase)!.filter!, {
        index: this.ctx.index,
        synonyms: false,
      });
      return { type: 'synonym', phrase: synonym.phrase, node };
    }
    const start = this.peek();
    const period = this.tryPeriod(true);
    if (period) {
      if (!this.ctx.defaultTimeDimension)
        throw this.error(
          `say which time dimension "${describePeriod(period)}" applies to, e.g. order_date in ${describePeriod(period)}`,
          start,
        );
      let dim: DimRef;
      try {
        dim = this.ctx.defaultTimeDimension();
      } catch (e) {
        throw this.error((e as Error).message, start);
      }
      return { type: 'period', not: false, dim, period };
    }
    return this.predicate();
  }

  private predicate(): FilterNode {
    const operand = this.operand();
    const t = this.peek();
    if (t.kind === 'op' && COMPARISONS.has(t.text)) {
      this.next();
      return { type: 'cmp', op: t.text === '!=' ? '<>' : t.text, left: operand, right: this.operand() };
    }
    if (this.isWord('is')) {
      this.next();
      const not = this.isWord('not');
      if (not) this.next();
      if (!this.isWord('null')) throw this.error('expected NULL after IS');
      this.next();
      return { type: 'null', not, operand };
    }
    const not = this.isWord('not');
    if (not) this.next();
    if (this.isWord('in')) {
      this.next();
      if (this.isOp('(')) {
        this.next();
        const values = [this.literal()];
        while (this.isOp(',')) {
          this.next();
          values.push(this.literal());
        }
        this.expectOp(')');
        return { type: 'in', not, operand, values };
      }
      const at = this.peek();
      const period = this.tryPeriod(false);
      if (!period) throw this.error('expected "(" or a period such as "last quarter" after IN', at);
      if (operand.type !== 'dim') throw this.error('a period applies to a time dimension', at);
      this.checkTime(operand.ref, at);
      return { type: 'period', not, dim: operand.ref, period };
    }
    if (this.isWord('between')) {
      this.next();
      const low = this.operand();
      if (!this.isWord('and')) throw this.error('expected AND in BETWEEN … AND …');
      this.next();
      return { type: 'between', not, operand, low, high: this.operand() };
    }
    if (this.isWord('like') || this.isWord('ilike')) {
      const ilike = this.next().lower === 'ilike';
      const p = this.peek();
      if (p.kind !== 'string') throw this.error('expected a string pattern after LIKE');
      this.next();
      return { type: 'like', not, ilike, operand, pattern: { type: 'lit', sql: quoteLiteral(p.text) } };
    }
    if (not) throw this.error('expected IN, BETWEEN or LIKE after NOT');
    throw this.error(
      t.kind === 'end'
        ? 'the condition is incomplete: expected a comparison (=, <, IN, BETWEEN, LIKE, IS NULL …)'
        : `expected a comparison (=, <, IN, BETWEEN, LIKE, IS NULL …), got "${t.text}"`,
    );
  }

  private checkTime(ref: DimRef, at: Token): void {
    const dim = this.ctx.index.dimension(ref.entity, ref.dimension);
    if (!dim?.time) throw this.error(`${formatDimRef(ref)} is not a time dimension`, at);
  }

  private operand(): Operand {
    const t = this.peek();
    if (
      t.kind === 'string' ||
      t.kind === 'number' ||
      this.isOp('-') ||
      this.isWord('true') ||
      this.isWord('false')
    )
      return this.literal();
    if ((this.isWord('date') || this.isWord('timestamp')) && this.peek(1).kind === 'string')
      return this.literal();
    const synonym = this.matchSynonym((s) => s.dimension !== undefined);
    if (synonym) {
      this.i += synonym.length;
      const target = this.ctx.index.synonyms.get(synonym.phrase)!.dimension!;
      return { type: 'dim', ref: this.ctx.index.resolveDimension(target.split('.')) };
    }
    const filterSynonym = this.matchSynonym((s) => s.filter !== undefined);
    if (filterSynonym)
      throw this.error(
        `"${filterSynonym.phrase}" stands for a filter (${this.ctx.index.synonyms.get(filterSynonym.phrase)!.filter}); use it alone, e.g. "${filterSynonym.phrase} and …"`,
      );
    if (t.kind !== 'word' || FILTER_KEYWORDS.has(t.lower))
      throw this.error(
        t.kind === 'end'
          ? 'expected a dimension or a value at the end'
          : `expected a dimension or a value, got "${t.text}"`,
      );
    const parts = [this.next().text];
    while (this.isOp('.')) {
      this.next();
      const w = this.next();
      if (w.kind !== 'word') throw this.error('expected a name after "."', w);
      parts.push(w.text);
    }
    try {
      return { type: 'dim', ref: this.ctx.index.resolveDimension(parts) };
    } catch (e) {
      throw this.error((e as Error).message, t);
    }
  }

  private literal(): Literal {
    const t = this.next();
    if (t.kind === 'string') return { type: 'lit', sql: quoteLiteral(t.text) };
    if (t.kind === 'number') return { type: 'lit', sql: t.text };
    if (t.kind === 'op' && t.text === '-') {
      const n = this.next();
      if (n.kind !== 'number') throw this.error('expected a number after "-"', n);
      return { type: 'lit', sql: `-${n.text}` };
    }
    if (t.kind === 'word' && (t.lower === 'true' || t.lower === 'false'))
      return { type: 'lit', sql: t.lower.toUpperCase() };
    if (t.kind === 'word' && (t.lower === 'date' || t.lower === 'timestamp')) {
      const s = this.next();
      if (s.kind !== 'string') throw this.error(`expected a quoted value after ${t.text}`, s);
      if (t.lower === 'date' && !isIsoDate(s.text))
        throw this.error(`"${s.text}" is not a date (YYYY-MM-DD)`, s);
      if (t.lower === 'timestamp' && !isTimestamp(s.text))
        throw this.error(`"${s.text}" is not a timestamp (YYYY-MM-DD HH:MM:SS)`, s);
      return { type: 'lit', sql: `${t.lower.toUpperCase()} ${quoteLiteral(s.text)}` };
    }
    throw this.error(
      t.kind === 'end' ? 'expected a value at the end' : `expected a value, got "${t.text}"`,
      t,
    );
  }

  /** The longest synonym (of the kind `accept` takes) whose words come next. */
  private matchSynonym(
    accept: (s: { filter?: string; dimension?: string }) => boolean,
  ): { phrase: string; length: number } | undefined {
    let best: { phrase: string; length: number } | undefined;
    for (const [phrase, s] of this.ctx.index.synonyms) {
      if (!accept(s)) continue;
      const words = phrase.split(' ');
      if (best && words.length <= best.length) continue;
      if (words.every((w, k) => this.peek(k).kind === 'word' && this.peek(k).lower === w))
        best = { phrase, length: words.length };
    }
    return best;
  }

  /** Reads a relative period if one comes next (else reads nothing). `bare`: not after IN. */
  private tryPeriod(bare: boolean): Period | undefined {
    const start = this.i;
    const t = this.peek();
    const unitAt = (k: number) => (this.peek(k).kind === 'word' ? UNITS[this.peek(k).lower] : undefined);
    const take = (n: number, p: Period) => {
      if (bare && !this.endsPrimary(n)) return undefined;
      this.i = start + n;
      return p;
    };
    if (t.kind === 'number') {
      if (/^\d{4}$/.test(t.text)) return take(1, { kind: 'year', year: Number(t.text) });
      return undefined;
    }
    if (t.kind !== 'word') return undefined;
    const w = t.lower;
    if (w === 'today' || w === 'yesterday') return take(1, { kind: w });
    if (TO_DATE[w]) return take(1, { kind: 'to_date', unit: TO_DATE[w]! });
    const unit = unitAt(0);
    if (unit && !t.lower.endsWith('s') && this.isWord('to', 1) && this.isWord('date', 2))
      return take(3, { kind: 'to_date', unit });
    if (w === 'this' || w === 'current') {
      const u = unitAt(1);
      if (!u) throw this.error(`expected day, week, month, quarter or year after ${t.text}`, this.peek(1));
      return take(2, { kind: 'this', unit: u });
    }
    if (w === 'last' || w === 'previous' || w === 'prior' || w === 'past') {
      const n = this.peek(1);
      if (n.kind === 'number') {
        const u = unitAt(2);
        if (!/^\d+$/.test(n.text) || Number(n.text) < 1 || Number(n.text) > 100_000)
          throw this.error(`expected a whole number of periods after ${t.text}`, n);
        if (!u)
          throw this.error(
            `expected days, weeks, months, quarters or years after ${t.text} ${n.text}`,
            this.peek(2),
          );
        return take(3, { kind: 'rolling', n: Number(n.text), unit: u });
      }
      const u = unitAt(1);
      if (!u || w === 'past')
        throw this.error(
          `expected a period after ${t.text}: e.g. ${t.text === 'past' ? 'past 30 days' : `${t.text} quarter, ${t.text} 30 days`}`,
          n,
        );
      return take(2, { kind: 'previous', unit: u });
    }
    const q = /^q([1-4])$/.exec(w);
    if (q) {
      const y = this.peek(1);
      if (y.kind === 'number' && /^\d{4}$/.test(y.text))
        return take(2, { kind: 'quarter', quarter: Number(q[1]), year: Number(y.text) });
      return take(1, { kind: 'quarter', quarter: Number(q[1]) });
    }
    return undefined;
  }
}

function isTimestamp(s: string): boolean {
  const m = /^(\d{4}-\d{2}-\d{2})(?:[ T]\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)?$/.exec(s);
  return m !== null && isIsoDate(m[1]!);
}

/** Every dimension a filter uses (synonyms' included), in order of first use. */
export function filterDimensions(node: FilterNode): DimRef[] {
  const out: DimRef[] = [];
  const add = (r: DimRef) => {
    if (!out.some((x) => formatDimRef(x) === formatDimRef(r))) out.push(r);
  };
  const operand = (o: Operand) => {
    if (o.type === 'dim') add(o.ref);
  };
  const visit = (n: FilterNode): void => {
    switch (n.type) {
      case 'and':
      case 'or':
        n.items.forEach(visit);
        return;
      case 'not':
        visit(n.item);
        return;
      case 'cmp':
        operand(n.left);
        operand(n.right);
        return;
      case 'in':
      case 'like':
      case 'null':
        operand(n.operand);
        return;
      case 'between':
        operand(n.operand);
        operand(n.low);
        operand(n.high);
        return;
      case 'period':
        add(n.dim);
        return;
      case 'synonym':
        visit(n.node);
        return;
    }
  };
  visit(node);
  return out;
}

/** How filters print: the SQL of each dimension, the as-of date, and where to note readings. */
export interface EmitContext {
  dimensionSql(ref: DimRef): string;
  asOf: string;
  /** Readings of business words and periods are appended here (each once). */
  notes?: string[];
}

/** The SQL of a parsed filter. */
export function filterSql(node: FilterNode, ctx: EmitContext): string {
  const note = (s: string) => {
    if (ctx.notes && !ctx.notes.includes(s)) ctx.notes.push(s);
  };
  const op = (o: Operand) => (o.type === 'dim' ? ctx.dimensionSql(o.ref) : o.sql);
  const emit = (n: FilterNode): string => {
    switch (n.type) {
      case 'and':
      case 'or':
        return `(${n.items.map(emit).join(n.type === 'and' ? ' AND ' : ' OR ')})`;
      case 'not':
        return `(NOT ${emit(n.item)})`;
      case 'cmp':
        return `${op(n.left)} ${n.op} ${op(n.right)}`;
      case 'in':
        return `${op(n.operand)}${n.not ? ' NOT' : ''} IN (${n.values.map((v) => v.sql).join(', ')})`;
      case 'between':
        return `${op(n.operand)}${n.not ? ' NOT' : ''} BETWEEN ${op(n.low)} AND ${op(n.high)}`;
      case 'like':
        return `${op(n.operand)}${n.not ? ' NOT' : ''} ${n.ilike ? 'ILIKE' : 'LIKE'} ${n.pattern.sql}`;
      case 'null':
        return `${op(n.operand)} IS${n.not ? ' NOT' : ''} NULL`;
      case 'period': {
        const range = resolvePeriod(n.period, ctx.asOf);
        note(
          `${describePeriod(n.period)} → ${formatDimRef(n.dim)} from ${range.start} to ${range.end} (as of ${ctx.asOf})`,
        );
        const x = ctx.dimensionSql(n.dim);
        const sql = `(${x} >= DATE ${quoteLiteral(range.start)} AND ${x} < DATE ${quoteLiteral(dayAfter(range.end))})`;
        return n.not ? `(NOT ${sql})` : sql;
      }
      case 'synonym': {
        const sql = emit(n.node);
        note(`${n.phrase} → ${sql}`);
        return sql;
      }
    }
  };
  return emit(node);
}
