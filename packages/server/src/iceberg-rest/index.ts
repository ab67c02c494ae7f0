/**
 * The Iceberg REST catalog protocol (apache/iceberg `open-api/rest-catalog-open-api.yaml`) under
 * `/iceberg`, for Spark, PyIceberg, Trino and the rest: config, namespaces, tables, views, commits
 * with requirements and updates, rename, register and multi-table transactions. Bodies follow the
 * Iceberg spec (kebab-case, Iceberg error objects with the reference catalog's messages), not
 * Lakekit's API conventions, so these routes are not in the route table nor in `/api/openapi.json`
 * (docs/iceberg-rest.md). Checked with Iceberg's own REST Compatibility Kit (tests/compat-kit).
 *
 * Authentication is the server's own (Lakekit bearer tokens, set on the context by create-server);
 * governance is checked here and every call is audited as `iceberg.<op>`.
 */
import type { Catalog } from '@lakekit/catalog';
import { Hono } from 'hono';
import type { ServerLog } from '../log.js';
import { type Env, RestContext } from './context.js';
import { errorResponse, json, RestError } from './errors.js';
import { namespaceRoutes } from './namespaces.js';
import { tableRoutes } from './tables.js';
import { viewRoutes } from './views.js';

export { errorResponse as icebergErrorResponse, RestError } from './errors.js';

/** The endpoints this server implements, as advertised in `GET /v1/config`. */
export const ICEBERG_ENDPOINTS = [
  'GET /v1/{prefix}/namespaces',
  'POST /v1/{prefix}/namespaces',
  'GET /v1/{prefix}/namespaces/{namespace}',
  'HEAD /v1/{prefix}/namespaces/{namespace}',
  'DELETE /v1/{prefix}/namespaces/{namespace}',
  'POST /v1/{prefix}/namespaces/{namespace}/properties',
  'GET /v1/{prefix}/namespaces/{namespace}/tables',
  'POST /v1/{prefix}/namespaces/{namespace}/tables',
  'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/register',
  'POST /v1/{prefix}/tables/rename',
  'POST /v1/{prefix}/transactions/commit',
  'GET /v1/{prefix}/namespaces/{namespace}/views',
  'POST /v1/{prefix}/namespaces/{namespace}/views',
  'GET /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'POST /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'POST /v1/{prefix}/views/rename',
  'POST /v1/{prefix}/namespaces/{namespace}/register-view',
];

/** Builds the Iceberg REST sub-app; mount it with `app.route('/iceberg', …)` after authentication. */
export function icebergRestApp(o: { catalog: Catalog; log: ServerLog }): Hono<Env> {
  const { catalog } = o;
  const ctx = new RestContext(catalog, o.log);
  const app = new Hono<Env>();

  app.get(
    '/v1/config',
    ctx.op(
      'config',
      () => 'catalog',
      async (c) => {
        const warehouse = c.req.query('warehouse');
        if (
          warehouse !== undefined &&
          warehouse !== '' &&
          warehouse !== catalog.name &&
          warehouse !== catalog.warehouse
        )
          throw new RestError(
            404,
            'NoSuchWarehouseException',
            `unknown warehouse ${warehouse}: this server serves ${catalog.name} (${catalog.warehouse})`,
          );
        return json({ defaults: {}, overrides: {}, endpoints: ICEBERG_ENDPOINTS });
      },
    ),
  );

  namespaceRoutes(app, ctx);
  tableRoutes(app, ctx);
  viewRoutes(app, ctx);

  app.all('*', (c) =>
    errorResponse(404, 'NotFoundException', `no such Iceberg REST route: ${c.req.method} ${c.req.path}`),
  );
  return app;
}
