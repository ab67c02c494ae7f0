/**
 * The Parquet schema trees of data files (every node's name, field id and children), from DuckDB's
 * `parquet_schema()`. Nested columns are read by matching these field ids to the table schema's,
 * because DuckDB itself matches nested fields by name. Data files are immutable, so trees are cached.
 */
import { quoteLiteral } from '@lakekit/core';
import type { Engine } from './duckdb-engine.js';

/** A node of a file's Parquet schema tree. */
export interface ParquetNode {
  readonly name: string;
  readonly fieldId?: number;
  readonly children: ParquetNode[];
}

/** Trees already read in this process, by local path. */
const cache = new Map<string, ParquetNode>();
const CACHE_LIMIT = 10_000;

/** Builds each file's tree from `parquet_schema()` rows (depth-first, with child counts). */
function build(rows: Record<string, unknown>[]): Map<string, ParquetNode> {
  const out = new Map<string, ParquetNode>();
  const stacks = new Map<string, { node: ParquetNode; left: number }[]>();
  for (const r of rows) {
    const file = String(r['file_name']);
    const node: ParquetNode = {
      name: String(r['name']),
      ...(r['field_id'] === null || r['field_id'] === undefined ? {} : { fieldId: Number(r['field_id']) }),
      children: [],
    };
    const stack = stacks.get(file) ?? [];
    stacks.set(file, stack);
    if (!out.has(file)) out.set(file, node);
    else {
      while (stack.length > 0 && stack[stack.length - 1]!.left === 0) stack.pop();
      const parent = stack[stack.length - 1];
      if (parent) {
        parent.node.children.push(node);
        parent.left--;
      }
    }
    const n = Number(r['num_children'] ?? 0);
    if (n > 0) stack.push({ node, left: n });
  }
  return out;
}

/** The schema tree (root: the file's message) of each local Parquet file. */
export async function parquetTrees(
  engine: Engine,
  paths: readonly string[],
): Promise<Map<string, ParquetNode>> {
  const todo = [...new Set(paths.filter((p) => !cache.has(p)))];
  if (todo.length > 0) {
    const rows = await engine.all(
      `SELECT file_name, name, field_id, num_children FROM parquet_schema([${todo.map(quoteLiteral).join(', ')}])`,
    );
    if (cache.size + todo.length > CACHE_LIMIT) cache.clear();
    for (const [p, tree] of build(rows)) cache.set(p, tree);
  }
  const out = new Map<string, ParquetNode>();
  for (const p of paths) {
    const tree = cache.get(p);
    if (tree) out.set(p, tree);
  }
  return out;
}
