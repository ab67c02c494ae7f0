/**
 * Row-filter predicates: validated with DuckDB's own parser, and `principal.<attribute>` references
 * replaced by the caller's attribute values. (Being written: the bodies below are placeholders until
 * the implementation lands in this same session.)
 */
import type { Engine } from '@lakekit/iceberg';
import type { TableColumn } from './types.js';

/** A validated predicate: its normalised text and the principal attributes it uses. */
export interface ValidatedPredicate {
  normalized: string;
  attributes: string[];
}

/**
 * Accepts `predicate` only if it is one boolean SQL expression over `columns` and
 * `principal.<attribute>` references (no subqueries, no several statements, no comments that hide
 * text, no functions outside an allow-list); throws UsageError naming the problem otherwise.
 */
export async function validateRowFilterPredicate(
  _engine: Engine,
  _predicate: string,
  _columns: readonly TableColumn[],
): Promise<ValidatedPredicate> {
  throw new Error('validateRowFilterPredicate: not implemented yet');
}

/**
 * Replaces every `principal.<attribute>` outside string literals and quoted identifiers with the
 * attribute's value as a SQL string literal ('midwest'), or NULL when the principal lacks it.
 */
export function substituteAttributes(_predicate: string, _attributes: Readonly<Record<string, string>>): string {
  throw new Error('substituteAttributes: not implemented yet');
}
