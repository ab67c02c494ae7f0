/**
 * The Lakekit configuration (`lakekit.yaml`): a strict zod schema (an unknown key is an error, so a
 * typo never silently falls back to a default), `${VAR}` substitution from the environment, and
 * resolution of relative paths into absolute URIs. Errors name the file and the key path.
 */
import { isAbsolute, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import * as z from 'zod';
import { ConfigError } from './errors.js';
import {
  duration,
  type MaintenanceConfig,
  maintenanceSchema,
  resolveMaintenance,
  tryParseDuration,
} from './maintenance-policy.js';

/** Object storage settings (S3 or an S3-compatible server). */
export interface S3Config {
  readonly endpoint: string | undefined;
  readonly region: string | undefined;
  readonly forcePathStyle: boolean | undefined;
  /** When both keys are absent, the standard AWS_* variables and profiles apply. */
  readonly accessKeyId: string | undefined;
  readonly secretAccessKey: string | undefined;
}

/** The resolved configuration: absolute URIs, defaults applied. */
export interface LakeConfig {
  /** Absolute warehouse URI: `file:///…` or `s3://bucket/prefix` (no trailing slash). */
  readonly warehouse: string;
  readonly catalog: {
    /** `sqlite:<absolute path>`, `sqlite::memory:` or `postgres://…`. */
    readonly uri: string;
    /** `catalog_name` in the Iceberg SQL-catalog tables. */
    readonly name: string;
  };
  readonly s3: S3Config | undefined;
  /** Table maintenance policies (`maintenance:`), when configured. */
  readonly maintenance?: MaintenanceConfig;
  /** `sources:` as written (after `${VAR}` substitution); each entry validated by its connector. */
  readonly sources?: Readonly<Record<string, Readonly<Record<string, unknown>>>>;
  /**
   * Sources whose `${VAR}` is not set, with the error to raise when a command uses one of them
   * (their entry in `sources` keeps the text as written).
   */
  readonly sourceProblems?: Readonly<Record<string, Error>>;
  /** `pipelines:` as written (after substitution); validated by @lakekit/pipelines. */
  readonly pipelines?: Readonly<Record<string, unknown>>;
  /** Where OpenLineage events are also sent (`lineage.endpoint`), beside the catalog. */
  readonly lineage?: { readonly endpoint?: string; readonly namespace?: string; readonly apiKey?: string };
  /** Governed queries (`query:`): limits, time-outs, receipt retention, staleness. */
  readonly query?: QueryConfig;
  /** Where notifications go (`notifications.webhook`): flagged answers are posted there. */
  readonly notifications?: { readonly webhook?: string };
  /** Where the configuration came from, for error messages (absent: defaults). */
  readonly origin?: ConfigOrigin;
}

/** Settings of governed queries; absent keys take the engine's defaults. */
export interface QueryConfig {
  readonly defaultLimit?: number;
  readonly maxLimit?: number;
  readonly defaultTimeoutMs?: number;
  readonly maxTimeoutMs?: number;
  readonly receiptRetentionDays?: number;
  readonly maxStalenessSeconds?: number;
  readonly memoryLimit?: string;
  readonly threads?: number;
}

/** The file a configuration came from: its name as shown, folder, and a line finder for key paths. */
export interface ConfigOrigin {
  /** As shown in messages (`lakekit.yaml`). */
  readonly source: string;
  /** Folder relative paths resolve against. */
  readonly baseDir: string;
  /** The 1-based line of a key path (`['pipelines', 'crm', 'streams']`), when known. */
  lineOf?(path: readonly (string | number)[]): number | undefined;
}

/** Accepts YAML booleans and the strings "true"/"false" (what `${VAR}` substitution yields). */
const booleanish = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());
const nonEmpty = z.string().min(1);

const catalogSchema = z.strictObject({
  uri: nonEmpty
    .optional()
    .describe(
      "The catalog database: `sqlite:<path>` (relative to the config file's folder), `sqlite::memory:` or `postgres://…`. Default: `sqlite:./.lakekit/catalog.db`",
    ),
  name: nonEmpty
    .optional()
    .describe("The catalog's name: `catalog_name` in the Iceberg SQL-catalog tables. Default: `lakekit`"),
});

