/**
 * The metric compiler: a request (metrics, dimensions, a filter, an ordering) becomes one SQL text
 * over `ns.table` names. It is a pure function of the model and the request: the same pair gives
 * byte-identical SQL (the as-of date defaults to today, UTC).
 *
 * Fan-out safety. Joining along a one-to-many relationship repeats the rows of the "one" side, so a
 * measure summed after such a join would be counted several times. The compiler never does that:
 *
 * 1. Every measure is aggregated in a CTE of its own entity (`agg_<entity>`), grouped by the
 *    requested dimensions. That CTE joins only the entities the request needs, and only along
 *    many-to-one edges leaving the measure's entity (LEFT JOIN: rows without a match keep NULL
 *    dimensions). Each row of the measure's entity meets at most one row of each joined entity, so
 *    no row is repeated. A dimension (or filter) that can only be reached through a one-to-many
 *    step is refused, naming the metric and the dimension.
 * 2. With measures of several entities, the CTEs are joined on the dimension values: a spine (the
 *    UNION of every CTE's dimension tuples) is LEFT JOINed to each CTE with IS NOT DISTINCT FROM, so
 *    each CTE contributes at most one row per tuple — and NULL dimension values still match.
 * 3. Metrics (ratios, derived arithmetic, running totals) are computed on those joined aggregates.
 *
 * The result has a total order: the requested ordering, then every dimension (each row is a
 * distinct tuple of dimension values).
 */
import { quoteIdent, quoteLiteral, UsageError } from '@lakekit/core';
import { derivedSql, parseDerived } from './derived.js';
import { qualifyExpression } from './expr.js';
import { type FilterNode, filterDimensions, filterSql, parseFilter } from './filter.js';
import {
  type DimRef,
  type Edge,
  formatDimRef,
  GRAINS,
  ModelIndex,
  metricDependencies,
  normalizePhrase,
  unreachable,
} from './model-index.js';
import { resolveAsOf } from './periods.js';
import type {
  CompiledQuery,
  Grain,
  Measure,
  Metric,
  MetricRequest,
  ResolvedRequest,
  SemanticModel,
} from './types.js';

/** Compiles a metric request to SQL; a request the model cannot answer is a UsageError saying why. */
export function compileMetricRequest(model: SemanticModel, request: MetricRequest): CompiledQuery {
  return new Compilation(new ModelIndex(model), request).compile();
}

/** One aggregate of one measure under one set of metric filters: a column of its entity's CTE. */
interface Instance {
  key: string;
  entity: string;
  measure: Measure;
  /** The SQL of the metric filters over it (AND-ed; empty: none). */
  filters: string[];
  /** The dimensions those filters use. */
  filterDims: DimRef[];
  /** Column name in the CTEs (`m1`, `m2`, …). */
  column: string;
  /** The requested metric it was first needed for (named in errors). */
  metric: string;
}

/** A requested dimension: the reference, its output label and its column in the CTEs. */
interface ByItem {
  ref: DimRef;
  label: string;
  column: string;
}

interface Ordering {
  /** Output label (a metric name or a dimension label). */
  label: string;
  direction: 'asc' | 'desc';
}

const INDENT = '  ';

class Compilation {
  private readonly asOf: string;
  private readonly grain: Grain;
  private readonly notes: string[] = [];
  private readonly metrics: string[] = [];
  private readonly by: ByItem[] = [];
  private readonly orderings: Ordering[] = [];
  private where: FilterNode | undefined;
  private whereSql: string | undefined;
  private readonly instances = new Map<string, Instance>();

  constructor(
    private readonly index: ModelIndex,
    private readonly request: MetricRequest,
  ) {
    checkRequestShape(request);
    this.asOf = resolveAsOf(request.asOf);
    this.grain = request.grain ?? 'month';
  }

