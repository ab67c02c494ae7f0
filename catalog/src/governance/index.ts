/** The governance model of a catalog: the store, its types and the access decisions. */

export * from './as-code.js';
export * from './audit.js';
export * from './effective-access.js';
export * from './lineage-graph.js';
export * from './predicate.js';
export * from './quality-health.js';
export type { GovernanceSnapshot, StoredToken } from './snapshot-cache.js';
export * from './store.js';
export * from './tokens.js';
export * from './types.js';
