/**
 * Reads tables, views and their columns from pg_catalog: `format_type()` source types, NOT NULL,
 * primary keys (pg_index), column comments and estimated rows (pg_class.reltuples). Domains are
 * resolved to their base types and enums recognised through pg_type, then mapped by
 * `mapPostgresType`. pg_catalog (not information_schema) because it shows every relation the role
 * can see, with typmods intact, in a few statements however many tables there are.
 */
import type { SourceColumn, SourceStream } from '@lakekit/core';
import type pg from 'pg';
import { mapPostgresType, type PgTypeKind } from './map-postgres-type.js';

/** Runs one catalog statement. */
export type CatalogQuery = (sql: string, params: unknown[]) => Promise<pg.QueryResult>;

/** A column with the resolved type its extract expression is built from. */
export interface PgColumn {
  readonly source: SourceColumn;
  /** `format_type()` after resolving domains (`integer[]` for a domain over int[]). */
  readonly resolvedType: string;
}

/** A stream with what extraction needs beyond `SourceStream`. */
export interface PgStream {
  readonly stream: SourceStream;
  readonly schema: string;
  readonly table: string;
  readonly columns: readonly PgColumn[];
}

/** Which relations to read: one stream by its `schema.table` name, or whole schemas. */
export type IntrospectFilter = { readonly stream: string } | { readonly schemas?: readonly string[] };

const RELATIONS = `
SELECT c.oid AS relid, n.nspname AS schema_name, c.relname AS table_name, c.relkind::text AS relkind,
       c.reltuples::float8 AS reltuples, a.attname AS column_name, a.atttypid AS typid,
       a.atttypmod AS typmod, format_type(a.atttypid, a.atttypmod) AS source_type,
       a.attnotnull AS not_null, col_description(c.oid, a.attnum) AS description
FROM pg_catalog.pg_class c
JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
JOIN pg_catalog.pg_attribute a ON a.attrelid = c.oid AND a.attnum > 0 AND NOT a.attisdropped
WHERE c.relkind IN ('r', 'p', 'v', 'm', 'f') AND `;

const ORDER = ' ORDER BY n.nspname, c.relname, a.attnum';

/** Partitions are read through their parent table, so discovery lists only the parent. */
const WHERE_STREAM = `n.nspname || '.' || c.relname = $1`;
const WHERE_SCHEMAS = 'n.nspname = ANY($1::text[]) AND NOT c.relispartition';
const WHERE_USER_SCHEMAS = `n.nspname NOT IN ('pg_catalog', 'information_schema')
  AND n.nspname !~ '^pg_(toast|temp_|toast_temp_)' AND NOT c.relispartition`;

const PRIMARY_KEYS = `
SELECT i.indrelid AS relid, a.attname AS column_name
FROM pg_catalog.pg_index i
CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY AS k(attnum, ord)
JOIN pg_catalog.pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
WHERE i.indisprimary AND i.indrelid = ANY($1::oid[])
ORDER BY i.indrelid, k.ord`;

/** Every type reachable from the column types through domains and array elements. */
const TYPES = `
WITH RECURSIVE t(oid) AS (
  SELECT DISTINCT unnest($1::oid[])
  UNION
  SELECT CASE WHEN p.typtype = 'd' THEN p.typbasetype ELSE p.typelem END
  FROM pg_catalog.pg_type p JOIN t ON p.oid = t.oid
  WHERE p.typtype = 'd' OR (p.typcategory = 'A' AND p.typelem <> 0)
)
SELECT p.oid, p.typtype::text AS typtype, p.typbasetype AS base_oid, p.typtypmod AS base_typmod,
       p.typelem AS elem_oid, (p.typtype <> 'd' AND p.typcategory = 'A' AND p.typelem <> 0) AS is_array
FROM pg_catalog.pg_type p JOIN t ON p.oid = t.oid`;

const FORMAT = `SELECT format_type(u.o, u.m) AS text FROM unnest($1::oid[], $2::int4[]) WITH ORDINALITY AS u(o, m, i) ORDER BY u.i`;

interface TypeRow {
  typtype: string;
  base_oid: number;
  base_typmod: number;
  elem_oid: number;
  is_array: boolean;
}

/** A column type after domains are resolved: its leaf type, array depth and kind. */
interface ResolvedType {
  leafOid: number;
  leafTypmod: number;
  arrayDepth: number;
  kind: PgTypeKind;
  /** A domain was crossed: the declared type text is not the base type's text. */
  viaDomain: boolean;
}

const KINDS: Record<string, PgTypeKind> = {
  b: 'base',
  e: 'enum',
  c: 'composite',
  r: 'range',
  m: 'multirange',
  p: 'pseudo',
};

