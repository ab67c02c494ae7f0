/** @lakekit/connector-sqlite: SQLite database files as a source (read-only, one read transaction per session). */
export { CsvFileWriter, csvField } from './csv-file-writer.js';
export { isCursorType, mapSqliteType, type SqliteTypeMapping } from './map-sqlite-type.js';
export { type SqliteConfig, sqliteConfigSchema } from './sqlite-config.js';
export { SqliteConnector, sqliteConnector } from './sqlite-connector.js';
export { SqliteSession } from './sqlite-session.js';
