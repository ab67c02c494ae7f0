/**
 * The MCP tools of a Lakekit catalog, for one caller, independent of the protocol (server.ts
 * registers them with the SDK). Everything answers as the caller: the datasets it may read, only the
 * columns it may see (hidden columns are counted, never named), queries through the governed engine
 * (its masks and row filters apply, every answer has a receipt), and the receipts it may read.
 */
import {
  type Actor,
  type Annotation,
  type Catalog,
  type EffectiveAccess,
  type GovernanceSnapshot,
  type TagAssignment,
  tableHealth,
} from '@lakekit/catalog';
import {
  ForbiddenError,
  formatTableIdentifier,
  type TableIdentifier,
  typeToString,
  UsageError,
} from '@lakekit/core';
import type { GovernedAnswer, GovernedQueryEngine } from '../governed/engine.js';
import { canReadReceipt, loadReceipt } from '../governed/flags.js';
import { explainReceipt } from '../governed/receipt.js';
import type { Grain, MetricRequest, SemanticModel } from '../semantic/types.js';
import { ok, type ToolResult, textTable } from './format.js';

/** What the MCP server of one caller works with. */
export interface LakekitMcpOptions {
  catalog: Catalog;
  /** The governed query engine (opened on first use by whoever owns it; never closed here). */
  engine: () => Promise<GovernedQueryEngine>;
  /** Who every tool answers as. */
  actor: Actor;
  /** The semantic models (undefined: there are none); a rejection is reported by the metric tools. */
  semantic: () => Promise<SemanticModel | undefined>;
  /** Stops running queries when it fires (an HTTP request whose client went away). */
  signal?: AbortSignal;
  /** Rows `run_sql` and `query_metrics` return when the agent gives no limit (default 200). */
  defaultLimit?: number;
  /** Unexpected errors of tools (default: written to stderr). */
  onError?: (error: unknown, tool: string) => void;
}

/** The most rows a tool returns in one answer. */
export const MCP_MAX_ROWS = 10_000;
/** Rows returned when the agent gives no limit. */
export const MCP_DEFAULT_ROWS = 200;

/** The arguments of `query_metrics` as the agent sends them. */
export interface QueryMetricsArgs {
  metrics: string[];
  by?: string[] | undefined;
  where?: string | undefined;
  grain?: Grain | undefined;
  as_of?: string | undefined;
  order_by?: (string | { field: string; direction?: 'asc' | 'desc' | undefined })[] | undefined;
  limit?: number | undefined;
  require_healthy?: boolean | undefined;
}

const NO_MODELS =
  'There are no semantic models: metrics are defined in YAML files under semantic/ next to the Lakekit configuration (see docs/semantic.md). run_sql answers SQL over the datasets meanwhile.';

function tagsOf(all: readonly TagAssignment[], column?: string): string[] {
  return all
    .filter((t) => t.column === column)
    .map((t) => t.tag)
    .sort();
}

function annotationOf(all: readonly Annotation[], column?: string): Annotation | undefined {
  return all.find((a) => a.column === column);
}

/** Replaces each of `names` (as a word, any case) by `<hidden column>`. */
export function redactor(names: readonly string[]): (text: string) => string {
  if (names.length === 0) return (text) => text;
  const escaped = [...names]
    .sort((a, b) => b.length - a.length)
    .map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  // `_` counts as a boundary: a check named `ssn_present` names the column too.
  const re = new RegExp(`(?<![A-Za-z0-9])(?:${escaped.join('|')})(?![A-Za-z0-9])`, 'gi');
  return (text) => text.replace(re, '<hidden column>');
}

/** `field`, `field desc`, `field:desc` (and `asc`) as an ordering. */
export function parseOrder(o: string | { field: string; direction?: 'asc' | 'desc' | undefined }): {
  field: string;
  direction?: 'asc' | 'desc';
} {
  if (typeof o !== 'string') return { field: o.field, ...(o.direction ? { direction: o.direction } : {}) };
  const m = /^(.*?)(?:\s+|\s*:\s*)(asc|desc)$/i.exec(o.trim());
  if (m?.[1]) return { field: m[1].trim(), direction: m[2]!.toLowerCase() as 'asc' | 'desc' };
  return { field: o.trim() };
}

/** The tools, as the caller of `options.actor`. */
export class LakekitTools {
  constructor(private readonly o: LakekitMcpOptions) {}