function resolveType(types: Map<number, TypeRow>, oid: number, typmod: number): ResolvedType {
  let arrayDepth = 0;
  let viaDomain = false;
  for (let hops = 0; hops < 32; hops++) {
    const t = types.get(oid);
    if (!t) break;
    if (t.typtype === 'd') {
      viaDomain = true;
      oid = t.base_oid;
      typmod = t.base_typmod;
    } else if (t.is_array) {
      // An array column's typmod applies to its elements (`numeric(10,2)[]`).
      arrayDepth++;
      oid = t.elem_oid;
    } else {
      return { leafOid: oid, leafTypmod: typmod, arrayDepth, kind: KINDS[t.typtype] ?? 'base', viaDomain };
    }
  }
  return { leafOid: oid, leafTypmod: typmod, arrayDepth, kind: 'base', viaDomain };
}

/** Reads the streams `filter` selects (in schema, table order). */
export async function introspect(query: CatalogQuery, filter: IntrospectFilter): Promise<PgStream[]> {
  const rel =
    'stream' in filter
      ? await query(RELATIONS + WHERE_STREAM + ORDER, [filter.stream])
      : filter.schemas
        ? await query(RELATIONS + WHERE_SCHEMAS + ORDER, [filter.schemas])
        : await query(RELATIONS + WHERE_USER_SCHEMAS + ORDER, []);
  if (rel.rows.length === 0) return [];

  const relids = [...new Set(rel.rows.map((r) => r.relid as number))];
  const typeIds = [...new Set(rel.rows.map((r) => r.typid as number))];
  const [keys, typeRows] = await Promise.all([query(PRIMARY_KEYS, [relids]), query(TYPES, [typeIds])]);
  const primaryKeys = new Map<number, string[]>();
  for (const k of keys.rows) {
    const list = primaryKeys.get(k.relid as number) ?? [];
    list.push(k.column_name as string);
    primaryKeys.set(k.relid as number, list);
  }
  const types = new Map<number, TypeRow>(typeRows.rows.map((t) => [t.oid as number, t as TypeRow]));

  // Resolve every column type; the ones that crossed a domain need their base type's text.
  const resolved = rel.rows.map((r) => resolveType(types, r.typid as number, r.typmod as number));
  const leaves = new Map<string, { oid: number; typmod: number }>();
  for (const t of resolved) {
    if (t.viaDomain) leaves.set(`${t.leafOid}:${t.leafTypmod}`, { oid: t.leafOid, typmod: t.leafTypmod });
  }
  const leafText = new Map<string, string>();
  if (leaves.size > 0) {
    const list = [...leaves.entries()];
    const texts = await query(FORMAT, [list.map(([, l]) => l.oid), list.map(([, l]) => l.typmod)]);
    for (const [i, [key]] of list.entries()) leafText.set(key, texts.rows[i]!.text as string);
  }

  const streams: PgStream[] = [];
  let current:
    | {
        relid: number;
        schema: string;
        table: string;
        relkind: string;
        reltuples: number;
        columns: PgColumn[];
      }
    | undefined;
  const flush = () => {
    if (current) streams.push(toStream(current, primaryKeys.get(current.relid) ?? []));
  };
  rel.rows.forEach((r, i) => {
    if (current?.relid !== r.relid) {
      flush();
      current = {
        relid: r.relid as number,
        schema: r.schema_name as string,
        table: r.table_name as string,
        relkind: r.relkind as string,
        reltuples: r.reltuples as number,
        columns: [],
      };
    }
    const t = resolved[i]!;
    const sourceType = r.source_type as string;
    const resolvedType = t.viaDomain
      ? `${leafText.get(`${t.leafOid}:${t.leafTypmod}`)}${'[]'.repeat(t.arrayDepth)}`
      : sourceType;
    const mapping = mapPostgresType(resolvedType, t.kind);
    const source: SourceColumn = {
      name: r.column_name as string,
      sourceType,
      nullable: !(r.not_null as boolean),
      ...(mapping.type ? { type: mapping.type } : { unsupported: mapping.unsupported ?? 'no mapping' }),
      ...(r.description != null ? { description: r.description as string } : {}),
    };
    current!.columns.push({ source, resolvedType });
  });
  flush();
  return streams;
}

const CURSOR_TYPES = new Set(['timestamp', 'timestamptz', 'date']);

function toStream(
  rel: { schema: string; table: string; relkind: string; reltuples: number; columns: PgColumn[] },
  primaryKey: string[],
): PgStream {
  const cursorCandidates = rel.columns
    .map((c) => c.source)
    .filter((c) => {
      const kind = c.type?.kind;
      if (kind === undefined) return false;
      return CURSOR_TYPES.has(kind) || ((kind === 'int' || kind === 'long') && primaryKey.includes(c.name));
    })
    .map((c) => c.name);
  const counted = rel.relkind !== 'v' && rel.reltuples >= 0;
  return {
    schema: rel.schema,
    table: rel.table,
    columns: rel.columns,
    stream: {
      name: `${rel.schema}.${rel.table}`,
      columns: rel.columns.map((c) => c.source),
      primaryKey,
      cursorCandidates,
      ...(counted ? { estimatedRows: Math.round(rel.reltuples) } : {}),
    },
  };
}
