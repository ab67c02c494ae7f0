/** The `sources:` entry of a set of files (everything but `type: files`), validated strictly. */
import * as z from 'zod';

/** Config of a files source. */
export const filesConfigSchema = z.strictObject({
  /** A folder, a glob (`data/*.csv`) or an S3 prefix (`s3://bucket/prefix/`), relative to the config's folder. */
  path: z.string().min(1),
  /** The files' format; by extension when absent. */
  format: z.enum(['csv', 'jsonl', 'parquet']).optional(),
  /** CSV field delimiter; sniffed when absent. */
  delimiter: z.string().min(1).optional(),
  /** Whether CSV files have a header line; sniffed when absent. */
  header: z.boolean().optional(),
  /** Streams by name → glob relative to `path` (`orders: orders/*.csv`); default one stream named after the folder. */
  streams: z.record(z.string().min(1), z.string().min(1)).optional(),
});

/** A validated files source config. */
export type FilesConfig = z.infer<typeof filesConfigSchema>;
