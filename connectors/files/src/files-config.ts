/** The `sources:` entry of a set of files (everything but `type: files`), validated strictly. */
import * as z from 'zod';

/** Config of a files source. */
export const filesConfigSchema = z.strictObject({
  /** A folder, a glob (`data/*.csv`) or an S3 prefix (`s3://bucket/prefix/`), relative to the config's folder. */
  path: z
    .string()
    .min(1)
    .describe(
      "A folder, a glob (`data/*.csv`) or an S3 prefix (`s3://bucket/prefix/`), relative to the config file's folder",
    ),
  /** The files' format; by extension when absent. */
  format: z.enum(['csv', 'jsonl', 'parquet']).optional().describe("The files' format. Default: by extension"),
  /** CSV field delimiter; sniffed when absent. */
  delimiter: z.string().min(1).optional().describe('CSV field delimiter. Default: sniffed'),
  /** Whether CSV files have a header line; sniffed when absent. */
  header: z.boolean().optional().describe('Whether CSV files have a header line. Default: sniffed'),
  /** Streams by name → glob relative to `path` (`orders: orders/*.csv`); default one stream named after the folder. */
  streams: z
    .record(z.string().min(1), z.string().min(1))
    .optional()
    .describe(
      'Streams by name → glob relative to `path` (`orders: orders/*.csv`; `path` is then a folder). Default: one stream named after the folder',
    ),
});

/** A validated files source config. */
export type FilesConfig = z.infer<typeof filesConfigSchema>;
