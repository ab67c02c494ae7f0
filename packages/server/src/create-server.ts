/**
 * The governance HTTP server: a hono app built from the route table, bearer-token authentication,
 * a 1 MiB body limit, problem+json errors, pino-style request logs, and `listen()` for Node.
 *
 * @example
 * const server = createServer({ catalog, log });
 * const handle = await server.listen({ port: 8181, host: '127.0.0.1' });
 * // … later
 * await handle.close();
 */
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import type { Catalog, GovernanceSnapshot, Principal, TokenInfo } from '@lakekit/catalog';
import type { LakekitMcpOptions } from '@lakekit/query';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import * as z from 'zod';
import { Access } from './access.js';
import { icebergErrorResponse, icebergRestApp } from './iceberg-rest/index.js';
import { type ServerLog, silentLog } from './log.js';
import { openApiDocument } from './openapi.js';
import { HttpError, problem, problemOf, problemResponse } from './problem.js';
import { QueryService, type ServerQueryOptions } from './queries.js';
import type { AnyRoute } from './route.js';
import { allRoutes } from './routes/index.js';

/** The largest request body accepted (413 above). */
export const MAX_BODY_BYTES = 1024 * 1024;

export interface ServerOptions {
  catalog: Catalog;
  /** Request logs and unexpected errors (default: none). */
  log?: ServerLog;
  /** Check every answer against its route's response schema (tests; a mismatch is a 500). */
  validateResponses?: boolean;
  /** Governed queries: the engine (default: opened on the first query, closed with the server) and the flag webhook. */
  query?: ServerQueryOptions;
  /**
   * The semantic models the MCP endpoint (`/mcp`) answers metric questions with (default: none);
   * called on every metric tool call (see `semanticModelsFrom` for a loader that follows edits).
   */
  semantic?: LakekitMcpOptions['semantic'];
}

/** A listening server. */
export interface ServerHandle {
  url: string;
  port: number;
  /** Stops accepting connections, lets in-flight requests finish, then resolves. */
  close(): Promise<void>;
}

export interface LakeServer {
  app: Hono<Env>;
  listen(o: { port?: number; host?: string }): Promise<ServerHandle>;
  /**
   * Waits for running queries and closes the query engine if the server opened it (`listen`'s
   * handle does this on close; call it when using `app` without `listen`).
   */
  close(): Promise<void>;
}

interface Caller {
  principal: Principal;
  token: TokenInfo;
  /** The governance data this request is decided on (read once, when it began). */
  snapshot: GovernanceSnapshot;
}
type Env = { Variables: { caller?: Caller } };

const UNAUTHENTICATED = new Set(['/health']);
/** Routes without query parameters refuse any (a misspelt filter must not silently list everything). */
const NO_QUERY = z.object({}).strict();

