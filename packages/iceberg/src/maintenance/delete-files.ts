/**
 * Deleting the files maintenance found unreferenced. A failed delete does not stop the others (the
 * metadata change is already committed, and a leftover file is harmless): it is reported, and a
 * later `removeOrphanFiles` picks it up.
 */
import type { FileIO } from '@lakekit/core';
import { mapLimit } from './map-limit.js';

/** Deletes `paths` (16 at a time) and returns those whose delete failed. */
export async function deleteFiles(io: FileIO, paths: readonly string[]): Promise<string[]> {
  const failed: string[] = [];
  await mapLimit(paths, 16, async (p) => {
    try {
      await io.delete(p);
    } catch {
      failed.push(p);
    }
  });
  return failed;
}
