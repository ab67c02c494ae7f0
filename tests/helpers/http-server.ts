/**
 * A local JSON API for connector tests (node:http on 127.0.0.1, a free port): the conformance
 * fixture rows as `accounts`, served with every pagination style the HTTP connector knows, an auth
 * check, `updated_since` filtering, and faults a test injects (429 with Retry-After, 503, malformed
 * JSON, 401, slow answers). Every request is recorded with its arrival time.
 *
 * Routes (all under `/v1`, `GET`):
 * - `/page/accounts?page=1&per_page=100` → `{"data": […], "meta": {"page", "per_page", "total"}}`
 * - `/offset/accounts?offset=0&limit=100` → `{"data": […], "meta": {"offset", "limit", "total"}}`
 * - `/cursor/accounts?cursor=…&limit=100` → `{"data": […], "meta": {"next_cursor": "…" | null}}`
 * - `/link/accounts?page=1&per_page=100` → a bare array, `Link: <…>; rel="next"` while more remain
 * - `/none/accounts` → `{"data": […]}` with every row
 * - `/echo-400` → 400 whose body repeats the request's credentials (to check they are redacted)
 * - any path a test adds with `serve()` (behind the same auth check)
 * Common query parameters: `updated_since` (records with `updated_at >=` it; an ISO timestamp),
 * `sort=updated_at` (order by updated_at, id; default id). Page sizes are capped at 200.
 * Records: `{"id": 1, "name": "…", "amount": 12.50, "active": true, "updated_at": "2026-01-02T10:01:01Z"}`.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type FixtureRow, fixtureRows } from './connector-conformance.js';

/** The credentials the API accepts. */
export type TestApiAuth =
  | { readonly type: 'none' }
  | { readonly type: 'bearer'; readonly token: string }
  | { readonly type: 'basic'; readonly username: string; readonly password: string }
  | {
      readonly type: 'api_key';
      readonly name: string;
      readonly value: string;
      readonly in: 'header' | 'query';
    };

/** A fault answered instead of the normal response. */
export interface TestApiFault {
  /** Answer with this status (429, 503, 401, …) and a small JSON error body. */
  readonly status?: number;
  /** The `Retry-After` header to send with it (seconds or an HTTP date). */
  readonly retryAfter?: string;
  /** Answer 200 with a body that is not JSON. */
  readonly malformed?: boolean;
  /** Wait this long before answering (normally, unless another fault field is set). */
  readonly delayMs?: number;
  /** How many requests it applies to (default 1). */
  readonly times?: number;
  /** Only requests whose path contains this. */
  readonly path?: string;
}

/** A request the API received. */
export interface TestApiRequest {
  /** `performance.now()` when it arrived. */
  readonly at: number;
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingHttpHeaders;
  /** The status answered. */
  status: number;
}

/** A running test API. */
export interface TestApi {
  /** `http://127.0.0.1:<port>/v1`. */
  readonly baseUrl: string;
  /** The rows served (tests replace or push to it). */
  rows: FixtureRow[];
  readonly requests: TestApiRequest[];
  /** Queues a fault for the next matching request(s). */
  fault(fault: TestApiFault): void;
  /** Answers `GET path` (under the origin, e.g. `/v1/things`) with 200 and what `handler` returns. */
  serve(
    path: string,
    handler: (query: URLSearchParams) => { body: unknown; headers?: Record<string, string> },
  ): void;
  close(): Promise<void>;
}

const MAX_PAGE = 200;

/** An ISO 8601 UTC text of a fixture timestamp (`2026-01-02 10:01:01` → `2026-01-02T10:01:01Z`). */
export function isoUtc(fixtureTimestamp: string): string {
  return `${fixtureTimestamp.replace(' ', 'T')}Z`;
}

/** A fixture row as the API's JSON (amount as a JSON number with its two decimals). */
export function recordJson(r: FixtureRow): string {
  return `{"id":${r.id},"name":${JSON.stringify(r.name)},"amount":${r.amount ?? 'null'},"active":${JSON.stringify(r.active)},"updated_at":${JSON.stringify(isoUtc(r.updated_at))}}`;
}

