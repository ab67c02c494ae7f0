/**
 * The `maintenance:` section of lakekit.yaml: what table maintenance (snapshot expiry, compaction,
 * manifest rewriting, orphan removal) does, per table with `defaults` for the rest. Durations (`7d`)
 * and sizes (`128MB`) are validated where the file is read, so a typo fails when the configuration
 * loads instead of at the nightly run, and resolved to milliseconds and bytes.
 */
import * as z from 'zod';
import { UsageError } from './errors.js';
import { parseTableIdentifier } from './identifier.js';

/** What maintenance does for one table; every key optional (unset: the table's or built-in default). */
export interface MaintenancePolicy {
  /** Expire snapshots older than this age in ms (default: table property history.expire.max-snapshot-age-ms, 5 days). */
  readonly expireOlderThanMs?: number;
  /** Snapshots of main's history always kept (default: history.expire.min-snapshots-to-keep, 1). */
  readonly retainLast?: number;
  /** Remove unreferenced files older than this age in ms (default 3 days). */
  readonly orphanOlderThanMs?: number;
  /** Whether to compact small and delete-heavy data files (default true). */
  readonly compact?: boolean;
  /** Target data file size in bytes for compaction (default 128 MiB). */
  readonly targetFileSizeBytes?: number;
  /** Rewrite the current snapshot's manifests once it has at least this many (default 100). */
  readonly rewriteManifestsAt?: number;
}

/** The resolved `maintenance:` section. */
export interface MaintenanceConfig {
  /** When `lake schedule` runs maintenance (cron, default daily at 03:00), in `timezone` (default UTC). */
  readonly schedule: string;
  readonly timezone: string;
  readonly defaults: MaintenancePolicy;
  /** By table name (`ns.table`). */
  readonly tables: Readonly<Record<string, MaintenancePolicy>>;
}

const DURATION_UNITS: Record<string, number> = {
  ms: 1,
  s: 1000,
  m: 60_000,
  h: 3_600_000,
  d: 86_400_000,
  w: 604_800_000,
};

const SIZE_UNITS: Record<string, number> = {
  b: 1,
  k: 1024,
  kb: 1024,
  kib: 1024,
  m: 1024 ** 2,
  mb: 1024 ** 2,
  mib: 1024 ** 2,
  g: 1024 ** 3,
  gb: 1024 ** 3,
  gib: 1024 ** 3,
  t: 1024 ** 4,
  tb: 1024 ** 4,
  tib: 1024 ** 4,
};

/** `7d` → 604800000 (units ms, s, m, h, d, w); undefined when malformed. */
export function tryParseDuration(text: string): number | undefined {
  const m = /^\s*(\d+)\s*(ms|s|m|h|d|w)\s*$/.exec(text);
  if (!m) return undefined;
  const ms = Number(m[1]) * DURATION_UNITS[m[2]!]!;
  return Number.isSafeInteger(ms) ? ms : undefined;
}

/** `128MB` → 134217728 (binary multiples: KB = KiB = 1024); a bare number is bytes; undefined when malformed. */
export function tryParseSize(text: string): number | undefined {
  const m = /^\s*(\d+(?:\.\d+)?)\s*([A-Za-z]*)\s*$/.exec(text);
  if (!m) return undefined;
  const unit = SIZE_UNITS[(m[2] || 'b').toLowerCase()];
  if (unit === undefined) return undefined;
  const bytes = Math.round(Number(m[1]) * unit);
  return bytes > 0 && Number.isSafeInteger(bytes) ? bytes : undefined;
}

const DURATION_HINT = 'expected a whole number and a unit (ms, s, m, h, d, w), e.g. 7d, 12h, 30m';
const SIZE_HINT = 'expected a positive size such as 128MB, 1GB, 512KB or a number of bytes';

/** Parses a duration given on a command line; UsageError naming the option otherwise. */
export function parseDuration(text: string, option: string): number {
  const ms = tryParseDuration(text);
  if (ms === undefined) throw new UsageError(`${option}: invalid duration "${text}": ${DURATION_HINT}`);
  return ms;
}

/** Parses a size given on a command line; UsageError naming the option otherwise. */
export function parseSize(text: string, option: string): number {
  const bytes = tryParseSize(text);
  if (bytes === undefined) throw new UsageError(`${option}: invalid size "${text}": ${SIZE_HINT}`);
  return bytes;
}

/** Numbers and numeric strings (what `${VAR}` substitution yields) as text. */
const asText = (v: unknown) => (typeof v === 'number' ? String(v) : v);

/** A duration text (`30d`, `12h`, `15m`, `90s`) as milliseconds. */
export const duration = z.preprocess(
  asText,
  z.string().superRefine((s, ctx) => {
    if (tryParseDuration(s) === undefined)
      ctx.addIssue({ code: 'custom', message: `invalid duration "${s}": ${DURATION_HINT}` });
  }),
);

