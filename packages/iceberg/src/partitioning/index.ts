/** Partitioning: Iceberg's partition transforms, the bucket hash, `--partition-by` text and manifest list summaries. */
export { bucket, bucketHash, isBucketable, murmur3 } from './murmur3.js';
export {
  defaultPartitionFieldName,
  type PartitionSpecField,
  parsePartitionSpecText,
  partitionFieldToJson,
} from './partition-spec-text.js';
export { partitionSummaries } from './partition-summary.js';
export {
  applyTransform,
  canTransform,
  formatTransform,
  parseTransform,
  type Transform,
  type TransformKind,
  transformResultType,
  transformSourceTypesText,
  transformToSql,
} from './transforms.js';