  private get gov() {
    return this.o.catalog.governance;
  }

  /**
   * The caller's access to a table (undefined for the local administrator: everything), or
   * undefined access with `readable` false when it may not read it.
   */
  private async accessTo(
    name: string,
    snap: GovernanceSnapshot,
  ): Promise<{ readable: boolean; access?: EffectiveAccess }> {
    if (this.o.actor.localAdmin) return { readable: true };
    const access = await this.gov.effectiveAccess(this.o.actor.name, name, snap);
    return { readable: access.canSelect && access.columns.some((c) => c.access !== 'hidden'), access };
  }

  /** Every table of the catalog by name (`ns.table`), sorted by name. */
  private async tables(): Promise<Map<string, TableIdentifier>> {
    const ids = await this.o.catalog.listAllTables();
    return new Map(
      ids.map((id) => [formatTableIdentifier(id), id] as const).sort(([a], [b]) => (a < b ? -1 : 1)),
    );
  }

  /** Refuses (audited), as if the thing did not exist to the caller. */
  private async refuse(tool: string, target: string, message: string): Promise<never> {
    await this.gov
      .appendAudit({
        actor: this.o.actor.name,
        action: 'mcp.forbidden',
        target,
        outcome: 'denied',
        detail: { tool, reason: message },
      })
      .catch(() => undefined);
    throw new ForbiddenError(message, { context: { principal: this.o.actor.name } });
  }

  async listDatasets(): Promise<ToolResult> {
    const snap = await this.gov.snapshot();
    const names = [...(await this.tables()).keys()];
    const decided = await Promise.all(
      names.map(async (name) => {
        // A table that cannot be read now (metadata missing, a concurrent drop) is left out.
        const a: { readable: boolean; access?: EffectiveAccess } = await this.accessTo(name, snap).catch(
          () => ({ readable: false }),
        );
        return { name, ...a };
      }),
    );
    const datasets = await Promise.all(
      decided
        .filter((d) => d.readable)
        .map(async ({ name, access }) => {
          const annotations = snap.annotationsOf(name);
          const table = annotationOf(annotations);
          const quality = tableHealth(
            name,
            await this.o.catalog.operations.listQuality({ table: name, limit: 1000 }),
          );
          const columns = access?.columns.filter((c) => c.access !== 'hidden').length;
          return {
            name,
            ...(table?.description ? { description: table.description } : {}),
            tags: tagsOf(snap.tagsOf(name)),
            terms: table?.terms ?? [],
            quality: quality.status,
            ...(columns !== undefined ? { columns } : {}),
          };
        }),
    );
    const lines =
      datasets.length === 0
        ? [`${this.o.actor.name} may read no dataset of catalog ${this.o.catalog.name}.`]
        : [
            `Datasets ${this.o.actor.name} may read in catalog ${this.o.catalog.name} (describe_dataset shows columns):`,
            ...datasets.map(
              (d) =>
                `- ${d.name}${d.description ? `: ${d.description}` : ''} [quality: ${d.quality}]${d.tags.length > 0 ? ` (tags: ${d.tags.join(', ')})` : ''}`,
            ),
          ];
    return ok(lines.join('\n'), { datasets });
  }

