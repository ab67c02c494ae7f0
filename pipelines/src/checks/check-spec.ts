/**
 * Check declarations as written in a pipeline's `checks:` section, validated with zod and turned
 * into `CheckSpec`s: one kind per list item, a list shorthand where it reads naturally, `severity`
 * and `name` everywhere. Paths of zod issues follow the YAML (`[2, 'accepted_values', 'values']`)
 * so the caller can name the key at fault. Names default to a deterministic form such as
 * `not_null(id,name)` so run records and quarantine tables stay stable across runs.
 */
import { parseTableIdentifier, tryParseDuration } from '@lakekit/core';
import * as z from 'zod';

/** Every check kind, in the order the documentation lists them. */
export const CHECK_KINDS = [
  'not_null',
  'unique',
  'accepted_values',
  'range',
  'regex',
  'row_count',
  'freshness',
  'relationships',
  'sql',
] as const;

/** The kind of a check: the single key of its list item. */
export type CheckKind = (typeof CHECK_KINDS)[number];

/** `error` blocks publishing when the check fails; `warn` only reports. */
export type CheckSeverity = 'error' | 'warn';

/** `rows` judges the rows a run writes (failing rows can be quarantined); `table` the published table. */
export type CheckScope = 'rows' | 'table';

/** A scalar a column is compared with (`accepted_values`, `range`). */
export type CheckValue = string | number | boolean;

interface CheckBase {
  /** Unique within the table's list; defaults to e.g. `not_null(id,name)`. */
  readonly name: string;
  readonly severity: CheckSeverity;
}

/** No NULL in any of `columns`. */
export interface NotNullCheck extends CheckBase {
  readonly kind: 'not_null';
  readonly scope: 'rows';
  readonly columns: readonly string[];
}

/** The combination of `columns` occurs at most once; keys with a NULL part are not compared. */
export interface UniqueCheck extends CheckBase {
  readonly kind: 'unique';
  readonly scope: 'table';
  readonly columns: readonly string[];
}

/** `column` is one of `values` (or NULL). */
export interface AcceptedValuesCheck extends CheckBase {
  readonly kind: 'accepted_values';
  readonly scope: 'rows';
  readonly column: string;
  readonly values: readonly CheckValue[];
}

/** `min <= column <= max` (or NULL); either bound may be absent. */
export interface RangeCheck extends CheckBase {
  readonly kind: 'range';
  readonly scope: 'rows';
  readonly column: string;
  readonly min?: number | string;
  readonly max?: number | string;
}

/** The whole text of `column` matches `pattern` (RE2 syntax), or is NULL. */
export interface RegexCheck extends CheckBase {
  readonly kind: 'regex';
  readonly scope: 'rows';
  readonly column: string;
  readonly pattern: string;
}

/** `min <= count(*) <= max` over the published table. */
export interface RowCountCheck extends CheckBase {
  readonly kind: 'row_count';
  readonly scope: 'table';
  readonly min?: number;
  readonly max?: number;
}

/** `max(column)` is no older than `maxAge` before the run's clock. */
export interface FreshnessCheck extends CheckBase {
  readonly kind: 'freshness';
  readonly scope: 'table';
  readonly column: string;
  /** As written: `30m`, `24h`, `7d`. */
  readonly maxAge: string;
  readonly maxAgeMs: number;
}

/** Every non-NULL `column` value occurs in `field` of table `to`. */
export interface RelationshipsCheck extends CheckBase {
  readonly kind: 'relationships';
  readonly scope: 'rows';
  readonly column: string;
  readonly to: string;
  readonly field: string;
}

/** A SELECT over `{{ table }}` (and `{{ rows }}`) that returns the offending rows. */
export interface SqlCheck extends CheckBase {
  readonly kind: 'sql';
  readonly scope: 'table';
  readonly query: string;
}

/** One validated check. */
export type CheckSpec =
  | NotNullCheck
  | UniqueCheck
  | AcceptedValuesCheck
  | RangeCheck
  | RegexCheck
  | RowCountCheck
  | FreshnessCheck
  | RelationshipsCheck
  | SqlCheck;

/** The deterministic default name of a check, e.g. `not_null(id,name)` or `row_count`. */
export function defaultCheckName(check: DistributiveOmit<CheckSpec, 'name' | 'severity' | 'scope'>): string {
  switch (check.kind) {
    case 'not_null':
    case 'unique':
      return `${check.kind}(${check.columns.join(',')})`;
    case 'accepted_values':
    case 'range':
    case 'regex':
    case 'freshness':
      return `${check.kind}(${check.column})`;
    case 'relationships':
      return `relationships(${check.column},${check.to}.${check.field})`;
    case 'row_count':
      return 'row_count';
    case 'sql':
      // Never reached: the schema requires a name for sql checks.
      return 'sql';
  }
}

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;

