/** The `sources:` entry of a JSON REST API (everything but `type: http`), validated strictly. */
import * as z from 'zod';

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({ type: z.literal('bearer'), token: z.string().min(1) }),
  z.strictObject({ type: z.literal('basic'), username: z.string().min(1), password: z.string() }),
  z.strictObject({
    type: z.literal('api_key'),
    /** Header or query parameter name (`X-Api-Key`, `api_key`). */
    name: z.string().min(1),
    value: z.string().min(1),
    in: z.enum(['header', 'query']).default('header'),
  }),
]);

const paginationSchema = z.discriminatedUnion('type', [
  /** `?page=1&per_page=100`, `?page=2…`, until a page has no records. */
  z.strictObject({
    type: z.literal('page'),
    param: z.string().min(1).default('page'),
    size_param: z.string().min(1).optional(),
    size: z.number().int().positive().optional(),
    start: z.number().int().min(0).default(1),
  }),
  /** `?offset=0&limit=100`, the offset advanced by the records received, until a page is empty. */
  z.strictObject({
    type: z.literal('offset'),
    param: z.string().min(1).default('offset'),
    limit_param: z.string().min(1).default('limit'),
    limit: z.number().int().positive().default(100),
  }),
  /** The next page's token at `cursor_path` in the body, sent back as `param`, until there is none. */
  z.strictObject({
    type: z.literal('cursor'),
    cursor_path: z.string().min(1),
    param: z.string().min(1).default('cursor'),
  }),
  /** RFC 8288 `Link: <…>; rel="next"` headers, until there is none. */
  z.strictObject({ type: z.literal('link') }),
  z.strictObject({ type: z.literal('none') }),
]);

const paramValue = z.union([z.string(), z.number(), z.boolean()]);

const resourceSchema = z.strictObject({
  /** Path under `base_url` (or an absolute URL). */
  path: z.string().min(1),
  /** JSON path of the records array in a response (`$.data`, `$.items[*]`); default the body itself. */
  records: z.string().min(1).default('$'),
  primary_key: z.array(z.string().min(1)).default([]),
  /** Incremental reads: the record field holding the cursor, and the query parameter sending it. */
  cursor: z.strictObject({ field: z.string().min(1), param: z.string().min(1).optional() }).optional(),
  /** Query parameters of every request. */
  params: z.record(z.string(), paramValue).default({}),
  pagination: paginationSchema.default({ type: 'none' }),
  /** Declared columns (`name: type` in Iceberg's notation); inferred from the first page when absent. */
  columns: z.record(z.string(), z.string().min(1)).optional(),
});

/** Config of an HTTP (JSON REST) source. */
export const httpConfigSchema = z.strictObject({
  base_url: z
    .string()
    .refine((u) => /^https?:\/\/[^/]/i.test(u), { message: 'expected an http:// or https:// URL' }),
  auth: authSchema.optional(),
  headers: z.record(z.string(), z.string()).default({}),
  timeout_seconds: z.number().positive().default(30),
  /** Retries of 429, 5xx and network errors (Retry-After honoured, else exponential backoff with jitter). */
  max_retries: z.number().int().min(0).default(5),
  resources: z
    .record(z.string().min(1), resourceSchema)
    .refine((r) => Object.keys(r).length > 0, { message: 'expected at least one resource' }),
});

/** A validated HTTP source config. */
export type HttpConfig = z.output<typeof httpConfigSchema>;
/** One configured resource. */
export type HttpResource = HttpConfig['resources'][string];
/** One pagination style. */
export type HttpPagination = HttpResource['pagination'];
/** The config keys holding secrets, as dotted paths. */
export const HTTP_SECRETS = ['auth.token', 'auth.password', 'auth.value'] as const;
