/**
 * Manifest rewriting (Java's `RewriteManifests`): every append adds a manifest, so a table with many
 * small commits makes every scan open hundreds of small files. The small manifests of the current
 * snapshot are merged — per partition spec and content, entries clustered by partition — into few
 * ones, committed as a `replace` snapshot that changes no data. Entries become EXISTING with their
 * snapshot id and data and file sequence numbers written out, so the live files, and how deletes
 * apply to them, are exactly what they were.
 */
import { randomUUID } from 'node:crypto';
import { CommitConflictError, UsageError } from '@lakekit/core';
import { encodeManifestList } from '../avro/index.js';
import { commitMetadata } from '../commit-metadata.js';
import { EntryStatus, ManifestContent, type ManifestEntry, type ManifestFile } from '../manifest-model.js';
import { stripSlash } from '../metadata-files.js';
import { partitionFieldDescriptors } from '../partition-descriptors.js';
import { readManifestEntries, readManifestList } from '../scan.js';
import {
  branchHead,
  manifestFileFor,
  newSnapshotId,
  withSnapshot,
  writeManifest,
} from '../snapshot-producer.js';
import type { Table } from '../table.js';
import type { SnapshotJson } from '../table-metadata.js';
import { mapLimit } from './map-limit.js';

/** Default of the table property `commit.manifest.target-size-bytes`: 8 MiB. */
export const DEFAULT_MANIFEST_TARGET_BYTES = 8 * 1024 * 1024;

/** Options of `rewriteManifests`: at most one of the two sizes (default: the target manifest size). */
export interface RewriteManifestsOptions {
  /** Aim for about this many manifests in all (one more per extra partition spec or content kind). */
  targetManifestCount?: number;
  /** At most this many entries per manifest. */
  maxEntriesPerManifest?: number;
  /** Extra snapshot summary properties. */
  summary?: Record<string, string>;
}

/** What `rewriteManifests` did. */
export interface RewriteManifestsResult {
  /** The new snapshot; undefined when nothing was worth rewriting. */
  snapshot: SnapshotJson | undefined;
  manifestsBefore: number;
  manifestsAfter: number;
  /** Manifests replaced by the new ones. */
  rewrittenManifests: number;
  addedManifests: number;
  /** Live entries carried into the new manifests. */
  entries: number;
}

/** A new manifest: where it was written and its entries. */
interface Written {
  path: string;
  length: number;
  specId: number;
  content: ManifestContent;
  entries: ManifestEntry[];
}

function liveCount(m: ManifestFile): number {
  return (m.addedFilesCount ?? 0) + (m.existingFilesCount ?? 0);
}

