/**
 * Pipeline definitions: the `pipelines:` section of the config file, validated with zod. Errors name
 * the file, the line and the key path (`lakekit.yaml:14: pipelines.crm_sync.streams.public.accounts.mode:
 * …`). Sources are validated here too, each by its connector's own schema.
 */
import {
  ConfigError,
  type ConfigOrigin,
  type ConnectorFactory,
  type LakeConfig,
  parseTableIdentifier,
} from '@lakekit/core';
import { Cron } from 'croner';
import * as z from 'zod';
import { type CheckSpec, checkListSchema } from './checks/index.js';

export const WRITE_MODES = ['append', 'replace', 'merge', 'scd2'] as const;
export type WriteMode = (typeof WRITE_MODES)[number];

const name = z.string().min(1);
const columnList = z.union([name.transform((s) => [s]), z.array(name).min(1)]);

const streamSchema = z.strictObject({
  /** `namespace.table` (default: `<source>.<table part of the stream name>`). */
  target: name
    .optional()
    .describe('The table written, `namespace.table`. Default: `<source>.<table part of the stream name>`'),
  mode: z
    .enum(WRITE_MODES)
    .optional()
    .describe(
      "How a run writes: `append` adds the rows read, `replace` swaps the table's rows atomically, `merge` upserts by primary key, `scd2` keeps history in `_valid_from`/`_valid_to`. Default: `append`",
    ),
  primary_key: columnList
    .optional()
    .describe(
      "Key column(s) for merge, scd2 and deletes: a name or a list. Default: the source's primary key",
    ),
  cursor: name
    .optional()
    .describe(
      'Column for incremental reads: a run reads the rows past the last value it reached (`>` for append, `>=` for merge and scd2). Default: none (every run reads everything)',
    ),
  deletes: z
    .enum(['none', 'soft', 'reconcile'])
    .default('none')
    .describe(
      "Rows deleted at the source: `soft` removes rows whose `deleted_column` is true; `reconcile` reads the source's whole key set each run and removes keys that disappeared. Needs mode merge or scd2",
    ),
  deleted_column: name.optional().describe('Boolean column flagging deleted rows (with `deletes: soft`)'),
  schema_changes: z
    .enum(['evolve', 'freeze'])
    .default('evolve')
    .describe('New source columns: `evolve` adds them as optional columns, `freeze` fails the stream'),
  /** Extract only these columns (default: all). */
  columns: z.array(name).min(1).optional().describe('Extract only these columns. Default: all'),
  /** Columns read as text at the source and cast to this Iceberg type (for source types without a mapping). */
  casts: z
    .record(name, name)
    .optional()
    .describe(
      'Columns read as text at the source and cast to this Iceberg type (for source types without a mapping)',
    ),
  partition_by: name
    .optional()
    .describe('Partition spec of the table when a run creates it (`month(updated_at)`, `bucket(16, id)`)'),
  batch_rows: z
    .number()
    .int()
    .positive()
    .optional()
    .describe(
      'Rows per staged batch, at most this many held at a time (files sources: one batch per file). Default: `500000`',
    ),
});

const retrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(20).default(4).describe('Tries in all, the first included'),
  backoff_seconds: z
    .number()
    .positive()
    .default(2)
    .describe(
      'Wait before the first retry, doubled for each further one (the wait is a random 50–100 % of it)',
    ),
  max_backoff_seconds: z.number().positive().default(60).describe('Cap of the doubled wait'),
});

export const pipelineSchema = z.strictObject({
  source: name.describe('The source it reads, by its name under `sources:`'),
  description: z.string().optional().describe('What the pipeline is for'),
  schedule: name
    .optional()
    .describe(
      'Cron expression (`*/15 * * * *`) on which `lake schedule` runs it, in `timezone`. Default: none (only `lake run`)',
    ),
  timezone: name.default('UTC').describe('IANA time zone of `schedule`'),
  /** What `lake schedule` does about runs missed while it was down: one catch-up run, or none. */
  missed_runs: z
    .enum(['run_once', 'skip'])
    .default('run_once')
    .describe('What `lake schedule` does about runs missed while it was down: one catch-up run, or none'),
  streams: z
    .record(name, streamSchema.nullable())
    .refine((s) => Object.keys(s).length > 0, {
      message: 'a pipeline needs at least one stream',
    })
    .describe(
      'Streams to extract, by the name the source gives them (`public.accounts`); an empty entry takes every default',
    ),
  checks: z
    .record(name, checkListSchema)
    .optional()
    .describe(
      'Quality checks by target table (`ns.table`): a run publishes only if no `error` check fails (write-audit-publish)',
    ),
  retries: retrySchema
    .optional()
    .describe(
      'Retries of transient faults (connection reset, deadlock, HTTP 429/5xx, a lost commit race), with exponential backoff and jitter',
    ),
});

