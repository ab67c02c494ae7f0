/** @lakekit/storage: `FileIO` implementations (local disk, S3, memory) and the scheme router. */
export * from './file-io-router.js';
export * from './local-file-io.js';
export * from './memory-file-io.js';
export * from './s3-file-io.js';
export * from './uri.js';
