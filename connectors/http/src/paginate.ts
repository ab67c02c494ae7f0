/**
 * Pages of a resource's records, one request at a time, for each pagination style of the config:
 * page numbers, offsets, a next-page cursor in the body, RFC 8288 `Link` headers, or none. Paging
 * stops at an empty page or when there is no next page; page and offset paging never stop early on
 * a short page (an API may cap the page size below the one asked for). A page that repeats the
 * previous one (an API ignoring the page parameter) is an error rather than an endless loop.
 */
import { DataError } from '@lakekit/core';
import type { HttpClient, JsonResponse } from './http-client.js';
import type { HttpResource } from './http-config.js';
import { evaluateJsonPath, hasWildcard, type JsonPathStep, parseJsonPath } from './json-path.js';

/** A resource ready to page through. */
export interface PagedResource {
  readonly name: string;
  readonly config: HttpResource;
  readonly records: readonly JsonPathStep[];
  readonly nextCursor?: readonly JsonPathStep[];
}

/** Parses the JSON paths of a resource's config (a ConfigError names a bad path). */
export function pagedResource(name: string, config: HttpResource): PagedResource {
  const p = config.pagination;
  return {
    name,
    config,
    records: parseJsonPath(config.records),
    ...(p.type === 'cursor' ? { nextCursor: parseJsonPath(p.cursor_path) } : {}),
  };
}

/** One page: its records. */
export type Page = Record<string, unknown>[];

/**
 * Requests the resource's pages with `params` (the config's, plus any cursor parameter) and yields
 * each page's records; `maxPages` stops early (sampling).
 */
export async function* paginate(
  client: HttpClient,
  resource: PagedResource,
  params: Readonly<Record<string, string>>,
  where: string,
  options: { signal?: AbortSignal; maxPages?: number } = {},
): AsyncGenerator<Page> {
  const p = resource.config.pagination;
  const maxPages = options.maxPages ?? Number.POSITIVE_INFINITY;
  const get = (url: URL) => client.getJson(url, where, options.signal);
  let previous: string | undefined;
  const repeats = (page: Page, url: URL): void => {
    const print = page.length > 0 ? `${page.length}:${JSON.stringify(page[0], bigintText)}` : undefined;
    if (print !== undefined && print === previous) {
      throw new DataError(
        `${where}: GET ${client.display(url)} returned the same records as the page before; does the API honour the ${p.type} pagination parameters?`,
        { context: { url: client.display(url) } },
      );
    }
    previous = print;
  };

  switch (p.type) {
    case 'none': {
      const url = client.url(resource.config.path, params);
      yield recordsOf(await get(url), resource, where, client);
      return;
    }
    case 'page': {
      for (let n = 0, page = p.start; n < maxPages; n++, page++) {
        const url = client.url(resource.config.path, {
          ...params,
          [p.param]: String(page),
          ...(p.size_param && p.size !== undefined ? { [p.size_param]: String(p.size) } : {}),
        });
        const records = recordsOf(await get(url), resource, where, client);
        if (records.length === 0) return;
        repeats(records, url);
        yield records;
      }
      return;
    }
    case 'offset': {
      for (let n = 0, offset = 0; n < maxPages; n++) {
        const url = client.url(resource.config.path, {
          ...params,
          [p.param]: String(offset),
          [p.limit_param]: String(p.limit),
        });
        const records = recordsOf(await get(url), resource, where, client);
        if (records.length === 0) return;
        repeats(records, url);
        yield records;
        offset += records.length;
      }
      return;
    }
    case 'cursor': {
      const seen = new Set<string>();
      let token: string | undefined;
      for (let n = 0; n < maxPages; n++) {
        const url = client.url(
          resource.config.path,
          token === undefined ? params : { ...params, [p.param]: token },
        );
        const response = await get(url);
        const records = recordsOf(response, resource, where, client);
        if (records.length > 0) yield records;
        const next = evaluateJsonPath(resource.nextCursor!, response.body)[0];
        if (records.length === 0 || next === undefined || next === null || next === '' || next === false)
          return;
        token = String(next);
        if (seen.has(token)) {
          throw new DataError(
            `${where}: the next-page cursor ${p.cursor_path} repeats (${token}); paging would not end`,
            {
              context: { url: client.display(url) },
            },
          );
        }
        seen.add(token);
      }
      return;
    }
    case 'link': {
      let url: URL | undefined = client.url(resource.config.path, params);
      const seen = new Set<string>();
      for (let n = 0; url && n < maxPages; n++) {
        seen.add(url.href);
        const response = await get(url);
        const records = recordsOf(response, resource, where, client);
        if (records.length === 0) return;
        yield records;
        const next = nextLink(response.headers.get('link'));
        url = next === undefined ? undefined : new URL(next, response.url);
        if (url && seen.has(url.href)) {
          throw new DataError(
            `${where}: the Link header's next page repeats (${client.display(url)}); paging would not end`,
            {
              context: { url: client.display(url) },
            },
          );
        }
      }
      return;
    }
  }
}

/** The records a response holds at the resource's `records` path (a DataError when it is missing). */
export function recordsOf(
  response: JsonResponse,
  resource: PagedResource,
  where: string,
  client: HttpClient,
): Page {
  const matches = evaluateJsonPath(resource.records, response.body);
  const path = resource.config.records;
  const at = `${where}: GET ${client.display(response.url)}`;
  if (matches.length === 0) {
    throw new DataError(`${at}: the response has nothing at the records path ${path}`, {
      context: { path, url: client.display(response.url) },
    });
  }
  let values: unknown[];
  if (hasWildcard(resource.records)) values = matches.flatMap((m) => (Array.isArray(m) ? m : [m]));
  else if (Array.isArray(matches[0])) values = matches[0];
  else if (matches[0] === null) values = [];
  else {
    throw new DataError(
      `${at}: the records path ${path} holds ${typeName(matches[0])}, not an array of records`,
      {
        context: { path, url: client.display(response.url) },
      },
    );
  }
  for (const v of values) {
    if (v === null || typeof v !== 'object' || Array.isArray(v)) {
      throw new DataError(`${at}: a record at ${path} is ${typeName(v)}, not an object`, {
        context: { path, url: client.display(response.url) },
      });
    }
  }
  return values as Page;
}

/** The target of `rel="next"` in an RFC 8288 Link header. */
export function nextLink(header: string | null): string | undefined {
  if (!header) return undefined;
  for (const m of header.matchAll(/<([^>]*)>((?:\s*;\s*[^;,]+)*)/g)) {
    const rel = /;\s*rel\s*=\s*(?:"([^"]*)"|([^\s;,]+))/i.exec(m[2] ?? '');
    const rels = (rel?.[1] ?? rel?.[2] ?? '').toLowerCase().split(/\s+/);
    if (rels.includes('next')) return m[1];
  }
  return undefined;
}

function typeName(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'an array';
  return typeof v === 'object' ? 'an object' : `a ${typeof v}`;
}

function bigintText(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}