const size = z.preprocess(
  asText,
  z.string().superRefine((s, ctx) => {
    if (tryParseSize(s) === undefined)
      ctx.addIssue({ code: 'custom', message: `invalid size "${s}": ${SIZE_HINT}` });
  }),
);

const positiveInt = z.preprocess(
  (v) => (typeof v === 'string' && /^\s*\d+\s*$/.test(v) ? Number(v) : v),
  z.number().superRefine((n, ctx) => {
    if (!Number.isSafeInteger(n) || n < 1)
      ctx.addIssue({ code: 'custom', message: `must be a positive whole number, got ${n}` });
  }),
);

const booleanish = z.preprocess((v) => (v === 'true' ? true : v === 'false' ? false : v), z.boolean());

/** One policy as written (snake_case keys). */
const policySchema = z.strictObject({
  expire_older_than: duration
    .optional()
    .describe(
      'Expire snapshots older than this (`7d`, `12h`). Default: the table property `history.expire.max-snapshot-age-ms`, else 5 days',
    ),
  retain_last: positiveInt
    .optional()
    .describe(
      "Newest snapshots of each branch's history kept whatever their age (a branch's own `min-snapshots-to-keep` wins). Default: the table property `history.expire.min-snapshots-to-keep`, else 1",
    ),
  orphan_older_than: duration
    .optional()
    .describe('Remove files no snapshot or metadata references once they are older than this. Default: `3d`'),
  compact: booleanish
    .optional()
    .describe('Whether to compact small and delete-heavy data files. Default: `true`'),
  target_file_size: size
    .optional()
    .describe(
      'Size compaction packs data files up to (`128MB`, `1GB`; KB = KiB = 1024). Default: the table property `write.target-file-size-bytes`, else 128 MiB',
    ),
  rewrite_manifests_at: positiveInt
    .optional()
    .describe("Rewrite the current snapshot's manifests once it has at least this many. Default: `100`"),
});

/** The `maintenance:` section as written: `defaults` and `tables` keyed by `ns.table`. */
export const maintenanceSchema = z.strictObject({
  schedule: z
    .string()
    .min(1)
    .optional()
    .describe('When `lake schedule` runs maintenance: a cron expression in `timezone`. Default: `0 3 * * *`'),
  timezone: z.string().min(1).optional().describe('IANA time zone of `schedule`. Default: `UTC`'),
  defaults: policySchema
    .optional()
    .describe("The policy of every table; a table's own entry under `tables` overrides it key by key"),
  tables: z
    .record(z.string(), policySchema)
    .superRefine((tables, ctx) => {
      for (const name of Object.keys(tables)) {
        try {
          parseTableIdentifier(name);
        } catch {
          ctx.addIssue({
            code: 'custom',
            path: [name],
            message: `"${name}" is not a table name: expected <namespace>.<table>`,
          });
        }
      }
    })
    .optional()
    .describe('Policies by table name (`ns.table`)'),
});

/** The `maintenance:` section as written, after validation. */
export type MaintenanceFile = z.infer<typeof maintenanceSchema>;

function resolvePolicy(p: z.infer<typeof policySchema> | undefined): MaintenancePolicy {
  if (p === undefined) return {};
  const out: {
    -readonly [K in keyof MaintenancePolicy]: MaintenancePolicy[K];
  } = {};
  if (p.expire_older_than !== undefined) out.expireOlderThanMs = tryParseDuration(p.expire_older_than)!;
  if (p.retain_last !== undefined) out.retainLast = p.retain_last;
  if (p.orphan_older_than !== undefined) out.orphanOlderThanMs = tryParseDuration(p.orphan_older_than)!;
  if (p.compact !== undefined) out.compact = p.compact;
  if (p.target_file_size !== undefined) out.targetFileSizeBytes = tryParseSize(p.target_file_size)!;
  if (p.rewrite_manifests_at !== undefined) out.rewriteManifestsAt = p.rewrite_manifests_at;
  return out;
}

/** Maintenance runs daily at 03:00 (in `maintenance.timezone`) unless `maintenance.schedule` says otherwise. */
export const DEFAULT_MAINTENANCE_SCHEDULE = '0 3 * * *';

/** Resolves a validated `maintenance:` section (camelCase, milliseconds and bytes). */
export function resolveMaintenance(file: MaintenanceFile): MaintenanceConfig {
  return {
    schedule: file.schedule ?? DEFAULT_MAINTENANCE_SCHEDULE,
    timezone: file.timezone ?? 'UTC',
    defaults: resolvePolicy(file.defaults),
    tables: Object.fromEntries(Object.entries(file.tables ?? {}).map(([k, v]) => [k, resolvePolicy(v)])),
  };
}

/** The policy of one table: its own keys over `defaults` (empty when nothing is configured). */
export function maintenancePolicyFor(
  config: MaintenanceConfig | undefined,
  table: string,
): MaintenancePolicy {
  if (config === undefined) return {};
  return { ...config.defaults, ...(config.tables[table] ?? {}) };
}
