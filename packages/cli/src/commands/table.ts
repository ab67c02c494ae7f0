/** `lake table list|show|history|rollback|drop` */
import { formatTableIdentifier, parseNamespace, parseTableIdentifier, typeToString } from '@lakekit/core';
import { rollbackTo, Table, type TableMetadata } from '@lakekit/iceberg';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';

/** Lists tables of one namespace or of all. */
export async function tableList(ctx: CommandContext, namespace?: string): Promise<number> {
  const catalog = await ctx.catalog();
  const namespaces = namespace ? [parseNamespace(namespace)] : await catalog.listNamespaces();
  const tables: string[] = [];
  for (const ns of namespaces)
    for (const t of await catalog.listTables(ns)) tables.push(formatTableIdentifier(t));
  if (ctx.options.json) printJson({ tables });
  else
    printTable(
      ['table'],
      tables.map((t) => [t]),
    );
  return 0;
}

function iso(ms: number): string {
  return new Date(ms).toISOString();
}

/** Shows a table's schema, location and current snapshot. */
export async function tableShow(ctx: CommandContext, name: string): Promise<number> {
  const table = await (await ctx.catalog()).loadTable(parseTableIdentifier(name));
  const schema = table.schema();
  const snap = table.currentSnapshot();
  const doc = {
    table: table.name,
    location: table.metadata.location,
    metadataLocation: table.metadataLocation,
    formatVersion: table.metadata['format-version'],
    tableUuid: table.metadata['table-uuid'],
    schemaId: schema.schemaId,
    columns: schema.fields.map((f) => ({
      id: f.id,
      name: f.name,
      type: typeToString(f.type),
      required: f.required,
    })),
    currentSnapshot: snap
      ? {
          snapshotId: snap['snapshot-id'],
          timestamp: iso(snap['timestamp-ms']),
          operation: snap.summary.operation,
          totalRecords: Number(snap.summary['total-records'] ?? 0),
          totalDataFiles: Number(snap.summary['total-data-files'] ?? 0),
        }
      : null,
    partitionSpec: partitionSpecOf(table.metadata, schema.fields),
    properties: table.metadata.properties,
  };
  if (ctx.options.json) {
    printJson(doc);
    return 0;
  }
  const spec = doc.partitionSpec;
  process.stdout.write(
    `table     ${doc.table}\nlocation  ${doc.location}\nmetadata  ${doc.metadataLocation}\nsnapshot  ${snap ? `${snap['snapshot-id']} (${snap.summary.operation} at ${iso(snap['timestamp-ms'])}, ${doc.currentSnapshot!.totalRecords} rows in ${doc.currentSnapshot!.totalDataFiles} files)` : 'none (empty table)'}\npartition ${spec.text === '' ? 'none' : `${spec.text} (spec ${spec.specId})`}\n\n`,
  );
  printTable(
    ['id', 'column', 'type', 'required'],
    doc.columns.map((c) => [c.id, c.name, c.type, c.required]),
  );
  return 0;
}

/**
 * The default partition spec in the words `--partition-by` takes (`region, bucket(16, id),
 * day(created_at)`): '' when unpartitioned. A source column no longer in the schema shows as `#<id>`.
 */
function partitionSpecOf(
  md: TableMetadata,
  fields: readonly { id: number; name: string }[],
): { specId: number; text: string; fields: { name: string; transform: string; sourceColumn: string }[] } {
  const specId = md['default-spec-id'];
  const spec = md['partition-specs'].find((s) => s['spec-id'] === specId);
  const out = (spec?.fields ?? []).map((f) => {
    const column = fields.find((c) => c.id === f['source-id'])?.name ?? `#${f['source-id']}`;
    return { name: String(f.name), transform: String(f.transform), sourceColumn: column };
  });
  const text = out
    .filter((f) => f.transform !== 'void')
    .map((f) => {
      const arg = /^(bucket|truncate)\[(\d+)\]$/.exec(f.transform);
      if (arg) return `${arg[1]}(${arg[2]}, ${f.sourceColumn})`;
      return f.transform === 'identity' ? f.sourceColumn : `${f.transform}(${f.sourceColumn})`;
    })
    .join(', ');
  return { specId, text, fields: out };
}

/** Shows a table's snapshots, oldest first, marked against main (or `--branch`). */
export async function tableHistory(
  ctx: CommandContext,
  name: string,
  opts: { branch?: string } = {},
): Promise<number> {
  const table = await (await ctx.catalog()).loadTable(parseTableIdentifier(name));
  const history = table.history(opts.branch);
  if (ctx.options.json) {
    printJson({
      table: table.name,
      branch: opts.branch ?? 'main',
      snapshots: history.map((h) => ({
        snapshotId: h.snapshotId,
        parentId: h.parentId ?? null,
        sequenceNumber: h.sequenceNumber,
        timestamp: iso(h.timestampMs),
        operation: h.operation,
        addedRecords: Number(h.summary['added-records'] ?? 0),
        deletedRecords: Number(h.summary['deleted-records'] ?? 0),
        totalRecords: Number(h.summary['total-records'] ?? 0),
        current: h.isCurrent,
        currentAncestor: h.isCurrentAncestor,
        branches: h.branches,
      })),
    });
    return 0;
  }
  printTable(
    ['snapshot_id', 'timestamp', 'operation', 'added', 'deleted', 'total', 'current'],
    history.map((h) => [
      h.snapshotId,
      iso(h.timestampMs),
      h.operation,
      h.summary['added-records'] ?? 0,
      h.summary['deleted-records'] ?? 0,
      h.summary['total-records'] ?? '',
      h.isCurrent
        ? '*'
        : h.isCurrentAncestor
          ? ''
          : h.branches.length > 0
            ? `(on ${h.branches.join(', ')})`
            : '(rolled back)',
    ]),
  );
  return 0;
}

/** Points `main` back at an earlier snapshot. */
export async function tableRollback(
  ctx: CommandContext,
  name: string,
  opts: { to: string },
): Promise<number> {
  const table = await (await ctx.catalog()).loadTable(parseTableIdentifier(name));
  const from = table.currentSnapshot()?.['snapshot-id'];
  const target = await rollbackTo(table, Table.parseSnapshotId(opts.to));
  if (ctx.options.json) printJson({ table: table.name, from: from ?? null, to: target['snapshot-id'] });
  else info(`rolled back ${table.name} from snapshot ${from} to ${target['snapshot-id']}`);
  return 0;
}

/** Drops a table. */
export async function tableDrop(
  ctx: CommandContext,
  name: string,
  opts: { purge?: boolean },
): Promise<number> {
  await (await ctx.catalog()).dropTable(parseTableIdentifier(name), { purge: opts.purge === true });
  if (ctx.options.json) printJson({ table: name, dropped: true, purged: opts.purge === true });
  else info(`dropped table ${name}${opts.purge ? ' and its files' : ''}`);
  return 0;
}