/** One stream of a pipeline, defaults applied. */
export interface StreamDefinition {
  /** As the source names it (`public.accounts`). */
  readonly stream: string;
  /** `namespace.table`. */
  readonly target: string;
  readonly mode: WriteMode;
  /** Declared key (else the source's primary key, found at run time). */
  readonly primaryKey?: readonly string[];
  readonly cursor?: string;
  readonly deletes: 'none' | 'soft' | 'reconcile';
  readonly deletedColumn?: string;
  readonly schemaChanges: 'evolve' | 'freeze';
  readonly columns?: readonly string[];
  readonly casts: Readonly<Record<string, string>>;
  readonly partitionBy?: string;
  readonly batchRows?: number;
}

/** A pipeline, validated, defaults applied. */
export interface PipelineDefinition {
  readonly name: string;
  readonly source: string;
  readonly description?: string;
  readonly schedule?: string;
  readonly timezone: string;
  readonly missedRuns: 'run_once' | 'skip';
  readonly streams: readonly StreamDefinition[];
  /** Checks by target table (`crm.accounts`). */
  readonly checks: Readonly<Record<string, readonly CheckSpec[]>>;
  readonly retries: {
    readonly attempts: number;
    readonly backoffSeconds: number;
    readonly maxBackoffSeconds: number;
  };
}

/** A configured source: its kind's factory and validated config. */
export interface SourceDefinition {
  readonly name: string;
  readonly kind: string;
  readonly factory: ConnectorFactory;
  readonly config: unknown;
}

type Path = readonly (string | number)[];

function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out === '' ? p : `.${p}`;
  return out;
}

/** A ConfigError naming the file, line and key path. */
export function definitionError(origin: ConfigOrigin | undefined, path: Path, problem: string): ConfigError {
  const file = origin?.source ?? 'configuration';
  const line = origin?.lineOf?.(path);
  const key = formatPath(path);
  return new ConfigError(`${file}${line ? `:${line}` : ''}: ${key}: ${problem}`, {
    context: { file, ...(line ? { line } : {}), key },
  });
}

function zodProblem(origin: ConfigOrigin | undefined, base: Path, error: z.ZodError): ConfigError {
  const issue = error.issues[0]!;
  const path = [...base, ...(issue.path as (string | number)[])];
  let problem = issue.message;
  if (issue.code === 'unrecognized_keys') {
    problem = `unknown key${issue.keys.length > 1 ? 's' : ''} ${issue.keys.join(', ')}`;
  } else if (issue.code === 'invalid_value' && 'values' in issue) {
    problem = `must be one of ${(issue.values as unknown[]).join(', ')}`;
  }
  return definitionError(origin, path, problem);
}

/** Validates `sources.<name>` with its connector's schema. */
export function resolveSource(
  config: LakeConfig,
  sourceName: string,
  factories: Readonly<Record<string, ConnectorFactory>>,
): SourceDefinition {
  const raw = config.sources?.[sourceName];
  if (!raw) {
    const known = Object.keys(config.sources ?? {});
    throw new ConfigError(
      `${config.origin?.source ?? 'configuration'}: no source named ${sourceName}${known.length ? ` (sources: ${known.join(', ')})` : ' (the file has no sources: section)'}`,
      { context: { source: sourceName } },
    );
  }
  const problem = config.sourceProblems?.[sourceName];
  if (problem) throw problem;
  const kind = String(raw['type']);
  const factory = factories[kind];
  if (!factory) {
    throw definitionError(
      config.origin,
      ['sources', sourceName, 'type'],
      `unknown source type ${kind} (known: ${Object.keys(factories).sort().join(', ')})`,
    );
  }
  const { type: _type, ...rest } = raw;
  const parsed = factory.configSchema.safeParse(rest);
  if (!parsed.success) throw zodProblem(config.origin, ['sources', sourceName], parsed.error);
  return { name: sourceName, kind, factory, config: parsed.data };
}

/** Every pipeline of the configuration (validated), by name. */
export function pipelineNames(config: LakeConfig): string[] {
  return Object.keys(config.pipelines ?? {}).sort();
}