  compile(): CompiledQuery {
    const synonymOrderings = this.resolveMetrics();
    this.resolveBy();
    this.addCumulativeTimeDimensions();
    this.resolveOrderBy(synonymOrderings);
    this.resolveWhere();
    // Metric SQL is built before the CTEs: it creates the measure instances they aggregate.
    const metricSql = this.metrics.map((m) => ({ name: m, sql: this.metricSql(m, [], m) }));
    this.checkReachable();
    const sql = this.render(metricSql);
    const resolved: ResolvedRequest = {
      metrics: [...this.metrics],
      by: this.by.map((b) => b.label),
      ...(this.whereSql !== undefined ? { where: this.whereSql } : {}),
      grain: this.grain,
      asOf: this.asOf,
      orderBy: this.orderings.map((o) => ({ field: o.label, direction: o.direction })),
      ...(this.request.limit !== undefined ? { limit: this.request.limit } : {}),
      notes: [...this.notes],
    };
    return { sql, resolved };
  }

  private note(s: string): void {
    if (!this.notes.includes(s)) this.notes.push(s);
  }

  // -------------------------------------------------------------------------------------------
  // Reading the request.

  private knownMetrics(): string {
    return [...this.index.metrics.keys()].sort().join(', ') || 'none';
  }

  /** Metric names and synonyms → metrics; returns the orderings synonyms such as "top selling" add. */
  private resolveMetrics(): Ordering[] {
    const orderings: Ordering[] = [];
    for (const raw of this.request.metrics) {
      const phrase = normalizePhrase(raw);
      let name: string;
      if (this.index.metrics.has(phrase)) name = phrase;
      else {
        const s = this.index.synonyms.get(phrase);
        if (s?.metric !== undefined) {
          name = s.metric;
          this.note(`"${phrase}" → metric ${name}`);
        } else if (s?.orderBy !== undefined) {
          name = s.orderBy.metric;
          orderings.push({ label: name, direction: s.orderBy.direction });
          this.note(
            `"${phrase}" → metric ${name}, ordered ${s.orderBy.direction === 'desc' ? 'descending' : 'ascending'}`,
          );
        } else {
          throw new UsageError(`unknown metric "${raw}" (metrics: ${this.knownMetrics()})`);
        }
      }
      if (!this.metrics.includes(name)) this.metrics.push(name);
    }
    return orderings;
  }

  /** A dimension as written in `by`, `orderBy` or a synonym: reference, dimension synonym, grain. */
  private resolveDimensionText(raw: string, where: string): DimRef {
    const phrase = normalizePhrase(raw);
    const s = this.index.synonyms.get(phrase);
    let text = raw.trim();
    if (s?.dimension !== undefined) {
      text = s.dimension;
      this.note(`"${phrase}" → ${s.dimension}`);
    }
    try {
      return this.index.resolveDimension(text.split('.'));
    } catch (e) {
      throw new UsageError(`${where} "${raw}": ${(e as Error).message}`);
    }
  }

  private resolveBy(): void {
    for (const raw of this.request.by ?? [])
      this.addBy(this.withGrain(this.resolveDimensionText(raw, 'by'), 'by', raw));
  }

  /** A time dimension without a grain takes the request's grain. */
  private withGrain(ref: DimRef, where: string, raw: string): DimRef {
    const dim = this.index.dimension(ref.entity, ref.dimension)!;
    if (!dim.time || ref.grain) return ref;
    if (!dim.time.grains.includes(this.grain))
      throw new UsageError(
        `${where} "${raw}": ${formatDimRef(ref)} has no grain ${this.grain} (it has ${dim.time.grains.join(', ')})`,
      );
    return { ...ref, grain: this.grain };
  }

  private addBy(ref: DimRef): void {
    const label = formatDimRef(ref);
    if (this.by.some((b) => b.label === label)) throw new UsageError(`by: ${label} is listed twice`);
    this.by.push({ ref, label, column: `d${this.by.length + 1}` });
  }

  /** Every metric the request computes, with the metrics below them (depth first, each once). */
  private allMetrics(): Metric[] {
    const out: Metric[] = [];
    const visit = (name: string) => {
      const m = this.index.metrics.get(name)!;
      if (out.includes(m)) return;
      out.push(m);
      for (const d of metricDependencies(m)) visit(d);
    };
    for (const m of this.metrics) visit(m);
    return out;
  }

