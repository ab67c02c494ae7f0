/** @lakekit/connector-mssql: SQL Server and Azure SQL sources (`type: mssql`). */
export { type ColumnPlan, planColumn, planColumns, selectList } from './column-plan.js';
export {
  connectionSettings,
  type MssqlConfig,
  type MssqlConnectionSettings,
  mssqlConfigSchema,
  poolConfig,
} from './config.js';
export { assembleStreams, type MssqlStream } from './discover-streams.js';
export {
  classifyMssqlType,
  type MssqlColumnType,
  type MssqlTypeMapping,
  mapMssqlType,
} from './map-mssql-type.js';
export { mssqlConnector, serverVersion } from './mssql-connector.js';
export { isRetryableMssqlError, mssqlError } from './mssql-error.js';
export { cursorParam, keysetParam, type MssqlParam } from './mssql-params.js';
export { DEFAULT_BATCH_ROWS, MssqlSession, sessionIsolation } from './mssql-session.js';
export {
  asTextExpr,
  cursorPredicate,
  discoverySql,
  formatMssqlType,
  keysetChunkSql,
  keysetExpr,
  keysetPredicate,
  quoteMssqlIdent,
  selectExpr,
  selectSql,
  tableRef,
} from './mssql-sql.js';
export { csvText, StagedCsvWriter } from './staged-csv-writer.js';
