/**
 * The semantic layer's public contract: models as loaded from `semantic/*.yaml`, metric requests,
 * and answers. The compiler (compile.ts) turns a request into one deterministic SQL text over
 * `ns.table` names, which runs through the governed query engine as the caller (its masks and row
 * filters apply and the answer has a receipt).
 */
import type { GovernedAnswer } from '../governed/engine.js';

export type Grain = 'day' | 'week' | 'month' | 'quarter' | 'year';
export type Aggregation = 'sum' | 'count' | 'count_distinct' | 'avg' | 'min' | 'max';
export type MetricKind = 'simple' | 'ratio' | 'derived' | 'cumulative';
export type RelationshipKind = 'many_to_one' | 'one_to_many';

/** A dimension of an entity: a column or an SQL expression over its columns. */
export interface Dimension {
  /** Unique within the entity; addressed as `entity.name` (or `name` alone when unambiguous). */
  name: string;
  /** A column name or an SQL expression over the entity's columns (checked when loaded). */
  expr: string;
  description?: string;
  /** Time dimensions can be asked at a grain (`order_date.month`). */
  time?: { grains: Grain[] };
}

/** A measure: an aggregation over an entity's rows, optionally filtered. */
export interface Measure {
  name: string;
  agg: Aggregation;
  /** A column or SQL expression (omitted for `count`: rows). */
  expr?: string;
  /** An SQL predicate over the entity's columns applied before aggregating. */
  filter?: string;
  description?: string;
}

/** A table of the lakehouse as a business entity. */
export interface Entity {
  name: string;
  /** `ns.table`. */
  table: string;
  /** Primary key columns. */
  primaryKey: string[];
  description?: string;
  dimensions: Dimension[];
  measures: Measure[];
}

/** A join between two entities (from the `from` entity's point of view). */
export interface Relationship {
  name: string;
  from: string;
  to: string;
  kind: RelationshipKind;
  /** Pairs of columns: `from` column = `to` column. */
  on: { from: string; to: string }[];
}

export interface Metric {
  name: string;
  kind: MetricKind;
  description?: string;
  /** simple and cumulative: `entity.measure`. */
  measure?: string;
  /** ratio: numerator and denominator metrics (by name). */
  numerator?: string;
  denominator?: string;
  /** derived: an arithmetic expression over other metrics by name. */
  expr?: string;
  /** cumulative: running total over the time dimension at the request's grain (`window` periods or all). */
  window?: number;
  /** cumulative: the time dimension it accumulates along (`entity.dimension`). */
  timeDimension?: string;
  /** An extra filter (same grammar as requests) applied to this metric only. */
  filter?: string;
}

/** A business word and what it stands for. */
export interface Synonym {
  /** The words, lower case, e.g. `midwest`, `top selling`. */
  phrase: string;
  /** One of: */
  /** a dimension (`region` → `customers.region`), */
  dimension?: string;
  /** a filter (`midwest` → `customers.state IN ('IL', 'IN', …)`), */
  filter?: string;
  /** a metric (`revenue` → `total_revenue`), */
  metric?: string;
  /** an ordering (`top selling` → order by `units_sold` descending). */
  orderBy?: { metric: string; direction: 'asc' | 'desc' };
}

/** The loaded, validated models. */
export interface SemanticModel {
  entities: Entity[];
  relationships: Relationship[];
  metrics: Metric[];
  synonyms: Synonym[];
  /** Which file each entity, metric and synonym came from (for error messages and resources). */
  sources: { file: string; text: string }[];
}

/** A metric question. */
export interface MetricRequest {
  /** Metric names or synonyms. */
  metrics: string[];
  /** Dimensions (`entity.dimension`, `dimension`, `time_dim.grain`) or synonyms. */
  by?: string[];
  /** A filter in the documented grammar (may use synonyms and relative periods). */
  where?: string;
  /** The grain of time dimensions in `by` that have none (default: month). */
  grain?: Grain;
  /** The date relative periods resolve against (`YYYY-MM-DD`, default today, UTC). */
  asOf?: string;
  /** Ordering: a metric or dimension name, or a synonym such as `top selling`. */
  orderBy?: { field: string; direction?: 'asc' | 'desc' }[];
  limit?: number;
}

/** What the compiler resolved a request to (recorded with the answer). */
export interface ResolvedRequest {
  metrics: string[];
  by: string[];
  /** The filter after synonyms and relative periods, as SQL. */
  where?: string;
  grain: Grain;
  asOf: string;
  orderBy: { field: string; direction: 'asc' | 'desc' }[];
  limit?: number;
  /** How each business word was read, e.g. `midwest → customers.state IN (…)`. */
  notes: string[];
}

/** A compiled request: the SQL text is a pure function of the model and the request. */
export interface CompiledQuery {
  sql: string;
  resolved: ResolvedRequest;
}

/** An answer to a metric question. */
export interface MetricAnswer extends GovernedAnswer {
  sql: string;
  resolved: ResolvedRequest;
}

/** What `list_metrics` shows. */
export interface MetricInfo {
  name: string;
  kind: MetricKind;
  description?: string;
  /** Dimensions it can be broken down by (`entity.dimension`). */
  dimensions: string[];
  timeDimensions: string[];
}