  /** A running total needs its time dimension in `by`: added at the request's grain when missing. */
  private addCumulativeTimeDimensions(): void {
    for (const m of this.allMetrics()) {
      if (m.kind !== 'cumulative') continue;
      const [entity, dimension] = m.timeDimension!.split('.') as [string, string];
      if (this.by.some((b) => b.ref.entity === entity && b.ref.dimension === dimension)) continue;
      const ref = this.withGrain({ entity, dimension }, 'metric', m.name);
      this.addBy(ref);
      this.note(`${m.name} accumulates along ${m.timeDimension}: added ${formatDimRef(ref)} to by`);
    }
  }

  private resolveOrderBy(fromSynonyms: Ordering[]): void {
    const add = (o: Ordering) => {
      if (!this.orderings.some((x) => x.label === o.label)) this.orderings.push(o);
    };
    for (const item of this.request.orderBy ?? []) {
      const phrase = normalizePhrase(item.field);
      const s = this.index.synonyms.get(phrase);
      let metric: string | undefined;
      let direction = item.direction;
      if (this.index.metrics.has(phrase)) metric = phrase;
      else if (s?.metric !== undefined) {
        metric = s.metric;
        this.note(`"${phrase}" → metric ${metric}`);
      } else if (s?.orderBy !== undefined) {
        metric = s.orderBy.metric;
        direction ??= s.orderBy.direction;
        this.note(`"${phrase}" → ordered by ${metric} ${direction === 'desc' ? 'descending' : 'ascending'}`);
      }
      if (metric !== undefined) {
        if (!this.metrics.includes(metric)) {
          this.metrics.push(metric);
          this.note(`ordering by ${metric}: added it to the metrics`);
        }
        add({ label: metric, direction: direction ?? 'asc' });
        continue;
      }
      const ref = this.resolveDimensionText(item.field, 'orderBy');
      const match = this.by.find(
        (b) =>
          b.ref.entity === ref.entity &&
          b.ref.dimension === ref.dimension &&
          (ref.grain === undefined || b.ref.grain === ref.grain),
      );
      if (!match)
        throw new UsageError(
          `orderBy "${item.field}": ${formatDimRef(ref)} is neither a requested metric nor in by (${this.by.map((b) => b.label).join(', ') || 'no dimensions'})`,
        );
      add({ label: match.label, direction: direction ?? 'asc' });
    }
    for (const o of fromSynonyms) add(o);
  }

  /** The one time dimension in `by`: what a bare period (`last quarter`) applies to. */
  private defaultTimeDimension(): DimRef {
    const times = this.by.filter((b) => this.index.dimension(b.ref.entity, b.ref.dimension)!.time);
    if (times.length === 1) {
      const { entity, dimension } = times[0]!.ref;
      return { entity, dimension };
    }
    throw new Error(
      times.length === 0
        ? 'a period alone applies to the time dimension in by, and there is none: write e.g. order_date in last quarter'
        : `a period alone is ambiguous with several time dimensions in by (${times.map((t) => t.label).join(', ')}): write e.g. order_date in last quarter`,
    );
  }

  private resolveWhere(): void {
    const text = this.request.where;
    if (text === undefined || text.trim() === '') return;
    try {
      this.where = parseFilter(text, {
        index: this.index,
        synonyms: true,
        defaultTimeDimension: () => this.defaultTimeDimension(),
      });
    } catch (e) {
      throw new UsageError(`where: ${(e as Error).message}`);
    }
    this.whereSql = this.filterSql(this.where);
  }

  // -------------------------------------------------------------------------------------------
  // SQL pieces.

  /** A dimension's SQL inside an aggregate CTE: its expression over its entity's alias, truncated to the grain. */
  private dimensionSql(ref: DimRef): string {
    const dim = this.index.dimension(ref.entity, ref.dimension)!;
    const x = qualifyExpression(dim.expr, ref.entity);
    return ref.grain ? `CAST(date_trunc(${quoteLiteral(ref.grain)}, ${x}) AS DATE)` : x;
  }

  private filterSql(node: FilterNode): string {
    return filterSql(node, { dimensionSql: (r) => this.dimensionSql(r), asOf: this.asOf, notes: this.notes });
  }

