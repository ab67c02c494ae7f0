/**
 * The HTTP connector against a local JSON API (tests/helpers/http-server.ts): the conformance suite
 * once per pagination style, auth of every kind, retries that honour Retry-After, errors that name
 * the source and resource without secrets, records paths, incremental cursors, type inference.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  cursorFilter,
  cursorParamValue,
  evaluateJsonPath,
  type HttpConfig,
  HttpConnector,
  httpConnector,
  inferColumns,
  nextLink,
  parseColumnType,
  parseJsonPath,
  retryAfterMs,
} from '@lakekit/connector-http';
import {
  ConfigError,
  DataError,
  type ExtractRequest,
  LakeError,
  NotFoundError,
  SourceError,
  type StagedBatch,
  typeToString,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { stagedSelectSql } from '@lakekit/pipelines';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorConformance, fixtureRows } from '../helpers/connector-conformance.js';
import { startTestApi, type TestApi } from '../helpers/http-server.js';

const TOKEN = 'tok-4f9a1c0e-secret';
const api = await startTestApi({ auth: { type: 'bearer', token: TOKEN } });
const staging = mkdtempSync(join(tmpdir(), 'lakekit-http-test-'));
afterAll(async () => {
  await api.close();
  rmSync(staging, { recursive: true, force: true });
});

/** A validated config with the test API's base URL and bearer token. */
function config(resources: Record<string, unknown>, extra: Record<string, unknown> = {}): HttpConfig {
  return httpConnector.configSchema.parse({
    base_url: api.baseUrl,
    auth: { type: 'bearer', token: TOKEN },
    resources,
    ...extra,
  });
}

const cursor = { field: 'updated_at', param: 'updated_since' };
const styles: Record<string, Record<string, unknown>> = {
  page: {
    path: '/page/accounts',
    records: '$.data',
    primary_key: ['id'],
    cursor,
    params: { sort: 'updated_at' },
    pagination: { type: 'page', param: 'page', size_param: 'per_page', size: 100, start: 1 },
  },
  cursor: {
    path: '/cursor/accounts',
    records: '$.data[*]',
    primary_key: ['id'],
    cursor,
    params: { limit: 150 },
    pagination: { type: 'cursor', cursor_path: '$.meta.next_cursor', param: 'cursor' },
  },
  link: {
    path: '/link/accounts',
    primary_key: ['id'],
    cursor,
    params: { per_page: 100 },
    pagination: { type: 'link' },
    columns: {
      id: 'long',
      name: 'string',
      amount: 'decimal(12,2)',
      active: 'boolean',
      updated_at: 'timestamptz',
    },
  },
  offset: {
    path: 'offset/accounts',
    records: '$.data',
    primary_key: ['id'],
    cursor,
    pagination: { type: 'offset', limit: 100 },
  },
};

for (const [style, resource] of Object.entries(styles)) {
  connectorConformance({
    kind: 'http',
    stream: `accounts_${style}`,
    async reset(rows) {
      api.rows = [...rows];
    },
    async insert(rows) {
      api.rows.push(...rows);
    },
    connect: () =>
      httpConnector.create('crm', config({ [`accounts_${style}`]: resource }), { baseDir: staging }),
    connectBroken: () =>
      httpConnector.create(
        'crm',
        config({ [`accounts_${style}`]: resource }, { auth: { type: 'bearer', token: 'wrong-token' } }),
        { baseDir: staging },
      ),
    secret: TOKEN,
    primaryKey: true,
    cursor: true,
    snapshotIsolation: false,
  });
}

async function collect(it: AsyncIterable<StagedBatch>): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

async function failure(p: Promise<unknown>): Promise<LakeError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(LakeError);
  return e as LakeError;
}

/** Extracts `stream` of `connector` fully. */
async function extract(connector: HttpConnector, stream: string, req: Partial<ExtractRequest> = {}) {
  const session = await connector.session();
  try {
    return await collect(session.extract({ stream, stagingDir: mkdtempSync(join(staging, 'x-')), ...req }));
  } finally {
    await session.close();
  }
}

