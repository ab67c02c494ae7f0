/**
 * The target table of a stream: created from the stream's columns on first run, evolved when the
 * source gained columns or widened a type (`schema_changes: evolve`), or refused (`freeze`, or a
 * change Iceberg cannot make: a narrowing or a type switch). A refusal commits nothing.
 */
import type { Catalog } from '@lakekit/catalog';
import {
  DataError,
  type IcebergType,
  isPrimitive,
  LakeError,
  type PrimitiveType,
  parseTableIdentifier,
  typeToString,
} from '@lakekit/core';
import { isAllowedPromotion, type SchemaChange, type Table, updateSchema } from '@lakekit/iceberg';

/** A column the stream writes. */
export interface TargetColumn {
  readonly name: string;
  readonly type: IcebergType;
}

/** What preparing the table did. */
export interface PreparedTable {
  table: Table;
  created: boolean;
  /** Columns added or widened by this run. */
  evolved: string[];
}

function sameType(a: IcebergType, b: IcebergType): boolean {
  return typeToString(a) === typeToString(b);
}

/** Loads or creates the stream's table and reconciles its schema with the stream's columns. */
export async function prepareTable(
  catalog: Catalog,
  where: string,
  target: string,
  columns: readonly TargetColumn[],
  options: { schemaChanges: 'evolve' | 'freeze'; partitionBy?: string },
): Promise<PreparedTable> {
  const id = parseTableIdentifier(target);
  if (!(await catalog.tableExists(id))) {
    if (!(await catalog.namespaceExists(id.namespace))) {
      await catalog.createNamespace(id.namespace).catch((e: unknown) => {
        if (!(e instanceof LakeError && e.code === 'namespace_already_exists')) throw e;
      });
    }
    try {
      const table = await catalog.createTable(
        id,
        columns.map((c) => ({ name: c.name, type: c.type })),
        { 'lakekit.created-by': 'pipeline' },
        options.partitionBy ? { partitionBy: options.partitionBy } : {},
      );
      return { table, created: true, evolved: [] };
    } catch (e) {
      // Created by a concurrent run a moment ago: use it.
      if (!(e instanceof LakeError && e.code === 'table_already_exists')) throw e;
    }
  }
  const table = await catalog.loadTable(id);
  const fields = table.schema().fields;
  const changes: SchemaChange[] = [];
  const problems: string[] = [];
  for (const c of columns) {
    const f = fields.find((x) => x.name === c.name);
    if (!f) {
      if (options.schemaChanges === 'freeze') {
        problems.push(
          `the source has a new column ${c.name} (${typeToString(c.type)}) and schema_changes is freeze`,
        );
      } else {
        changes.push({ kind: 'add-column', path: c.name, parent: '', type: c.type });
      }
      continue;
    }
    if (sameType(f.type, c.type)) continue;
    if (isPrimitive(f.type) && isPrimitive(c.type) && isAllowedPromotion(f.type, c.type)) {
      if (options.schemaChanges === 'freeze') {
        problems.push(
          `column ${c.name} widened at the source from ${typeToString(f.type)} to ${typeToString(c.type)} and schema_changes is freeze`,
        );
      } else {
        changes.push({ kind: 'widen-column', path: c.name, type: c.type as PrimitiveType });
      }
      continue;
    }
    // A narrower source type still fits the table's column (values are cast on write).
    if (isPrimitive(f.type) && isPrimitive(c.type) && isAllowedPromotion(c.type, f.type)) continue;
    problems.push(
      `column ${c.name} changed type at the source from ${typeToString(f.type)} to ${typeToString(c.type)}, which Iceberg cannot evolve to (only widening: int→long, float→double, decimal precision up)`,
    );
  }
  if (problems.length > 0) {
    throw new DataError(
      `${where} → table ${target}: ${problems.join('; ')}; nothing was written for this stream`,
      {
        context: { stream: where, table: target },
      },
    );
  }
  if (changes.length > 0) await updateSchema(table, changes);
  return { table, created: false, evolved: changes.map((c) => c.path) };
}
