/** @lakekit/server: the governance HTTP API of a Lakekit catalog (hono), with its OpenAPI document. */
export {
  createServer,
  type LakeServer,
  MAX_BODY_BYTES,
  type ServerHandle,
  type ServerOptions,
} from './create-server.js';
export type { ServerLog } from './log.js';
export { openApiDocument } from './openapi.js';
export { allRoutes } from './routes/index.js';