  /** The measure instance of `measureRef` under `filters`, created on first use. */
  private instance(measureRef: string, filters: FilterNode[], metric: string): Instance {
    const [entity, name] = measureRef.split('.') as [string, string];
    const measure = this.index.entities.get(entity)!.measures.find((m) => m.name === name)!;
    const sqls = filters.map((f) => this.filterSql(f));
    const key = `${measureRef}|${sqls.join(' AND ')}`;
    let inst = this.instances.get(key);
    if (!inst) {
      inst = {
        key,
        entity,
        measure,
        filters: sqls,
        filterDims: filters.flatMap(filterDimensions),
        column: `m${this.instances.size + 1}`,
        metric,
      };
      this.instances.set(key, inst);
    }
    return inst;
  }

  /**
   * A metric's SQL over the joined aggregates (columns `d…`, `m…`). `inherited` are the filters of
   * the metrics above it; `top` is the requested metric (for error messages).
   */
  private metricSql(name: string, inherited: FilterNode[], top: string): string {
    const m = this.index.metrics.get(name)!;
    let filters = inherited;
    if (m.filter !== undefined) {
      try {
        filters = [...inherited, parseFilter(m.filter, { index: this.index, synonyms: true })];
      } catch (e) {
        throw new UsageError(`metric ${m.name}, filter: ${(e as Error).message}`);
      }
    }
    switch (m.kind) {
      case 'simple':
        return this.instance(m.measure!, filters, top).column;
      case 'cumulative':
        return this.runningTotal(m, this.instance(m.measure!, filters, top));
      case 'ratio':
        return `CAST(${this.metricSql(m.numerator!, filters, top)} AS DOUBLE) / NULLIF(${this.metricSql(m.denominator!, filters, top)}, 0)`;
      case 'derived':
        return derivedSql(parseDerived(m.expr!), (n) => this.metricSql(n, filters, top));
    }
  }

  /**
   * A running total along the metric's time dimension (at its grain in `by`), separately for each
   * combination of the other dimensions; `window` limits it to that many periods.
   */
  private runningTotal(m: Metric, inst: Instance): string {
    const [entity, dimension] = m.timeDimension!.split('.');
    const time = this.by.find((b) => b.ref.entity === entity && b.ref.dimension === dimension)!;
    const others = this.by.filter((b) => b !== time).map((b) => b.column);
    const fn = inst.measure.agg === 'min' || inst.measure.agg === 'max' ? inst.measure.agg : 'sum';
    const partition = others.length > 0 ? `PARTITION BY ${others.join(', ')} ` : '';
    const frame =
      m.window === undefined
        ? 'ROWS BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW'
        : `RANGE BETWEEN ${windowInterval(time.ref.grain!, m.window)} PRECEDING AND CURRENT ROW`;
    return `${fn}(${inst.column}) OVER (${partition}ORDER BY ${time.column} ${frame})`;
  }

  /** Refuses a dimension or filter a measure's entity cannot reach through many-to-one joins. */
  private checkReachable(): void {
    const whereDims = this.where ? filterDimensions(this.where) : [];
    for (const inst of this.instances.values()) {
      const reach = this.index.reachable(inst.entity);
      const refuse = (verb: string, d: DimRef) => {
        if (!reach.has(d.entity))
          throw new UsageError(
            `metric ${inst.metric} cannot be ${verb} ${formatDimRef({ entity: d.entity, dimension: d.dimension })}: ${unreachable(inst.entity, `${d.entity}.${d.dimension}`)}`,
          );
      };
      for (const b of this.by) refuse('broken down by', b.ref);
      for (const d of whereDims) refuse('filtered by', d);
      for (const d of inst.filterDims) refuse('filtered by', d);
    }
  }

  // -------------------------------------------------------------------------------------------
  // The SQL text.

