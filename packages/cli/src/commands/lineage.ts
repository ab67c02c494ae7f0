/**
 * `lake lineage show <table>`: upstream and downstream tables and sources of a table from the
 * OpenLineage events pipeline runs stored, with column-level edges, as text, Mermaid or dot.
 * `lake quality [table]`: table health from the latest result of each quality check.
 */
import {
  catalogHealth,
  type LineageDirection,
  lineageGraph,
  renderLineageDot,
  renderLineageMermaid,
  renderLineageText,
  tableHealth,
} from '@lakekit/catalog';
import { formatTableIdentifier, parseTableIdentifier, UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { wholeNumber } from './governance-context.js';

/** Every stored lineage event (listLineage pages by a limit; a catalog keeps far fewer). */
const ALL_EVENTS = 1_000_000;

/** `lake lineage show <table> [--depth n] [--direction up|down|both] [--format text|mermaid|dot]` */
export async function lineageShow(
  ctx: CommandContext,
  table: string,
  opts: { depth?: string; direction?: string; format?: string },
): Promise<number> {
  const depth = wholeNumber(opts.depth, '--depth', 1) ?? 3;
  const direction = (opts.direction ?? 'both') as LineageDirection;
  if (!['up', 'down', 'both'].includes(direction)) {
    throw new UsageError(`--direction ${opts.direction}: expected up, down or both`);
  }
  const format = opts.format ?? 'text';
  if (!['text', 'mermaid', 'dot'].includes(format)) {
    throw new UsageError(`--format ${opts.format}: expected text, mermaid or dot`);
  }
  const name = formatTableIdentifier(parseTableIdentifier(table));
  const catalog = await ctx.catalog();
  const events = await catalog.operations.listLineage({ limit: ALL_EVENTS });
  const graph = await lineageGraph(events, name, { depth, direction, warehouse: catalog.warehouse });
  if (ctx.options.json) printJson(graph);
  else if (format === 'mermaid') process.stdout.write(renderLineageMermaid(graph));
  else if (format === 'dot') process.stdout.write(renderLineageDot(graph));
  else process.stdout.write(renderLineageText(graph));
  if (graph.edges.length === 0 && !ctx.options.json)
    info(`no lineage recorded for ${name} (pipeline runs record it)`);
  return 0;
}

/** `lake quality [table] [--history n]`: health of every checked table, or one table's checks. */
export async function qualityCommand(
  ctx: CommandContext,
  table: string | undefined,
  opts: { history?: string },
): Promise<number> {
  const history = wholeNumber(opts.history, '--history', 0) ?? 5;
  const ops = (await ctx.catalog()).operations;
  if (table === undefined) {
    const health = catalogHealth(await ops.listQuality({ limit: 100_000 }));
    if (ctx.options.json) printJson({ tables: health });
    else
      printTable(
        ['table', 'health', 'checks', 'failing', 'checked'],
        health.map((h) => [h.table, h.status, h.checks.length, h.failing.join(', '), h.checkedAt ?? '']),
      );
    return 0;
  }
  const name = formatTableIdentifier(parseTableIdentifier(table));
  const h = tableHealth(name, await ops.listQuality({ table: name, limit: 10_000 }));
  if (ctx.options.json) {
    printJson({ ...h, checks: h.checks.map((c) => ({ ...c, history: c.history.slice(0, history) })) });
    return 0;
  }
  process.stdout.write(
    `${name}: ${h.status}${h.checkedAt ? ` (checked ${h.checkedAt})` : ' (no quality results)'}\n`,
  );
  if (h.checks.length === 0) return 0;
  process.stdout.write('\n');
  printTable(
    ['check', 'severity', 'latest', 'failing rows', 'checked', 'earlier (newest first)', 'message'],
    h.checks.map((c) => [
      c.check,
      c.severity,
      c.latest.status,
      c.latest.failingRows,
      c.latest.checkedAt,
      c.history
        .slice(0, history)
        .map((r) => r.status)
        .join(' '),
      c.latest.message.slice(0, 80),
    ]),
  );
  return 0;
}
