/**
 * Reading a nested column **by field id** although DuckDB matches nested fields by name: in
 * `read_parquet(…, schema = MAP {…})` a STRUCT/LIST/MAP column is read whole and CAST to the requested
 * type, struct fields matched by name (ignoring case). So one file's column is requested with the
 * FILE's field names (and the schema's types, so promotions still cast), and then renamed by field id
 * with SQL: `struct_pack(name := struct_extract(col, 'name in file'), …)` for structs (a field the
 * file lacks is a typed NULL), `list_transform` for lists, `map_from_entries(list_transform(
 * map_entries(…)))` for maps, a NULL struct staying NULL. Where the file's names already are the
 * schema's (by-name equals by-id) nothing is renamed: the column reads with the schema's type.
 */
import {
  type IcebergType,
  isPrimitive,
  quoteIdent,
  quoteLiteral,
  toDuckDBType,
  UnsupportedError,
} from '@lakekit/core';
import type { ParquetNode } from './parquet-trees.js';

/** How one file's nested column is read: the type to request, and the expression over it. */
export interface NestedProjection {
  /** The DuckDB type to request from read_parquet (the file's field names, the schema's types). */
  readonly readType: string;
  /** The expression giving the schema's type, by field id (`ref` = the column as read). */
  readonly expr: string;
  /** True when reading with the schema's own type (by name) already equals reading by id. */
  readonly byName: boolean;
}

/** Where a column is, for errors. */
interface Where {
  readonly path: string;
  readonly file: string;
}

function refuse(where: Where, why: string): never {
  throw new UnsupportedError(`column ${where.path} of data file ${where.file}: ${why}`, {
    context: { file: where.file, column: where.path },
  });
}

/**
 * The element node of a Parquet list: `list.element` (3-level), or the repeated field itself in the
 * legacy 2-level forms (a primitive, a group of several fields, or one named `array` / `<list>_tuple`).
 */
function listElement(node: ParquetNode): ParquetNode | undefined {
  const repeated = node.children[0];
  if (!repeated) return undefined;
  const legacy =
    repeated.children.length !== 1 || repeated.name === 'array' || repeated.name === `${node.name}_tuple`;
  return legacy ? repeated : repeated.children[0];
}

/** The projection of a value of `type` stored as `node`; `ref` is its SQL, `depth` names lambdas. */
function project(
  type: IcebergType,
  node: ParquetNode,
  ref: string,
  depth: number,
  where: Where,
): NestedProjection {
  if (isPrimitive(type)) return { readType: toDuckDBType(type), expr: ref, byName: true };
  const same = { readType: toDuckDBType(type), expr: ref, byName: true };
  if (type.kind === 'struct') {
    if (node.children.length === 0) refuse(where, 'it is not a struct in this file');
    const lower = node.children.map((c) => c.name.toLowerCase());
    if (new Set(lower).size !== lower.length) {
      refuse(
        where,
        'its fields in this file have names that differ only in case, which DuckDB cannot tell apart',
      );
    }
    let byName = true;
    const reads: string[] = [];
    const packs: string[] = [];
    for (const f of type.fields) {
      const child = node.children.find((c) => c.fieldId === f.id);
      const namesake = node.children.find((c) => c.name.toLowerCase() === f.name.toLowerCase());
      if (child !== namesake) byName = false;
      if (!child) {
        packs.push(`${quoteIdent(f.name)} := CAST(NULL AS ${toDuckDBType(f.type)})`);
        continue;
      }
      const at = { ...where, path: `${where.path}.${f.name}` };
      const sub = project(f.type, child, `struct_extract(${ref}, ${quoteLiteral(child.name)})`, depth, at);
      byName &&= sub.byName;
      reads.push(`${quoteIdent(child.name)} ${sub.readType}`);
      packs.push(`${quoteIdent(f.name)} := ${sub.expr}`);
    }
    // DuckDB refuses a struct cast without a common field: with none, only the struct's nullness is read.
    if (reads.length === 0) byName = false;
    if (byName) return same;
    return {
      readType: reads.length > 0 ? `STRUCT(${reads.join(', ')})` : 'VARCHAR',
      expr: `CASE WHEN ${ref} IS NULL THEN NULL ELSE struct_pack(${packs.join(', ')}) END`,
      byName: false,
    };
  }
  const v = `__lk_v${depth}`;
  if (type.kind === 'list') {
    const element = listElement(node);
    if (!element) refuse(where, 'it is not a list in this file');
    const sub = project(type.element, element, v, depth + 1, { ...where, path: `${where.path}.element` });
    if (sub.byName) return same;
    return {
      readType: `${sub.readType}[]`,
      expr: `list_transform(${ref}, lambda ${v}: ${sub.expr})`,
      byName: false,
    };
  }
  const [key, value] = node.children[0]?.children ?? [];
  if (!key || !value) refuse(where, 'it is not a map in this file');
  const k = project(type.key, key, `struct_extract(${v}, 'key')`, depth + 1, {
    ...where,
    path: `${where.path}.key`,
  });
  const val = project(type.value, value, `struct_extract(${v}, 'value')`, depth + 1, {
    ...where,
    path: `${where.path}.value`,
  });
  if (k.byName && val.byName) return same;
  return {
    readType: `MAP(${k.readType}, ${val.readType})`,
    expr: `map_from_entries(list_transform(map_entries(${ref}), lambda ${v}: struct_pack("key" := ${k.expr}, "value" := ${val.expr})))`,
    byName: false,
  };
}

/**
 * How to read the nested column `name` of `type` from one file, where `node` is the column's node in
 * the file's Parquet schema (found by field id); `file` names the file in errors.
 */
export function nestedProjection(
  name: string,
  type: IcebergType,
  node: ParquetNode,
  file: string,
): NestedProjection {
  return project(type, node, quoteIdent(name), 0, { path: name, file });
}