// Strict objects whose unknown-key message lists the keys that are allowed.
function strict<S extends z.ZodRawShape>(shape: S) {
  const allowed = Object.keys(shape).join(', ');
  return z.strictObject(shape, {
    error: (issue) =>
      issue.code === 'unrecognized_keys'
        ? `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; allowed: ${allowed}`
        : issue.code === 'invalid_type' && issue.expected === 'object'
          ? 'expected a mapping'
          : undefined,
  });
}

// A missing key reads "required" rather than "expected string, received undefined".
const required = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'required' : `expected ${what}`;
const nonEmpty = z.string({ error: required('a string') }).min(1, 'must not be empty');
const common = {
  severity: z
    .enum(['error', 'warn'])
    .optional()
    .describe(
      '`error`: a failure blocks publishing; `warn`: it is reported and the run publishes. Default: `error`',
    ),
  name: nonEmpty
    .optional()
    .describe(
      "How results, run records and quarantine rows name the check; unique within the table's list. Default: derived from the check, e.g. `not_null(id,name)`, `row_count`",
    ),
};
const columnList = z
  .array(nonEmpty, { error: required('a list of column names') })
  .min(1, 'must name at least one column');
const bound = z.union([z.number().finite(), nonEmpty], 'expected a number or a string');
const count = z.number().int('must be a whole number').min(0, 'must not be negative');
const value = z.union([z.string(), z.number().finite(), z.boolean()], 'expected a string, number or boolean');

// `not_null: [a, b]` is `not_null: { columns: [a, b] }`; a single name stands for a list of one.
function columnsCheck() {
  return z.preprocess(
    (v) => (typeof v === 'string' ? { columns: [v] } : Array.isArray(v) ? { columns: v } : v),
    strict({
      columns: z
        .preprocess((v) => (typeof v === 'string' ? [v] : v), columnList)
        .describe('The columns: a list, or one name'),
      ...common,
    }),
  );
}

function boundsRefine(what: string) {
  return (
    v: { min?: number | string | undefined; max?: number | string | undefined },
    ctx: z.RefinementCtx,
  ) => {
    if (v.min === undefined && v.max === undefined) {
      ctx.addIssue({ code: 'custom', message: `${what} needs min, max or both` });
    } else if (typeof v.min === 'number' && typeof v.max === 'number' && v.min > v.max) {
      ctx.addIssue({ code: 'custom', path: ['max'], message: `max (${v.max}) is below min (${v.min})` });
    }
  };
}

// Each kind's body as written, transformed into its spec.
const bodies = {
  not_null: columnsCheck()
    .transform((b) => named(b, { kind: 'not_null', scope: 'rows', columns: b.columns }))
    .describe(
      'Row check: fails for each row written with NULL in any of `columns`. Also `not_null: [id, name]` or `not_null: id`',
    ),
  unique: columnsCheck()
    .transform((b) => named(b, { kind: 'unique', scope: 'table', columns: b.columns }))
    .describe(
      'Table check: the combination of `columns` occurs at most once in the published table (keys with a NULL part are not compared). Also `unique: [id]` or `unique: id`',
    ),
  accepted_values: strict({
    column: nonEmpty.describe('The column checked'),
    values: z
      .array(value, { error: required('a list of values') })
      .min(1, 'must list at least one value')
      .describe("The allowed values, compared in the column's type"),
    ...common,
  })
    .transform((b) =>
      named(b, { kind: 'accepted_values', scope: 'rows', column: b.column, values: b.values }),
    )
    .describe('Row check: every non-NULL value of `column` is one of `values`'),
  range: strict({
    column: nonEmpty.describe('The column checked'),
    min: bound.optional().describe('Lowest value allowed: a number, or a string for dates and timestamps'),
    max: bound.optional().describe('Highest value allowed: a number, or a string for dates and timestamps'),
    ...common,
  })
    .superRefine(boundsRefine('range'))
    .transform((b) => named(b, { kind: 'range', scope: 'rows', column: b.column, ...bounds(b) }))
    .describe('Row check: `min <= value <= max` (NULL passes); at least one bound'),
  regex: strict({
    column: nonEmpty.describe('The column checked (non-text columns as their text)'),
    pattern: nonEmpty.describe('RE2 pattern the whole value must match (`regexp_full_match`)'),
    ...common,
  })
    .transform((b) => named(b, { kind: 'regex', scope: 'rows', column: b.column, pattern: b.pattern }))
    .describe('Row check: the whole text of `column` matches `pattern` (NULL passes)'),
  row_count: strict({
    min: count.optional().describe('Fewest rows allowed'),
    max: count.optional().describe('Most rows allowed'),
    ...common,
  })
    .superRefine(boundsRefine('row_count'))
    .transform((b) => named(b, { kind: 'row_count', scope: 'table', ...bounds(b) }))
    .describe('Table check: the published table has between `min` and `max` rows; at least one bound'),
  freshness: strict({
    column: nonEmpty.describe('A date or timestamp column (a timestamp without zone is read as UTC)'),
    max_age: nonEmpty
      .refine((s) => (tryParseDuration(s) ?? 0) > 0, {
        message: 'expected a positive duration: a whole number and a unit (m, h, d, …), e.g. 30m, 24h, 7d',
      })
      .describe("Largest age of `max(column)` before the run's clock: `30m`, `24h`, `7d`"),
    ...common,
  })
    .transform((b) =>
      named(b, {
        kind: 'freshness',
        scope: 'table',
        column: b.column,
        maxAge: b.max_age,
        maxAgeMs: tryParseDuration(b.max_age)!,
      }),
    )
    .describe(
      'Table check: fails when the newest value of `column` is older than `max_age`, the table is empty or the column is NULL in every row',
    ),
  relationships: strict({
    column: nonEmpty.describe('The column of the rows written (a foreign key)'),
    to: nonEmpty
      .refine(isTableName, 'expected a table name <namespace>.<table>')
      .describe('The referenced table, `ns.table`'),
    field: nonEmpty.describe('The referenced column of `to`'),
    ...common,
  })
    .transform((b) =>
      named(b, { kind: 'relationships', scope: 'rows', column: b.column, to: b.to, field: b.field }),
    )
    .describe(
      'Row check: every non-NULL `column` value of the rows written equals some `field` of table `to`',
    ),
  // A query is a poor name, so sql checks must be named.
  sql: strict({
    name: nonEmpty.describe('How results, run records and quarantine rows name the check (required for sql)'),
    query: nonEmpty.describe(
      'One SELECT returning the offending rows: `{{ table }}` is the table as published, `{{ rows }}` the rows the run writes',
    ),
    severity: common.severity,
  })
    .transform((b) => named(b, { kind: 'sql', scope: 'table', query: b.query }))
    .describe('Table check: fails when `query` returns any row'),
} satisfies Record<CheckKind, z.ZodType<CheckSpec, unknown>>;

