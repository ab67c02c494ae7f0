/**
 * Loads semantic models from `semantic/*.yaml`: YAML with strict zod schemas, then the checks that
 * need the whole model (names, references, columns, joins, cycles). Every problem is a ConfigError
 * naming the file and line, the model (`entity orders`, `metric revenue` …) and the field.
 */
import { readdir, readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { ConfigError, parseYamlSource } from '@lakekit/core';
import * as z from 'zod';
import { derivedMetricNames, parseDerived } from './derived.js';
import { checkExpression, ExpressionError } from './expr.js';
import { FILTER_KEYWORDS, filterDimensions, parseFilter } from './filter.js';
import {
  type Edge,
  edgeOf,
  formatDimRef,
  ModelIndex,
  metricDependencies,
  metricEntities,
  normalizePhrase,
  unreachable,
} from './model-index.js';
import type { Dimension, Entity, Measure, Metric, Relationship, SemanticModel, Synonym } from './types.js';

/** Columns of a table (`ns.table`), or undefined when it does not exist. */
export type ColumnsOf = (table: string) => Promise<{ name: string; type: string }[] | undefined>;

export interface LoadSemanticOptions {
  /** The tables' columns (the catalog's current schema); without it columns are not checked. */
  columnsOf?: ColumnsOf;
}

/** An empty model. */
export function emptySemanticModel(): SemanticModel {
  return { entities: [], relationships: [], metrics: [], synonyms: [], sources: [] };
}

/**
 * Reads every `*.yaml` / `*.yml` in `dir` (in name order; a missing folder is an empty model) and
 * validates the whole. Files are named `<folder name>/<file>` in errors and `sources`.
 */
export async function loadSemanticModels(
  dir: string,
  options: LoadSemanticOptions = {},
): Promise<SemanticModel> {
  let names: string[];
  try {
    names = (await readdir(dir, { withFileTypes: true }))
      .filter((d) => d.isFile() && /\.ya?ml$/i.test(d.name))
      .map((d) => d.name)
      .sort();
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return emptySemanticModel();
    throw new ConfigError(`cannot read the semantic models in ${dir}: ${(e as Error).message}`, { cause: e });
  }
  const files: { file: string; text: string }[] = [];
  for (const name of names)
    files.push({ file: join(basename(dir), name), text: await readFile(join(dir, name), 'utf8') });
  return parseSemanticModels(files, options);
}

// ---------------------------------------------------------------------------------------------
// The YAML shape (strict: an unknown key is an error).

const NAME = /^[a-z][a-z0-9_]*$/;
const name = z.string().regex(NAME, 'must be lower-case letters, digits and _, starting with a letter');
const grain = z.enum(['day', 'week', 'month', 'quarter', 'year']);
const text = z.string().trim().min(1, 'must not be empty');

const dimensionSchema = z.strictObject({
  name: name.describe(
    'Name, unique within the entity; addressed as `entity.name` (or `name` when unambiguous)',
  ),
  expr: text
    .optional()
    .describe("A column, or an SQL expression over the entity's columns. Default: the column named `name`"),
  description: z.string().optional().describe('What the dimension means'),
  time_grains: z
    .array(grain)
    .min(1)
    .optional()
    .describe('Makes it a time dimension, asked at these grains; its column must be a date or a timestamp'),
});
const measureSchema = z.strictObject({
  name: name.describe('Name, unique within the entity'),
  agg: z.enum(['sum', 'count', 'count_distinct', 'avg', 'min', 'max']).describe('The aggregation'),
  expr: text
    .optional()
    .describe(
      "A column or an SQL expression over the entity's columns (required but for `count`, which without it counts rows)",
    ),
  filter: text.optional().describe("An SQL predicate over the entity's columns, applied before aggregating"),
  description: z.string().optional().describe('What the measure means'),
});
const entitySchema = z.strictObject({
  name: name.describe('Name of the entity, unique across all files'),
  table: z
    .string()
    .regex(/^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)+$/, 'must be a table name: <namespace>.<table>')
    .describe('The table, `<namespace>.<table>`; it must exist in the catalog'),
  primary_key: z.array(text).min(1).describe('The columns that identify a row'),
  description: z.string().optional().describe('Shown by `lake metrics list`, `describeModel` and MCP'),
  dimensions: z
    .array(dimensionSchema)
    .default([])
    .describe('What answers can be broken down and filtered by'),
  measures: z.array(measureSchema).default([]).describe("Aggregations over the entity's rows"),
});
const relationshipSchema = z.strictObject({
  name: name.describe('Name of the relationship, unique across all files'),
  from: name.describe('The entity on the `from` side'),
  to: name.describe('The entity on the `to` side (another one)'),
  kind: z
    .enum(['many_to_one', 'one_to_many'])
    .describe('`many_to_one`: many `from` rows per `to` row; `one_to_many`: the reverse'),
  on: z
    .record(z.string(), text)
    .refine((o) => Object.keys(o).length > 0, 'must name at least one column pair')
    .describe(
      'Join columns as `from_column: to_column` pairs; the "one" side is joined on its whole primary key',
    ),
});
const metricSchema = z.strictObject({
  name: name.describe('Name of the metric, unique across all files and not the name of a dimension'),
  kind: z
    .enum(['simple', 'ratio', 'derived', 'cumulative'])
    .describe(
      '`simple`: a measure; `ratio`: numerator / denominator; `derived`: arithmetic over other metrics; `cumulative`: a running total along a time dimension',
    ),
  description: z.string().optional().describe('What the metric means'),
  measure: text
    .optional()
    .describe('`simple` and `cumulative`: the measure, `entity.measure` (or `measure` when unambiguous)'),
  numerator: name.optional().describe('`ratio`: the numerator metric'),
  denominator: name.optional().describe('`ratio`: the denominator metric (0 gives NULL)'),
  expr: text
    .optional()
    .describe('`derived`: arithmetic over other metrics by name (`+ - * /`, numbers, parentheses)'),
  window: z
    .number()
    .int()
    .min(1)
    .optional()
    .describe(
      "`cumulative`: total over the last `window` periods at the request's grain. Default: all periods",
    ),
  time_dimension: text
    .optional()
    .describe('`cumulative`: the time dimension it accumulates along (`entity.dimension`)'),
  filter: text.optional().describe('A filter in the request grammar, applied to this metric only'),
});
const synonymSchema = z.strictObject({
  phrase: text.optional().describe('The word or phrase: words of lower-case letters, digits and `_`'),
  phrases: z.array(text).min(1).optional().describe('Several phrases with one meaning'),
  dimension: text.optional().describe('It stands for this dimension (`customers.region`)'),
  filter: text
    .optional()
    .describe('It stands for this filter in the request grammar (relative periods allowed, not synonyms)'),
  metric: name.optional().describe('It stands for this metric'),
  order_by: z
    .strictObject({
      metric: name.describe('The metric'),
      direction: z.enum(['asc', 'desc']).default('desc').describe('The direction'),
    })
    .optional()
    .describe('It stands for a metric with an ordering (`top selling`)'),
});
export const fileSchema = z.strictObject({
  entities: z.array(entitySchema).optional().describe('Tables of the lakehouse as business entities'),
  relationships: z.array(relationshipSchema).optional().describe('Joins between entities'),
  metrics: z.array(metricSchema).optional().describe('Metrics: what questions ask for'),
  synonyms: z
    .array(synonymSchema)
    .optional()
    .describe('Business words and what each stands for (exactly one of dimension, filter, metric, order_by)'),
});