const s3Schema = z.strictObject({
  endpoint: nonEmpty
    .optional()
    .describe('URL of an S3-compatible server (MinIO, …). Default: AWS S3 in `region`'),
  region: nonEmpty
    .optional()
    .describe('The region. Default: `AWS_REGION`, else `AWS_DEFAULT_REGION`, else `us-east-1`'),
  force_path_style: booleanish
    .optional()
    .describe(
      'Path-style URLs (`endpoint/bucket/key`) instead of virtual-hosted ones. Default: true when `endpoint` is set',
    ),
  access_key_id: nonEmpty
    .optional()
    .describe(
      'Access key id, given together with `secret_access_key`. Without both, the standard AWS credentials apply (`AWS_*` variables, profiles)',
    ),
  secret_access_key: nonEmpty
    .optional()
    .describe('Secret access key, given together with `access_key_id` (a secret: use `${VAR}`)'),
});

/**
 * Top-level keys of the file. Later features (sources, pipelines, …) add their keys here; the
 * object stays strict so an unknown key is reported.
 */
export const configFileShape = {
  warehouse: nonEmpty
    .optional()
    .describe(
      "Where table data and metadata go: a path (relative to the config file's folder), `file:///path` or `s3://bucket/prefix`. Default: `./.lakekit/warehouse`",
    ),
  catalog: catalogSchema
    .optional()
    .describe("The catalog database: Iceberg SQL-catalog tables and Lakekit's own (governance, runs, audit)"),
  s3: s3Schema.optional().describe('Object storage (S3 or an S3-compatible server) for `s3://` locations'),
  maintenance: maintenanceSchema
    .optional()
    .describe('Table maintenance policies, for `lake table maintain` and the `lake schedule` job'),
  sources: z
    .record(
      z.string(),
      z.looseObject({
        type: nonEmpty.describe('The connector: the kind of source; it validates the other keys'),
      }),
    )
    .optional()
    .describe('Sources pipelines read from, by name'),
  pipelines: z
    .record(z.string(), z.unknown())
    .optional()
    .describe("Pipelines by name: a source's streams into tables, with schedule and checks"),
  query: z
    .strictObject({
      default_limit: z
        .number()
        .int()
        .min(0)
        .optional()
        .describe('Rows an answer holds when the caller gives no limit (HTTP API). Default: `10000`'),
      max_limit: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe(
          'Most rows a caller of the HTTP API may ask for (the command line is not capped by it). Default: `1000000`',
        ),
      timeout: duration
        .optional()
        .describe('Time limit of a query whose caller gives none (`30s`, `5m`). Default: `30s`'),
      max_timeout: duration.optional().describe('Most time a caller may ask for. Default: `10m`'),
      receipt_retention: duration
        .optional()
        .describe('How long the snapshots an answer receipt names are kept from expiry. Default: `30d`'),
      max_staleness: duration
        .optional()
        .describe(
          'An input whose snapshot is older than this makes an answer stale. Default: none (only failed freshness checks make inputs stale)',
        ),
      memory_limit: nonEmpty
        .optional()
        .describe("DuckDB memory limit of each governed query instance (`4GB`). Default: DuckDB's"),
      threads: z
        .number()
        .int()
        .min(1)
        .optional()
        .describe('Threads of the parallel governed query instance. Default: the number of cores'),
    })
    .optional()
    .describe(
      'Governed queries (`lake query`, HTTP API, MCP): limits, time-outs, receipt retention, staleness',
    ),
  notifications: z
    .strictObject({
      webhook: z
        .url({ protocol: /^https?$/ })
        .optional()
        .describe(
          'URL (http or https) that flags on answers are POSTed to, to tell the owners of the input tables',
        ),
    })
    .optional()
    .describe('Where notifications go'),
  lineage: z
    .strictObject({
      endpoint: nonEmpty
        .optional()
        .describe(
          'OpenLineage endpoint (`https://…/api/v1/lineage`) that pipeline runs also POST their events to; one that is down is logged and never fails a run',
        ),
      namespace: nonEmpty
        .optional()
        .describe('OpenLineage job namespace of pipeline runs. Default: `lakekit`'),
      api_key: nonEmpty
        .optional()
        .describe('Sent as `Authorization: Bearer <api_key>` with every event (a secret)'),
    })
    .optional()
    .describe('OpenLineage events: pipeline runs record them in the catalog, and send them here too'),
};

/** The schema of the configuration file as written (snake_case keys, before resolution). */
export const configFileSchema = z.strictObject(configFileShape);

/** The configuration file as written, after validation. */
export type ConfigFile = z.infer<typeof configFileSchema>;

