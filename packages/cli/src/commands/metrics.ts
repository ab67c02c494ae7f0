/**
 * `lake metrics list|query`: the semantic layer (semantic/*.yaml next to the configuration) from
 * the command line. Metric questions run through the governed query layer: with `--as`, as that
 * principal (its masks and row filters apply), and every answer has a receipt.
 */
import { writeFileSync } from 'node:fs';
import { stringifyJsonSafe, UsageError } from '@lakekit/core';
import type { Grain, MetricRequest, SemanticModel } from '@lakekit/query';
import { CLI_MAX_ROWS, type CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { governance } from './governance-context.js';

const GRAINS: readonly Grain[] = ['day', 'week', 'month', 'quarter', 'year'];

async function model(ctx: CommandContext): Promise<SemanticModel> {
  const { loadSemanticModels, catalogColumns } = await import('@lakekit/query');
  return loadSemanticModels(ctx.semanticDir(), { columnsOf: catalogColumns(await ctx.catalog()) });
}

/** Lists the metrics of the semantic models. */
export async function metricsList(ctx: CommandContext): Promise<number> {
  const { listMetrics } = await import('@lakekit/query');
  const metrics = listMetrics(await model(ctx));
  if (ctx.options.json) {
    printJson({ metrics });
    return 0;
  }
  if (metrics.length === 0) {
    info(`no metrics: no semantic models in ${ctx.semanticDir()} (see docs/semantic.md)`);
    return 0;
  }
  printTable(
    ['metric', 'kind', 'description', 'by', 'time'],
    metrics.map((m) => [
      m.name,
      m.kind,
      m.description ?? '',
      m.dimensions.join(', '),
      m.timeDimensions.join(', '),
    ]),
  );
  return 0;
}

interface QueryOptions {
  by?: string[];
  where?: string;
  grain?: string;
  asOf?: string;
  orderBy?: string[];
  limit?: number;
  sql?: boolean;
  receipt?: string;
}

/** Answers a metric question (or prints its SQL with --sql). */
export async function metricsQuery(
  ctx: CommandContext,
  metrics: string[],
  opts: QueryOptions,
): Promise<number> {
  if (opts.grain !== undefined && !GRAINS.includes(opts.grain as Grain))
    throw new UsageError(`--grain ${opts.grain}: expected one of ${GRAINS.join(', ')}`);
  if (opts.asOf !== undefined && !/^\d{4}-\d{2}-\d{2}$/.test(opts.asOf))
    throw new UsageError(`--as-of ${opts.asOf}: expected a date written YYYY-MM-DD`);
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0))
    throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 0`);
  const request: MetricRequest = {
    metrics,
    ...(opts.by ? { by: opts.by } : {}),
    ...(opts.where !== undefined ? { where: opts.where } : {}),
    ...(opts.grain !== undefined ? { grain: opts.grain as Grain } : {}),
    ...(opts.asOf !== undefined ? { asOf: opts.asOf } : {}),
    ...(opts.orderBy
      ? {
          orderBy: opts.orderBy.map((f) => {
            const m = /^(.*?)(?::(asc|desc))?$/i.exec(f)!;
            return { field: m[1]!, ...(m[2] ? { direction: m[2].toLowerCase() as 'asc' | 'desc' } : {}) };
          }),
        }
      : {}),
    ...(opts.limit !== undefined ? { limit: opts.limit } : {}),
  };
  const { compileMetricRequest, queryMetrics } = await import('@lakekit/query');
  const m = await model(ctx);
  if (opts.sql) {
    const compiled = compileMetricRequest(m, request);
    if (ctx.options.json) printJson(compiled);
    else process.stdout.write(`${compiled.sql}\n`);
    return 0;
  }
  const { actor } = await governance(ctx);
  const answer = await queryMetrics(await ctx.governedEngine(), actor, m, request, { limit: CLI_MAX_ROWS });
  if (opts.receipt !== undefined) writeFileSync(opts.receipt, `${stringifyJsonSafe(answer.receipt, 2)}\n`);
  if (ctx.options.json) {
    printJson({
      columns: answer.columns,
      rows: answer.rows,
      resolved: answer.resolved,
      sql: answer.sql,
      receipt: answer.receipt,
    });
    return 0;
  }
  printTable(
    answer.columns.map((c) => c.name),
    answer.rows,
  );
  for (const note of answer.resolved.notes) info(`read as: ${note}`);
  const r = answer.receipt;
  info(
    `receipt ${r.id} · result ${r.result.hash.slice(0, 16)} · ${r.result.rowCount} row(s) · as of ${answer.resolved.asOf}`,
  );
  for (const w of r.warnings) info(`warning: ${w}`);
  return 0;
}