/** Validates one pipeline of the configuration. */
export function resolvePipeline(config: LakeConfig, pipelineName: string): PipelineDefinition {
  const raw = config.pipelines?.[pipelineName];
  if (raw === undefined) {
    const known = pipelineNames(config);
    throw new ConfigError(
      `${config.origin?.source ?? 'configuration'}: no pipeline named ${pipelineName}${known.length ? ` (pipelines: ${known.join(', ')})` : ' (the file has no pipelines: section)'}`,
      { context: { pipeline: pipelineName } },
    );
  }
  const base = ['pipelines', pipelineName];
  const parsed = pipelineSchema.safeParse(raw);
  if (!parsed.success) throw zodProblem(config.origin, base, parsed.error);
  const p = parsed.data;
  if (!config.sources?.[p.source]) {
    throw definitionError(config.origin, [...base, 'source'], `no source named ${p.source} in sources:`);
  }
  if (p.schedule !== undefined) {
    try {
      new Cron(p.schedule, { timezone: p.timezone, paused: true });
    } catch (e) {
      throw definitionError(
        config.origin,
        [...base, 'schedule'],
        `invalid cron expression: ${(e as Error).message}`,
      );
    }
  }
  try {
    new Intl.DateTimeFormat('en', { timeZone: p.timezone });
  } catch {
    throw definitionError(config.origin, [...base, 'timezone'], `unknown time zone ${p.timezone}`);
  }
  const streams: StreamDefinition[] = [];
  const targets = new Set<string>();
  for (const [stream, s0] of Object.entries(p.streams)) {
    const s = s0 ?? streamSchema.parse({});
    const at = [...base, 'streams', stream];
    const tablePart = stream
      .split('.')
      .pop()!
      .replace(/[^A-Za-z0-9_]+/g, '_');
    const target = s.target ?? `${p.source}.${tablePart}`;
    try {
      parseTableIdentifier(target);
    } catch (e) {
      throw definitionError(config.origin, [...at, 'target'], (e as Error).message);
    }
    if (targets.has(target)) {
      throw definitionError(config.origin, [...at, 'target'], `two streams write to ${target}`);
    }
    targets.add(target);
    const mode: WriteMode = s.mode ?? 'append';
    if (s.deletes === 'soft' && !s.deleted_column) {
      throw definitionError(
        config.origin,
        [...at, 'deletes'],
        'deletes: soft needs deleted_column: <column>',
      );
    }
    if (s.deleted_column && s.deletes !== 'soft') {
      throw definitionError(
        config.origin,
        [...at, 'deleted_column'],
        'deleted_column is used with deletes: soft',
      );
    }
    if (s.deletes !== 'none' && mode !== 'merge' && mode !== 'scd2') {
      throw definitionError(
        config.origin,
        [...at, 'deletes'],
        `deletes: ${s.deletes} needs mode merge or scd2 (rows are matched by primary key)`,
      );
    }
    streams.push({
      stream,
      target,
      mode,
      ...(s.primary_key ? { primaryKey: s.primary_key } : {}),
      ...(s.cursor ? { cursor: s.cursor } : {}),
      deletes: s.deletes,
      ...(s.deleted_column ? { deletedColumn: s.deleted_column } : {}),
      schemaChanges: s.schema_changes,
      ...(s.columns ? { columns: s.columns } : {}),
      casts: s.casts ?? {},
      ...(s.partition_by ? { partitionBy: s.partition_by } : {}),
      ...(s.batch_rows ? { batchRows: s.batch_rows } : {}),
    });
  }
  for (const table of Object.keys(p.checks ?? {})) {
    if (!targets.has(table)) {
      throw definitionError(
        config.origin,
        [...base, 'checks', table],
        `checks for ${table}, which no stream of this pipeline writes (targets: ${[...targets].join(', ')})`,
      );
    }
  }
  const retries = p.retries ?? retrySchema.parse({});
  return {
    name: pipelineName,
    source: p.source,
    ...(p.description ? { description: p.description } : {}),
    ...(p.schedule ? { schedule: p.schedule } : {}),
    timezone: p.timezone,
    missedRuns: p.missed_runs,
    streams,
    checks: p.checks ?? {},
    retries: {
      attempts: retries.attempts,
      backoffSeconds: retries.backoff_seconds,
      maxBackoffSeconds: retries.max_backoff_seconds,
    },
  };
}
