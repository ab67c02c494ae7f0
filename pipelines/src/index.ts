/** @lakekit/pipelines: declared pipelines, the runner and the scheduler. */
export * from './checks/index.js';
export * from './definition.js';
export * from './lineage.js';
export * from './maintenance-job.js';
export * from './retry.js';
export * from './runner.js';
export * from './scheduler.js';
export * from './staging.js';
export * from './stream-table.js';
