/**
 * A loaded Iceberg table: its identifier, storage, catalog pointer and current metadata, with the
 * read-side questions (schema, snapshots, history, time travel, files) answered from the metadata.
 */
import {
  type FileIO,
  formatTableIdentifier,
  NotFoundError,
  type TableIdentifier,
  UsageError,
} from '@lakekit/core';
import { ancestorIds } from './ancestry.js';
import type { CatalogBackend } from './catalog-backend.js';
import type { Engine } from './duckdb-engine.js';
import type { Expression } from './expressions/index.js';
import { readMetadata } from './metadata-files.js';
import { type ResolvedPartitionField, resolvePartitionSpec } from './partition-descriptors.js';
import { readSql } from './read-sql.js';
import { type LiveFile, planFiles, planScan } from './scan.js';
import type { Schema } from './schema.js';
import {
  currentSchema,
  currentSnapshot,
  type SnapshotJson,
  schemaById,
  snapshotById,
  type TableMetadata,
} from './table-metadata.js';

/** One line of a table's history. */
export interface HistoryEntry {
  snapshotId: bigint;
  parentId?: bigint;
  sequenceNumber: bigint;
  timestampMs: number;
  operation: string;
  summary: Record<string, string>;
  /** Whether the snapshot is the head of the branch asked for (default `main`) or one of its ancestors. */
  isCurrentAncestor: boolean;
  isCurrent: boolean;
  /** The branches whose history contains the snapshot. */
  branches: string[];
}

/** Which snapshot to read: the current one, one by id, the one current at a time, or a branch's or tag's. */
export type SnapshotSelector = { snapshotId: bigint } | { timestampMs: number } | { ref: string } | undefined;

/** A table and its current metadata. */
export class Table {
  constructor(
    readonly id: TableIdentifier,
    readonly io: FileIO,
    readonly backend: CatalogBackend,
    public metadataLocation: string,
    public metadata: TableMetadata,
  ) {}

  /** `ns.table` */
  get name(): string {
    return formatTableIdentifier(this.id);
  }

  /** Re-reads the catalog pointer and metadata. */
  async refresh(): Promise<void> {
    const location = await this.backend.loadPointer(this.id);
    if (location === undefined)
      throw new NotFoundError('table', `table ${this.name} does not exist (it was dropped)`, {
        context: { table: this.name },
      });
    if (location !== this.metadataLocation) this.update(location, await readMetadata(this.io, location));
  }

  /** Adopts newly committed metadata. */
  update(location: string, metadata: TableMetadata): void {
    this.metadataLocation = location;
    this.metadata = metadata;
  }

  schema(): Schema {
    return currentSchema(this.metadata);
  }

  currentSnapshot(): SnapshotJson | undefined {
    return currentSnapshot(this.metadata);
  }

  /** Resolves a selector to a snapshot (undefined for an empty table read at its current state). */
  snapshot(selector: SnapshotSelector): SnapshotJson | undefined {
    if (selector === undefined) return this.currentSnapshot();
    if ('ref' in selector) {
      const ref = this.metadata.refs[selector.ref];
      if (ref === undefined && selector.ref === 'main') return undefined; // an empty table
      const s = ref === undefined ? undefined : snapshotById(this.metadata, ref['snapshot-id']);
      if (!s) {
        const why = ref
          ? `${ref.type} ${selector.ref} points at snapshot ${ref['snapshot-id']}, which it no longer has`
          : `no branch or tag named ${selector.ref}`;
        throw new NotFoundError('ref', `table ${this.name} has ${why}`, {
          context: { table: this.name, ref: selector.ref },
        });
      }
      return s;
    }
    if ('snapshotId' in selector) {
      const s = snapshotById(this.metadata, selector.snapshotId);
      if (!s) {
        throw new NotFoundError('snapshot', `table ${this.name} has no snapshot ${selector.snapshotId}`, {
          context: { table: this.name, snapshot: selector.snapshotId },
        });
      }
      return s;
    }
    // The snapshot that was current at that time, from the snapshot log (as Iceberg's reference does).
    let found: bigint | undefined;
    for (const e of this.metadata['snapshot-log'])
      if (e['timestamp-ms'] <= selector.timestampMs) found = e['snapshot-id'];
    const s = found === undefined ? undefined : snapshotById(this.metadata, found);
    if (!s) {
      throw new NotFoundError(
        'snapshot',
        `table ${this.name} has no snapshot at or before ${new Date(selector.timestampMs).toISOString()}`,
        {
          context: { table: this.name },
        },
      );
    }
    return s;
  }

