/**
 * Data files grouped by how their nested columns are read. read_parquet resolves top-level columns by
 * field id but nested fields by name, so each file's nested columns are matched to the schema by field
 * id (nested-projection.ts): files whose nested names already are the schema's are read together as
 * they are — a flat table is one read_parquet, as it always was — and the others in groups of files
 * with the same nested names, each group requesting its files' names and renaming them by id. The
 * groups' reads are unioned (identical column names, order and types).
 */
import { isPrimitive, quoteIdent, quoteLiteral, toDuckDBType } from '@lakekit/core';
import type { Engine } from './duckdb-engine.js';
import { type NestedProjection, nestedProjection } from './nested-projection.js';
import { type ParquetNode, parquetTrees } from './parquet-trees.js';
import type { Schema } from './schema.js';

/** Files read with one read_parquet call. */
export interface ReadGroup {
  /** Local paths of the files. */
  readonly paths: readonly string[];
  /** The `schema = MAP {…}` argument of read_parquet for these files. */
  readonly map: string;
  /** SELECT list items giving the schema's columns, in order (quoted names when nothing is renamed). */
  readonly columns: readonly string[];
  /** True when the columns are the read columns as they are. */
  readonly plain: boolean;
  /**
   * True when every file names each read column as the schema does (same field id, same name):
   * then the files are read by name, without `schema = MAP` — which makes DuckDB's scans several
   * times slower (no join-filter pushdown) — and `columns` cast to the schema's types.
   */
  readonly byName?: boolean;
}

/** Whether reading `root` by column name reads the schema's columns by field id. */
function byNameSafe(root: ParquetNode | undefined, schema: Schema): boolean {
  if (!root) return false;
  return schema.fields.every((f) => {
    const named = root.children.filter((c) => c.name.toLowerCase() === f.name.toLowerCase());
    return named.length === 1 && named[0]!.fieldId === f.id && named[0]!.name === f.name;
  });
}

/** The `schema = MAP {…}` argument of read_parquet: columns by field id, nested ones as `readTypes` says. */
export function parquetSchemaMap(
  fields: Schema['fields'],
  readTypes: ReadonlyMap<number, string> = new Map(),
): string {
  return fields
    .map(
      (f) =>
        `${f.id}: {name: ${quoteLiteral(f.name)}, type: ${quoteLiteral(readTypes.get(f.id) ?? toDuckDBType(f.type))}, default_value: NULL}`,
    )
    .join(', ');
}

/** A group of files whose nested columns are read through `renamed` (by field id; empty: plain). */
function group(schema: Schema, paths: string[], renamed: ReadonlyMap<number, NestedProjection>): ReadGroup {
  const readTypes = new Map([...renamed].map(([id, p]) => [id, p.readType]));
  return {
    paths,
    map: parquetSchemaMap(schema.fields, readTypes),
    columns: schema.fields.map((f) => {
      const p = renamed.get(f.id);
      return p ? `${p.expr} AS ${quoteIdent(f.name)}` : quoteIdent(f.name);
    }),
    plain: renamed.size === 0,
  };
}

/**
 * Groups local data files by how their nested columns read under `schema` (see module comment);
 * `locations` name the files in errors. Files whose nested names match the schema come first.
 */
export async function readGroups(
  engine: Engine,
  paths: readonly string[],
  locations: readonly string[],
  schema: Schema,
): Promise<ReadGroup[]> {
  const nested = schema.fields.filter((f) => !isPrimitive(f.type));
  const trees = await parquetTrees(engine, paths);
  if (nested.length === 0) {
    const plain = group(schema, [...paths], new Map());
    if (!paths.every((p) => byNameSafe(trees.get(p), schema))) return [plain];
    return [
      {
        ...plain,
        byName: true,
        plain: false,
        columns: schema.fields.map(
          (f) => `CAST(${quoteIdent(f.name)} AS ${toDuckDBType(f.type)}) AS ${quoteIdent(f.name)}`,
        ),
      },
    ];
  }
  const byKey = new Map<string, { paths: string[]; renamed: Map<number, NestedProjection> }>([
    ['[]', { paths: [], renamed: new Map() }],
  ]);
  paths.forEach((p, i) => {
    const renamed = new Map<number, NestedProjection>();
    const root = trees.get(p);
    for (const f of nested) {
      const node = root?.children.find((c) => c.fieldId === f.id);
      if (!node) continue; // not in this file: read_parquet returns NULL
      const projection = nestedProjection(f.name, f.type, node, locations[i]!);
      if (!projection.byName) renamed.set(f.id, projection);
    }
    const key = JSON.stringify([...renamed].map(([id, r]) => [id, r.readType, r.expr]));
    const entry = byKey.get(key) ?? { paths: [], renamed };
    entry.paths.push(p);
    byKey.set(key, entry);
  });
  return [...byKey.values()].filter((g) => g.paths.length > 0).map((g) => group(schema, g.paths, g.renamed));
}

/**
 * A FROM item reading every group: read_parquet itself for one plain group, else a UNION ALL of the
 * groups' SELECTs. With `withRowIds`, rows also carry `__lk_fi`, the index of their file in the order
 * of `groups` (files in group order), and their position in it (`file_row_number`): integers, so
 * joins on them stay cheap.
 */
export function readGroupsFrom(groups: readonly ReadGroup[], withRowIds = false): string {
  let offset = 0;
  const reads = groups.map((g) => {
    const options = withRowIds ? 'file_row_number = true, ' : '';
    const files = `[${g.paths.map(quoteLiteral).join(', ')}]`;
    const read = g.byName
      ? `read_parquet(${files}, ${options}union_by_name = true)`
      : `read_parquet(${files}, ${options}schema = MAP {${g.map}})`;
    const ids = withRowIds ? [`CAST(file_index AS BIGINT) + ${offset} AS __lk_fi`, 'file_row_number'] : [];
    offset += g.paths.length;
    return { read, ids };
  });
  if (groups.length === 1 && groups[0]!.plain && !withRowIds) return reads[0]!.read;
  return `(${groups
    .map((g, i) => `SELECT ${[...g.columns, ...reads[i]!.ids].join(', ')} FROM ${reads[i]!.read}`)
    .join('\nUNION ALL\n')})`;
}

/** Local paths of the files in the order `readGroupsFrom` numbers them. */
export function groupedPaths(groups: readonly ReadGroup[]): string[] {
  return groups.flatMap((g) => g.paths);
}
