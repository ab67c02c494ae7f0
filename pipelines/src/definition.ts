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
  target: name.optional(),
  mode: z.enum(WRITE_MODES).optional(),
  primary_key: columnList.optional(),
  cursor: name.optional(),
  deletes: z.enum(['none', 'soft', 'reconcile']).default('none'),
  deleted_column: name.optional(),
  schema_changes: z.enum(['evolve', 'freeze']).default('evolve'),
  /** Extract only these columns (default: all). */
  columns: z.array(name).min(1).optional(),
  /** Columns read as text at the source and cast to this Iceberg type (for source types without a mapping). */
  casts: z.record(name, name).optional(),
  partition_by: name.optional(),
  batch_rows: z.number().int().positive().optional(),
});

const retrySchema = z.strictObject({
  attempts: z.number().int().min(1).max(20).default(4),
  backoff_seconds: z.number().positive().default(2),
  max_backoff_seconds: z.number().positive().default(60),
});

const pipelineSchema = z.strictObject({
  source: name,
  description: z.string().optional(),
  schedule: name.optional(),
  timezone: name.default('UTC'),
  /** What `lake schedule` does about runs missed while it was down: one catch-up run, or none. */
  missed_runs: z.enum(['run_once', 'skip']).default('run_once'),
  streams: z.record(name, streamSchema.nullable()).refine((s) => Object.keys(s).length > 0, {
    message: 'a pipeline needs at least one stream',
  }),
  checks: z.record(name, checkListSchema).optional(),
  retries: retrySchema.optional(),
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
