/** `lake load <files…> --table ns.table [--mode append|replace]` */
import type { CommandContext } from '../context.js';
import { loadFiles } from '../load-files.js';
import { printJson } from '../output.js';

/** Loads files into a table. */
export async function loadCommand(
  ctx: CommandContext,
  inputs: string[],
  opts: {
    table: string;
    mode: 'append' | 'replace';
    format?: 'csv' | 'jsonl' | 'parquet';
    delimiter?: string;
  },
): Promise<number> {
  // DuckDB first: the catalog then opens while DuckDB sniffs the files on its own threads.
  const engine = await ctx.engine();
  const result = await loadFiles(
    { engine, io: await ctx.fileIO(), catalog: ctx.catalog() },
    { inputs, ...opts },
  );
  if (ctx.options.json) {
    printJson({
      table: result.table,
      created: result.created,
      mode: result.mode,
      rows: result.rows,
      snapshotId: result.snapshot['snapshot-id'],
      totalRecords: Number(result.snapshot.summary['total-records'] ?? 0),
    });
  } else {
    process.stdout.write(
      `${result.mode === 'replace' ? 'replaced' : 'loaded'} ${result.rows} rows into ${result.table}${result.created ? ' (new table)' : ''} — snapshot ${result.snapshot['snapshot-id']}\n`,
    );
  }
  return 0;
}
