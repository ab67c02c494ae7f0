/** @lakekit/connector-files: CSV, JSON Lines and Parquet files read strictly through DuckDB. */
export { describeFile } from './describe-file.js';
export type { FilesColumn, FilesStream } from './describe-stream.js';
export { detectFormat, type FileFormat } from './detect-format.js';
export type { DescribeFileOptions, FileColumn, FileDescription } from './file-description.js';
export { type FilesConfig, filesConfigSchema } from './files-config.js';
export { FilesConnector, filesConnector } from './files-connector.js';
export type { FilesState, LoadedFile } from './files-state.js';
export { globToRegExp } from './glob-pattern.js';
export { readError } from './read-error.js';
