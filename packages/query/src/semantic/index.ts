/** The semantic layer: business metrics over governed tables (docs/semantic.md). */
export {
  catalogColumns,
  describeModel,
  listMetrics,
  metricRequestSchema,
  parseMetricRequest,
  queryMetrics,
} from './api.js';
export { compileMetricRequest } from './compile.js';
export {
  type ColumnsOf,
  emptySemanticModel,
  type LoadSemanticOptions,
  loadSemanticModels,
  parseSemanticModels,
} from './load.js';
export { type DateRange, describePeriod, type Period, resolvePeriod } from './periods.js';
export type * from './types.js';
