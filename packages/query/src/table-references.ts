/**
 * Finds and rewrites table references in DuckDB's own parse tree (`json_serialize_sql`). The tree
 * is parsed with the big-integer-safe JSON codec: DuckDB prints 63-bit literals (snapshot ids in
 * `AT (VERSION => …)`) as bare numbers.
 */
import { parseJson, quoteLiteral, stringifyJson, UsageError } from '@lakekit/core';
import type { Engine } from '@lakekit/iceberg';

/** A `BASE_TABLE` node of the parse tree. */
export interface TableRefNode {
  type: 'BASE_TABLE';
  catalog_name: string;
  schema_name: string;
  table_name: string;
  alias: string;
  at_clause: { unit: string; expr: Record<string, unknown> } | null;
  [key: string]: unknown;
}

/** A parsed statement list. */
export interface ParsedSql {
  statements: { node: Record<string, unknown> }[];
}

/** Parses SQL with DuckDB's parser; a syntax error is a UsageError with DuckDB's message. */
export async function parseSql(engine: Engine, sql: string): Promise<ParsedSql> {
  const rows = await engine.all(`SELECT CAST(json_serialize_sql(${quoteLiteral(sql)}) AS VARCHAR) AS j`);
  const tree = parseJson(String(rows[0]!['j'])) as { error: boolean; error_message?: string } & ParsedSql;
  if (tree.error) throw new UsageError(`invalid SQL: ${tree.error_message ?? 'parse error'}`);
  return tree;
}

/** Prints a (rewritten) parse tree back to SQL with DuckDB. */
export async function deparseSql(engine: Engine, tree: ParsedSql): Promise<string> {
  const json = stringifyJson({ error: false, ...tree });
  const rows = await engine.all(`SELECT json_deserialize_sql(json(${quoteLiteral(json)})) AS s`);
  return String(rows[0]!['s']);
}

/** Every BASE_TABLE node anywhere in the tree (FROM, joins, subqueries, CTEs, set operations). */
export function tableReferences(tree: unknown): TableRefNode[] {
  const out: TableRefNode[] = [];
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o['type'] === 'BASE_TABLE' && typeof o['table_name'] === 'string') out.push(o as TableRefNode);
      for (const x of Object.values(o)) visit(x);
    }
  };
  visit(tree);
  return out;
}

/** Names of the CTEs defined anywhere in the tree (references to them are not tables). */
export function cteNames(tree: unknown): Set<string> {
  const names = new Set<string>();
  const visit = (v: unknown) => {
    if (Array.isArray(v)) {
      for (const x of v) visit(x);
    } else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      const map = (o['cte_map'] as { map?: { key: string }[] } | undefined)?.map;
      if (Array.isArray(map)) for (const e of map) names.add(e.key);
      for (const x of Object.values(o)) visit(x);
    }
  };
  visit(tree);
  return names;
}
