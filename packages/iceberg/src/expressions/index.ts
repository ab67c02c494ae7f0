/** Filters for scan planning. */
export * from './compare-values.js';
export * from './expression.js';
export * from './file-might-match.js';
export * from './partition-might-match.js';
