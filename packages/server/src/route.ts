/**
 * A route of the governance API: method, path, documentation, zod schemas of its inputs and of its
 * answer, and the handler. The one route table generates both the hono routes and the OpenAPI
 * document, so the two cannot drift apart.
 */
import type { Actor, Catalog, GovernanceStore, Principal, TokenInfo } from '@lakekit/catalog';
import type * as z from 'zod';
import type { Access } from './access.js';
import type { ServerLog } from './log.js';
import type { QueryService } from './queries.js';

export type Method = 'get' | 'post' | 'put' | 'patch' | 'delete';

/** What a handler receives: validated inputs and the authenticated caller. */
export interface RequestContext<P, Q, B> {
  params: P;
  query: Q;
  body: B;
  actor: Actor;
  principal: Principal;
  token: TokenInfo;
  catalog: Catalog;
  gov: GovernanceStore;
  /** Cached authorization decisions for this request, and audited refusals. */
  access: Access;
  request: Request;
  log: ServerLog;
  /** The governed query engine (opened on first use) and the flag webhook. */
  queries: QueryService;
}

type Schema = z.ZodType;
type Out<S> = S extends z.ZodType ? z.output<S> : Record<string, never>;

/** One route; `path` uses OpenAPI's `{param}` syntax. */
export interface Route<
  P extends Schema | undefined,
  Q extends Schema | undefined,
  B extends Schema | undefined,
  R extends Schema,
> {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  params?: P;
  query?: Q;
  body?: B;
  /** The body may be absent (then it is `{}`). */
  bodyOptional?: boolean;
  /** Success status (default 200; 204 answers without a body). */
  status?: 200 | 201 | 204;
  response: R;
  /** Other media types the route can answer with, by `Accept` (documented in OpenAPI). */
  alsoProduces?: string[];
  /** Headers of the success answer (documented in OpenAPI): name → description. */
  responseHeaders?: Record<string, string>;
  /** Statuses beyond the common ones (documented in OpenAPI): status → description. */
  errors?: Record<number, string>;
  handler(ctx: RequestContext<Out<P>, Out<Q>, Out<B>>): Promise<z.input<R> | Response>;
}

/** A route with its types erased, as kept in the table. */
export interface AnyRoute {
  method: Method;
  path: string;
  summary: string;
  tags: string[];
  params?: Schema;
  query?: Schema;
  body?: Schema;
  bodyOptional?: boolean;
  status?: 200 | 201 | 204;
  response: Schema;
  alsoProduces?: string[];
  responseHeaders?: Record<string, string>;
  errors?: Record<number, string>;
  handler(ctx: RequestContext<unknown, unknown, unknown>): Promise<unknown>;
}

/** Declares a route, checking the handler against its schemas. */
export function route<
  R extends Schema,
  P extends Schema | undefined = undefined,
  Q extends Schema | undefined = undefined,
  B extends Schema | undefined = undefined,
>(r: Route<P, Q, B, R>): AnyRoute {
  return r as unknown as AnyRoute;
}
