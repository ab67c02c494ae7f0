/**
 * Commits schema changes: the changes are applied to the head's current schema, the result becomes a
 * new schema (or reuses the id of an identical earlier one, as Iceberg's reference implementation
 * does) and the current one. When another writer committed first, the changes are applied again to
 * the new head; a change that no longer applies there is a CommitConflictError. Data files are never
 * touched: reads resolve columns by field id.
 */
import { CommitConflictError, type NestedField, UsageError } from '@lakekit/core';
import { commitMetadata } from './commit-metadata.js';
import { type Schema, schemaFromJson, schemaToJson } from './schema.js';
import { applySchemaChanges, type SchemaChange } from './schema-update.js';
import type { Table } from './table.js';
import { currentSchema, type TableMetadata } from './table-metadata.js';

/** Options of a schema update. */
export interface UpdateSchemaOptions {
  /** Attempts before giving up on a contended table (default 10). */
  maxAttempts?: number;
}

/** A schema's content without its id, for comparing schemas. */
function shape(s: Schema): string {
  const json = schemaToJson(s);
  delete json['schema-id'];
  return JSON.stringify(json);
}

/** Field ids and dotted names of a schema (nested fields included). */
function namesById(
  fields: readonly NestedField[],
  prefix = '',
  out = new Map<number, string>(),
): Map<number, string> {
  for (const f of fields) {
    out.set(f.id, prefix + f.name);
    let t = f.type;
    while (t.kind === 'list' || t.kind === 'map') t = t.kind === 'list' ? t.element : t.value;
    if (t.kind === 'struct') namesById(t.fields, `${prefix}${f.name}.`, out);
  }
  return out;
}

/** Refuses to drop a column the default partition spec or sort order is built from. */
function checkDropped(base: TableMetadata, before: Schema, after: Schema, table: string): void {
  const old = namesById(before.fields);
  const kept = namesById(after.fields);
  const spec = base['partition-specs'].find((s) => s['spec-id'] === base['default-spec-id']);
  const order = base['sort-orders'].find((o) => o['order-id'] === base['default-sort-order-id']);
  const uses: [Record<string, unknown>, string][] = [
    ...(spec?.fields ?? []).map((f): [Record<string, unknown>, string] => [
      f,
      `partition field ${String(f['name'])}`,
    ]),
    ...(order?.fields ?? []).map((f): [Record<string, unknown>, string] => [f, 'the sort order']),
  ];
  for (const [f, what] of uses) {
    const id = Number(f['source-id']);
    if (old.has(id) && !kept.has(id)) {
      const column = old.get(id)!;
      throw new UsageError(
        `cannot drop column ${column} of table ${table}: it is the source of ${what} (change the partition spec or sort order first)`,
        { context: { table, column } },
      );
    }
  }
}

/** The metadata with `changes` applied to its current schema, and that schema (undefined: no change). */
function evolve(
  base: TableMetadata,
  changes: readonly SchemaChange[],
  table: string,
): [TableMetadata, Schema] | undefined {
  const current = currentSchema(base);
  const applied = applySchemaChanges(current, base['last-column-id'], changes);
  checkDropped(base, current, applied.schema, table);
  const target = shape(applied.schema);
  if (target === shape(current)) return undefined;
  const existing = base.schemas.map(schemaFromJson).find((s) => shape(s) === target);
  const schemaId = existing?.schemaId ?? Math.max(...base.schemas.map((s) => Number(s['schema-id']))) + 1;
  const schema: Schema = { ...applied.schema, schemaId };
  return [
    {
      ...base,
      schemas: existing ? base.schemas : [...base.schemas, schemaToJson(schema)],
      'current-schema-id': schemaId,
      'last-column-id': Math.max(base['last-column-id'], applied.lastColumnId),
    },
    schema,
  ];
}

/**
 * Applies schema changes to a table and commits the new current schema (see module comment).
 * Returns the table's current schema afterwards; nothing is committed when the changes change nothing.
 */
export async function updateSchema(
  table: Table,
  changes: readonly SchemaChange[],
  options: UpdateSchemaOptions = {},
): Promise<Schema> {
  if (evolve(table.metadata, changes, table.name) === undefined) return table.schema();
  let result: Schema | undefined;
  await commitMetadata(
    table,
    async (base, attempt) => {
      let evolved: [TableMetadata, Schema] | undefined;
      try {
        evolved = evolve(base, changes, table.name);
      } catch (e) {
        if (attempt === 0 || !(e instanceof UsageError)) throw e;
        throw new CommitConflictError(
          `table ${table.name}: another writer changed the schema meanwhile and this change no longer applies: ${e.message}`,
          { context: { table: table.name, ...e.context }, cause: e },
        );
      }
      // The head already holds the result (a concurrent writer made the same change): commit nothing new.
      result = evolved?.[1] ?? currentSchema(base);
      return { metadata: evolved?.[0] ?? base };
    },
    options.maxAttempts !== undefined ? { maxAttempts: options.maxAttempts } : {},
  );
  return result!;
}