type RawFile = z.infer<typeof fileSchema>;
type Path = readonly (string | number)[];

/** One parsed file: its name, text and a way to find the line of a key path. */
interface Source {
  file: string;
  text: string;
  lineOf(path: Path): number | undefined;
}

/** Where a model object was declared: its file, its path there and how errors name it. */
interface Origin {
  source: Source;
  path: Path;
  /** `entity orders`, `metric revenue`, `synonym "midwest"`. */
  label: string;
  /** Declaration order over all files (later declarations are blamed for conflicts). */
  order: number;
  /** Synonyms: whether the phrase came from `phrase` or `phrases`. */
  phraseKey?: 'phrase' | 'phrases';
}

interface Located<T> {
  value: T;
  origin: Origin;
}

/** A ConfigError naming the file and line, the model and the field. */
function fail(
  origin: Origin,
  field: Path,
  fieldLabel: string,
  message: string,
  linePath: Path = field,
): ConfigError {
  const line = origin.source.lineOf([...origin.path, ...linePath]);
  const where = line === undefined ? origin.source.file : `${origin.source.file}:${line}`;
  const f = fieldLabel === '' ? '' : `, ${fieldLabel}`;
  return new ConfigError(`${where}: ${origin.label}${f}: ${message}`, {
    context: { file: origin.source.file, line, model: origin.label, field: fieldLabel },
  });
}

