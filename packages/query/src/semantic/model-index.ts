/**
 * Look-ups over a semantic model, shared by the loader (validation) and the compiler: entities,
 * dimensions by name, metrics, synonyms, and the join graph.
 *
 * The join graph has one directed edge per relationship, always pointing from the "many" side to
 * the "one" side (a `one_to_many` relationship is read backwards). Following these edges never
 * multiplies rows: each row of the starting entity meets at most one row of every entity it
 * reaches. The loader makes sure there is at most one such path between any two entities, so the
 * join that answers a question is never a choice.
 */
import { derivedMetricNames, parseDerived } from './derived.js';
import type { Dimension, Entity, Grain, Metric, Relationship, SemanticModel, Synonym } from './types.js';

/** A many-to-one step of the join graph. */
export interface Edge {
  relationship: string;
  /** The "many" side. */
  from: string;
  /** The "one" side. */
  to: string;
  /** Join columns: `from` column = `to` column. */
  on: { from: string; to: string }[];
}

/** A dimension as used in a request: which entity, which dimension, and the grain of a time dimension. */
export interface DimRef {
  entity: string;
  dimension: string;
  grain?: Grain;
}

export const GRAINS: readonly Grain[] = ['day', 'week', 'month', 'quarter', 'year'];

/** `entity.dimension` or `entity.dimension.grain`. */
export function formatDimRef(ref: DimRef): string {
  return `${ref.entity}.${ref.dimension}${ref.grain ? `.${ref.grain}` : ''}`;
}

/** Normalizes a phrase: lower case, single spaces. */
export function normalizePhrase(s: string): string {
  return s.trim().toLowerCase().split(/\s+/).join(' ');
}

/** Look-ups over one model. */
export class ModelIndex {
  readonly entities = new Map<string, Entity>();
  readonly metrics = new Map<string, Metric>();
  readonly synonyms = new Map<string, Synonym>();
  /** Dimension name → the entities that have a dimension of that name. */
  readonly dimensionOwners = new Map<string, string[]>();
  /** Many-to-one edges leaving each entity, in declaration order. */
  readonly edges = new Map<string, Edge[]>();

  constructor(readonly model: Pick<SemanticModel, 'entities' | 'relationships' | 'metrics' | 'synonyms'>) {
    for (const e of model.entities) {
      this.entities.set(e.name, e);
      for (const d of e.dimensions) {
        const owners = this.dimensionOwners.get(d.name) ?? [];
        owners.push(e.name);
        this.dimensionOwners.set(d.name, owners);
      }
    }
    for (const m of model.metrics) this.metrics.set(m.name, m);
    for (const s of model.synonyms) this.synonyms.set(normalizePhrase(s.phrase), s);
    for (const r of model.relationships) {
      const edge = edgeOf(r);
      const list = this.edges.get(edge.from) ?? [];
      list.push(edge);
      this.edges.set(edge.from, list);
    }
  }

  dimension(entity: string, name: string): Dimension | undefined {
    return this.entities.get(entity)?.dimensions.find((d) => d.name === name);
  }

  /**
   * Every entity reachable from `start` through many-to-one edges, with the path to it (the start
   * itself with an empty path). With several paths to one entity (the loader refuses such models)
   * the first found is kept.
   */
  reachable(start: string): Map<string, Edge[]> {
    const out = new Map<string, Edge[]>([[start, []]]);
    const visit = (entity: string, path: Edge[]) => {
      for (const e of this.edges.get(entity) ?? []) {
        if (out.has(e.to)) continue;
        const next = [...path, e];
        out.set(e.to, next);
        visit(e.to, next);
      }
    };
    visit(start, []);
    return out;
  }

