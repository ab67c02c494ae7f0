/**
 * What the table format needs from a catalog: a pointer per table to its current metadata file,
 * swapped by compare-and-swap. `@lakekit/catalog` implements it over SQL (the Iceberg SQL-catalog
 * tables PyIceberg uses); tests may use the in-memory one.
 */
import type { TableIdentifier } from '@lakekit/core';
import type { TableMetadata } from './table-metadata.js';

/** The metadata pointers of a catalog. */
export interface CatalogBackend {
  /** `catalog_name` of the Iceberg SQL-catalog tables. */
  readonly name: string;
  /** The current metadata file of a table, or undefined if there is no such table. */
  loadPointer(id: TableIdentifier): Promise<string | undefined>;
  /** Registers a new table; AlreadyExistsError('table') if it exists, NotFoundError('namespace') if its namespace does not. */
  createPointer(id: TableIdentifier, metadataLocation: string): Promise<void>;
  /**
   * Swaps the pointer from `expected` to `next` atomically; false when the pointer was no longer
   * `expected` (another writer committed first).
   */
  swapPointer(id: TableIdentifier, expected: string, next: string, onCommit?: CommitHook): Promise<boolean>;
}

/**
 * Work done inside the catalog's transaction that swaps a pointer, so state that describes a commit
 * (a pipeline's cursor, an audit row) is committed with it or not at all. `tx` is the backend's
 * transaction handle (a knex transaction for the SQL store).
 */
export type CommitHook = (tx: unknown, committed?: TableMetadata) => Promise<void>;