function named(
  written: { name?: string | undefined; severity?: CheckSeverity | undefined },
  spec: DistributiveOmit<CheckSpec, 'name' | 'severity'>,
): CheckSpec {
  return {
    ...spec,
    name: written.name ?? defaultCheckName(spec),
    severity: written.severity ?? 'error',
  } as CheckSpec;
}

function bounds<T>(b: { min?: T | undefined; max?: T | undefined }): { min?: T; max?: T } {
  return { ...(b.min === undefined ? {} : { min: b.min }), ...(b.max === undefined ? {} : { max: b.max }) };
}

function isTableName(text: string): boolean {
  try {
    parseTableIdentifier(text);
    return true;
  } catch {
    return false;
  }
}

const KNOWN = CHECK_KINDS.join(', ');

// All kinds optional in one strict object: an unknown key names the known kinds, and issues inside
// a check keep the YAML path (`accepted_values.values`). Exactly one kind per item is refined below.
const itemSchema = z
  .preprocess(
    (v, ctx) => {
      // Exactly one kind per item (an unknown kind is reported by the strict object below).
      if (v === null || typeof v !== 'object' || Array.isArray(v)) return v;
      const keys = Object.keys(v);
      if (keys.length === 0) ctx.addIssue({ code: 'custom', message: `a check needs one kind of: ${KNOWN}` });
      if (keys.length > 1) {
        ctx.addIssue({ code: 'custom', message: `one check per list item, found ${keys.join(' and ')}` });
      }
      return v;
    },
    z.strictObject(
      Object.fromEntries(CHECK_KINDS.map((k) => [k, bodies[k].optional()])) as {
        [K in CheckKind]: z.ZodOptional<(typeof bodies)[K]>;
      },
      {
        error: (issue) =>
          issue.code === 'unrecognized_keys'
            ? `unknown check kind${issue.keys.length > 1 ? 's' : ''} ${issue.keys.map((k) => `"${k}"`).join(', ')}; known kinds: ${KNOWN}`
            : issue.code === 'invalid_type'
              ? `expected a check such as "not_null: [id]"; known kinds: ${KNOWN}`
              : undefined,
      },
    ),
  )
  .transform((item) => {
    // With an unknown kind only, nothing is left (the issue is already reported).
    const kind = CHECK_KINDS.find((k) => item[k] !== undefined);
    return kind === undefined ? z.NEVER : item[kind]!;
  });

/**
 * The `checks:` list of one table. Example: `checkListSchema.parse([{ not_null: ['id'] }])` →
 * `[{ kind: 'not_null', name: 'not_null(id)', severity: 'error', scope: 'rows', columns: ['id'] }]`.
 * Two checks with the same name (given or default) are an error on the second one's `name`.
 */
export const checkListSchema: z.ZodType<CheckSpec[]> = z
  .array(itemSchema, 'expected a list of checks')
  .superRefine((checks, ctx) => {
    const seen = new Set<string>();
    checks.forEach((c: CheckSpec | undefined, i) => {
      // Items with issues of their own are not specs: they are reported already.
      if (typeof c?.kind !== 'string' || typeof c.name !== 'string') return;
      if (seen.has(c.name)) {
        ctx.addIssue({
          code: 'custom',
          path: [i, c.kind, 'name'],
          message: `duplicate check name "${c.name}": give one of the checks its own name`,
        });
      }
      seen.add(c.name);
    });
  });
