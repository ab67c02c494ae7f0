/** @lakekit/connector-mysql: MySQL and MariaDB sources (`type: mysql`). */
export {
  type ColumnPlan,
  columnType,
  type Encoder,
  planColumn,
  planColumns,
  quoteMysqlIdent,
} from './column-plan.js';
export {
  connectionSettings,
  type MysqlConfig,
  type MysqlConnectionSettings,
  mysqlConfigSchema,
} from './config.js';
export { assembleStreams, discoverySql, type MysqlStream } from './discover-streams.js';
export {
  cursorLiteral,
  cursorPredicate,
  keysetPredicate,
  selectList,
  selectSql,
  tableRef,
} from './extract-sql.js';
export {
  classifyMysqlType,
  type MysqlColumnType,
  type MysqlTypeMapping,
  mapMysqlType,
} from './map-mysql-type.js';
export { mysqlConnector, serverVersion } from './mysql-connector.js';
export { isRetryableMysqlError, mysqlError } from './mysql-error.js';
export { DEFAULT_BATCH_ROWS, MysqlSession, SESSION_SETUP } from './mysql-session.js';
export { csvText, StagedCsvWriter } from './staged-csv-writer.js';