  private render(metricSql: { name: string; sql: string }[]): string {
    const groups = this.groupsByEntity();
    const ctes: (readonly [string, string])[] = groups.map((g) => [
      `agg_${g.entity}`,
      this.aggregateCte(g.entity, g.instances),
    ]);
    let source: string;
    if (groups.length === 1) {
      source = `agg_${groups[0]!.entity}`;
    } else {
      ctes.push(...this.joinCtes(groups));
      source = 'joined';
    }
    const select = [
      ...this.by.map((b) => `${b.column} AS ${quoteIdent(b.label)}`),
      ...metricSql.map((m) => `${m.sql} AS ${quoteIdent(m.name)}`),
    ];
    const lines = [
      `WITH ${ctes.map(([name, body]) => `${name} AS (\n${indent(body)}\n)`).join(',\n')}`,
      `SELECT\n${select.map((s) => INDENT + s).join(',\n')}`,
      `FROM ${source}`,
    ];
    const order = this.orderBy();
    if (order !== undefined) lines.push(`ORDER BY ${order}`);
    if (this.request.limit !== undefined) lines.push(`LIMIT ${this.request.limit}`);
    return lines.join('\n');
  }

  /** Instances by entity, in order of first use. */
  private groupsByEntity(): { entity: string; instances: Instance[] }[] {
    const groups: { entity: string; instances: Instance[] }[] = [];
    for (const inst of this.instances.values()) {
      const g = groups.find((x) => x.entity === inst.entity);
      if (g) g.instances.push(inst);
      else groups.push({ entity: inst.entity, instances: [inst] });
    }
    return groups;
  }

  /**
   * One entity's measures at the grain of the requested dimensions: its table, LEFT JOINed along
   * many-to-one edges to the entities the dimensions and filters need, filtered, grouped.
   */
  private aggregateCte(entity: string, instances: Instance[]): string {
    const needed = [
      ...this.by.map((b) => b.ref.entity),
      ...(this.where ? filterDimensions(this.where).map((d) => d.entity) : []),
      ...instances.flatMap((i) => i.filterDims.map((d) => d.entity)),
    ];
    const select = [
      ...this.by.map((b) => `${this.dimensionSql(b.ref)} AS ${b.column}`),
      ...instances.map((i) => `${this.aggregateSql(i)} AS ${i.column}`),
    ];
    const lines = [`SELECT\n${select.map((s) => INDENT + s).join(',\n')}`, `FROM ${this.tableSql(entity)}`];
    for (const e of this.joinPath(entity, needed))
      lines.push(
        `LEFT JOIN ${this.tableSql(e.to)} ON ${e.on
          .map((p) => `${quoteIdent(e.from)}.${quoteIdent(p.from)} = ${quoteIdent(e.to)}.${quoteIdent(p.to)}`)
          .join(' AND ')}`,
      );
    if (this.whereSql !== undefined) lines.push(`WHERE ${this.whereSql}`);
    if (this.by.length > 0) lines.push(`GROUP BY ${this.by.map((b) => b.column).join(', ')}`);
    return lines.join('\n');
  }

  /** `"ns"."table" AS "entity"`. */
  private tableSql(entity: string): string {
    const table = this.index.entities.get(entity)!.table;
    return `${table.split('.').map(quoteIdent).join('.')} AS ${quoteIdent(entity)}`;
  }

  /** The many-to-one edges joining `entity` to each needed entity (each edge once, parents first). */
  private joinPath(entity: string, needed: string[]): Edge[] {
    const reach = this.index.reachable(entity);
    const out: Edge[] = [];
    for (const n of needed) for (const e of reach.get(n) ?? []) if (!out.includes(e)) out.push(e);
    return out;
  }

  /** `sum("orders"."amount") FILTER (WHERE …)`: the measure's aggregate with its and its metrics' filters. */
  private aggregateSql(inst: Instance): string {
    const m = inst.measure;
    const x = m.expr === undefined ? undefined : qualifyExpression(m.expr, inst.entity);
    const agg =
      m.agg === 'count'
        ? `count(${x ?? '*'})`
        : m.agg === 'count_distinct'
          ? `count(DISTINCT ${x})`
          : `${m.agg}(${x})`;
    const filters = [
      ...(m.filter !== undefined ? [`(${qualifyExpression(m.filter, inst.entity)})`] : []),
      ...inst.filters,
    ];
    return filters.length === 0 ? agg : `${agg} FILTER (WHERE ${filters.join(' AND ')})`;
  }

