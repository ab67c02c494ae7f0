/** An in-memory `CatalogBackend` for tests and playgrounds (same compare-and-swap semantics). */
import { AlreadyExistsError, formatTableIdentifier, type TableIdentifier } from '@lakekit/core';
import type { CatalogBackend, CommitHook } from './catalog-backend.js';

/** Table pointers in a Map. */
export class MemoryCatalogBackend implements CatalogBackend {
  readonly pointers = new Map<string, string>();
  constructor(readonly name = 'memory') {}

  async loadPointer(id: TableIdentifier): Promise<string | undefined> {
    return this.pointers.get(formatTableIdentifier(id));
  }

  async createPointer(id: TableIdentifier, metadataLocation: string): Promise<void> {
    const key = formatTableIdentifier(id);
    if (this.pointers.has(key)) throw new AlreadyExistsError('table', `table ${key} already exists`);
    this.pointers.set(key, metadataLocation);
  }

  async swapPointer(
    id: TableIdentifier,
    expected: string,
    next: string,
    onCommit?: CommitHook,
  ): Promise<boolean> {
    const key = formatTableIdentifier(id);
    if (this.pointers.get(key) !== expected) return false;
    if (onCommit) {
      // No transactions in memory: the hook runs first (a failing hook leaves the pointer as it
      // was), and the pointer is checked again after it, since other writers ran meanwhile.
      await onCommit(undefined);
      if (this.pointers.get(key) !== expected) return false;
    }
    this.pointers.set(key, next);
    return true;
  }
}
