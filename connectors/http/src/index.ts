/** @lakekit/connector-http: JSON REST API resources as streams (auth, pagination, retries, incremental cursors). */
export { cursorFilter, cursorParamValue, timestampMicros } from './cursor-value.js';
export { HttpClient, type HttpClientOptions, type JsonResponse, retryAfterMs } from './http-client.js';
export {
  HTTP_SECRETS,
  type HttpConfig,
  type HttpPagination,
  type HttpResource,
  httpConfigSchema,
} from './http-config.js';
export { HttpConnector, httpConnector } from './http-connector.js';
export { inferColumns } from './infer-columns.js';
export { evaluateJsonPath, hasWildcard, type JsonPathStep, parseJsonPath } from './json-path.js';
export { nextLink } from './paginate.js';
export { parseColumnType } from './parse-column-type.js';