  /**
   * Resolves a dimension reference written as dotted parts: `dimension`, `entity.dimension`,
   * `dimension.grain`, `entity.dimension.grain`. Throws an Error with the reason.
   */
  resolveDimension(parts: readonly string[]): DimRef {
    const [a, b, c] = parts.map((p) => p.toLowerCase());
    const text = parts.join('.');
    const grainOf = (g: string | undefined, ref: DimRef): DimRef => {
      if (g === undefined) return ref;
      if (!GRAINS.includes(g as Grain))
        throw new Error(`${text}: ${g} is not a grain (day, week, month, quarter, year)`);
      const dim = this.dimension(ref.entity, ref.dimension)!;
      if (!dim.time)
        throw new Error(`${text}: ${formatDimRef(ref)} is not a time dimension, it has no grains`);
      if (!dim.time.grains.includes(g as Grain))
        throw new Error(
          `${text}: ${formatDimRef(ref)} has no grain ${g} (it has ${dim.time.grains.join(', ')})`,
        );
      return { ...ref, grain: g as Grain };
    };
    if (parts.length === 0 || parts.length > 3 || parts.some((p) => p === ''))
      throw new Error(`"${text}" is not a dimension reference`);
    if (a !== undefined && b !== undefined && this.entities.has(a)) {
      if (!this.dimension(a, b)) throw new Error(`entity ${a} has no dimension ${b}`);
      return grainOf(c, { entity: a, dimension: b });
    }
    if (c !== undefined) throw new Error(`no entity ${a} (in ${text})`);
    const owners = this.dimensionOwners.get(a!) ?? [];
    if (owners.length === 0) {
      if (b !== undefined) throw new Error(`no entity or dimension named ${a} (in ${text})`);
      throw new Error(`no dimension named ${a}`);
    }
    if (owners.length > 1)
      throw new Error(
        `dimension ${a} is ambiguous (${owners.map((o) => `${o}.${a}`).join(', ')}): write entity.dimension`,
      );
    return grainOf(b, { entity: owners[0]!, dimension: a! });
  }

  /** Resolves `entity.measure` (or a measure name that only one entity has). */
  resolveMeasure(text: string): { entity: string; measure: string } {
    const parts = text.split('.');
    if (parts.length === 2) {
      const [entity, measure] = parts as [string, string];
      const e = this.entities.get(entity);
      if (!e) throw new Error(`no entity ${entity} (in ${text})`);
      if (!e.measures.some((m) => m.name === measure))
        throw new Error(`entity ${entity} has no measure ${measure}`);
      return { entity, measure };
    }
    if (parts.length !== 1) throw new Error(`"${text}" is not a measure reference (entity.measure)`);
    const owners = [...this.entities.values()].filter((e) => e.measures.some((m) => m.name === text));
    if (owners.length === 0) throw new Error(`no measure named ${text}`);
    if (owners.length > 1)
      throw new Error(`measure ${text} is ambiguous (${owners.map((o) => `${o.name}.${text}`).join(', ')})`);
    return { entity: owners[0]!.name, measure: text };
  }
}

/** The metrics a metric refers to directly (ratio: numerator, denominator; derived: its expression). */
export function metricDependencies(m: Metric): string[] {
  if (m.kind === 'ratio') return [m.numerator!, m.denominator!];
  if (m.kind === 'derived') return derivedMetricNames(parseDerived(m.expr!));
  return [];
}

/** The entities a metric aggregates (those of the measures below it), in order of first use. */
export function metricEntities(index: ModelIndex, name: string): string[] {
  const out: string[] = [];
  const visit = (n: string) => {
    const m = index.metrics.get(n)!;
    if (m.measure !== undefined) {
      const entity = m.measure.split('.')[0]!;
      if (!out.includes(entity)) out.push(entity);
    }
    for (const d of metricDependencies(m)) visit(d);
  };
  visit(name);
  return out;
}

/** Why a dimension cannot break down (or filter) the rows of an entity. */
export function unreachable(from: string, dimension: string): string {
  return `${dimension} cannot be reached from ${from} through many-to-one relationships (a one-to-many join would count ${from} rows more than once)`;
}

/** A relationship as a many-to-one edge. */
export function edgeOf(r: Relationship): Edge {
  if (r.kind === 'many_to_one') return { relationship: r.name, from: r.from, to: r.to, on: r.on };
  return {
    relationship: r.name,
    from: r.to,
    to: r.from,
    on: r.on.map((p) => ({ from: p.to, to: p.from })),
  };
}
