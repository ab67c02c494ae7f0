/** `lake query "<sql>"`: the local administrator's SQL over `ns.table` names. */
import { runAdminQuery } from '@lakekit/query';
import type { CommandContext } from '../context.js';
import { printJson, printTable } from '../output.js';

/** Runs a query and prints its rows. */
export async function queryCommand(
  ctx: CommandContext,
  sql: string,
  opts: { limit?: number },
): Promise<number> {
  const result = await runAdminQuery(
    await ctx.catalog(),
    await ctx.engine(),
    sql,
    opts.limit !== undefined ? { limit: opts.limit } : {},
  );
  if (ctx.options.json) printJson({ columns: result.columns, rows: result.rows });
  else
    printTable(
      result.columns.map((c) => c.name),
      result.rows,
    );
  return 0;
}