function partitionText(e: ManifestEntry): string {
  return JSON.stringify(e.dataFile.partition, (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}

/** Entries per new manifest for a group of manifests (see `RewriteManifestsOptions`). */
function capacity(
  group: ManifestFile[],
  totalLive: number,
  options: RewriteManifestsOptions,
  targetBytes: number,
) {
  if (options.maxEntriesPerManifest !== undefined) return options.maxEntriesPerManifest;
  if (options.targetManifestCount !== undefined)
    return Math.max(1, Math.ceil(totalLive / options.targetManifestCount));
  const bytes = group.reduce((a, m) => a + m.manifestLength, 0);
  const entries = group.reduce((a, m) => a + liveCount(m) + (m.deletedFilesCount ?? 0), 0);
  return Math.max(1, Math.floor(targetBytes / Math.max(1, bytes / Math.max(1, entries))));
}

/** Merges the current snapshot's small manifests into fewer ones (see module comment). */
export async function rewriteManifests(
  table: Table,
  options: RewriteManifestsOptions = {},
): Promise<RewriteManifestsResult> {
  for (const [key, v] of [
    ['target-manifest-count', options.targetManifestCount],
    ['max-entries-per-manifest', options.maxEntriesPerManifest],
  ] as const) {
    if (v !== undefined && !(Number.isSafeInteger(v) && v >= 1))
      throw new UsageError(`${key} must be a positive whole number, got ${v}`);
  }
  if (options.targetManifestCount !== undefined && options.maxEntriesPerManifest !== undefined)
    throw new UsageError('give target-manifest-count or max-entries-per-manifest, not both');
  await table.refresh();
  const head = branchHead(table.metadata, 'main');
  const manifests = head ? await readManifestList(table.io, head) : [];
  const nothing: RewriteManifestsResult = {
    snapshot: undefined,
    manifestsBefore: manifests.length,
    manifestsAfter: manifests.length,
    rewrittenManifests: 0,
    addedManifests: 0,
    entries: 0,
  };
  if (!head) return nothing;
  const md = table.metadata;
  const targetBytes = Number(
    md.properties['commit.manifest.target-size-bytes'] ?? DEFAULT_MANIFEST_TARGET_BYTES,
  );
  const groups = new Map<string, ManifestFile[]>();
  for (const m of manifests) {
    const key = `${m.partitionSpecId}/${m.content}`;
    groups.set(key, [...(groups.get(key) ?? []), m]);
  }
  const totalLive = manifests.reduce((a, m) => a + liveCount(m), 0);
  const replaced: ManifestFile[] = [];
  const plans: { specId: number; content: ManifestContent; small: ManifestFile[]; count: number }[] = [];
  for (const group of groups.values()) {
    const cap = capacity(group, totalLive, options, targetBytes);
    const small = group.filter((m) => liveCount(m) < cap);
    const live = small.reduce((a, m) => a + liveCount(m), 0);
    const count = Math.ceil(live / cap);
    if (small.length === 0 || count >= small.length) continue;
    plans.push({ specId: group[0]!.partitionSpecId, content: group[0]!.content, small, count });
    replaced.push(...small);
  }
  if (plans.length === 0) return nothing;

  const written: Written[] = [];
  let snapshot: SnapshotJson | undefined;
  let manifestsAfter = 0;
  try {
    for (const plan of plans) {
      const perManifest = await mapLimit(plan.small, 16, (m) => readManifestEntries(table.io, m));
      const entries: ManifestEntry[] = perManifest
        .flat()
        .filter((e) => e.status !== EntryStatus.DELETED)
        .map((e) => ({ ...e, status: EntryStatus.EXISTING }))
        .map((e) => ({ e, key: partitionText(e) }))
        .sort((a, b) =>
          a.key < b.key ? -1 : a.key > b.key ? 1 : a.e.dataFile.filePath < b.e.dataFile.filePath ? -1 : 1,
        )
        .map(({ e }) => e);
      const size = Math.ceil(entries.length / Math.max(1, plan.count));
      for (let i = 0; i < entries.length; i += size) {
        const chunk = entries.slice(i, i + size);
        const w = await writeManifest(
          table,
          md,
          plan.specId,
          plan.content === ManifestContent.DATA ? 'data' : 'deletes',
          chunk,
        );
        written.push({ ...w, specId: plan.specId, content: plan.content, entries: chunk });
      }
    }
    const snapshotId = newSnapshotId();
    const replacedPaths = new Set(replaced.map((m) => m.manifestPath));
    const entriesCount = written.reduce((a, w) => a + w.entries.length, 0);
    await commitMetadata(table, async (base, attempt) => {
      const current = branchHead(base, 'main');
      let carried = manifests;
      if (current?.['snapshot-id'] !== head['snapshot-id']) {
        // Rebase onto the new head only if it still lists every manifest this rewrite replaces.
        carried = current ? await readManifestList(table.io, current) : [];
        const present = new Set(carried.map((m) => m.manifestPath));
        const gone = [...replacedPaths].filter((p) => !present.has(p));
        if (gone.length > 0) {
          throw new CommitConflictError(
            `table ${table.name}: a concurrent commit replaced ${gone.length} of the manifests this rewrite merges (e.g. ${gone[0]}); nothing was changed — run it again`,
            { context: { table: table.name } },
          );
        }
      }
      const parent = current!;
      const sequenceNumber = base['last-sequence-number'] + 1n;
      const added = written.map((w) =>
        manifestFileFor(
          w,
          w.specId,
          w.content,
          snapshotId,
          sequenceNumber,
          w.entries,
          partitionFieldDescriptors(base, w.specId),
        ),
      );
      const kept = carried.filter((m) => !replacedPaths.has(m.manifestPath));
      const list = [...added, ...kept];
      manifestsAfter = list.length;
      const listPath = `${stripSlash(base.location)}/metadata/snap-${snapshotId}-${attempt}-${randomUUID()}.avro`;
      await table.io.write(
        listPath,
        await encodeManifestList(list, {
          snapshotId,
          parentSnapshotId: parent['snapshot-id'],
          sequenceNumber,
        }),
      );
      const totals = Object.fromEntries(
        Object.entries(parent.summary).filter(([k]) => k.startsWith('total-')),
      );
      snapshot = {
        'snapshot-id': snapshotId,
        'parent-snapshot-id': parent['snapshot-id'],
        'sequence-number': sequenceNumber,
        'timestamp-ms': Math.max(Date.now(), base['last-updated-ms']),
        'manifest-list': listPath,
        summary: {
          ...totals,
          'manifests-created': String(added.length),
          'manifests-replaced': String(replacedPaths.size),
          'manifests-kept': String(kept.length),
          'entries-processed': String(entriesCount),
          'lakekit.operation': 'rewrite-manifests',
          ...(options.summary ?? {}),
          operation: 'replace',
        },
        'schema-id': base['current-schema-id'],
      };
      return { metadata: withSnapshot(base, 'main', snapshot), written: [listPath] };
    });
    return {
      snapshot,
      manifestsBefore: manifests.length,
      manifestsAfter,
      rewrittenManifests: replacedPaths.size,
      addedManifests: written.length,
      entries: entriesCount,
    };
  } catch (e) {
    await Promise.all(written.map((w) => table.io.delete(w.path).catch(() => undefined)));
    throw e;
  }
}
