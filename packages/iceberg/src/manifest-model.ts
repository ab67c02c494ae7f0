/**
 * In-memory shapes of Iceberg manifest lists and manifests (spec v2), as read from and written to
 * Avro. Longs that can exceed 2^53 (snapshot ids) are `bigint`; counts and sizes are `number`.
 */

/** Content of a data or delete file (spec field 134). */
export const FileContent = { DATA: 0, POSITION_DELETES: 1, EQUALITY_DELETES: 2 } as const;
export type FileContent = (typeof FileContent)[keyof typeof FileContent];

/** Status of a manifest entry (spec field 0). */
export const EntryStatus = { EXISTING: 0, ADDED: 1, DELETED: 2 } as const;
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

/** Content of a manifest (spec field 517): data files or delete files. */
export const ManifestContent = { DATA: 0, DELETES: 1 } as const;
export type ManifestContent = (typeof ManifestContent)[keyof typeof ManifestContent];

/** A partition tuple: values keyed by partition field name, in spec order. Empty when unpartitioned. */
export type PartitionValues = Record<string, unknown>;

/** A data or delete file (the manifest entry's `data_file`, spec field 2). */
export interface DataFile {
  content: FileContent;
  /** Absolute URI. */
  filePath: string;
  fileFormat: 'PARQUET' | 'AVRO' | 'ORC';
  partition: PartitionValues;
  recordCount: number;
  fileSizeInBytes: number;
  /** Keyed by field id. */
  columnSizes?: Map<number, number>;
  valueCounts?: Map<number, number>;
  nullValueCounts?: Map<number, number>;
  nanValueCounts?: Map<number, number>;
  /** Single-value binary encoding of the spec, keyed by field id. */
  lowerBounds?: Map<number, Uint8Array>;
  upperBounds?: Map<number, Uint8Array>;
  keyMetadata?: Uint8Array;
  splitOffsets?: number[];
  /** Field ids of an equality delete file. */
  equalityIds?: number[];
  sortOrderId?: number;
  /** For position delete files that reference one data file (v2 optional; v3 field 143). */
  referencedDataFile?: string;
  /**
   * The partition spec the file was written with, when not the table's default (in memory only: the
   * manifest it is committed in records it).
   */
  specId?: number;
}

/** One row of a manifest (spec: manifest_entry). */
export interface ManifestEntry {
  status: EntryStatus;
  /** Null for entries that inherit it from the manifest list (ADDED in a new manifest). */
  snapshotId: bigint | null;
  /** Data sequence number; null = inherit from the manifest list entry. */
  sequenceNumber: bigint | null;
  /** File sequence number; null = inherit. */
  fileSequenceNumber: bigint | null;
  dataFile: DataFile;
}

/** Per-partition-field summary in a manifest list entry (spec field 508). */
export interface FieldSummary {
  containsNull: boolean;
  containsNan?: boolean | null;
  lowerBound?: Uint8Array | null;
  upperBound?: Uint8Array | null;
}

/** One row of a manifest list (spec: manifest_file). */
export interface ManifestFile {
  manifestPath: string;
  manifestLength: number;
  partitionSpecId: number;
  content: ManifestContent;
  sequenceNumber: bigint;
  minSequenceNumber: bigint;
  addedSnapshotId: bigint;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: number;
  existingRowsCount: number;
  deletedRowsCount: number;
  partitions?: FieldSummary[] | null;
  keyMetadata?: Uint8Array | null;
}
