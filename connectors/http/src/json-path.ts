/**
 * A tiny JSONPath evaluator for locating records and next-page cursors in API responses: `$`,
 * `.name`, `['name']`, `[0]`, `[*]` and `.*`. Filters, slices and recursive descent are not needed
 * for this and are rejected.
 */
import { ConfigError } from '@lakekit/core';

/** One step of a parsed path. */
export type JsonPathStep =
  | { readonly kind: 'key'; readonly key: string }
  | { readonly kind: 'index'; readonly index: number }
  | { readonly kind: 'wildcard' };

/** Parses `$.a.b`, `$['a'][0]`, `$.a[*].b`; a ConfigError names the path when it is not one. */
export function parseJsonPath(path: string): JsonPathStep[] {
  const text = path.trim();
  const fail = (why: string): never => {
    throw new ConfigError(`invalid JSON path "${path}": ${why} (supported: $, .name, ['name'], [0], [*])`, {
      context: { path },
    });
  };
  if (!text.startsWith('$')) fail('it must start with $');
  const steps: JsonPathStep[] = [];
  let i = 1;
  while (i < text.length) {
    const c = text[i];
    if (c === '.') {
      if (text[i + 1] === '.') fail('recursive descent (..) is not supported');
      const m = /^(\*|[^.[\]\s]+)/.exec(text.slice(i + 1));
      if (!m) fail(`expected a name after "." at position ${i + 1}`);
      steps.push(m![1] === '*' ? { kind: 'wildcard' } : { kind: 'key', key: m![1]! });
      i += 1 + m![1]!.length;
    } else if (c === '[') {
      const rest = text.slice(i);
      const m = /^\[\s*(?:(\*)|(-?\d+)|'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")\s*\]/.exec(rest);
      if (!m) fail(`unsupported selector at position ${i + 1}`);
      if (m![1]) steps.push({ kind: 'wildcard' });
      else if (m![2] !== undefined) steps.push({ kind: 'index', index: Number(m![2]) });
      else steps.push({ kind: 'key', key: (m![3] ?? m![4]!).replace(/\\(.)/g, '$1') });
      i += m![0].length;
    } else {
      fail(`unexpected "${c}" at position ${i + 1}`);
    }
  }
  return steps;
}

/** Every value the path selects in `root` (an empty list when nothing matches). */
export function evaluateJsonPath(steps: readonly JsonPathStep[], root: unknown): unknown[] {
  let current: unknown[] = [root];
  for (const step of steps) {
    const next: unknown[] = [];
    for (const v of current) {
      if (v === null || typeof v !== 'object') continue;
      if (step.kind === 'wildcard') {
        next.push(...(Array.isArray(v) ? v : Object.values(v)));
      } else if (step.kind === 'index') {
        if (!Array.isArray(v)) continue;
        const at = step.index < 0 ? v.length + step.index : step.index;
        if (at >= 0 && at < v.length) next.push(v[at]);
      } else if (!Array.isArray(v) && Object.hasOwn(v, step.key)) {
        next.push((v as Record<string, unknown>)[step.key]);
      }
    }
    current = next;
  }
  return current;
}

/** Whether the path can select more than one value. */
export function hasWildcard(steps: readonly JsonPathStep[]): boolean {
  return steps.some((s) => s.kind === 'wildcard');
}
