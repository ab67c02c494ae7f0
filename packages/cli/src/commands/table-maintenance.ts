/**
 * `lake table expire|remove-orphans|rewrite-manifests|compact|maintain`: table maintenance by hand.
 * Options given on the command line win over the table's `maintenance:` policy in lakekit.yaml,
 * which wins over the table properties and built-in defaults.
 */
import {
  type MaintenancePolicy,
  maintenancePolicyFor,
  parseDuration,
  parseSize,
  parseTableIdentifier,
  UsageError,
} from '@lakekit/core';
import {
  type CompactFilesResult,
  compactFiles,
  DEFAULT_ORPHAN_AGE_MS,
  DEFAULT_REWRITE_MANIFESTS_AT,
  type ExpireSnapshotsResult,
  expireSnapshots,
  type RemoveOrphanFilesResult,
  type RewriteManifestsResult,
  removeOrphanFiles,
  rewriteManifests,
  runMaintenance,
  type Table,
} from '@lakekit/iceberg';
import type { CommandContext } from '../context.js';
import { printJson } from '../output.js';

async function load(ctx: CommandContext, name: string): Promise<{ table: Table; policy: MaintenancePolicy }> {
  const table = await (await ctx.catalog()).loadTable(parseTableIdentifier(name));
  return { table, policy: maintenancePolicyFor(ctx.config.maintenance, table.name) };
}

function positiveInt(text: string, option: string): number {
  if (!/^\d+$/.test(text.trim()) || Number(text) < 1)
    throw new UsageError(`${option}: expected a positive whole number, got "${text}"`);
  return Number(text);
}

function write(lines: string[]): void {
  process.stdout.write(`${lines.join('\n')}\n`);
}

function expireDoc(table: Table, r: ExpireSnapshotsResult) {
  return {
    table: table.name,
    dryRun: r.dryRun,
    removedSnapshots: r.removedSnapshotIds,
    removedRefs: r.removedRefs,
    keptSnapshots: r.keptSnapshots,
    deleted: {
      manifestLists: r.deletedManifestLists,
      manifests: r.deletedManifests,
      dataFiles: r.deletedDataFiles,
      deleteFiles: r.deletedDeleteFiles,
      statisticsFiles: r.deletedStatisticsFiles,
    },
    files: r.files,
    failedFiles: r.failedFiles,
  };
}

function expireText(table: Table, r: ExpireSnapshotsResult): string[] {
  const verb = r.dryRun ? 'would expire' : 'expired';
  const del = r.dryRun ? 'would delete' : 'deleted';
  const lines = [
    `${verb} ${r.removedSnapshotIds.length} snapshot(s) of ${table.name}, ${r.keptSnapshots} kept${r.removedRefs.length > 0 ? `; refs past their max age: ${r.removedRefs.join(', ')}` : ''}; ${del} ${r.files.length} file(s): ${r.deletedDataFiles} data, ${r.deletedDeleteFiles} delete, ${r.deletedManifests} manifest(s), ${r.deletedManifestLists} manifest list(s)`,
  ];
  if (r.dryRun) lines.push(...r.files.map((f) => `  ${f}`));
  if (r.failedFiles.length > 0)
    lines.push(`${r.failedFiles.length} file(s) could not be deleted (remove-orphans removes them later)`);
  return lines;
}

function orphanDoc(table: Table, r: RemoveOrphanFilesResult) {
  return {
    table: table.name,
    dryRun: r.dryRun,
    olderThan: new Date(r.olderThanMs).toISOString(),
    scannedFiles: r.scannedFiles,
    referencedFiles: r.referencedFiles,
    recentFiles: r.recentFiles,
    orphanFiles: r.orphanFiles,
    failedFiles: r.failedFiles,
  };
}

function orphanText(table: Table, r: RemoveOrphanFilesResult): string[] {
  return [
    `${r.dryRun ? 'would remove' : 'removed'} ${r.orphanFiles.length} orphan file(s) of ${table.name} older than ${new Date(r.olderThanMs).toISOString()} (${r.scannedFiles} scanned, ${r.referencedFiles} referenced, ${r.recentFiles} unreferenced but recent)`,
    ...r.orphanFiles.map((f) => `  ${f}`),
  ];
}

function rewriteDoc(table: Table, r: RewriteManifestsResult) {
  return {
    table: table.name,
    snapshotId: r.snapshot?.['snapshot-id'] ?? null,
    manifestsBefore: r.manifestsBefore,
    manifestsAfter: r.manifestsAfter,
    rewrittenManifests: r.rewrittenManifests,
    addedManifests: r.addedManifests,
    entries: r.entries,
  };
}

function rewriteText(table: Table, r: RewriteManifestsResult): string {
  return r.snapshot
    ? `rewrote ${r.rewrittenManifests} manifest(s) of ${table.name} into ${r.addedManifests}: ${r.manifestsBefore} → ${r.manifestsAfter} — snapshot ${r.snapshot['snapshot-id']}`
    : `the ${r.manifestsBefore} manifest(s) of ${table.name} need no rewrite; nothing changed`;
}

