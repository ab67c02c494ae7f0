/**
 * The semantic layer's entry points besides loading and compiling: answering a metric request
 * through the governed engine, listing metrics, describing a model, reading columns from the
 * catalog, and checking a request that arrives as JSON.
 */
import type { Actor, Catalog } from '@lakekit/catalog';
import { formatPrimitiveType, isPrimitive, parseTableIdentifier, UsageError } from '@lakekit/core';
import * as z from 'zod';
import type { GovernedQueryEngine, GovernedQueryOptions } from '../governed/engine.js';
import { compileMetricRequest } from './compile.js';
import type { ColumnsOf } from './load.js';
import { formatDimRef, ModelIndex, metricEntities } from './model-index.js';
import type { MetricAnswer, MetricInfo, MetricRequest, SemanticModel } from './types.js';

/**
 * Answers a metric request as `actor`: compiles it and runs the SQL through the governed engine, so
 * the caller's masks and row filters apply and the answer has a receipt. The receipt's context
 * records the request and what it was resolved to (`context.semantic.resolved.asOf` is the date
 * relative periods were read against).
 */
export async function queryMetrics(
  engine: GovernedQueryEngine,
  actor: Actor,
  model: SemanticModel,
  request: MetricRequest,
  options: GovernedQueryOptions = {},
): Promise<MetricAnswer> {
  const { sql, resolved } = compileMetricRequest(model, request);
  // JSON round trip: the receipt is canonical JSON and takes no undefined values.
  const semantic = JSON.parse(JSON.stringify({ request, resolved })) as Record<string, unknown>;
  const answer = await engine.query(actor, sql, {
    ...options,
    context: { ...options.context, semantic },
  });
  return { ...answer, sql, resolved };
}