function parseYamlFile(file: string, text: string): { raw: unknown; source: Source } {
  const { raw, lineOf } = parseYamlSource(text, file);
  return { raw: raw ?? {}, source: { file, text, lineOf } };
}

const SINGULAR: Record<string, string> = {
  entities: 'entity',
  relationships: 'relationship',
  metrics: 'metric',
  synonyms: 'synonym',
};

/** How an item of a collection is named in errors (`entity orders`), from its raw YAML. */
function labelOf(collection: string, item: unknown, index: number): string {
  const o = (item ?? {}) as Record<string, unknown>;
  const kind = SINGULAR[collection] ?? collection;
  if (collection === 'synonyms') {
    const phrase = o['phrase'] ?? (Array.isArray(o['phrases']) ? o['phrases'][0] : undefined);
    return typeof phrase === 'string' ? `synonym "${phrase}"` : `synonym #${index + 1}`;
  }
  return typeof o['name'] === 'string' ? `${kind} ${o['name']}` : `${kind} #${index + 1}`;
}

/** A field path inside a model object, with names for list items: `dimensions.order_date.expr`. */
function fieldLabel(item: unknown, rest: Path): string {
  const parts: string[] = [];
  let at: unknown = item;
  for (const p of rest) {
    const next = (at as Record<string | number, unknown> | undefined)?.[p];
    if (typeof p === 'number') {
      const n = (next as { name?: unknown } | undefined)?.name;
      parts.push(typeof n === 'string' ? n : `#${p + 1}`);
    } else parts.push(p);
    at = next;
  }
  return parts.join('.');
}

