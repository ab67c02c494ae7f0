/** @lakekit/iceberg: Iceberg v2 tables — metadata, manifests, Parquet via DuckDB, commits, scans. */
export * from './catalog-backend.js';
export * from './commit-metadata.js';
export * from './duckdb-engine.js';
export * from './manifest-model.js';
export * from './memory-catalog-backend.js';
export * from './metadata-files.js';
export * from './new-table-metadata.js';
export * from './parquet-writer.js';
export * from './partition-descriptors.js';
export * from './read-sql.js';
export * from './rollback.js';
export * from './scan.js';
export * from './schema.js';
export * from './snapshot-producer.js';
export * from './table.js';
export * from './table-metadata.js';
