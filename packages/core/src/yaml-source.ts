/**
 * YAML files whose errors name their lines: the first syntax error becomes `file:line:column: invalid
 * YAML: …`, and `lineOf` finds the line of a key path for errors found later (schema validation).
 */
import { isNode, LineCounter, parseDocument } from 'yaml';
import { ConfigError } from './errors.js';

/** A path of keys and item indexes into a YAML document. */
export type YamlPath = readonly (string | number)[];

/** Parses `text` (read from `file`, as named in messages). */
export function parseYamlSource(
  text: string,
  file: string,
): { raw: unknown; lineOf: (path: YamlPath) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter, uniqueKeys: true });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `${file}:${pos.line}:${pos.col}` : file;
    const reason = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: invalid YAML: ${reason}`, {
      context: { file, line: pos?.line, column: pos?.col },
      cause: err,
    });
  }
  const lineOf = (path: YamlPath) => {
    // The key's own line, else its value's; a missing key is reported at its deepest parent.
    for (let n = path.length; n > 0; n--) {
      const parent = doc.getIn(path.slice(0, n - 1), true) as { items?: unknown[] } | undefined;
      const last = path[n - 1];
      if (typeof last === 'number') {
        const item = parent?.items?.[last];
        if (isNode(item) && item.range) return lineCounter.linePos(item.range[0]).line;
        continue;
      }
      const pair = (parent?.items as { key?: unknown }[] | undefined)?.find(
        (p) => isNode(p?.key) && String((p.key as { value?: unknown }).value) === last,
      );
      if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
    }
    return undefined;
  };
  return { raw: doc.toJS(), lineOf };
}
