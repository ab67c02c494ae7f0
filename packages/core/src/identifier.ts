/** Table and namespace identifiers: `ns.table`, `a.b.table` (multi-level namespaces). */
import { UsageError } from './errors.js';

/** A table's place in the catalog. */
export interface TableIdentifier {
  readonly namespace: readonly string[];
  readonly name: string;
}

const PART = /^[A-Za-z_][A-Za-z0-9_$-]*$/;

/** Parses `ns.table` (the last part is the table name). */
export function parseTableIdentifier(text: string): TableIdentifier {
  const parts = text.split('.');
  if (parts.length < 2 || parts.some((p) => !PART.test(p))) {
    throw new UsageError(
      `invalid table name "${text}": expected <namespace>.<table>, each part letters, digits or _`,
      { context: { table: text } },
    );
  }
  return { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! };
}

/** Parses a namespace `a` or `a.b`. */
export function parseNamespace(text: string): string[] {
  const parts = text.split('.');
  if (parts.some((p) => !PART.test(p))) {
    throw new UsageError(`invalid namespace "${text}": each part letters, digits or _`, {
      context: { namespace: text },
    });
  }
  return parts;
}

/** `ns.table` */
export function formatTableIdentifier(id: TableIdentifier): string {
  return [...id.namespace, id.name].join('.');
}
