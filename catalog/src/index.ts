/** @lakekit/catalog: the catalog store (Iceberg SQL-catalog tables) and the catalog of tables. */
export * from './answers-store.js';
export * from './catalog.js';
export * from './governance/index.js';
export * from './operations-store.js';
export * from './sql-catalog-store.js';