function authorized(auth: TestApiAuth, headers: IncomingHttpHeaders, query: URLSearchParams): boolean {
  switch (auth.type) {
    case 'none':
      return true;
    case 'bearer':
      return headers['authorization'] === `Bearer ${auth.token}`;
    case 'basic':
      return (
        headers['authorization'] ===
        `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
      );
    case 'api_key':
      return auth.in === 'header'
        ? headers[auth.name.toLowerCase()] === auth.value
        : query.get(auth.name) === auth.value;
  }
}

function send(res: ServerResponse, status: number, body: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(body);
}

function size(query: URLSearchParams, name: string): number {
  const n = Number(query.get(name) ?? 100);
  return Math.max(1, Math.min(MAX_PAGE, Number.isFinite(n) ? n : 100));
}

/** Starts the API with `rows` (default the 1,000 fixture rows) behind `auth` (default none). */
export async function startTestApi(
  options: { rows?: FixtureRow[]; auth?: TestApiAuth } = {},
): Promise<TestApi> {
  const auth = options.auth ?? { type: 'none' };
  const faults: Array<TestApiFault & { left: number }> = [];
  const extra = new Map<string, Parameters<TestApi['serve']>[1]>();
  const api = {
    baseUrl: '',
    rows: options.rows ?? fixtureRows(),
    requests: [] as TestApiRequest[],
    fault(f: TestApiFault) {
      faults.push({ ...f, left: f.times ?? 1 });
    },
    serve(path: string, handler: Parameters<TestApi['serve']>[1]) {
      extra.set(path, handler);
    },
    close: async () => {},
  };

  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const record: TestApiRequest = {
      at: performance.now(),
      path: url.pathname,
      query: url.searchParams,
      headers: req.headers,
      status: 0,
    };
    api.requests.push(record);
    const answer = (status: number, body: string, headers: Record<string, string> = {}): true => {
      record.status = status;
      send(res, status, body, headers);
      return true;
    };
    const fault = faults.find((f) => f.left > 0 && (f.path === undefined || url.pathname.includes(f.path)));
    if (fault) fault.left--;
    const respond = (): true => {
      if (fault?.status !== undefined) {
        return answer(
          fault.status,
          JSON.stringify({ error: `injected ${fault.status}` }),
          fault.retryAfter !== undefined ? { 'retry-after': fault.retryAfter } : {},
        );
      }
      if (fault?.malformed) return answer(200, '{"data": [{"id": 1, "name": "trunc');
      return route(url, req.headers, answer);
    };
    if (fault?.delayMs) setTimeout(respond, fault.delayMs);
    else respond();
  });

  function route(
    url: URL,
    headers: IncomingHttpHeaders,
    answer: (status: number, body: string, headers?: Record<string, string>) => true,
  ): true {
    const q = url.searchParams;
    if (url.pathname === '/v1/echo-400') {
      return answer(400, JSON.stringify({ error: 'bad request', headers, query: url.search }));
    }
    if (!authorized(auth, headers, q)) return answer(401, JSON.stringify({ error: 'invalid credentials' }));
    const handler = extra.get(url.pathname);
    if (handler) {
      const out = handler(q);
      return answer(200, typeof out.body === 'string' ? out.body : JSON.stringify(out.body), out.headers);
    }
    const m = /^\/v1\/(page|offset|cursor|link|none)\/accounts$/.exec(url.pathname);
    if (!m) return answer(404, JSON.stringify({ error: `no route ${url.pathname}` }));

    let rows = [...api.rows];
    const since = q.get('updated_since');
    if (since !== null) {
      const bound = Date.parse(since);
      if (Number.isNaN(bound)) return answer(400, JSON.stringify({ error: `bad updated_since ${since}` }));
      rows = rows.filter((r) => Date.parse(isoUtc(r.updated_at)) >= bound);
    }
    rows.sort(
      q.get('sort') === 'updated_at'
        ? (a, b) => a.updated_at.localeCompare(b.updated_at) || a.id - b.id
        : (a, b) => a.id - b.id,
    );
    const list = (part: FixtureRow[]) => `[${part.map(recordJson).join(',')}]`;

    switch (m[1]) {
      case 'page': {
        const per = size(q, 'per_page');
        const page = Number(q.get('page') ?? 1);
        const part = rows.slice((page - 1) * per, page * per);
        return answer(
          200,
          `{"data":${list(part)},"meta":{"page":${page},"per_page":${per},"total":${rows.length}}}`,
        );
      }
      case 'offset': {
        const limit = size(q, 'limit');
        const offset = Number(q.get('offset') ?? 0);
        const part = rows.slice(offset, offset + limit);
        return answer(
          200,
          `{"data":${list(part)},"meta":{"offset":${offset},"limit":${limit},"total":${rows.length}}}`,
        );
      }
      case 'cursor': {
        const limit = size(q, 'limit');
        const token = q.get('cursor');
        const offset = token === null ? 0 : Number(Buffer.from(token, 'base64url').toString());
        const part = rows.slice(offset, offset + limit);
        const next =
          offset + limit < rows.length
            ? JSON.stringify(Buffer.from(String(offset + limit)).toString('base64url'))
            : 'null';
        return answer(200, `{"data":${list(part)},"meta":{"next_cursor":${next}}}`);
      }
      case 'link': {
        const per = size(q, 'per_page');
        const page = Number(q.get('page') ?? 1);
        const part = rows.slice((page - 1) * per, page * per);
        const links: string[] = [];
        if (page * per < rows.length) {
          const next = new URLSearchParams(q);
          next.set('page', String(page + 1));
          next.set('per_page', String(per));
          // Relative, as many APIs send it; the client resolves it against the request URL.
          links.push(`<${url.pathname}?${next}>; rel="next"`);
        }
        links.push(`<${url.pathname}?page=1&per_page=${per}>; rel="first"`);
        return answer(200, list(part), { link: links.join(', ') });
      }
      default:
        return answer(200, `{"data":${list(rows)}}`);
    }
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  api.baseUrl = `http://127.0.0.1:${port}/v1`;
  api.close = () =>
    new Promise<void>((resolve, reject) => {
      server.closeAllConnections();
      server.close((e) => (e ? reject(e) : resolve()));
    });
  return api;
}