  async describeDataset(requested: string): Promise<ToolResult> {
    const snap = await this.gov.snapshot();
    const tables = await this.tables();
    const names = [...tables.keys()];
    const name =
      names.find((n) => n === requested) ?? names.find((n) => n.toLowerCase() === requested.toLowerCase());
    const notVisible = `table ${requested} does not exist or ${this.o.actor.name} may not read it`;
    if (name === undefined) return this.refuse('describe_dataset', `table:${requested}`, notVisible);
    const { readable, access } = await this.accessTo(name, snap);
    if (!readable) return this.refuse('describe_dataset', `table:${name}`, notVisible);
    const [table, quality] = await Promise.all([
      this.o.catalog.loadTable(tables.get(name)!),
      this.o.catalog.operations.listQuality({ table: name, limit: 1000 }),
    ]);
    const annotations = snap.annotationsOf(name);
    const tags = snap.tagsOf(name);
    const all =
      access?.columns ??
      table
        .schema()
        .fields.map((f) => ({ name: f.name, type: typeToString(f.type), access: 'visible' as const }));
    const seen = all.filter((c) => c.access !== 'hidden');
    const columns = seen.map((c) => {
      const a = annotationOf(annotations, c.name);
      const mask = 'mask' in c ? c.mask : undefined;
      return {
        name: c.name,
        type: c.type,
        access: c.access as 'visible' | 'masked',
        ...(c.access === 'masked' && mask ? { mask: { kind: mask.kind, resultType: mask.resultType } } : {}),
        ...(a?.description ? { description: a.description } : {}),
        terms: a?.terms ?? [],
        tags: tagsOf(tags, c.name),
      };
    });
    const hiddenColumns = all.length - seen.length;
    const health = tableHealth(name, quality);
    // Check names and messages may name columns: the hidden ones are not shown (row samples never are).
    const redact = redactor(all.filter((c) => c.access === 'hidden').map((c) => c.name));
    const failedChecks = health.checks
      .filter((c) => c.latest.status === 'failed')
      .map((c) => ({
        check: redact(c.check),
        kind: c.kind,
        severity: c.severity,
        message: redact(c.latest.message),
        checkedAt: c.latest.checkedAt,
      }));
    const snapshot = table.currentSnapshot();
    const committedMs = snapshot?.['timestamp-ms'];
    const freshness = {
      ...(snapshot ? { snapshotId: String(snapshot['snapshot-id']) } : {}),
      ...(committedMs !== undefined
        ? {
            committedAt: new Date(committedMs).toISOString(),
            ageSeconds: Math.max(0, Math.round((Date.now() - committedMs) / 1000)),
          }
        : {}),
      stale: failedChecks.some((c) => c.kind === 'freshness'),
    };
    const t = annotationOf(annotations);
    const described = {
      name,
      ...(t?.description ? { description: t.description } : {}),
      ...(t?.owner ? { owner: `${t.owner.type} ${t.owner.name}` } : {}),
      terms: t?.terms ?? [],
      tags: tagsOf(tags),
      columns,
      hiddenColumns,
      ...(access?.rowFilter ? { rowFilter: access.rowFilter.predicate } : {}),
      quality: {
        status: health.status,
        ...(health.checkedAt ? { checkedAt: health.checkedAt } : {}),
        failedChecks,
      },
      freshness,
    };
    const lines = [`${name}${t?.description ? `: ${t.description}` : ''}`];
    if (described.owner) lines.push(`Owner: ${described.owner}.`);
    if (described.terms.length > 0) lines.push(`Glossary terms: ${described.terms.join(', ')}.`);
    if (described.tags.length > 0) lines.push(`Tags: ${described.tags.join(', ')}.`);
    lines.push(
      `Columns ${this.o.actor.name} can read (${columns.length}${hiddenColumns > 0 ? `; ${hiddenColumns} more hidden from ${this.o.actor.name}` : ''}):`,
    );
    for (const c of columns) {
      const parts = [`- ${c.name} (${c.type})`];
      if (c.mask) parts.push(`masked: ${c.mask.kind}, values are ${c.mask.resultType}`);
      if (c.tags.length > 0) parts.push(`tags: ${c.tags.join(', ')}`);
      if (c.description) parts.push(c.description);
      lines.push(parts.join(' — '));
    }
    lines.push(
      described.rowFilter
        ? `Row filter for ${this.o.actor.name}: only rows where ${described.rowFilter}.`
        : `Row filter for ${this.o.actor.name}: none (every row).`,
    );
    lines.push(
      `Quality: ${health.status}${health.checkedAt ? ` (checked ${health.checkedAt})` : ''}${failedChecks.length > 0 ? `; failed: ${failedChecks.map((c) => `${c.check} (${c.severity}, ${c.kind}): ${c.message}`).join('; ')}` : ''}.`,
    );
    lines.push(
      snapshot
        ? `Freshness: snapshot ${freshness.snapshotId} committed ${freshness.committedAt} (${freshness.ageSeconds} s ago)${freshness.stale ? '; STALE: a freshness check failed' : ''}.`
        : 'Freshness: the table has no data yet.',
    );
    return ok(lines.join('\n'), described);
  }