/** Every metric with what it can be broken down by, sorted by name. */
export function listMetrics(model: SemanticModel): MetricInfo[] {
  const index = new ModelIndex(model);
  return model.metrics
    .map((m): MetricInfo => {
      const dims = breakdowns(index, m.name);
      return {
        name: m.name,
        kind: m.kind,
        ...(m.description !== undefined ? { description: m.description } : {}),
        dimensions: dims.map((d) => d.ref),
        timeDimensions: dims.filter((d) => d.time).map((d) => d.ref),
      };
    })
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

/** Dimensions reachable through many-to-one joins from every entity a metric aggregates (sorted). */
function breakdowns(index: ModelIndex, metric: string): { ref: string; time: boolean }[] {
  const entities = metricEntities(index, metric);
  const reach = entities.map((e) => index.reachable(e));
  const out: { ref: string; time: boolean }[] = [];
  for (const e of index.entities.values()) {
    if (!reach.every((r) => r.has(e.name))) continue;
    for (const d of e.dimensions)
      out.push({ ref: formatDimRef({ entity: e.name, dimension: d.name }), time: d.time !== undefined });
  }
  return out.sort((a, b) => (a.ref < b.ref ? -1 : a.ref > b.ref ? 1 : 0));
}

/** The model in plain words (Markdown): entities, relationships, metrics and synonyms. */
export function describeModel(model: SemanticModel): string {
  const lines: string[] = ['# Semantic model', ''];
  if (model.entities.length === 0) lines.push('No entities.', '');
  for (const e of model.entities) {
    lines.push(`## Entity ${e.name}`, '', `Table \`${e.table}\`, primary key ${e.primaryKey.join(', ')}.`);
    if (e.description) lines.push('', e.description);
    if (e.dimensions.length > 0) {
      lines.push('', 'Dimensions:');
      for (const d of e.dimensions) {
        const grains = d.time ? ` (time: ${d.time.grains.join(', ')})` : '';
        lines.push(`- \`${e.name}.${d.name}\`${grains}${d.description ? `: ${d.description}` : ''}`);
      }
    }
    if (e.measures.length > 0) {
      lines.push('', 'Measures:');
      for (const m of e.measures) {
        const what = m.agg === 'count' && m.expr === undefined ? 'count of rows' : `${m.agg} of ${m.expr}`;
        const filter = m.filter ? ` where ${m.filter}` : '';
        lines.push(`- \`${e.name}.${m.name}\`: ${what}${filter}${m.description ? `. ${m.description}` : ''}`);
      }
    }
    lines.push('');
  }
  if (model.relationships.length > 0) {
    lines.push('## Relationships', '');
    for (const r of model.relationships) {
      const on = r.on.map((p) => `${r.from}.${p.from} = ${r.to}.${p.to}`).join(' and ');
      lines.push(
        `- ${r.name}: ${r.from} ${r.kind === 'many_to_one' ? 'many-to-one' : 'one-to-many'} ${r.to} (${on})`,
      );
    }
    lines.push('');
  }
  if (model.metrics.length > 0) {
    lines.push('## Metrics', '');
    const infos = new Map(listMetrics(model).map((i) => [i.name, i]));
    for (const m of model.metrics) {
      const def =
        m.kind === 'simple'
          ? m.measure
          : m.kind === 'cumulative'
            ? `running total of ${m.measure} along ${m.timeDimension}${m.window ? ` over ${m.window} periods` : ''}`
            : m.kind === 'ratio'
              ? `${m.numerator} / ${m.denominator}`
              : m.expr;
      lines.push(
        `- \`${m.name}\` (${m.kind}): ${def}${m.filter ? ` where ${m.filter}` : ''}${m.description ? `. ${m.description}` : ''}`,
      );
      lines.push(`  - by: ${infos.get(m.name)!.dimensions.join(', ') || 'no dimensions'}`);
    }
    lines.push('');
  }
  if (model.synonyms.length > 0) {
    lines.push('## Synonyms', '');
    for (const s of model.synonyms) {
      const target =
        s.dimension !== undefined
          ? `dimension ${s.dimension}`
          : s.filter !== undefined
            ? `filter ${s.filter}`
            : s.metric !== undefined
              ? `metric ${s.metric}`
              : `ordered by ${s.orderBy!.metric} ${s.orderBy!.direction}`;
      lines.push(`- "${s.phrase}" → ${target}`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

/** `columnsOf` backed by the catalog: a table's current schema (undefined when it does not exist). */
export function catalogColumns(catalog: Catalog): ColumnsOf {
  return async (table) => {
    const id = parseTableIdentifier(table);
    if (!(await catalog.tableExists(id))) return undefined;
    const t = await catalog.loadTable(id);
    return t.schema().fields.map((f) => ({
      name: f.name,
      type: isPrimitive(f.type) ? formatPrimitiveType(f.type) : f.type.kind,
    }));
  };
}

/** The JSON form of a metric request (HTTP, MCP): strict, camelCase as `MetricRequest`. */
export const metricRequestSchema = z.strictObject({
  metrics: z.array(z.string().min(1)).min(1),
  by: z.array(z.string().min(1)).optional(),
  where: z.string().optional(),
  grain: z.enum(['day', 'week', 'month', 'quarter', 'year']).optional(),
  asOf: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'must be a date written YYYY-MM-DD')
    .optional(),
  orderBy: z
    .array(z.strictObject({ field: z.string().min(1), direction: z.enum(['asc', 'desc']).optional() }))
    .optional(),
  limit: z.number().int().min(0).optional(),
});

/** Checks a metric request given as JSON; a wrong shape is a UsageError naming the field. */
export function parseMetricRequest(input: unknown): MetricRequest {
  const r = metricRequestSchema.safeParse(input);
  if (r.success) return r.data as MetricRequest;
  const issue = r.error.issues[0]!;
  const path = issue.path.map(String).join('.');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`
      : issue.message;
  throw new UsageError(`invalid metric request: ${path === '' ? '' : `${path}: `}${message}`);
}
