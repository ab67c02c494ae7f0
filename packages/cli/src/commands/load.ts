/** `lake load <files…> --table ns.table [--mode append|replace|merge --key cols]` */
import type { CommandContext } from '../context.js';
import { loadFiles } from '../load-files.js';
import { printJson } from '../output.js';

/** Loads files into a table. */
export async function loadCommand(
  ctx: CommandContext,
  inputs: string[],
  opts: {
    table: string;
    mode: 'append' | 'replace' | 'merge' | 'overwrite' | 'delete';
    where?: string;
    key?: string[];
    partitionBy?: string;
    format?: 'csv' | 'jsonl' | 'parquet';
    delimiter?: string;
    branch?: string;
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
      ...(opts.branch !== undefined ? { branch: opts.branch } : {}),
      rows: result.rows,
      ...(result.replacedRows !== undefined ? { replacedRows: result.replacedRows } : {}),
      snapshotId: result.snapshot['snapshot-id'],
      totalRecords: Number(result.snapshot.summary['total-records'] ?? 0),
    });
  } else {
    const verb = {
      append: 'loaded',
      replace: 'replaced',
      merge: 'merged',
      overwrite: 'overwrote with',
      delete: 'deleted by key; added',
    }[result.mode];
    const replaced =
      result.replacedRows !== undefined
        ? ` (${result.replacedRows} replaced${result.mode === 'merge' ? ' by key' : ''})`
        : '';
    process.stdout.write(
      `${verb} ${result.rows} rows into ${result.table}${opts.branch !== undefined ? ` (branch ${opts.branch})` : ''}${result.created ? ' (new table)' : ''}${replaced} — snapshot ${result.snapshot['snapshot-id']}\n`,
    );
  }
  return 0;
}