  /**
   * Joins the aggregates of several entities. With dimensions: the spine of every dimension tuple
   * any CTE has, LEFT JOINed to each CTE on those values (NULL matching NULL); a count missing from
   * a CTE is 0. Without: each CTE is one row, CROSS JOINed.
   */
  private joinCtes(groups: { entity: string; instances: Instance[] }[]): (readonly [string, string])[] {
    const dims = this.by.map((b) => b.column);
    const measures = groups.flatMap((g) =>
      g.instances.map((i) => {
        const col = `agg_${g.entity}.${i.column}`;
        const count = i.measure.agg === 'count' || i.measure.agg === 'count_distinct';
        return dims.length > 0 && count ? `coalesce(${col}, 0) AS ${i.column}` : col;
      }),
    );
    if (dims.length === 0) {
      const select = measures.map((s) => INDENT + s).join(',\n');
      return [
        ['joined', `SELECT\n${select}\nFROM ${groups.map((g) => `agg_${g.entity}`).join(' CROSS JOIN ')}`],
      ];
    }
    const spine = groups.map((g) => `SELECT ${dims.join(', ')} FROM agg_${g.entity}`).join('\nUNION\n');
    const select = [...dims.map((d) => `spine.${d}`), ...measures].map((s) => INDENT + s).join(',\n');
    const joins = groups.map(
      (g) =>
        `LEFT JOIN agg_${g.entity} ON ${dims.map((d) => `spine.${d} IS NOT DISTINCT FROM agg_${g.entity}.${d}`).join(' AND ')}`,
    );
    return [
      ['spine', spine],
      ['joined', [`SELECT\n${select}`, 'FROM spine', ...joins].join('\n')],
    ];
  }

  /** The requested ordering, then every dimension not already in it: a total order. */
  private orderBy(): string | undefined {
    const terms = this.orderings.map((o) => `${quoteIdent(o.label)} ${o.direction.toUpperCase()} NULLS LAST`);
    for (const b of this.by)
      if (!this.orderings.some((o) => o.label === b.label))
        terms.push(`${quoteIdent(b.label)} ASC NULLS LAST`);
    // Without dimensions the answer is one row: nothing to order.
    return terms.length > 0 ? terms.join(', ') : undefined;
  }
}

/** `INTERVAL '2 months'`: the frame of a running total over `window` periods of `grain`. */
function windowInterval(grain: Grain, window: number): string {
  const k = window - 1;
  const [n, unit] =
    grain === 'week' ? [7 * k, 'days'] : grain === 'quarter' ? [3 * k, 'months'] : [k, `${grain}s`];
  return `INTERVAL ${quoteLiteral(`${n} ${unit}`)}`;
}

function indent(text: string): string {
  return text
    .split('\n')
    .map((l) => INDENT + l)
    .join('\n');
}

/** The request's own shape (what JSON callers can get wrong). */
function checkRequestShape(r: MetricRequest): void {
  const strings = (v: unknown) =>
    Array.isArray(v) && v.every((x) => typeof x === 'string' && x.trim() !== '');
  if (!strings(r.metrics) || r.metrics.length === 0) throw new UsageError('name at least one metric');
  if (r.by !== undefined && !strings(r.by)) throw new UsageError('by: expected a list of dimensions');
  if (r.where !== undefined && typeof r.where !== 'string')
    throw new UsageError('where: expected a filter text');
  if (r.grain !== undefined && !GRAINS.includes(r.grain))
    throw new UsageError(`grain must be one of ${GRAINS.join(', ')} (got ${String(r.grain)})`);
  if (r.limit !== undefined && (!Number.isInteger(r.limit) || r.limit < 0))
    throw new UsageError(`limit must be a whole number, 0 or more (got ${String(r.limit)})`);
  for (const o of r.orderBy ?? []) {
    if (typeof o?.field !== 'string' || o.field.trim() === '')
      throw new UsageError('orderBy: each entry needs a field');
    if (o.direction !== undefined && o.direction !== 'asc' && o.direction !== 'desc')
      throw new UsageError(`orderBy ${o.field}: direction must be asc or desc`);
  }
}
