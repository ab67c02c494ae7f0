/** @lakekit/query: queries over Iceberg snapshots with DuckDB. */
export * from './admin-query.js';
export * from './governed/engine.js';
export * from './governed/flags.js';
export * from './governed/guard.js';
export * from './governed/policy-sql.js';
export * from './governed/receipt.js';
export * from './json-values.js';
export * from './mcp/index.js';
export * from './pushdown.js';
export * from './semantic/index.js';
export * from './table-references.js';
