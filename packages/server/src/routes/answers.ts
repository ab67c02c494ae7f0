/**
 * Governed queries and their answers: `POST /query` answers SQL as the caller sees the data (JSON,
 * or an Arrow IPC stream by `Accept`), with a receipt; the receipt can then be read, explained in
 * plain words, verified (rerun at its snapshots) and flagged as wrong (owners notified).
 *
 * A receipt is readable by the principal that asked and by MANAGE holders on the catalog; to anyone
 * else it is refused (403, audited) like any other thing they may not see.
 */
import type { Receipt as ReceiptT } from '@lakekit/query';
import { flagAnswer, listAnswerFlags, loadReceipt } from '@lakekit/query';
import * as z from 'zod';
import { ARROW_STREAM, answerToArrowStream } from '../arrow.js';
import { HttpError } from '../problem.js';
import type { RequestContext } from '../route.js';
import { route } from '../route.js';
import { AnswerFlag, QueryColumn, Receipt } from '../schemas.js';

const tags = ['query'];

const MetricInfoSchema = z.object({
  name: z.string(),
  kind: z.enum(['simple', 'ratio', 'derived', 'cumulative']),
  description: z.string().optional(),
  dimensions: z.array(z.string()),
  timeDimensions: z.array(z.string()),
});

/** A metric request (the semantic layer's MetricRequest) and the query options. */
const MetricRequestBody = z
  .object({
    metrics: z.array(z.string().min(1)).min(1).meta({ description: 'metric names or business words' }),
    by: z
      .array(z.string().min(1))
      .optional()
      .meta({ description: 'dimensions (entity.dimension, time_dimension.grain) or business words' }),
    where: z.string().optional().meta({
      description: 'a filter in the grammar of docs/semantic.md; synonyms and relative periods allowed',
    }),
    grain: z.enum(['day', 'week', 'month', 'quarter', 'year']).optional(),
    asOf: z
      .string()
      .regex(/^\d{4}-\d{2}-\d{2}$/)
      .optional()
      .meta({
        description:
          'the date relative periods resolve against (default today, UTC); recorded in the receipt',
      }),
    orderBy: z
      .array(z.object({ field: z.string().min(1), direction: z.enum(['asc', 'desc']).optional() }).strict())
      .optional(),
    limit: z.number().int().min(0).optional(),
    timeoutMs: z.number().int().min(1).optional(),
    requireHealthy: z.boolean().optional(),
  })
  .strict();

const ReceiptParam = z
  .object({
    receipt: z.string().regex(/^rcpt_[0-9a-f]{32}$/, 'expected a receipt id (rcpt_ and 32 hex digits)'),
  })
  .strict();

/** The receipt, if the caller may read it (else an audited 403). */
async function readableReceipt(
  ctx: RequestContext<unknown, unknown, unknown>,
  id: string,
): Promise<ReceiptT> {
  const receipt = await loadReceipt(ctx.catalog, id);
  if (receipt.principal !== ctx.principal.name && !(await ctx.access.isAdmin())) {
    await ctx.access.deny(
      `receipt ${id} is not ${ctx.principal.name}'s: only the principal that asked, or MANAGE on the catalog, may read it`,
      `receipt:${id}`,
    );
  }
  return receipt;
}

/** Whether `Accept` prefers an Arrow stream to JSON (by quality; a tie goes to the type named). */
export function wantsArrow(request: Request): boolean {
  const accept = request.headers.get('accept');
  if (!accept) return false;
  let arrow = 0;
  let json = 0;
  for (const part of accept.toLowerCase().split(',')) {
    const [type = '', ...params] = part.split(';').map((x) => x.trim());
    const q = params.map((p) => /^q=([0-9.]+)$/.exec(p)?.[1]).find((x) => x !== undefined);
    const weight = q === undefined ? 1 : Number(q);
    if (type === ARROW_STREAM) arrow = Math.max(arrow, weight);
    else if (type === 'application/json' || type === 'application/*' || type === '*/*')
      json = Math.max(json, weight);
  }
  return arrow > 0 && arrow >= json;
}