const DEFAULT_WAREHOUSE = './.lakekit/warehouse';
const DEFAULT_CATALOG_URI = 'sqlite:./.lakekit/catalog.db';
const DEFAULT_CATALOG_NAME = 'lakekit';

/** The configuration used when there is no file: everything under `<cwd>/.lakekit`. */
export function defaultConfig(cwd: string): LakeConfig {
  return {
    warehouse: resolveWarehouse(DEFAULT_WAREHOUSE, cwd, 'defaults', 'warehouse'),
    catalog: {
      uri: resolveCatalogUri(DEFAULT_CATALOG_URI, cwd, 'defaults'),
      name: DEFAULT_CATALOG_NAME,
    },
    s3: undefined,
  };
}

/** Options of `resolveConfig`. */
export interface ResolveConfigOptions {
  /** Folder that relative paths resolve against (the config file's folder). */
  baseDir: string;
  /** Variables for `${VAR}` substitution. */
  env: Record<string, string | undefined>;
  /** Name of the file shown in errors (`lakekit.yaml`). */
  source: string;
  /** Finds the line of a key path in the file (for errors found after resolution). */
  lineOf?: (path: readonly (string | number)[]) => number | undefined;
}

/**
 * Validates parsed configuration (YAML/JSON data) and resolves it: `${VAR}` substituted, defaults
 * applied, relative paths made absolute. Throws ConfigError naming the file and key path.
 */
export function resolveConfig(raw: unknown, opts: ResolveConfigOptions): LakeConfig {
  // A source's unset variable is an error only for commands that use that source (a `lake query`
  // must not need the CRM's password): its first such error is kept, the text left as written.
  const sourceProblems: Record<string, ConfigError> = {};
  const rawObject = raw !== null && typeof raw === 'object' && !Array.isArray(raw) ? raw : undefined;
  const rawSources = (rawObject as { sources?: unknown } | undefined)?.sources;
  let substituted: unknown;
  if (rawObject && rawSources !== null && typeof rawSources === 'object' && !Array.isArray(rawSources)) {
    const { sources: _sources, ...rest } = rawObject as Record<string, unknown>;
    const sources: Record<string, unknown> = {};
    for (const [name, source] of Object.entries(rawSources)) {
      try {
        sources[name] = substituteEnv(source, opts.env, opts.source, ['sources', name]);
      } catch (e) {
        if (!(e instanceof ConfigError) || e.context?.['variable'] === undefined) throw e;
        sourceProblems[name] = e;
        sources[name] = source;
      }
    }
    substituted = { ...(substituteEnv(rest, opts.env, opts.source, []) as object), sources };
  } else {
    substituted = substituteEnv(raw ?? {}, opts.env, opts.source, []);
  }
  const parsed = configFileSchema.safeParse(substituted);
  if (!parsed.success) throw zodToConfigError(parsed.error, substituted, opts.source);
  const file = parsed.data;
  const s3 = file.s3;
  if (s3 && (s3.access_key_id === undefined) !== (s3.secret_access_key === undefined)) {
    const missing = s3.access_key_id === undefined ? 'access_key_id' : 'secret_access_key';
    throw configError(opts.source, `s3.${missing}`, 'access_key_id and secret_access_key go together');
  }
  return {
    warehouse: resolveWarehouse(file.warehouse ?? DEFAULT_WAREHOUSE, opts.baseDir, opts.source, 'warehouse'),
    catalog: {
      uri: resolveCatalogUri(file.catalog?.uri ?? DEFAULT_CATALOG_URI, opts.baseDir, opts.source),
      name: file.catalog?.name ?? DEFAULT_CATALOG_NAME,
    },
    s3: s3
      ? {
          endpoint: s3.endpoint,
          region: s3.region,
          forcePathStyle: s3.force_path_style,
          accessKeyId: s3.access_key_id,
          secretAccessKey: s3.secret_access_key,
        }
      : undefined,
    ...(file.maintenance ? { maintenance: resolveMaintenance(file.maintenance) } : {}),
    ...(file.sources ? { sources: file.sources } : {}),
    ...(Object.keys(sourceProblems).length > 0 ? { sourceProblems } : {}),
    ...(file.pipelines ? { pipelines: file.pipelines } : {}),
    ...(file.lineage
      ? {
          lineage: {
            ...(file.lineage.endpoint ? { endpoint: file.lineage.endpoint } : {}),
            ...(file.lineage.namespace ? { namespace: file.lineage.namespace } : {}),
            ...(file.lineage.api_key ? { apiKey: file.lineage.api_key } : {}),
          },
        }
      : {}),
    ...(file.query ? { query: resolveQuery(file.query) } : {}),
    ...(file.notifications?.webhook ? { notifications: { webhook: file.notifications.webhook } } : {}),
    origin: { source: opts.source, baseDir: opts.baseDir, ...(opts.lineOf ? { lineOf: opts.lineOf } : {}) },
  };
}

