/**
 * Row filters for scan planning: a small boolean expression tree over columns (by field id) and
 * literal values in the JS value convention of conversions.ts. Planning only asks "might a file
 * hold a matching row?", so every evaluation is conservative: unknown means yes.
 */

/** A comparison operator. */
export type CompareOp = 'eq' | 'neq' | 'lt' | 'lte' | 'gt' | 'gte';

/** A filter expression. */
export type Expression =
  | { readonly op: 'true' }
  | { readonly op: 'false' }
  | { readonly op: 'and' | 'or'; readonly args: readonly Expression[] }
  | { readonly op: 'not'; readonly arg: Expression }
  | { readonly op: CompareOp; readonly fieldId: number; readonly value: unknown }
  | { readonly op: 'in'; readonly fieldId: number; readonly values: readonly unknown[] }
  | { readonly op: 'isNull' | 'notNull'; readonly fieldId: number };

const NEGATE: Record<CompareOp, CompareOp> = {
  eq: 'neq',
  neq: 'eq',
  lt: 'gte',
  lte: 'gt',
  gt: 'lte',
  gte: 'lt',
};

/** Pushes NOT down to the leaves (NOT of IN stays as NOT, which planning treats as "might match"). */
export function rewriteNot(e: Expression, negate = false): Expression {
  switch (e.op) {
    case 'true':
      return negate ? { op: 'false' } : e;
    case 'false':
      return negate ? { op: 'true' } : e;
    case 'not':
      return rewriteNot(e.arg, !negate);
    case 'and':
    case 'or': {
      const op = negate ? (e.op === 'and' ? 'or' : 'and') : e.op;
      return { op, args: e.args.map((a) => rewriteNot(a, negate)) };
    }
    case 'isNull':
      return negate ? { op: 'notNull', fieldId: e.fieldId } : e;
    case 'notNull':
      return negate ? { op: 'isNull', fieldId: e.fieldId } : e;
    case 'in':
      return negate ? { op: 'not', arg: e } : e;
    default:
      return negate ? { op: NEGATE[e.op], fieldId: e.fieldId, value: e.value } : e;
  }
}

/** AND of several expressions (true when empty). */
export function and(...args: Expression[]): Expression {
  const kept = args.filter((a) => a.op !== 'true');
  if (kept.some((a) => a.op === 'false')) return { op: 'false' };
  if (kept.length === 0) return { op: 'true' };
  return kept.length === 1 ? kept[0]! : { op: 'and', args: kept };
}

/** A leaf of an expression: a predicate on one column. */
export type LeafExpression = Extract<Expression, { fieldId: number }>;

/**
 * "Might rows match?" over an expression with NOT already pushed down (see rewriteNot): AND/OR
 * combine the leaves' answers, a remaining NOT (of IN) is "might".
 */
export function mightMatch(e: Expression, leaf: (e: LeafExpression) => boolean): boolean {
  switch (e.op) {
    case 'true':
      return true;
    case 'false':
      return false;
    case 'and':
      return e.args.every((a) => mightMatch(a, leaf));
    case 'or':
      return e.args.some((a) => mightMatch(a, leaf));
    case 'not':
      return true;
    default:
      return leaf(e);
  }
}
