/** @lakekit/connector-postgres: PostgreSQL tables and views as streams, read through COPY. */
export { CsvRecordScanner, type ScanResult } from './csv-record-scanner.js';
export {
  mapPostgresType,
  type ParsedPgType,
  type PgTypeKind,
  parsePgType,
  type TypeMapping,
} from './map-postgres-type.js';
export { type ErrorScope, pgError } from './pg-error.js';
export { clientConfig, type PostgresConfig, postgresConfigSchema } from './postgres-config.js';
export { PostgresConnector, postgresConnector } from './postgres-connector.js';
export { DEFAULT_BATCH_ROWS, PostgresSession } from './postgres-session.js';
export { selectExpr } from './select-expr.js';