function resolveQuery(q: NonNullable<ConfigFile['query']>): QueryConfig {
  const ms = (text: string) => tryParseDuration(text)!;
  return {
    ...(q.default_limit !== undefined ? { defaultLimit: q.default_limit } : {}),
    ...(q.max_limit !== undefined ? { maxLimit: q.max_limit } : {}),
    ...(q.timeout !== undefined ? { defaultTimeoutMs: ms(q.timeout) } : {}),
    ...(q.max_timeout !== undefined ? { maxTimeoutMs: ms(q.max_timeout) } : {}),
    ...(q.receipt_retention !== undefined
      ? { receiptRetentionDays: ms(q.receipt_retention) / 86_400_000 }
      : {}),
    ...(q.max_staleness !== undefined ? { maxStalenessSeconds: ms(q.max_staleness) / 1000 } : {}),
    ...(q.memory_limit !== undefined ? { memoryLimit: q.memory_limit } : {}),
    ...(q.threads !== undefined ? { threads: q.threads } : {}),
  };
}

type Path = readonly (string | number)[];

/** `catalog.uri`, `sources[0].path`. */
function formatPath(path: Path): string {
  let out = '';
  for (const p of path) {
    if (typeof p === 'number') out += `[${p}]`;
    else out += out === '' ? p : `.${p}`;
  }
  return out;
}

function configError(source: string, key: string, problem: string): ConfigError {
  return new ConfigError(`${source}: ${key === '' ? '' : `${key}: `}${problem}`, {
    context: { file: source, key: key === '' ? undefined : key },
  });
}

const VAR_REF = /\$\$\{|\$\{([^}]*)\}?/g;
const VAR_BODY = /^([A-Za-z_][A-Za-z0-9_]*)(?::-(.*))?$/s;

/** Replaces `${VAR}` and `${VAR:-default}` in every string value; `$${` is a literal `${`. */
function substituteEnv(
  value: unknown,
  env: Record<string, string | undefined>,
  source: string,
  path: Path,
): unknown {
  if (typeof value === 'string') {
    return value.replace(VAR_REF, (match, body: string | undefined) => {
      if (match === '$${') return '${';
      const m = match.endsWith('}') && body !== undefined ? VAR_BODY.exec(body) : null;
      if (!m) {
        throw configError(
          source,
          formatPath(path),
          `malformed variable reference "${match}" (write $\${ for a literal \${)`,
        );
      }
      const name = m[1]!;
      const fallback = m[2];
      const v = env[name];
      if (fallback !== undefined) return v === undefined || v === '' ? fallback : v;
      if (v === undefined) {
        throw new ConfigError(
          `${source}: ${formatPath(path) || 'value'}: environment variable ${name} is not set (use \${${name}:-default} for a default)`,
          { context: { file: source, key: formatPath(path), variable: name } },
        );
      }
      return v;
    });
  }
  if (Array.isArray(value)) return value.map((v, i) => substituteEnv(v, env, source, [...path, i]));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = substituteEnv(v, env, source, [...path, k]);
    return out;
  }
  return value;
}

/** What a value is, in the words of a YAML user. */
function kindOf(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  if (value instanceof Date) return 'a date';
  if (typeof value === 'object') return 'a mapping';
  return typeof value;
}

function valueAt(root: unknown, path: Path): unknown {
  let v = root;
  for (const p of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string | number, unknown>)[p];
  }
  return v;
}

/** Known keys of the strict object at `path`, for "did you mean" hints (in a record: its values' keys). */
function knownKeysAt(path: Path): string[] {
  const unwrap = (s: unknown): unknown => {
    while (s instanceof z.ZodOptional || s instanceof z.ZodDefault || s instanceof z.ZodNullable) {
      s = s.unwrap();
    }
    return s;
  };
  let s: unknown = configFileSchema;
  for (const p of path) {
    s = unwrap(s);
    if (s instanceof z.ZodRecord) s = s.valueType;
    else if (s instanceof z.ZodObject) s = (s.shape as Record<string, unknown>)[String(p)];
    else return [];
  }
  s = unwrap(s);
  return s instanceof z.ZodObject ? Object.keys(s.shape as Record<string, unknown>) : [];
}