/** Builds the server for a catalog. */
export function createServer(options: ServerOptions): LakeServer {
  const { catalog } = options;
  const log = options.log ?? silentLog;
  const gov = catalog.governance;
  const queries = new QueryService(catalog, options.query, options.semantic);
  const app = new Hono<Env>();

  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const caller = c.get('caller');
    log.info(
      {
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        ms: Math.round((performance.now() - started) * 10) / 10,
        principal: caller?.principal.name ?? null,
      },
      'request',
    );
  });

  app.use('*', async (c, next) => {
    if (UNAUTHENTICATED.has(c.req.path)) return next();
    const header = c.req.header('authorization');
    const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    const snapshot = bearer === undefined ? undefined : await gov.snapshot();
    const result =
      header === undefined
        ? ({ ok: false, reason: 'missing' } as const)
        : bearer === undefined || snapshot === undefined
          ? ({ ok: false, reason: 'malformed' } as const)
          : await gov.authenticate(bearer, snapshot);
    if (!result.ok) {
      const tokenId = bearer === undefined ? undefined : /^lk_([A-Za-z0-9_-]{12})_/.exec(bearer)?.[1];
      await gov.appendAudit({
        actor: 'anonymous',
        action: 'http.unauthorized',
        target: `http:${c.req.method} ${c.req.path}`,
        outcome: 'denied',
        detail: { reason: result.reason, ...(tokenId ? { tokenId } : {}) },
      });
      const challenge = { 'www-authenticate': 'Bearer realm="lakekit"' };
      // Iceberg REST clients read Iceberg's error object (NotAuthorizedException), not problem+json.
      if (c.req.path.startsWith('/iceberg/'))
        return icebergErrorResponse(
          401,
          'NotAuthorizedException',
          unauthorizedText(result.reason),
          challenge,
        );
      return problemResponse(
        problem(401, 'unauthorized', unauthorizedText(result.reason), { reason: result.reason }),
        challenge,
      );
    }
    c.set('caller', { principal: result.principal, token: result.token, snapshot: snapshot! });
    return next();
  });

  const limitBody = bodyLimit({
    maxSize: MAX_BODY_BYTES,
    // The rest of the body stays unread: the connection cannot carry another request.
    onError: () =>
      problemResponse(problem(413, 'body_too_large', `request body exceeds ${MAX_BODY_BYTES} bytes`), {
        connection: 'close',
      }),
  });
  // Without a length or chunked encoding there is no body to limit (and asking for it would build a
  // full web Request, a good part of the cost of a small GET).
  app.use('*', (c, next) =>
    c.req.header('content-length') === undefined && c.req.header('transfer-encoding') === undefined
      ? next()
      : limitBody(c, next),
  );

  app.get('/health', async (c) => {
    try {
      await catalog.listNamespaces();
      return c.json({ status: 'ok', catalog: { name: catalog.name, reachable: true } });
    } catch (e) {
      log.error({ err: String(e) }, 'catalog unreachable');
      return c.json({ status: 'unavailable', catalog: { name: catalog.name, reachable: false } }, 503);
    }
  });

  // The Iceberg REST catalog protocol (docs/iceberg-rest.md): Iceberg's own shapes, so not in the
  // route table or the OpenAPI document.
  app.route('/iceberg', icebergRestApp({ catalog, log }));

  const routes = allRoutes();
  const document = openApiDocument(routes);
  app.get('/api/openapi.json', (c) => c.json(document));

  for (const r of routes) {
    const path = r.path.replace(/\{(\w+)\}/g, ':$1');
    app.on(r.method.toUpperCase(), path, async (c) => {
      const caller = c.get('caller')!;
      const actor = { name: caller.principal.name };
      const params = parse(r.params, c.req.param(), 'path parameters');
      const query = parse(r.query ?? NO_QUERY, c.req.query(), 'query parameters');
      const body = r.body ? parse(r.body, await readJson(c.req.raw, r), 'request body') : {};
      const result = await r.handler({
        params,
        query,
        body,
        actor,
        principal: caller.principal,
        token: caller.token,
        catalog,
        gov,
        access: new Access(gov, actor, caller.principal, caller.snapshot, {
          method: c.req.method,
          path: c.req.path,
        }),
        request: c.req.raw,
        log,
        queries,
      });
      if (result instanceof Response) return result;
      if (r.status === 204) return c.body(null, 204);
      if (options.validateResponses) {
        const checked = r.response.safeParse(result);
        if (!checked.success) {
          throw new Error(
            `response of ${r.method} ${r.path} does not match its schema: ${z.prettifyError(checked.error)}`,
          );
        }
      }
      return c.json(result as object, r.status ?? 200);
    });
  }

  // MCP for AI agents (Streamable HTTP, stateless: docs/mcp.md): every POST is answered as the
  // principal of its token by a fresh MCP server; close() waits for the tool calls in flight.
  const semantic = options.semantic ?? (async () => undefined);
  app.on(['POST', 'GET', 'DELETE'], '/mcp', async (c) => {
    const caller = c.get('caller')!;
    const { handleMcpHttp } = await import('@lakekit/query');
    return queries.track(() =>
      handleMcpHttp(c.req.raw, {
        catalog,
        actor: { name: caller.principal.name },
        engine: () => queries.engine(),
        semantic,
        onError: (e, tool) =>
          log.error(
            { path: c.req.path, tool, err: e instanceof Error ? e.stack : String(e) },
            'mcp tool failed',
          ),
      }),
    );
  });

  app.notFound(() => problemResponse(problem(404, 'route_not_found', 'no such route')));
  app.onError((e, c) => {
    const { body, unexpected } = problemOf(e);
    if (unexpected) {
      log.error(
        { method: c.req.method, path: c.req.path, err: e instanceof Error ? e.stack : String(e) },
        'request failed',
      );
    }
    return problemResponse(body);
  });

  return {
    app,
    listen: (o) => listen(app, o, () => queries.close()),
    close: () => queries.close(),
  };
}

function unauthorizedText(reason: string): string {
  switch (reason) {
    case 'missing':
      return 'no Authorization header: send Authorization: Bearer <token>';
    case 'malformed':
      return 'the Authorization header is not a Lakekit bearer token (Bearer lk_<id>_<secret>)';
    case 'unknown':
      return 'unknown token';
    case 'expired':
      return 'the token has expired';
    case 'revoked':
      return 'the token was revoked';
    case 'disabled':
      return "the token's principal is disabled";
    default:
      return `not authenticated (${reason})`;
  }
}

function parse(schema: z.ZodType | undefined, value: unknown, what: string): unknown {
  if (!schema) return {};
  const r = schema.safeParse(value);
  if (r.success) return r.data;
  throw new HttpError(
    400,
    'invalid_request',
    `invalid ${what}: ${z.prettifyError(r.error).replaceAll('\n', '; ')}`,
    {
      errors: r.error.issues.map((i) => ({ path: i.path.map(String).join('.'), message: i.message })),
    },
  );
}

async function readJson(request: Request, r: AnyRoute): Promise<unknown> {
  const text = await request.text();
  if (text.trim() === '' && r.bodyOptional) return {};
  const type = request.headers.get('content-type') ?? '';
  if (!/^application\/([a-z0-9.+-]*\+)?json\s*(;|$)/i.test(type)) {
    throw new HttpError(
      415,
      'unsupported_media_type',
      `expected Content-Type: application/json, got ${type || 'none'}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new HttpError(400, 'invalid_json', `request body is not valid JSON: ${(e as Error).message}`);
  }
}

function listen(
  app: Hono<Env>,
  o: { port?: number; host?: string },
  onClose: () => Promise<void>,
): Promise<ServerHandle> {
  const host = o.host ?? '127.0.0.1';
  return new Promise((resolve, reject) => {
    const server = serve({ fetch: app.fetch, port: o.port ?? 8181, hostname: host });
    server.once('error', reject);
    server.once('listening', () => {
      const port = (server.address() as AddressInfo).port;
      const shown = host.includes(':') ? `[${host}]` : host;
      resolve({
        url: `http://${shown}:${port}`,
        port,
        close: async () => {
          await new Promise<void>((done, fail) => {
            server.close((err) => (err ? fail(err) : done()));
            // Idle keep-alive connections would hold close() open; busy ones finish their request.
            if ('closeIdleConnections' in server) server.closeIdleConnections();
          });
          // A query whose client went away may still be stopping: the engine closes after it.
          await onClose();
        },
      });
    });
  });
}
