/** @lakekit/core: types, identifiers, errors, JSON and interfaces shared by every package. */
export * from './config.js';
export * from './connector.js';
export * from './errors.js';
export * from './file-io.js';
export * from './identifier.js';
export * from './json.js';
export * from './maintenance-policy.js';
export * from './staged-file-writer.js';
export * from './timing.js';
export * from './types.js';
export * from './yaml-source.js';