const fast = { backoffBaseMs: 5, backoffMaxMs: 20 };

describe('http connector: requests', () => {
  beforeAll(() => {
    api.rows = fixtureRows();
  });

  it('honours Retry-After in seconds and as an HTTP date, then succeeds', async () => {
    const c = new HttpConnector('crm', config({ a: styles['page'] }), { baseDir: staging }, fast);
    api.fault({ status: 429, retryAfter: '1', path: '/page/' });
    let from = api.requests.length;
    await c.test();
    let reqs = api.requests.slice(from);
    expect(reqs.map((r) => r.status)).toEqual([429, 200]);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(1000);

    // HTTP dates have whole seconds: 2 s ahead is at least 1 s ahead.
    api.fault({ status: 503, retryAfter: new Date(Date.now() + 2000).toUTCString(), path: '/page/' });
    from = api.requests.length;
    await c.test();
    reqs = api.requests.slice(from);
    expect(reqs.map((r) => r.status)).toEqual([503, 200]);
    expect(reqs[1]!.at - reqs[0]!.at).toBeGreaterThanOrEqual(1000);
  });

  it('retries 5xx with backoff up to max_retries, then fails retryable naming source, resource and status', async () => {
    const c = new HttpConnector(
      'crm',
      config({ a: styles['page'] }, { max_retries: 2 }),
      { baseDir: staging },
      fast,
    );
    api.fault({ status: 503, times: 2, path: '/page/' });
    let from = api.requests.length;
    const batches = await extract(c, 'a');
    expect(batches.reduce((n, b) => n + (b.rows ?? 0), 0)).toBe(1000);
    expect(api.requests.slice(from, from + 3).map((r) => r.status)).toEqual([503, 503, 200]);

    api.fault({ status: 502, times: 3, path: '/page/' });
    from = api.requests.length;
    const err = await failure(c.test());
    expect(err).toBeInstanceOf(SourceError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      /^source crm, resource a: GET http:\/\/127\.0\.0\.1:\d+\/v1\/page\/accounts\?.* failed after 3 attempts: 502 Bad Gateway/,
    );
    expect(api.requests.length - from).toBe(3);
  });

  it('a Retry-After beyond the limit fails at once (retryable) instead of hanging', async () => {
    const c = new HttpConnector(
      'crm',
      config({ a: styles['page'] }),
      { baseDir: staging },
      { maxRetryAfterMs: 2000 },
    );
    api.fault({ status: 429, retryAfter: '3600', path: '/page/' });
    const err = await failure(c.test());
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(/429 Too Many Requests.*retry after 3600 s/);
  });

  it('network errors and timeouts are retried, then a retryable SourceError', async () => {
    // A port nothing listens on: one taken from a server that is closed again.
    const closed = await startTestApi();
    const port = new URL(closed.baseUrl).port;
    await closed.close();
    const dead = httpConnector.create(
      'crm',
      config({ a: styles['page'] }, { base_url: `http://127.0.0.1:${port}/v1`, max_retries: 0 }),
      { baseDir: staging },
    );
    const err = await failure(dead.test());
    expect(err).toBeInstanceOf(SourceError);
    expect(err.retryable).toBe(true);
    expect(err.message).toMatch(
      new RegExp(
        `^source crm, resource a: GET http://127\\.0\\.0\\.1:${port}/v1/page/accounts\\?.* failed after 1 attempts: fetch failed \\(ECONNREFUSED\\)$`,
      ),
    );

    const slow = new HttpConnector(
      'crm',
      config({ a: styles['page'] }, { timeout_seconds: 0.2, max_retries: 1 }),
      { baseDir: staging },
      fast,
    );
    api.fault({ delayMs: 600, times: 2, path: '/page/' });
    const t = await failure(slow.test());
    expect(t.retryable).toBe(true);
    expect(t.message).toMatch(/failed after 2 attempts: no response within 0.2 s/);
  });

  it('401 is an auth SourceError, 404 a NotFoundError, malformed JSON a DataError; none retried', async () => {
    const c = new HttpConnector(
      'crm',
      config({ a: styles['page'], gone: { path: '/nope' } }),
      { baseDir: staging },
      fast,
    );
    api.fault({ status: 401, path: '/page/' });
    let from = api.requests.length;
    const auth = await failure(c.test());
    expect(auth).toBeInstanceOf(SourceError);
    expect(auth.code).toBe('source_auth');
    expect(auth.retryable).toBe(false);
    expect(auth.message).toMatch(
      /^source crm, resource a: GET .* failed: 401 Unauthorized \(credentials rejected\)$/,
    );
    expect(api.requests.length - from).toBe(1);

    const nf = await failure(c.discover());
    expect(nf).toBeInstanceOf(NotFoundError);
    expect(nf.message).toMatch(
      /source crm, resource gone: GET http:\/\/127\.0\.0\.1:\d+\/v1\/nope failed: 404 Not Found/,
    );

    api.fault({ malformed: true, path: '/page/' });
    from = api.requests.length;
    const bad = await failure(extract(c, 'a'));
    expect(bad).toBeInstanceOf(DataError);
    expect(bad.message).toMatch(/^source crm, resource a: GET .*page=1.* returned malformed JSON/);
    expect(api.requests.length - from).toBe(1);
  });

  it('sends bearer, basic and API key credentials (header or query) and never prints them', async () => {
    const variants = [
      { auth: { type: 'basic', username: 'ann', password: 'pw-s3cret!' }, secret: 'pw-s3cret!' },
      {
        auth: { type: 'api_key', name: 'X-Api-Key', value: 'key-header-123', in: 'header' },
        secret: 'key-header-123',
      },
      {
        auth: { type: 'api_key', name: 'sig', value: 'key-query-456', in: 'query' },
        secret: 'key-query-456',
      },
    ] as const;
    for (const v of variants) {
      const server: TestApi = await startTestApi({ auth: v.auth, rows: fixtureRows(3) });
      try {
        const cfg = (auth: unknown) =>
          httpConnector.configSchema.parse({
            base_url: server.baseUrl,
            auth,
            headers: { 'X-Client': 'lakekit-test' },
            resources: { a: { path: '/none/accounts', records: '$.data' }, echo: { path: '/echo-400' } },
          });
        const good = httpConnector.create('crm', cfg(v.auth), { baseDir: staging });
        const info = await good.test();
        expect(info.target).toBe(server.baseUrl);
        expect(server.requests.at(-1)!.status).toBe(200);
        expect(server.requests.at(-1)!.headers['x-client']).toBe('lakekit-test');
        // The echo route answers 400 repeating the credentials; the message masks them.
        const echoed = await failure(extract(good as HttpConnector, 'echo', {}));
        expect(echoed.message).toMatch(/400 Bad Request: \{/);
        expect(echoed.message).not.toContain(v.secret);
        if (v.auth.type === 'api_key' && v.auth.in === 'query') expect(echoed.message).toContain('sig=***');
        if (v.auth.type === 'basic') expect(echoed.message).toContain('Basic ***');

        const wrong = { ...v.auth, ...(v.auth.type === 'basic' ? { password: 'nope' } : { value: 'nope' }) };
        const bad = await failure(httpConnector.create('crm', cfg(wrong), { baseDir: staging }).test());
        expect(bad.code).toBe('source_auth');
        expect(bad.message).not.toContain(v.secret);
      } finally {
        await server.close();
      }
    }
    // Bearer, on the shared API.
    const from = api.requests.length;
    await httpConnector.create('crm', config({ a: styles['page'] }), { baseDir: staging }).test();
    expect(api.requests[from]!.headers['authorization']).toBe(`Bearer ${TOKEN}`);
    expect(httpConnector.secrets).toEqual(['auth.token', 'auth.password', 'auth.value']);
  });

  it('a records path that matches nothing is a DataError naming the resource and path', async () => {
    const c = httpConnector.create('crm', config({ a: { ...styles['page'], records: '$.items' } }), {
      baseDir: staging,
    });
    const err = await failure(c.discover());
    expect(err).toBeInstanceOf(DataError);
    expect(err.message).toMatch(
      /^source crm, resource a: GET .*: the response has nothing at the records path \$\.items$/,
    );
    api.serve('/v1/scalar', () => ({ body: { data: [1, 2] } }));
    const scalar = httpConnector.create('crm', config({ s: { path: '/scalar', records: '$.data' } }), {
      baseDir: staging,
    });
    expect((await failure(scalar.discover())).message).toMatch(
      /resource s: .* a record at \$\.data is a number, not an object/,
    );
  });

  it('an incremental extract sends the cursor as ISO 8601 UTC and filters records itself', async () => {
    const c = httpConnector.create('crm', config({ a: styles['page'] }), { baseDir: staging });
    await c.discover(); // the sample page, without a cursor
    const from = api.requests.length;
    const after = '2026-05-15 10:30:30';
    await extract(c as HttpConnector, 'a', { cursor: { column: 'updated_at', after } });
    const sent = api.requests.slice(from).map((r) => r.query.get('updated_since'));
    expect(sent.length).toBeGreaterThan(1);
    expect(new Set(sent)).toEqual(new Set(['2026-05-15T10:30:30Z']));

    // An API that ignores the parameter: the client-side filter still returns only newer records.
    const ignoring = httpConnector.create(
      'crm',
      config({ a: { ...styles['page'], cursor: { field: 'updated_at', param: 'ignored' } } }),
      { baseDir: staging },
    );
    const engine: Engine = await openEngine();
    try {
      const session = await ignoring.session();
      const stream = await session.describe('a');
      const batches = await collect(
        session.extract({
          stream: 'a',
          stagingDir: mkdtempSync(join(staging, 'x-')),
          cursor: { column: 'updated_at', after },
        }),
      );
      const cols = batches[0]!.columns.map((name) => ({
        name,
        type: stream.columns.find((c) => c.name === name)!.type!,
      }));
      const rows = await engine.all(
        `SELECT min(updated_at) AS lo, count(*) AS n FROM (${stagedSelectSql(
          'jsonl',
          batches.map((b) => b.path),
          batches[0]!.columns,
          cols,
        )})`,
      );
      const want = fixtureRows().filter((r) => r.updated_at > after);
      expect(Number(rows[0]!['n'])).toBe(want.length);
      expect(String(rows[0]!['lo'])).toBe(
        `${[...want].sort((a, b) => a.updated_at.localeCompare(b.updated_at))[0]!.updated_at}+00`,
      );
      await session.close();
    } finally {
      engine.close();
    }
  });

  it('infers columns from the first page: nested values as JSON text, declared list columns as lists', async () => {
    // Raw JSON text: 2^53 + 1 must arrive exactly (a JS number literal could not hold it).
    api.serve('/v1/things', () => ({
      body: `{"items": [
        {"id": 9007199254740993, "tags": ["a", "b"], "meta": {"k": 1}, "score": 1, "at": "2026-01-02T03:04:05.123+02:00",
         "day": "2026-01-02", "flag": true, "none": null},
        {"id": 2, "tags": [], "meta": null, "score": 2.5, "at": "2026-01-03T00:00:00Z", "day": "2026-01-03", "flag": false, "none": null}
      ]}`,
    }));
    const inferred = httpConnector.create(
      'crm',
      config({ things: { path: '/things', records: '$.items', primary_key: ['id'] } }),
      {
        baseDir: staging,
      },
    );
    const [stream] = await inferred.discover();
    expect(stream!.columns.map((c) => [c.name, typeToString(c.type!), c.nullable])).toEqual([
      ['id', 'long', false],
      ['tags', 'string', true],
      ['meta', 'string', true],
      ['score', 'double', true],
      ['at', 'timestamptz', true],
      ['day', 'date', true],
      ['flag', 'boolean', true],
      ['none', 'string', true],
    ]);
    const declared = httpConnector.create(
      'crm',
      config({
        things: {
          path: '/things',
          records: '$.items',
          columns: { id: 'long', tags: 'list<string>', meta: 'struct<k: long>' },
        },
      }),
      { baseDir: staging },
    );
    const engine = await openEngine();
    try {
      for (const [c, want] of [
        [
          inferred,
          [
            { id: '9007199254740993', tags: '["a","b"]', meta: '{"k":1}' },
            { id: '2', tags: '[]', meta: null },
          ],
        ],
        [
          declared,
          [
            { id: '9007199254740993', tags: ['a', 'b'], meta: { k: '1' } },
            { id: '2', tags: [], meta: null },
          ],
        ],
      ] as const) {
        const session = await c.session();
        const s = await session.describe('things');
        const batches = await collect(
          session.extract({
            stream: 'things',
            stagingDir: mkdtempSync(join(staging, 'x-')),
            columns: [{ name: 'id' }, { name: 'tags' }, { name: 'meta' }],
          }),
        );
        const cols = ['id', 'tags', 'meta'].map((name) => ({
          name,
          type: s.columns.find((x) => x.name === name)!.type!,
        }));
        expect(
          await engine.all(stagedSelectSql('jsonl', [batches[0]!.path], ['id', 'tags', 'meta'], cols)),
        ).toEqual(want);
        await session.close();
      }
    } finally {
      engine.close();
    }
  });

  it('an API that ignores the page parameter is an error, not an endless loop', async () => {
    api.serve('/v1/stuck', () => ({ body: { data: [{ id: 1 }, { id: 2 }] } }));
    const c = httpConnector.create(
      'crm',
      config({ stuck: { path: '/stuck', records: '$.data', pagination: { type: 'page' } } }),
      { baseDir: staging },
    );
    const err = await failure(extract(c as HttpConnector, 'stuck'));
    expect(err.message).toMatch(/resource stuck: GET .*page=2 returned the same records as the page before/);
  });

  it('bad configs are ConfigErrors naming the resource', () => {
    expect(() => config({ a: { path: '/x', columns: { id: 'lnog' } } })).not.toThrow();
    expect(() =>
      httpConnector.create('crm', config({ a: { path: '/x', columns: { id: 'lnog' } } }), {
        baseDir: staging,
      }),
    ).toThrow(ConfigError);
    expect(() =>
      httpConnector.create('crm', config({ a: { path: '/x', records: 'data' } }), { baseDir: staging }),
    ).toThrow(/invalid JSON path "data"/);
    expect(() =>
      httpConnector.create(
        'crm',
        config({ a: { path: '/x', primary_key: ['id'], columns: { name: 'string' } } }),
        { baseDir: staging },
      ),
    ).toThrow(
      /source crm, resource a: id \(a primary key or cursor field\) is not among the declared columns/,
    );
    expect(() => config({ a: { path: '/x', pagination: { type: 'pages' } } })).toThrow();
    expect(() => config({}, {})).toThrow();
    expect(() => config({ a: { path: '/x' } }, { base_url: 'ftp://x' })).toThrow();
  });
});

describe('http connector: pieces', () => {
  it('JSON paths', () => {
    const doc = {
      data: [
        { id: 1, b: [1, 2] },
        { id: 2, b: [3] },
      ],
      meta: { 'next-cursor': 'x' },
    };
    expect(evaluateJsonPath(parseJsonPath('$'), doc)).toEqual([doc]);
    expect(evaluateJsonPath(parseJsonPath('$.data'), doc)).toEqual([doc.data]);
    expect(evaluateJsonPath(parseJsonPath('$.data[*].id'), doc)).toEqual([1, 2]);
    expect(evaluateJsonPath(parseJsonPath('$.data[*].b'), doc)).toEqual([[1, 2], [3]]);
    expect(evaluateJsonPath(parseJsonPath('$.data[-1].id'), doc)).toEqual([2]);
    expect(evaluateJsonPath(parseJsonPath("$['meta']['next-cursor']"), doc)).toEqual(['x']);
    expect(evaluateJsonPath(parseJsonPath('$.meta.*'), doc)).toEqual(['x']);
    expect(evaluateJsonPath(parseJsonPath('$.missing.x'), doc)).toEqual([]);
    expect(() => parseJsonPath('$..id')).toThrow(ConfigError);
    expect(() => parseJsonPath('$.data[?(@.id)]')).toThrow(/unsupported selector/);
  });

  it('Link headers, Retry-After values, declared types, cursor values', () => {
    expect(nextLink('<https://a/x?page=2>; rel="next", <https://a/x?page=9>; rel="last"')).toBe(
      'https://a/x?page=2',
    );
    expect(nextLink('<https://a/x?page=1>; rel="prev first", </x?page=3>; rel=next')).toBe('/x?page=3');
    expect(nextLink('<https://a/x?page=9>; rel="last"')).toBeUndefined();
    expect(nextLink(null)).toBeUndefined();

    expect(retryAfterMs('7')).toBe(7000);
    expect(retryAfterMs('Wed, 21 Oct 2015 07:28:00 GMT', Date.parse('2015-10-21T07:27:30Z'))).toBe(30_000);
    expect(retryAfterMs('soon')).toBeUndefined();
    expect(retryAfterMs(null)).toBeUndefined();

    expect(typeToString(parseColumnType('decimal(12,2)', 'x'))).toBe('decimal(12, 2)');
    expect(typeToString(parseColumnType('map<string, list<long>>', 'x'))).toBe('map<string, list<long>>');
    expect(typeToString(parseColumnType('struct<a: long, b: timestamptz>', 'x'))).toBe(
      'struct<a: long, b: timestamptz>',
    );
    expect(() => parseColumnType('list<long', 'source s, resource r, column c')).toThrow(
      /source s, resource r, column c: invalid type/,
    );

    const tz = { kind: 'timestamptz' } as const;
    expect(cursorParamValue('2026-05-15 10:30:30', tz)).toBe('2026-05-15T10:30:30Z');
    expect(cursorParamValue('2026-05-15 12:30:30.250+02', tz)).toBe('2026-05-15T10:30:30.25Z');
    expect(cursorParamValue('2026-05-15 10:30:30', { kind: 'timestamp' })).toBe('2026-05-15T10:30:30');
    expect(cursorParamValue('42', { kind: 'long' })).toBe('42');
    const gt = cursorFilter('2026-05-15 10:30:30', false, tz);
    expect([
      gt('2026-05-15T10:30:30Z'),
      gt('2026-05-15T12:30:30+02:00'),
      gt('2026-05-15T10:30:30.001Z'),
      gt(null),
    ]).toEqual([false, false, true, false]);
    const ge = cursorFilter('9007199254740993', true, { kind: 'long' });
    expect([ge(9007199254740992n), ge(9007199254740993n), ge('9007199254740994')]).toEqual([
      false,
      true,
      true,
    ]);
    expect(cursorFilter('b', false, { kind: 'string' })('c')).toBe(true);
  });

  it('inferColumns merges the kinds samples show', () => {
    const cols = inferColumns([
      { a: 1, b: 1, c: 'x', d: '2026-01-01T00:00:00Z', e: true },
      { a: 2.5, b: 'two', c: null, d: '2026-01-01 00:00:00', e: 1, f: { x: 1 } },
    ]);
    expect(cols.map((c) => [c.name, typeToString(c.type!), c.sourceType])).toEqual([
      ['a', 'double', 'number'],
      ['b', 'string', 'string'],
      ['c', 'string', 'string'],
      ['d', 'string', 'string'],
      ['e', 'string', 'string'],
      ['f', 'string', 'object or array'],
    ]);
  });
});
