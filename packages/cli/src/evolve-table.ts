/**
 * `lake load --evolve`: file columns an existing table lacks become new optional columns (committed
 * as a schema change before the data is written), so a feed that gained a column loads without a
 * manual `table alter`. Columns match by name as the load does (exactly, else ignoring case).
 */
import { DataError, fromDuckDBType } from '@lakekit/core';
import { type SchemaChange, type Table, updateSchema } from '@lakekit/iceberg';

/** Adds the file columns the table lacks (see module comment); returns the names added. */
export async function addMissingColumns(
  table: Table,
  columns: readonly { name: string; duckdbType: string }[],
  where: string,
): Promise<string[]> {
  const names = new Set(table.schema().fields.map((f) => f.name.toLowerCase()));
  const changes: SchemaChange[] = [];
  for (const c of columns) {
    if (names.has(c.name.toLowerCase())) continue;
    names.add(c.name.toLowerCase());
    let type: ReturnType<typeof fromDuckDBType>;
    try {
      type = fromDuckDBType(c.duckdbType, () => 0);
    } catch (e) {
      throw new DataError(
        `${where}, column ${c.name}: type ${c.duckdbType} cannot be stored in an Iceberg table`,
        {
          context: { column: c.name },
          cause: e,
        },
      );
    }
    changes.push({ kind: 'add-column', path: c.name, parent: '', type });
  }
  if (changes.length > 0) await updateSchema(table, changes);
  return changes.map((c) => c.path);
}
