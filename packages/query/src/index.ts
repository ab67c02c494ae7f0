/** @lakekit/query: queries over Iceberg snapshots with DuckDB. */
export * from './admin-query.js';
export * from './json-values.js';
export * from './pushdown.js';
export * from './table-references.js';