/** The semantic models, or a 404 naming where they are expected. */
async function semanticModel(ctx: RequestContext<unknown, unknown, unknown>) {
  const model = await ctx.queries.semantic();
  if (!model || model.metrics.length === 0)
    throw new HttpError(
      404,
      'no_semantic_models',
      'this server has no metrics: no semantic models (semantic/*.yaml next to the configuration)',
    );
  return model;
}

export const answerRoutes = [
  route({
    method: 'get',
    path: '/api/v1/metrics',
    summary: 'The metrics of the semantic models, with the dimensions each can be broken down by',
    tags: ['metrics'],
    response: z.object({ metrics: z.array(MetricInfoSchema) }),
    handler: async (ctx) => {
      const { listMetrics } = await import('@lakekit/query');
      const model = await ctx.queries.semantic();
      return { metrics: model ? listMetrics(model) : [] };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/metrics/query',
    summary:
      "Answer a metric question (metrics by dimensions, a filter in the semantic layer's grammar, relative periods against asOf) over the caller's governed view, with a receipt",
    tags: ['metrics'],
    body: MetricRequestBody,
    response: z.object({
      columns: z.array(QueryColumn),
      rows: z.array(z.array(z.unknown())),
      truncated: z.boolean(),
      sql: z.string().meta({ description: 'the compiled SQL (the same request gives the same text)' }),
      resolved: z.record(z.string(), z.unknown()).meta({
        description:
          'how the request was read: metrics, dimensions, the filter as SQL, grain, asOf, notes on business words',
      }),
      receipt: Receipt,
    }),
    errors: {
      404: 'the server has no semantic models',
      408: 'the query ran past its time limit and was stopped',
      409: 'requireHealthy: an input failed an error check or is stale',
    },
    handler: async (ctx) => {
      const { queryMetrics, parseMetricRequest } = await import('@lakekit/query');
      const { requireHealthy, timeoutMs, ...rest } = ctx.body;
      const request = parseMetricRequest(rest);
      const model = await semanticModel(ctx);
      const answer = await ctx.queries.run((engine) =>
        queryMetrics(engine, ctx.actor, model, request, {
          ...(request.limit !== undefined ? { limit: request.limit } : {}),
          ...(timeoutMs !== undefined ? { timeoutMs } : {}),
          ...(requireHealthy !== undefined ? { requireHealthy } : {}),
          signal: ctx.request.signal,
        }),
      );
      return {
        columns: answer.columns,
        rows: answer.rows,
        truncated: answer.truncated,
        sql: answer.sql,
        resolved: answer.resolved as unknown as Record<string, unknown>,
        receipt: answer.receipt,
      };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/query',
    summary: `Answer SQL over the caller's governed view of the catalog, with a receipt (Accept: ${ARROW_STREAM} for an Arrow IPC stream)`,
    tags,
    body: z
      .object({
        sql: z.string().min(1).max(100_000).meta({ description: 'one SELECT over ns.table names' }),
        limit: z
          .number()
          .int()
          .min(0)
          .optional()
          .meta({ description: 'most rows returned (default 10,000); `truncated` says when more existed' }),
        timeoutMs: z
          .number()
          .int()
          .min(1)
          .optional()
          .meta({ description: 'time limit in milliseconds (default 30 s, at most 10 min)' }),
        requireHealthy: z
          .boolean()
          .optional()
          .meta({ description: 'refuse (409) when an input failed an error check or is stale' }),
      })
      .strict(),
    response: z.object({
      columns: z.array(QueryColumn),
      rows: z
        .array(z.array(z.unknown()))
        .meta({ description: 'integers past 2^53 and decimals as strings, in the answer’s total order' }),
      truncated: z.boolean(),
      receipt: Receipt,
    }),
    alsoProduces: [ARROW_STREAM],
    responseHeaders: {
      'Lakekit-Receipt': 'the receipt id (Arrow answers)',
      'Lakekit-Result-Hash': 'the result hash of the receipt (Arrow answers)',
      'Lakekit-Truncated': 'true when more rows existed than the limit (Arrow answers)',
    },
    errors: {
      408: 'the query ran past its time limit and was stopped',
      409: 'require_healthy: an input failed an error check or is stale',
      499: 'the client went away; the query was cancelled',
    },
    handler: async ({ body, actor, queries, request }) => {
      const answer = await queries.run((engine) =>
        engine.query(actor, body.sql, {
          ...(body.limit !== undefined ? { limit: body.limit } : {}),
          ...(body.timeoutMs !== undefined ? { timeoutMs: body.timeoutMs } : {}),
          ...(body.requireHealthy !== undefined ? { requireHealthy: body.requireHealthy } : {}),
          signal: request.signal,
        }),
      );
      if (wantsArrow(request)) {
        const bytes = await answerToArrowStream(answer);
        return new Response(bytes, {
          headers: {
            'content-type': ARROW_STREAM,
            'lakekit-receipt': answer.receipt.id,
            'lakekit-result-hash': answer.receipt.result.hash,
            'lakekit-truncated': String(answer.truncated),
          },
        });
      }
      return {
        columns: answer.columns,
        rows: answer.rows,
        truncated: answer.truncated,
        receipt: answer.receipt,
      };
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/answers/{receipt}',
    summary: 'A stored receipt (its principal, or MANAGE on the catalog)',
    tags,
    params: ReceiptParam,
    response: Receipt,
    handler: async (ctx) => readableReceipt(ctx, ctx.params.receipt),
  }),
  route({
    method: 'get',
    path: '/api/v1/answers/{receipt}/explain',
    summary: 'A receipt in plain words',
    tags,
    params: ReceiptParam,
    response: z.object({ text: z.string() }),
    handler: async (ctx) => {
      const receipt = await readableReceipt(ctx, ctx.params.receipt);
      const { explainReceipt } = await import('@lakekit/query');
      return { text: explainReceipt(receipt) };
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/answers/{receipt}/verify',
    summary:
      "Rerun a receipt's query at its snapshots as its principal and compare the result hash (`policiesChanged`: tables whose masks or row filter differ now)",
    tags,
    params: ReceiptParam,
    response: z.object({
      ok: z.boolean(),
      expected: z.string(),
      actual: z.string(),
      rows: z.number(),
      policiesChanged: z.array(z.string()),
    }),
    handler: async (ctx) => {
      const receipt = await readableReceipt(ctx, ctx.params.receipt);
      const result = await ctx.queries.run((engine) => engine.verifyReceipt(receipt));
      // The engine audits the rerun as the receipt's principal; this says who asked for it.
      await ctx.gov.appendAudit({
        actor: ctx.actor.name,
        action: 'answer.verify',
        target: `receipt:${receipt.id}`,
        outcome: 'ok',
        detail: { ok: result.ok, actual: result.actual, policiesChanged: result.policiesChanged },
      });
      return result;
    },
  }),
  route({
    method: 'post',
    path: '/api/v1/answers/{receipt}/flag',
    summary:
      "Flag an answer as wrong: its input tables' owners are notified (webhook) with the lineage to investigate; the flag is stored and audited",
    tags,
    params: ReceiptParam,
    body: z.object({ reason: z.string().min(1).max(2000) }).strict(),
    status: 201,
    response: AnswerFlag,
    handler: async (ctx) => {
      await readableReceipt(ctx, ctx.params.receipt);
      return flagAnswer({
        catalog: ctx.catalog,
        actor: ctx.actor,
        receiptId: ctx.params.receipt,
        reason: ctx.body.reason,
        ...(ctx.queries.webhookUrl ? { webhookUrl: ctx.queries.webhookUrl } : {}),
      });
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/answers/{receipt}/flags',
    summary: 'Flags raised on an answer, newest first',
    tags,
    params: ReceiptParam,
    response: z.array(AnswerFlag),
    handler: async (ctx) => {
      await readableReceipt(ctx, ctx.params.receipt);
      return listAnswerFlags(ctx.catalog, ctx.params.receipt);
    },
  }),
];