  async listMetrics(): Promise<ToolResult> {
    const model = await this.o.semantic();
    if (!model || model.metrics.length === 0) return ok(NO_MODELS, { metrics: [], note: NO_MODELS });
    const { listMetrics } = await import('../semantic/index.js');
    const metrics = listMetrics(model);
    const lines = [
      'Metrics (query_metrics answers them; `by` takes the dimensions listed, time dimensions also as `dimension.grain`):',
      ...metrics.map(
        (m) =>
          `- ${m.name} (${m.kind})${m.description ? `: ${m.description}` : ''}${m.dimensions.length > 0 ? `; by: ${m.dimensions.join(', ')}` : ''}${m.timeDimensions.length > 0 ? `; time: ${m.timeDimensions.join(', ')}` : ''}`,
      ),
    ];
    if (model.synonyms.length > 0)
      lines.push(
        `Business words understood: ${model.synonyms
          .map((s) => s.phrase)
          .sort()
          .join(', ')}.`,
      );
    return ok(lines.join('\n'), {
      metrics,
      synonyms: model.synonyms.map((s) => s.phrase).sort(),
    });
  }

  async queryMetrics(args: QueryMetricsArgs, signal?: AbortSignal): Promise<ToolResult> {
    const model = await this.o.semantic();
    if (!model) throw new UsageError(NO_MODELS);
    const request: MetricRequest = {
      metrics: args.metrics,
      ...(args.by !== undefined ? { by: args.by } : {}),
      ...(args.where !== undefined ? { where: args.where } : {}),
      ...(args.grain !== undefined ? { grain: args.grain } : {}),
      ...(args.as_of !== undefined ? { asOf: args.as_of } : {}),
      ...(args.order_by !== undefined ? { orderBy: args.order_by.map(parseOrder) } : {}),
    };
    const { queryMetrics } = await import('../semantic/index.js');
    const engine = await this.o.engine();
    // The row limit is the engine's (not the request's LIMIT): the answer then says when it was cut.
    const answer = await queryMetrics(engine, this.o.actor, model, request, {
      limit: args.limit ?? this.o.defaultLimit ?? MCP_DEFAULT_ROWS,
      ...(args.require_healthy !== undefined ? { requireHealthy: args.require_healthy } : {}),
      ...(signal ? { signal } : {}),
    });
    const r = answer.resolved;
    const lines = [textTable(answer.columns, answer.rows), this.footer(answer)];
    lines.push(
      `Asked: ${r.metrics.join(', ')}${r.by.length > 0 ? ` by ${r.by.join(', ')}` : ''}${r.where ? ` where ${r.where}` : ''} (grain ${r.grain}, as of ${r.asOf}).`,
    );
    if (r.notes.length > 0) lines.push(`Read as: ${r.notes.join('; ')}.`);
    return ok(lines.join('\n'), {
      ...this.structured(answer),
      resolved: r,
      sql: answer.sql,
    });
  }

  async runSql(
    args: { sql: string; limit?: number | undefined; require_healthy?: boolean | undefined },
    signal?: AbortSignal,
  ): Promise<ToolResult> {
    const engine = await this.o.engine();
    const answer = await engine.query(this.o.actor, args.sql, {
      limit: args.limit ?? this.o.defaultLimit ?? MCP_DEFAULT_ROWS,
      ...(args.require_healthy !== undefined ? { requireHealthy: args.require_healthy } : {}),
      ...(signal ? { signal } : {}),
    });
    return ok(
      [textTable(answer.columns, answer.rows), this.footer(answer)].join('\n'),
      this.structured(answer),
    );
  }

  async explainAnswer(id: string): Promise<ToolResult> {
    const receipt = await loadReceipt(this.o.catalog, id);
    if (!(await canReadReceipt(this.o.catalog, this.o.actor, receipt)))
      return this.refuse(
        'explain_answer',
        `receipt:${id}`,
        `receipt ${id} is not ${this.o.actor.name}'s: only the principal that asked, or MANAGE on the catalog, may read it`,
      );
    return ok(explainReceipt(receipt), { receipt });
  }

  private footer(answer: GovernedAnswer): string {
    const r = answer.receipt;
    const lines = [
      `${answer.rows.length} row(s)${answer.truncated ? ` — cut at the limit of ${r.result.limit}: more rows exist (ask with a larger limit, or aggregate)` : ''}.`,
      `Receipt: ${r.id} (explain_answer explains it).`,
    ];
    if (r.warnings.length > 0) lines.push(`Warnings: ${r.warnings.join('; ')}.`);
    return lines.join('\n');
  }

  private structured(answer: GovernedAnswer): Record<string, unknown> {
    return {
      columns: answer.columns,
      rows: answer.rows,
      truncated: answer.truncated,
      receipt: answer.receipt.id,
      warnings: answer.receipt.warnings,
    };
  }
}
