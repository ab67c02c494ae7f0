/**
 * Snapshot ancestry: the chain of parents from a head. Fast-forwards are allowed only along it, and
 * history marks what a branch contains with it. The chain ends where a parent is missing (expired).
 */
import { snapshotById, type TableMetadata } from './table-metadata.js';

/** Ids of `head` and all of its ancestors still in the metadata (empty for undefined). */
export function ancestorIds(md: TableMetadata, head: bigint | undefined): Set<bigint> {
  const ids = new Set<bigint>();
  let s = head === undefined ? undefined : snapshotById(md, head);
  while (s && !ids.has(s['snapshot-id'])) {
    ids.add(s['snapshot-id']);
    const parent = s['parent-snapshot-id'];
    s = parent === undefined ? undefined : snapshotById(md, parent);
  }
  return ids;
}
