/**
 * Expressions of derived metrics: arithmetic over other metrics by name.
 *
 *   expr   := term (("+" | "-") term)*
 *   term   := factor (("*" | "/") factor)*
 *   factor := number | metric_name | "(" expr ")" | "-" factor
 *
 * Division by zero gives NULL (`x / NULLIF(y, 0)`).
 */

export type ArithNode =
  | { type: 'num'; text: string }
  | { type: 'metric'; name: string }
  | { type: 'neg'; item: ArithNode }
  | { type: 'bin'; op: '+' | '-' | '*' | '/'; left: ArithNode; right: ArithNode };

/** Parses a derived metric's expression; throws an Error naming the problem. */
export function parseDerived(text: string): ArithNode {
  const tokens =
    text.match(/\s+|\d+(?:\.\d+)?|[a-z][a-z0-9_]*|[-+*/()]|./gi)?.filter((t) => !/^\s+$/.test(t)) ?? [];
  let i = 0;
  const peek = () => tokens[i];
  const expr = (): ArithNode => {
    let left = term();
    while (peek() === '+' || peek() === '-') {
      const op = tokens[i++] as '+' | '-';
      left = { type: 'bin', op, left, right: term() };
    }
    return left;
  };
  const term = (): ArithNode => {
    let left = factor();
    while (peek() === '*' || peek() === '/') {
      const op = tokens[i++] as '*' | '/';
      left = { type: 'bin', op, left, right: factor() };
    }
    return left;
  };
  const factor = (): ArithNode => {
    const t = tokens[i++];
    if (t === undefined) throw new Error('the expression ends too early');
    if (t === '-') return { type: 'neg', item: factor() };
    if (t === '(') {
      const inner = expr();
      if (tokens[i++] !== ')') throw new Error('expected )');
      return inner;
    }
    if (/^\d/.test(t)) return { type: 'num', text: t };
    if (/^[a-z][a-z0-9_]*$/i.test(t)) return { type: 'metric', name: t.toLowerCase() };
    throw new Error(`unexpected "${t}"`);
  };
  if (tokens.length === 0) throw new Error('the expression is empty');
  const node = expr();
  if (i < tokens.length) throw new Error(`unexpected "${tokens[i]}"`);
  return node;
}

/** The metric names an expression uses, in order of first use. */
export function derivedMetricNames(node: ArithNode): string[] {
  const out: string[] = [];
  const visit = (n: ArithNode) => {
    if (n.type === 'metric') {
      if (!out.includes(n.name)) out.push(n.name);
    } else if (n.type === 'neg') visit(n.item);
    else if (n.type === 'bin') {
      visit(n.left);
      visit(n.right);
    }
  };
  visit(node);
  return out;
}

/** SQL for an expression; `metricSql` gives each metric's SQL. */
export function derivedSql(node: ArithNode, metricSql: (name: string) => string): string {
  switch (node.type) {
    case 'num':
      return node.text;
    case 'metric':
      return `(${metricSql(node.name)})`;
    case 'neg':
      return `(-${derivedSql(node.item, metricSql)})`;
    case 'bin': {
      const l = derivedSql(node.left, metricSql);
      const r = derivedSql(node.right, metricSql);
      return node.op === '/' ? `(${l} / NULLIF(${r}, 0))` : `(${l} ${node.op} ${r})`;
    }
  }
}
