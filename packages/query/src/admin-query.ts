/**
 * The local administrator's query: SQL over `ns.table` names, read by DuckDB from each table's
 * snapshot (time travel with `AT (VERSION => id)`, `AT (VERSION => 'branch-or-tag')` or
 * `AT (TIMESTAMP => …)`, rewritten to a view of that snapshot, since DuckDB cannot bind AT on a
 * view). The governed query layer for other principals arrives with the governance issues; this path
 * is for whoever owns the catalog.
 */

import type { Catalog } from '@lakekit/catalog';
import { quoteIdent, type TableIdentifier, UsageError } from '@lakekit/core';
import type { Engine, SnapshotSelector, Table } from '@lakekit/iceberg';
import { toJsonValue } from './json-values.js';
import { pushdownFilter } from './pushdown.js';
import { cteNames, deparseSql, parseSql, type TableRefNode, tableReferences } from './table-references.js';

/** A query result: columns with DuckDB types, rows as JSON-ready values. */
export interface QueryResult {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  /** The snapshot each table was read at (absent for empty tables). */
  snapshots: { table: string; snapshotId?: bigint }[];
}

/** The snapshot an `AT (…)` clause of a table reference selects (none: the current state). */
export async function selectorOf(engine: Engine, ref: TableRefNode, table: Table): Promise<SnapshotSelector> {
  const at = ref.at_clause;
  if (!at) return undefined;
  // Evaluate the AT expression with DuckDB itself (it may be a literal, a cast or an expression).
  const probe = await parseSql(engine, 'SELECT 1');
  const node = probe.statements[0]!.node as { select_list: unknown[] };
  node.select_list = [{ ...at.expr, alias: 'v' }];
  const sql = await deparseSql(engine, probe);
  if (at.unit.toUpperCase() === 'VERSION') {
    const rows = await engine.all(`SELECT typeof(v) AS t, CAST(v AS VARCHAR) AS v FROM (${sql})`);
    const text = String(rows[0]!['v']);
    // A string names a branch or tag (digits naming none are a snapshot id, as in Iceberg's Spark
    // integration); a number is a snapshot id.
    if (rows[0]!['t'] === 'VARCHAR' && (table.metadata.refs[text] !== undefined || !/^\d+$/.test(text)))
      return { ref: text };
    if (!/^\d+$/.test(text))
      throw new UsageError(
        `AT (VERSION => ${text}): a snapshot id is a positive integer, a branch or tag a string ('name')`,
      );
    return { snapshotId: BigInt(text) };
  }
  if (at.unit.toUpperCase() === 'TIMESTAMP') {
    const rows = await engine.all(`SELECT epoch_ms(CAST(v AS TIMESTAMPTZ)) AS ms FROM (${sql})`);
    return { timestampMs: Number(rows[0]!['ms']) };
  }
  throw new UsageError(`AT (${at.unit} => …) is not supported: use VERSION or TIMESTAMP`);
}

/** Runs one read-only SELECT over catalog tables. */
export async function runAdminQuery(
  catalog: Catalog,
  engine: Engine,
  sql: string,
  options: { limit?: number } = {},
): Promise<QueryResult> {
  const tree = await parseSql(engine, sql);
  if (tree.statements.length !== 1)
    throw new UsageError(`expected exactly one SQL statement, got ${tree.statements.length}`);
  const root = tree.statements[0]!.node;
  if (typeof root['type'] !== 'string' || !/SELECT_NODE|SET_OPERATION_NODE|CTE_NODE/.test(root['type'])) {
    throw new UsageError('only SELECT queries can be run here');
  }
  const ctes = cteNames(tree);
  const views = new Map<string, string>();
  const snapshots: QueryResult['snapshots'] = [];
  let n = 0;
  for (const ref of tableReferences(tree)) {
    if (ref.schema_name === '' && ref.catalog_name === '' && ctes.has(ref.table_name)) continue;
    if (ref.schema_name === '') {
      throw new UsageError(`table "${ref.table_name}": name tables as <namespace>.<table>`, {
        context: { table: ref.table_name },
      });
    }
    const id: TableIdentifier = {
      namespace: ref.catalog_name ? [ref.catalog_name, ref.schema_name] : [ref.schema_name],
      name: ref.table_name,
    };
    const table = await catalog.loadTable(id);
    const selector = await selectorOf(engine, ref, table);
    const snapshot = table.snapshot(selector);
    // Branch and tag reads of one snapshot may differ in schema (see Table.schemaFor).
    const schema = table.schemaFor(snapshot, selector);
    // A single-table query's WHERE lets planning skip files whose statistics rule them out.
    const filter = await pushdownFilter(engine, root, ref, schema);
    const key = `${table.name}@${snapshot?.['snapshot-id'] ?? 'empty'}@${schema.schemaId}${filter ? `@${n}` : ''}`;
    let view = views.get(key);
    if (view === undefined) {
      view = `__lake_${++n}`;
      views.set(key, view);
      await engine.run(
        `CREATE OR REPLACE TEMP VIEW ${quoteIdent(view)} AS ${await table.readSql(engine, selector, filter)}`,
      );
      snapshots.push({ table: table.name, ...(snapshot ? { snapshotId: snapshot['snapshot-id'] } : {}) });
    }
    if (!ref.alias) ref.alias = ref.table_name;
    ref.catalog_name = '';
    ref.schema_name = '';
    ref.table_name = view;
    ref.at_clause = null;
  }
  let text = await deparseSql(engine, tree);
  if (options.limit !== undefined) text = `SELECT * FROM (${text}) LIMIT ${options.limit}`;
  const reader = await engine.conn.runAndReadAll(text);
  const types = reader.columnTypes().map((t) => t.toString());
  const columns = reader.columnNames().map((name, i) => ({ name, type: types[i]! }));
  const rows = reader.getRowsJson().map((row) => row.map((v, i) => toJsonValue(v, types[i]!)));
  return { columns, rows, snapshots };
}