function compactDoc(table: Table, r: CompactFilesResult) {
  return {
    table: table.name,
    snapshotId: r.snapshot?.['snapshot-id'] ?? null,
    groups: r.groups,
    rewrittenDataFiles: r.rewrittenDataFiles,
    addedDataFiles: r.addedDataFiles,
    removedDeleteFiles: r.removedDeleteFiles,
    rewrittenBytes: r.rewrittenBytes,
    addedBytes: r.addedBytes,
    rows: r.rows,
  };
}

function compactText(table: Table, r: CompactFilesResult): string {
  return r.snapshot
    ? `compacted ${r.rewrittenDataFiles} data file(s) of ${table.name} into ${r.addedDataFiles} (${r.rows} rows, ${r.removedDeleteFiles} delete file(s) dropped) — snapshot ${r.snapshot['snapshot-id']}`
    : `no data files of ${table.name} need compaction; nothing changed`;
}

/** Expires old snapshots and deletes the files only they used. */
export async function tableExpire(
  ctx: CommandContext,
  name: string,
  opts: { olderThan?: string; retainLast?: string; dryRun?: boolean },
): Promise<number> {
  const olderThan = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, '--older-than');
  const retainLast =
    opts.retainLast === undefined ? undefined : positiveInt(opts.retainLast, '--retain-last');
  const { table, policy } = await load(ctx, name);
  const age = olderThan ?? policy.expireOlderThanMs;
  const keep = retainLast ?? policy.retainLast;
  const r = await expireSnapshots(table, {
    ...(age !== undefined ? { olderThanMs: Date.now() - age } : {}),
    ...(keep !== undefined ? { retainLast: keep } : {}),
    dryRun: opts.dryRun === true,
    // Snapshots named by answer receipts stay until the receipts' retention ends.
    protectedSnapshotIds: await (await ctx.catalog()).answers.protectedSnapshots(table.name),
  });
  if (ctx.options.json) printJson(expireDoc(table, r));
  else write(expireText(table, r));
  return 0;
}

/** Deletes files under the table location that no metadata references. */
export async function tableRemoveOrphans(
  ctx: CommandContext,
  name: string,
  opts: { olderThan?: string; dryRun?: boolean },
): Promise<number> {
  const olderThan = opts.olderThan === undefined ? undefined : parseDuration(opts.olderThan, '--older-than');
  const { table, policy } = await load(ctx, name);
  const r = await removeOrphanFiles(table, {
    olderThanMs: Date.now() - (olderThan ?? policy.orphanOlderThanMs ?? DEFAULT_ORPHAN_AGE_MS),
    dryRun: opts.dryRun === true,
  });
  if (ctx.options.json) printJson(orphanDoc(table, r));
  else write(orphanText(table, r));
  return 0;
}

/** Merges the current snapshot's small manifests. */
export async function tableRewriteManifests(ctx: CommandContext, name: string): Promise<number> {
  const { table } = await load(ctx, name);
  const r = await rewriteManifests(table);
  if (ctx.options.json) printJson(rewriteDoc(table, r));
  else write([rewriteText(table, r)]);
  return 0;
}

/** Compacts small and delete-heavy data files. */
export async function tableCompact(
  ctx: CommandContext,
  name: string,
  opts: { targetFileSize?: string },
): Promise<number> {
  const size =
    opts.targetFileSize === undefined ? undefined : parseSize(opts.targetFileSize, '--target-file-size');
  const { table, policy } = await load(ctx, name);
  const target = size ?? policy.targetFileSizeBytes;
  const r = await compactFiles(
    table,
    await ctx.engine(),
    target !== undefined ? { targetFileSizeBytes: target } : {},
  );
  if (ctx.options.json) printJson(compactDoc(table, r));
  else write([compactText(table, r)]);
  return 0;
}

/** Runs the table's maintenance policy (or the defaults): expire, compact, rewrite manifests, remove orphans. */
export async function tableMaintain(ctx: CommandContext, name: string): Promise<number> {
  const { table, policy } = await load(ctx, name);
  const r = await runMaintenance(table, await ctx.engine(), policy, {
    protectedSnapshotIds: await (await ctx.catalog()).answers.protectedSnapshots(table.name),
  });
  if (ctx.options.json) {
    printJson({
      table: table.name,
      policy,
      expire: expireDoc(table, r.expire),
      compact: r.compact ? compactDoc(table, r.compact) : null,
      manifestCount: r.manifestCount,
      rewriteManifests: r.rewriteManifests ? rewriteDoc(table, r.rewriteManifests) : null,
      removeOrphans: orphanDoc(table, r.removeOrphans),
    });
    return 0;
  }
  write([
    ...expireText(table, r.expire),
    r.compact ? compactText(table, r.compact) : 'compaction: off in the policy',
    r.rewriteManifests
      ? rewriteText(table, r.rewriteManifests)
      : `manifests: ${r.manifestCount}, below the rewrite threshold (${policy.rewriteManifestsAt ?? DEFAULT_REWRITE_MANIFESTS_AT}); not rewritten`,
    ...orphanText(table, r.removeOrphans),
  ]);
  return 0;
}
