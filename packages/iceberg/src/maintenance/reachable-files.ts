/**
 * Every file a table's metadata reaches: what orphan removal must never delete. Deliberately wide —
 * manifests' entries of any status count, as do the current and logged metadata files and statistics
 * files — because keeping a stray file costs bytes while deleting a needed one loses data.
 */
import type { FileIO } from '@lakekit/core';
import type { ManifestFile } from '../manifest-model.js';
import { readManifestEntries, readManifestList } from '../scan.js';
import type { TableMetadata } from '../table-metadata.js';
import { mapLimit } from './map-limit.js';

/** Locations of the files a table reaches, as written in its metadata (not normalized). */
export async function reachableFiles(
  io: FileIO,
  metadata: TableMetadata,
  metadataLocation: string,
): Promise<Set<string>> {
  const out = new Set<string>([metadataLocation]);
  for (const e of metadata['metadata-log']) out.add(e['metadata-file']);
  for (const key of ['statistics', 'partition-statistics']) {
    const entries = metadata[key];
    if (!Array.isArray(entries)) continue;
    for (const e of entries as Record<string, unknown>[]) {
      if (typeof e['statistics-path'] === 'string') out.add(e['statistics-path']);
    }
  }
  const manifests = new Map<string, ManifestFile>();
  const lists = await mapLimit(metadata.snapshots, 16, (s) => readManifestList(io, s));
  metadata.snapshots.forEach((s, i) => {
    out.add(s['manifest-list']);
    for (const m of lists[i]!) manifests.set(m.manifestPath, m);
  });
  await mapLimit([...manifests.values()], 16, async (m) => {
    out.add(m.manifestPath);
    for (const e of await readManifestEntries(io, m)) out.add(e.dataFile.filePath);
  });
  return out;
}
