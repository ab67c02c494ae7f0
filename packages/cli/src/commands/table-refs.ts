/**
 * `lake table branch|tag|refs|drop-ref|fast-forward`: a table's branches and tags, the steps of
 * write-audit-publish (branch from main, `lake load --branch`, check with `AT (VERSION => 'branch')`,
 * fast-forward main). Confirmations go to stderr; `--json` prints one result document.
 */
import { parseTableIdentifier, UsageError } from '@lakekit/core';
import {
  createBranch,
  createTag,
  dropRef,
  fastForward,
  listRefs,
  type RefInfo,
  Table,
} from '@lakekit/iceberg';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';

/** A positive integer option (milliseconds or a count), undefined when not given. */
function positiveInt(text: string | undefined, option: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text.trim());
  if (!/^\d+$/.test(text.trim()) || !Number.isSafeInteger(n) || n <= 0)
    throw new UsageError(`--${option} "${text}": expected a positive integer`);
  return n;
}

/** A ref in `--json` output: every retention key present, null when unset. */
function refDoc(r: RefInfo) {
  return {
    name: r.name,
    type: r.type,
    snapshotId: r.snapshotId,
    maxRefAgeMs: r.maxRefAgeMs ?? null,
    maxSnapshotAgeMs: r.maxSnapshotAgeMs ?? null,
    minSnapshotsToKeep: r.minSnapshotsToKeep ?? null,
  };
}

async function load(ctx: CommandContext, name: string): Promise<Table> {
  return (await ctx.catalog()).loadTable(parseTableIdentifier(name));
}

/** Creates a branch at main's current snapshot or at `--from`. */
export async function tableBranch(
  ctx: CommandContext,
  tableName: string,
  name: string,
  opts: { from?: string; maxRefAgeMs?: string; maxSnapshotAgeMs?: string; minSnapshotsToKeep?: string },
): Promise<number> {
  const table = await load(ctx, tableName);
  const maxRefAgeMs = positiveInt(opts.maxRefAgeMs, 'max-ref-age-ms');
  const maxSnapshotAgeMs = positiveInt(opts.maxSnapshotAgeMs, 'max-snapshot-age-ms');
  const minSnapshotsToKeep = positiveInt(opts.minSnapshotsToKeep, 'min-snapshots-to-keep');
  const ref = await createBranch(table, name, {
    ...(opts.from !== undefined ? { fromSnapshotId: Table.parseSnapshotId(opts.from) } : {}),
    ...(maxRefAgeMs !== undefined ? { maxRefAgeMs } : {}),
    ...(maxSnapshotAgeMs !== undefined ? { maxSnapshotAgeMs } : {}),
    ...(minSnapshotsToKeep !== undefined ? { minSnapshotsToKeep } : {}),
  });
  if (ctx.options.json) printJson({ table: table.name, ref: refDoc(ref) });
  else info(`created branch ${ref.name} of ${table.name} at snapshot ${ref.snapshotId}`);
  return 0;
}

/** Creates a tag on main's current snapshot or on `--snapshot`. */
export async function tableTag(
  ctx: CommandContext,
  tableName: string,
  name: string,
  opts: { snapshot?: string; maxRefAgeMs?: string },
): Promise<number> {
  const table = await load(ctx, tableName);
  const maxRefAgeMs = positiveInt(opts.maxRefAgeMs, 'max-ref-age-ms');
  const ref = await createTag(table, name, {
    ...(opts.snapshot !== undefined ? { snapshotId: Table.parseSnapshotId(opts.snapshot) } : {}),
    ...(maxRefAgeMs !== undefined ? { maxRefAgeMs } : {}),
  });
  if (ctx.options.json) printJson({ table: table.name, ref: refDoc(ref) });
  else info(`created tag ${ref.name} of ${table.name} on snapshot ${ref.snapshotId}`);
  return 0;
}

/** Lists a table's branches and tags with their snapshots and retention settings. */
export async function tableRefs(ctx: CommandContext, tableName: string): Promise<number> {
  const table = await load(ctx, tableName);
  const refs = listRefs(table).map(refDoc);
  if (ctx.options.json) {
    printJson({ table: table.name, refs });
    return 0;
  }
  printTable(
    ['name', 'type', 'snapshot_id', 'max_ref_age_ms', 'max_snapshot_age_ms', 'min_snapshots_to_keep'],
    refs.map((r) => [
      r.name,
      r.type,
      r.snapshotId,
      r.maxRefAgeMs ?? '',
      r.maxSnapshotAgeMs ?? '',
      r.minSnapshotsToKeep ?? '',
    ]),
  );
  return 0;
}

/** Drops a branch or tag (never main); its snapshots stay until they expire. */
export async function tableDropRef(ctx: CommandContext, tableName: string, name: string): Promise<number> {
  const table = await load(ctx, tableName);
  const ref = await dropRef(table, name);
  if (ctx.options.json) printJson({ table: table.name, ref: refDoc(ref), dropped: true });
  else info(`dropped ${ref.type} ${ref.name} of ${table.name} (it was at snapshot ${ref.snapshotId})`);
  return 0;
}

/** Moves a branch (default main) to the head of `--to` when that is a fast-forward. */
export async function tableFastForward(
  ctx: CommandContext,
  tableName: string,
  opts: { to: string; branch?: string },
): Promise<number> {
  const table = await load(ctx, tableName);
  const r = await fastForward(table, {
    to: opts.to,
    ...(opts.branch !== undefined ? { branch: opts.branch } : {}),
  });
  if (ctx.options.json) {
    printJson({
      table: table.name,
      branch: r.branch,
      to: r.to,
      from: r.from ?? null,
      snapshotId: r.snapshotId,
      changed: r.changed,
    });
  } else if (r.changed) {
    info(
      `fast-forwarded ${r.branch} of ${table.name} from snapshot ${r.from ?? 'none'} to ${r.snapshotId} (the head of ${r.to})`,
    );
  } else {
    info(`${r.branch} of ${table.name} already is at ${r.to}'s head, snapshot ${r.snapshotId}`);
  }
  return 0;
}
