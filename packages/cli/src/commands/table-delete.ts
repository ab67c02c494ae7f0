/** `lake table delete <table> --where "<predicate>"`: row-level delete, merge-on-read. */
import { parseTableIdentifier } from '@lakekit/core';
import { applyRowDelta } from '@lakekit/iceberg';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';

/** Deletes the rows matching a predicate. */
export async function tableDelete(
  ctx: CommandContext,
  name: string,
  opts: { where: string },
): Promise<number> {
  const [catalog, engine] = await Promise.all([ctx.catalog(), ctx.engine()]);
  const table = await catalog.loadTable(parseTableIdentifier(name));
  const r = await applyRowDelta(table, engine, {
    where: opts.where,
    summary: { 'lakekit.operation': 'delete' },
  });
  const snapshotId = r.snapshot?.['snapshot-id'] ?? null;
  if (ctx.options.json) {
    printJson({
      table: table.name,
      deletedRows: r.deletedRows,
      positionDeleteFiles: r.positionDeleteFiles,
      rewrittenFiles: r.rewrittenFiles,
      snapshotId,
    });
  } else {
    process.stdout.write(
      r.snapshot
        ? `deleted ${r.deletedRows} rows from ${table.name} (${r.positionDeleteFiles} position delete file(s), ${r.rewrittenFiles} file(s) rewritten) — snapshot ${snapshotId}\n`
        : `no rows of ${table.name} match; nothing changed\n`,
    );
  }
  return 0;
}