  /**
   * The schema a snapshot was written with (time travel and tags read with it); a read at a branch
   * (and a read of the current state, no selector) uses the table's current schema, as Iceberg does.
   */
  schemaFor(snapshot: SnapshotJson | undefined, selector?: SnapshotSelector): Schema {
    if (selector === undefined || ('ref' in selector && this.metadata.refs[selector.ref]?.type === 'branch'))
      return this.schema();
    if (snapshot?.['schema-id'] === undefined) return this.schema();
    return schemaById(this.metadata, snapshot['schema-id']);
  }

  /** The live data files of a snapshot. */
  async files(selector?: SnapshotSelector): Promise<LiveFile[]> {
    return planFiles(this.io, this.snapshot(selector));
  }

  /** A DuckDB SELECT over the rows of a snapshot, read by field id. */
  async readSql(engine: Engine, selector?: SnapshotSelector, filter?: Expression): Promise<string> {
    const snapshot = this.snapshot(selector);
    const schema = this.schemaFor(snapshot, selector);
    const plan = await planScan(
      this.io,
      snapshot,
      filter ? { filter, schema, specs: this.partitionSpecs() } : undefined,
    );
    return readSql(engine, this.io, schema, plan);
  }

  /** The table's partition specs by id, resolved (specs whose source columns are gone are left out). */
  partitionSpecs(): Map<number, ResolvedPartitionField[]> {
    const out = new Map<number, ResolvedPartitionField[]>();
    for (const s of this.metadata['partition-specs']) {
      try {
        out.set(s['spec-id'], resolvePartitionSpec(this.metadata, s['spec-id']));
      } catch {
        // unresolvable spec: its files are simply not pruned by partition
      }
    }
    return out;
  }

  /** Snapshots oldest first, marked when they are the head of `branch` (default `main`) or its ancestors. */
  history(branch = 'main'): HistoryEntry[] {
    const current = this.snapshot({ ref: branch });
    const ancestors = ancestorIds(this.metadata, current?.['snapshot-id']);
    const onBranch = Object.entries(this.metadata.refs)
      .filter(([, r]) => r.type === 'branch')
      .map(([name, r]) => [name, ancestorIds(this.metadata, r['snapshot-id'])] as const);
    return [...this.metadata.snapshots]
      .sort(
        (a, b) =>
          a['timestamp-ms'] - b['timestamp-ms'] || Number(a['sequence-number'] - b['sequence-number']),
      )
      .map((s) => ({
        snapshotId: s['snapshot-id'],
        ...(s['parent-snapshot-id'] !== undefined ? { parentId: s['parent-snapshot-id'] } : {}),
        sequenceNumber: s['sequence-number'],
        timestampMs: s['timestamp-ms'],
        operation: s.summary.operation,
        summary: s.summary,
        isCurrentAncestor: ancestors.has(s['snapshot-id']),
        isCurrent: current?.['snapshot-id'] === s['snapshot-id'],
        branches: onBranch.filter(([, ids]) => ids.has(s['snapshot-id'])).map(([name]) => name),
      }));
  }

  /** Parses a snapshot id given on a command line. */
  static parseSnapshotId(text: string): bigint {
    if (!/^\d+$/.test(text.trim()))
      throw new UsageError(`invalid snapshot id "${text}": expected a positive integer`);
    return BigInt(text.trim());
  }
}
