/** The `sources:` entry of a SQLite database (everything but `type: sqlite`), validated strictly. */
import * as z from 'zod';

/** Config of a SQLite source. */
export const sqliteConfigSchema = z.strictObject({
  /** The database file, relative to the config file's folder. */
  path: z.string().min(1).describe("The database file, relative to the config file's folder"),
  /** Tables and views to offer (names, `*` matches any run of characters); default every one. */
  tables: z
    .array(z.string().min(1))
    .min(1)
    .optional()
    .describe(
      'Tables and views to offer (names, case-insensitive; `*` matches any run of characters). Default: every one',
    ),
});

/** A validated SQLite source config. */
export type SqliteConfig = z.infer<typeof sqliteConfigSchema>;
