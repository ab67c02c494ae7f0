/** @lakekit/connector-files: CSV, JSON Lines and Parquet files read strictly through DuckDB. */
export { describeFile } from './describe-file.js';
export { detectFormat, type FileFormat } from './detect-format.js';
export type { DescribeFileOptions, FileColumn, FileDescription } from './file-description.js';
export { readError } from './read-error.js';