function editDistance(a: string, b: string): number {
  const row = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    let prev = row[0]!;
    row[0] = i;
    for (let j = 1; j <= b.length; j++) {
      const cur = row[j]!;
      row[j] = Math.min(row[j]! + 1, row[j - 1]! + 1, prev + (a[i - 1] === b[j - 1] ? 0 : 1));
      prev = cur;
    }
  }
  return row[b.length]!;
}

function suggestion(key: string, known: string[]): string {
  const best = known
    .map((k) => ({ k, d: editDistance(key.toLowerCase(), k.toLowerCase()) }))
    .sort((x, y) => x.d - y.d)[0];
  return best && best.d <= 2 ? ` (did you mean "${best.k}"?)` : '';
}

/** The first zod issue as a ConfigError: `lakekit.yaml: catalog.name: expected string, got number`. */
function zodToConfigError(error: z.ZodError, input: unknown, source: string): ConfigError {
  const issue = error.issues[0]!;
  const path = issue.path.filter((p): p is string | number => typeof p !== 'symbol');
  const key = formatPath(path);
  switch (issue.code) {
    case 'unrecognized_keys': {
      const where = key === '' ? 'at top level' : `in ${key}`;
      const known = knownKeysAt(path);
      const names = issue.keys.map((k) => `"${k}"`).join(', ');
      const hint = issue.keys.length === 1 ? suggestion(issue.keys[0]!, known) : '';
      return new ConfigError(
        `${source}: unknown key${issue.keys.length > 1 ? 's' : ''} ${names} ${where}${hint}; allowed: ${known.join(', ')}`,
        { context: { file: source, key: key === '' ? undefined : key } },
      );
    }
    case 'invalid_type': {
      const expected = issue.expected === 'object' ? 'a mapping' : issue.expected;
      const problem = `expected ${expected}, got ${kindOf(valueAt(input, path))}`;
      return configError(source, key, key === '' ? `${problem} at top level` : problem);
    }
    case 'too_small':
      return configError(source, key, 'must not be empty');
    default:
      return configError(source, key, issue.message);
  }
}

/** `./warehouse` → `file:///abs/warehouse`; `s3://bucket/prefix` stays; other schemes are errors. */
function resolveWarehouse(value: string, baseDir: string, source: string, key: string): string {
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(value)?.[1]?.toLowerCase();
  if (scheme === undefined) return stripSlash(pathToFileURL(resolve(baseDir, value)).href);
  if (scheme === 's3' || scheme === 's3a') {
    if (!/^s3a?:\/\/[^/]+/.test(value)) throw configError(source, key, `"${value}" has no bucket`);
    return stripSlash(value);
  }
  if (scheme === 'file') {
    if (!value.startsWith('file:///')) {
      throw configError(source, key, `"${value}" is not an absolute file URI (file:///path)`);
    }
    return stripSlash(value);
  }
  throw configError(
    source,
    key,
    `unsupported warehouse "${value}": expected a path, file:///path or s3://bucket/prefix`,
  );
}

/** `sqlite:./catalog.db` → `sqlite:/abs/catalog.db`; `sqlite::memory:` and `postgres://…` stay. */
function resolveCatalogUri(value: string, baseDir: string, source: string): string {
  if (value === 'sqlite::memory:') return value;
  if (value.startsWith('sqlite:')) {
    const file = value.slice('sqlite:'.length);
    if (file === '') throw configError(source, 'catalog.uri', 'sqlite: needs a path (sqlite:./catalog.db)');
    return `sqlite:${isAbsolute(file) ? file : resolve(baseDir, file)}`;
  }
  if (/^postgres(ql)?:\/\//.test(value)) return value;
  throw configError(
    source,
    'catalog.uri',
    `unsupported catalog "${value}": expected sqlite:<path>, sqlite::memory: or postgres://…`,
  );
}

function stripSlash(uri: string): string {
  return uri.length > 1 && uri.endsWith('/') && !uri.endsWith(':///') ? uri.replace(/\/+$/, '') : uri;
}