function zodError(error: z.ZodError, raw: unknown, source: Source): ConfigError {
  const issue = error.issues[0]!;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const message =
    issue.code === 'unrecognized_keys'
      ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}`
      : issue.code === 'invalid_type' && valueAt(raw, path) === undefined
        ? 'is required'
        : issue.message;
  if (path.length >= 2 && typeof path[0] === 'string' && typeof path[1] === 'number' && SINGULAR[path[0]]) {
    const item = (raw as Record<string, unknown[]>)[path[0]]![path[1]];
    const origin: Origin = {
      source,
      path: path.slice(0, 2),
      label: labelOf(path[0], item, path[1]),
      order: 0,
    };
    // An unknown key is reported on its own line.
    const linePath = issue.code === 'unrecognized_keys' ? [...path.slice(2), issue.keys[0]!] : path.slice(2);
    return fail(origin, path.slice(2), fieldLabel(item, path.slice(2)) || '', message, linePath);
  }
  const line = source.lineOf(issue.code === 'unrecognized_keys' ? [...path, issue.keys[0]!] : path);
  const where = line === undefined ? source.file : `${source.file}:${line}`;
  const key = path.join('.');
  return new ConfigError(`${where}: ${key === '' ? '' : `${key}: `}${message}`, {
    context: { file: source.file, line, field: key },
  });
}

function valueAt(raw: unknown, path: Path): unknown {
  let at = raw;
  for (const p of path) at = (at as Record<string | number, unknown> | undefined)?.[p];
  return at;
}

// ---------------------------------------------------------------------------------------------
// Validation of the whole model.

/** Parses and validates model files (already read): what `loadSemanticModels` does after reading. */
export async function parseSemanticModels(
  files: readonly { file: string; text: string }[],
  options: LoadSemanticOptions = {},
): Promise<SemanticModel> {
  const entities: Located<Entity>[] = [];
  const relationships: Located<Relationship>[] = [];
  const metrics: Located<Metric>[] = [];
  const synonyms: Located<Synonym>[] = [];
  let order = 0;
  for (const f of files) {
    const { raw, source } = parseYamlFile(f.file, f.text);
    const parsed = fileSchema.safeParse(raw);
    if (!parsed.success) throw zodError(parsed.error, raw, source);
    const data: RawFile = parsed.data;
    const origin = (collection: string, i: number, item: unknown): Origin => ({
      source,
      path: [collection, i],
      label: labelOf(collection, item, i),
      order: order++,
    });
    (data.entities ?? []).forEach((e, i) => {
      entities.push({ value: entityOf(e), origin: origin('entities', i, e) });
    });
    (data.relationships ?? []).forEach((r, i) => {
      relationships.push({
        value: {
          name: r.name,
          from: r.from,
          to: r.to,
          kind: r.kind,
          on: Object.entries(r.on).map(([from, to]) => ({ from, to })),
        },
        origin: origin('relationships', i, r),
      });
    });
    (data.metrics ?? []).forEach((m, i) => {
      metrics.push({ value: metricOf(m), origin: origin('metrics', i, m) });
    });
    (data.synonyms ?? []).forEach((s, i) => {
      const o: Origin = { ...origin('synonyms', i, s), phraseKey: s.phrases ? 'phrases' : 'phrase' };
      if ((s.phrase === undefined) === (s.phrases === undefined))
        throw fail(o, [], '', 'give either phrase or phrases');
      for (const phrase of s.phrases ?? [s.phrase!])
        synonyms.push({ value: synonymOf(s, phrase), origin: o });
    });
  }

  const columns = await checkEntities(entities, options.columnsOf);
  checkRelationships(relationships, entities, columns);
  checkJoinGraph(relationships, entities);
  const index = new ModelIndex({
    entities: entities.map((e) => e.value),
    relationships: relationships.map((r) => r.value),
    metrics: metrics.map((m) => m.value),
    synonyms: synonyms.map((s) => s.value),
  });
  checkSynonyms(synonyms, index);
  checkMetrics(metrics, index);
  checkMetricCycles(metrics, index);
  checkMetricFilters(metrics, index);
  return {
    entities: entities.map((e) => e.value),
    relationships: relationships.map((r) => r.value),
    metrics: metrics.map((m) => m.value),
    synonyms: synonyms.map((s) => s.value),
    sources: files.map((f) => ({ file: f.file, text: f.text })),
  };
}

function entityOf(e: z.infer<typeof entitySchema>): Entity {
  return {
    name: e.name,
    table: e.table,
    primaryKey: e.primary_key,
    ...(e.description !== undefined ? { description: e.description } : {}),
    dimensions: e.dimensions.map(
      (d): Dimension => ({
        name: d.name,
        expr: d.expr ?? d.name,
        ...(d.description !== undefined ? { description: d.description } : {}),
        ...(d.time_grains ? { time: { grains: d.time_grains } } : {}),
      }),
    ),
    measures: e.measures.map(
      (m): Measure => ({
        name: m.name,
        agg: m.agg,
        ...(m.expr !== undefined ? { expr: m.expr } : {}),
        ...(m.filter !== undefined ? { filter: m.filter } : {}),
        ...(m.description !== undefined ? { description: m.description } : {}),
      }),
    ),
  };
}

function metricOf(m: z.infer<typeof metricSchema>): Metric {
  const out: Metric = { name: m.name, kind: m.kind };
  if (m.description !== undefined) out.description = m.description;
  if (m.measure !== undefined) out.measure = m.measure;
  if (m.numerator !== undefined) out.numerator = m.numerator;
  if (m.denominator !== undefined) out.denominator = m.denominator;
  if (m.expr !== undefined) out.expr = m.expr;
  if (m.window !== undefined) out.window = m.window;
  if (m.time_dimension !== undefined) out.timeDimension = m.time_dimension;
  if (m.filter !== undefined) out.filter = m.filter;
  return out;
}

function synonymOf(s: z.infer<typeof synonymSchema>, phrase: string): Synonym {
  const out: Synonym = { phrase: normalizePhrase(phrase) };
  if (s.dimension !== undefined) out.dimension = s.dimension;
  if (s.filter !== undefined) out.filter = s.filter;
  if (s.metric !== undefined) out.metric = s.metric;
  if (s.order_by !== undefined) out.orderBy = { metric: s.order_by.metric, direction: s.order_by.direction };
  return out;
}

/** A duplicate is blamed on the later declaration and names the earlier one. */
function firstDeclared(origin: Origin): string {
  const line = origin.source.lineOf(origin.path);
  return line === undefined ? origin.source.file : `${origin.source.file}:${line}`;
}

const TIME_TYPES = /^(date|timestamp)/i;

/** Names, tables, columns, dimensions and measures of every entity; returns each entity's columns. */
async function checkEntities(
  entities: Located<Entity>[],
  columnsOf: ColumnsOf | undefined,
): Promise<Map<string, Map<string, string> | undefined>> {
  const seen = new Map<string, Origin>();
  const columns = new Map<string, Map<string, string> | undefined>();
  const tables = new Map<string, Map<string, string> | undefined>();
  for (const { value: e, origin } of entities) {
    const before = seen.get(e.name);
    if (before)
      throw fail(origin, ['name'], 'name', `entity ${e.name} is already defined at ${firstDeclared(before)}`);
    if (FILTER_KEYWORDS.has(e.name))
      throw fail(origin, ['name'], 'name', `${e.name} is a word of the filter grammar`);
    seen.set(e.name, origin);
    let cols: Map<string, string> | undefined;
    if (columnsOf) {
      if (!tables.has(e.table)) {
        const list = await columnsOf(e.table);
        tables.set(e.table, list && new Map(list.map((c) => [c.name.toLowerCase(), c.type])));
      }
      cols = tables.get(e.table);
      if (!cols) throw fail(origin, ['table'], 'table', `table ${e.table} does not exist`);
    }
    columns.set(e.name, cols);
    const colSet = cols && new Set(cols.keys());
    const columnList = cols ? ` (columns: ${[...cols.keys()].join(', ')})` : '';
    e.primaryKey.forEach((k, i) => {
      if (colSet && !colSet.has(k.toLowerCase()))
        throw fail(
          origin,
          ['primary_key', i],
          'primary_key',
          `column ${k} does not exist in ${e.table}${columnList}`,
        );
    });
    const names = new Map<string, string>();
    const claim = (n: string, what: string, path: Path, label: string) => {
      const other = names.get(n);
      if (other)
        throw fail(origin, path, label, `${what} ${n}: entity ${e.name} already has a ${other} of that name`);
      if (FILTER_KEYWORDS.has(n))
        throw fail(origin, path, label, `${n} is a word of the filter grammar; choose another name`);
      names.set(n, what);
    };
    e.dimensions.forEach((d, i) => {
      claim(d.name, 'dimension', ['dimensions', i, 'name'], `dimensions.${d.name}`);
      const exprPath: Path = ['dimensions', i, d.expr === d.name ? 'name' : 'expr'];
      const label = `dimensions.${d.name}.expr`;
      let read: string[];
      try {
        read = checkExpression(d.expr, colSet);
      } catch (err) {
        throw fail(
          origin,
          exprPath,
          label,
          expressionMessage(
            err,
            e,
            d.expr === d.name ? ' (expr defaults to the dimension name)' : '',
            columnList,
          ),
        );
      }
      if (d.time) {
        const dup = d.time.grains.find((g, k) => d.time!.grains.indexOf(g) !== k);
        if (dup)
          throw fail(
            origin,
            ['dimensions', i, 'time_grains'],
            `dimensions.${d.name}.time_grains`,
            `grain ${dup} is listed twice`,
          );
        const type =
          read.length === 1 && d.expr.trim().toLowerCase() === read[0] ? cols?.get(read[0]!) : undefined;
        if (type !== undefined && !TIME_TYPES.test(type))
          throw fail(
            origin,
            exprPath,
            label,
            `a time dimension needs a date or timestamp; column ${read[0]} is ${type}`,
          );
      }
    });
    e.measures.forEach((m, i) => {
      claim(m.name, 'measure', ['measures', i, 'name'], `measures.${m.name}`);
      if (m.expr === undefined && m.agg !== 'count')
        throw fail(
          origin,
          ['measures', i, 'agg'],
          `measures.${m.name}.expr`,
          `a ${m.agg} measure needs an expr`,
        );
      for (const key of ['expr', 'filter'] as const) {
        const x = m[key];
        if (x === undefined) continue;
        try {
          checkExpression(x, colSet);
        } catch (err) {
          throw fail(
            origin,
            ['measures', i, key],
            `measures.${m.name}.${key}`,
            expressionMessage(err, e, '', columnList),
          );
        }
      }
    });
  }
  return columns;
}

function expressionMessage(err: unknown, e: Entity, hint: string, columnList: string): string {
  if (!(err instanceof ExpressionError)) throw err;
  return /^column .* does not exist$/.test(err.message)
    ? `${err.message} in ${e.table}${hint}${columnList}`
    : `invalid expression: ${err.message}`;
}

/** Names, ends and join columns of every relationship. */
function checkRelationships(
  relationships: Located<Relationship>[],
  entities: Located<Entity>[],
  columns: Map<string, Map<string, string> | undefined>,
): void {
  const byName = new Map(entities.map((e) => [e.value.name, e.value]));
  const seen = new Map<string, Origin>();
  for (const { value: r, origin } of relationships) {
    const before = seen.get(r.name);
    if (before)
      throw fail(
        origin,
        ['name'],
        'name',
        `relationship ${r.name} is already defined at ${firstDeclared(before)}`,
      );
    seen.set(r.name, origin);
    for (const end of ['from', 'to'] as const)
      if (!byName.has(r[end])) throw fail(origin, [end], end, `no entity ${r[end]}`);
    if (r.from === r.to)
      throw fail(
        origin,
        ['to'],
        'to',
        `a relationship joins two different entities; model the other role as its own entity over ${byName.get(r.to)!.table}`,
      );
    for (const pair of r.on) {
      for (const end of ['from', 'to'] as const) {
        const entity = byName.get(r[end])!;
        const cols = columns.get(entity.name);
        if (cols && !cols.has(pair[end].toLowerCase()))
          throw fail(
            origin,
            ['on', pair.from],
            `on.${pair.from}`,
            `column ${pair[end]} does not exist in ${entity.table} (entity ${entity.name})`,
          );
      }
    }
    // The "one" side is joined on its whole primary key: that is what makes the join many-to-one.
    const one = r.kind === 'many_to_one' ? 'to' : 'from';
    const oneEntity = byName.get(r[one])!;
    const joined = new Set(r.on.map((p) => p[one].toLowerCase()));
    const key = new Set(oneEntity.primaryKey.map((k) => k.toLowerCase()));
    if (joined.size !== key.size || [...key].some((k) => !joined.has(k)))
      throw fail(
        origin,
        ['on'],
        'on',
        `the "one" side (${oneEntity.name}) must be joined on its primary key (${oneEntity.primaryKey.join(', ')}), got ${[...joined].join(', ')}`,
      );
  }
}

/**
 * Cycles and ambiguous joins. The rule: following many-to-one relationships from any entity, each
 * other entity is reached by at most one path, and no path comes back to where it started. So the
 * joins that answer a question are always determined by the entities it uses.
 */
function checkJoinGraph(relationships: Located<Relationship>[], entities: Located<Entity>[]): void {
  const originOf = new Map(relationships.map((r) => [r.value.name, r.origin]));
  const edges = new Map<string, Edge[]>();
  for (const { value } of relationships) {
    const e = edgeOf(value);
    edges.set(e.from, [...(edges.get(e.from) ?? []), e]);
  }
  const describe = (start: string, path: readonly Edge[]) =>
    `${[start, ...path.map((e) => e.to)].join(' → ')} (${path.map((e) => e.relationship).join(', ')})`;
  const latest = (path: readonly Edge[]) =>
    path.reduce((a, e) =>
      originOf.get(e.relationship)!.order > originOf.get(a.relationship)!.order ? e : a,
    );
  for (const { value: start } of entities) {
    const paths = new Map<string, Edge[]>();
    const visit = (at: string, path: Edge[], onPath: Set<string>) => {
      for (const e of edges.get(at) ?? []) {
        const next = [...path, e];
        if (onPath.has(e.to) || e.to === start.name) {
          const blame = latest(next);
          throw fail(
            originOf.get(blame.relationship)!,
            ['to'],
            'to',
            `cycle of many-to-one relationships: ${describe(start.name, next)}; two entities that are one-to-one need only one relationship`,
          );
        }
        const other = paths.get(e.to);
        if (other) {
          const blame = latest([...other, ...next]);
          throw fail(
            originOf.get(blame.relationship)!,
            ['name'],
            'name',
            `ambiguous join: ${start.name} reaches ${e.to} two ways: ${describe(start.name, other)} and ${describe(start.name, next)}. Between two entities there may be only one chain of many-to-one relationships; model each role as its own entity`,
          );
        }
        paths.set(e.to, next);
        visit(e.to, next, new Set([...onPath, e.to]));
      }
    };
    visit(start.name, [], new Set([start.name]));
  }
}

/** Phrases, and the dimension, filter, metric or ordering each synonym stands for. */
function checkSynonyms(synonyms: Located<Synonym>[], index: ModelIndex): void {
  const seen = new Map<string, Origin>();
  for (const { value: s, origin } of synonyms) {
    const field = origin.phraseKey ?? 'phrase';
    if (!/^[a-z_][a-z0-9_]*( [a-z_][a-z0-9_]*)*$/.test(s.phrase))
      throw fail(
        origin,
        [field],
        field,
        `"${s.phrase}" must be words of letters, digits and _ (each starting with a letter)`,
      );
    const before = seen.get(s.phrase);
    if (before)
      throw fail(origin, [field], field, `"${s.phrase}" is already a synonym at ${firstDeclared(before)}`);
    seen.set(s.phrase, origin);
    if (FILTER_KEYWORDS.has(s.phrase))
      throw fail(origin, [field], field, `"${s.phrase}" is a word of the filter grammar`);
    if (index.metrics.has(s.phrase))
      throw fail(origin, [field], field, `"${s.phrase}" is already the name of a metric`);
    if (index.dimensionOwners.has(s.phrase))
      throw fail(origin, [field], field, `"${s.phrase}" is already the name of a dimension`);
    const targets = (['dimension', 'filter', 'metric', 'orderBy'] as const).filter((k) => s[k] !== undefined);
    if (targets.length !== 1)
      throw fail(origin, [], '', 'a synonym stands for exactly one of: dimension, filter, metric, order_by');
    if (s.dimension !== undefined) {
      try {
        s.dimension = formatDimRef(index.resolveDimension(s.dimension.split('.')));
      } catch (e) {
        throw fail(origin, ['dimension'], 'dimension', (e as Error).message);
      }
    }
    if (s.filter !== undefined) {
      try {
        parseFilter(s.filter, { index, synonyms: false });
      } catch (e) {
        throw fail(origin, ['filter'], 'filter', (e as Error).message);
      }
    }
    if (s.metric !== undefined && !index.metrics.has(s.metric))
      throw fail(origin, ['metric'], 'metric', `no metric ${s.metric}`);
    if (s.orderBy !== undefined && !index.metrics.has(s.orderBy.metric))
      throw fail(origin, ['order_by', 'metric'], 'order_by.metric', `no metric ${s.orderBy.metric}`);
  }
}

const METRIC_FIELDS: Record<Metric['kind'], { required: (keyof Metric)[]; allowed: (keyof Metric)[] }> = {
  simple: { required: ['measure'], allowed: ['measure', 'filter'] },
  cumulative: {
    required: ['measure', 'timeDimension'],
    allowed: ['measure', 'timeDimension', 'window', 'filter'],
  },
  ratio: { required: ['numerator', 'denominator'], allowed: ['numerator', 'denominator', 'filter'] },
  derived: { required: ['expr'], allowed: ['expr', 'filter'] },
};
const YAML_KEY: Partial<Record<keyof Metric, string>> = { timeDimension: 'time_dimension' };

/** Names, the fields each kind takes, and what they refer to. */
function checkMetrics(metrics: Located<Metric>[], index: ModelIndex): void {
  const seen = new Map<string, Origin>();
  for (const { value: m, origin } of metrics) {
    const before = seen.get(m.name);
    if (before)
      throw fail(origin, ['name'], 'name', `metric ${m.name} is already defined at ${firstDeclared(before)}`);
    seen.set(m.name, origin);
    if (index.dimensionOwners.has(m.name))
      throw fail(
        origin,
        ['name'],
        'name',
        `${m.name} is already the name of a dimension (${index.dimensionOwners
          .get(m.name)!
          .map((o) => `${o}.${m.name}`)
          .join(', ')})`,
      );
    const spec = METRIC_FIELDS[m.kind];
    for (const k of ['measure', 'numerator', 'denominator', 'expr', 'window', 'timeDimension'] as const) {
      const key = YAML_KEY[k] ?? k;
      if (m[k] === undefined && spec.required.includes(k))
        throw fail(origin, ['kind'], key, `a ${m.kind} metric needs ${key}`);
      if (m[k] !== undefined && !spec.allowed.includes(k))
        throw fail(origin, [key], key, `a ${m.kind} metric does not take ${key}`);
    }
    if (m.measure !== undefined) {
      let ref: { entity: string; measure: string };
      try {
        ref = index.resolveMeasure(m.measure);
      } catch (e) {
        throw fail(origin, ['measure'], 'measure', (e as Error).message);
      }
      m.measure = `${ref.entity}.${ref.measure}`;
      const agg = index.entities.get(ref.entity)!.measures.find((x) => x.name === ref.measure)!.agg;
      if (m.kind === 'cumulative' && (agg === 'avg' || agg === 'count_distinct'))
        throw fail(
          origin,
          ['measure'],
          'measure',
          `a cumulative metric runs a total of a sum, count, min or max measure; ${m.measure} is ${agg}`,
        );
      if (m.timeDimension !== undefined) {
        let t: ReturnType<ModelIndex['resolveDimension']>;
        try {
          t = index.resolveDimension(m.timeDimension.split('.'));
        } catch (e) {
          throw fail(origin, ['time_dimension'], 'time_dimension', (e as Error).message);
        }
        if (t.grain || !index.dimension(t.entity, t.dimension)!.time)
          throw fail(
            origin,
            ['time_dimension'],
            'time_dimension',
            `${formatDimRef(t)} is not a time dimension (entity.dimension with time_grains)`,
          );
        if (!index.reachable(ref.entity).has(t.entity))
          throw fail(origin, ['time_dimension'], 'time_dimension', unreachable(ref.entity, formatDimRef(t)));
        m.timeDimension = formatDimRef(t);
      }
    }
    for (const k of ['numerator', 'denominator'] as const)
      if (m[k] !== undefined && !index.metrics.has(m[k]!)) throw fail(origin, [k], k, `no metric ${m[k]}`);
    if (m.expr !== undefined) {
      let names: string[];
      try {
        names = derivedMetricNames(parseDerived(m.expr));
      } catch (e) {
        throw fail(origin, ['expr'], 'expr', `invalid expression: ${(e as Error).message}`);
      }
      for (const n of names)
        if (!index.metrics.has(n)) throw fail(origin, ['expr'], 'expr', `no metric ${n}`);
    }
  }
}

/** Ratio and derived metrics may not refer to themselves, directly or not. */
function checkMetricCycles(metrics: Located<Metric>[], index: ModelIndex): void {
  const originOf = new Map(metrics.map((m) => [m.value.name, m.origin]));
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (name: string, path: string[]) => {
    if (state.get(name) === 'done') return;
    if (state.get(name) === 'visiting') {
      const cycle = [...path.slice(path.indexOf(name)), name];
      const first = cycle[0]!;
      const m = index.metrics.get(first)!;
      const field = m.kind === 'derived' ? 'expr' : m.numerator === cycle[1] ? 'numerator' : 'denominator';
      throw fail(
        originOf.get(first)!,
        [field],
        field,
        `metrics refer to each other in a cycle: ${cycle.join(' → ')}`,
      );
    }
    state.set(name, 'visiting');
    for (const d of metricDependencies(index.metrics.get(name)!)) visit(d, [...path, name]);
    state.set(name, 'done');
  };
  for (const { value } of metrics) visit(value.name, []);
}

/** A metric's filter parses, and every dimension it uses is reachable from the entities it aggregates. */
function checkMetricFilters(metrics: Located<Metric>[], index: ModelIndex): void {
  for (const { value: m, origin } of metrics) {
    if (m.filter === undefined) continue;
    let dims: ReturnType<typeof filterDimensions>;
    try {
      dims = filterDimensions(parseFilter(m.filter, { index, synonyms: true }));
    } catch (e) {
      throw fail(origin, ['filter'], 'filter', (e as Error).message);
    }
    for (const entity of metricEntities(index, m.name)) {
      const reach = index.reachable(entity);
      for (const d of dims)
        if (!reach.has(d.entity))
          throw fail(origin, ['filter'], 'filter', unreachable(entity, formatDimRef(d)));
    }
  }
}
