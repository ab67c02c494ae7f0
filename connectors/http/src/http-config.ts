/** The `sources:` entry of a JSON REST API (everything but `type: http`), validated strictly. */
import * as z from 'zod';

const authSchema = z.discriminatedUnion('type', [
  z.strictObject({
    type: z.literal('bearer'),
    token: z.string().min(1).describe('Sent as `Authorization: Bearer <token>` (a secret)'),
  }),
  z.strictObject({
    type: z.literal('basic'),
    username: z.string().min(1).describe('HTTP Basic user name'),
    password: z.string().describe('HTTP Basic password (a secret)'),
  }),
  z.strictObject({
    type: z.literal('api_key'),
    /** Header or query parameter name (`X-Api-Key`, `api_key`). */
    name: z.string().min(1).describe('Header or query parameter name (`X-Api-Key`, `api_key`)'),
    value: z.string().min(1).describe('The key (a secret)'),
    in: z
      .enum(['header', 'query'])
      .default('header')
      .describe('Sent as a request header or a query parameter'),
  }),
]);

const paginationSchema = z.discriminatedUnion('type', [
  /** `?page=1&per_page=100`, `?page=2…`, until a page has no records. */
  z
    .strictObject({
      type: z.literal('page'),
      param: z.string().min(1).default('page').describe('Query parameter of the page number'),
      size_param: z
        .string()
        .min(1)
        .optional()
        .describe('Query parameter of the page size (sent only with `size`)'),
      size: z.number().int().positive().optional().describe('Page size sent as `size_param`'),
      start: z.number().int().min(0).default(1).describe('Number of the first page'),
    })
    .describe('`?page=1&per_page=100`, `?page=2…`, until a page has no records'),
  /** `?offset=0&limit=100`, the offset advanced by the records received, until a page is empty. */
  z
    .strictObject({
      type: z.literal('offset'),
      param: z.string().min(1).default('offset').describe('Query parameter of the offset'),
      limit_param: z.string().min(1).default('limit').describe('Query parameter of the page size'),
      limit: z.number().int().positive().default(100).describe('Page size sent as `limit_param`'),
    })
    .describe('`?offset=0&limit=100`, the offset advanced by the records received, until a page is empty'),
  /** The next page's token at `cursor_path` in the body, sent back as `param`, until there is none. */
  z
    .strictObject({
      type: z.literal('cursor'),
      cursor_path: z
        .string()
        .min(1)
        .describe(
          "JSON path of the next page's token in the response body; paging stops when it is null, empty or absent",
        ),
      param: z.string().min(1).default('cursor').describe('Query parameter the token is sent back as'),
    })
    .describe(
      "The next page's token at `cursor_path` in the body, sent back as `param`, until there is none",
    ),
  /** RFC 8288 `Link: <…>; rel="next"` headers, until there is none. */
  z
    .strictObject({ type: z.literal('link') })
    .describe('RFC 8288 `Link: <…>; rel="next"` headers, until there is none'),
  z.strictObject({ type: z.literal('none') }).describe('One request'),
]);

const paramValue = z.union([z.string(), z.number(), z.boolean()]);

const resourceSchema = z.strictObject({
  /** Path under `base_url` (or an absolute URL). */
  path: z.string().min(1).describe('Path under `base_url` (or an absolute URL)'),
  /** JSON path of the records array in a response (`$.data`, `$.items[*]`); default the body itself. */
  records: z
    .string()
    .min(1)
    .default('$')
    .describe('JSON path of the records in a response (`$.data`, `$.items[*]`); `$`: the body itself'),
  primary_key: z.array(z.string().min(1)).default([]).describe('Fields that identify a record'),
  /** Incremental reads: the record field holding the cursor, and the query parameter sending it. */
  cursor: z
    .strictObject({
      field: z.string().min(1).describe('Record field holding the cursor'),
      param: z
        .string()
        .min(1)
        .optional()
        .describe(
          "Query parameter sending the cursor's last value when the stream's cursor is `field` (records are filtered client-side too)",
        ),
    })
    .optional()
    .describe('Incremental reads: the record field holding the cursor, and the query parameter sending it'),
  /** Query parameters of every request. */
  params: z.record(z.string(), paramValue).default({}).describe('Query parameters of every request'),
  pagination: paginationSchema
    .default({ type: 'none' })
    .describe('How pages are requested; paging stops at the first page without records'),
  /** Declared columns (`name: type` in Iceberg's notation); inferred from the first page when absent. */
  columns: z
    .record(z.string(), z.string().min(1))
    .optional()
    .describe("Declared columns (`name: type` in Iceberg's notation). Default: inferred from the first page"),
});

/** Config of an HTTP (JSON REST) source. */
export const httpConfigSchema = z.strictObject({
  base_url: z
    .string()
    .refine((u) => /^https?:\/\/[^/]/i.test(u), { message: 'expected an http:// or https:// URL' })
    .describe('Base URL of the API (`http://` or `https://`)'),
  auth: authSchema.optional().describe('How requests authenticate. Default: none'),
  headers: z.record(z.string(), z.string()).default({}).describe('Headers sent with every request'),
  timeout_seconds: z.number().positive().default(30).describe('Time limit of each request, in seconds'),
  /** Retries of 429, 5xx and network errors (Retry-After honoured, else exponential backoff with jitter). */
  max_retries: z
    .number()
    .int()
    .min(0)
    .default(5)
    .describe(
      'Retries of 429, 5xx and network errors (Retry-After honoured, else exponential backoff with jitter)',
    ),
  resources: z
    .record(z.string().min(1), resourceSchema)
    .refine((r) => Object.keys(r).length > 0, { message: 'expected at least one resource' })
    .describe('Resources by name; each is a stream'),
});

/** A validated HTTP source config. */
export type HttpConfig = z.output<typeof httpConfigSchema>;
/** One configured resource. */
export type HttpResource = HttpConfig['resources'][string];
/** One pagination style. */
export type HttpPagination = HttpResource['pagination'];
/** The config keys holding secrets, as dotted paths. */
export const HTTP_SECRETS = ['auth.token', 'auth.password', 'auth.value'] as const;
