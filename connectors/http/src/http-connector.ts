/**
 * The HTTP connector: each configured resource of a JSON REST API is a stream (see the package
 * README). Columns are declared (`columns:`) or inferred from the first page; a session adds no
 * isolation (an API offers no snapshot), so records changing while a run pages through can be missed
 * or read twice — merge modes make the latter harmless.
 */
import {
  ConfigError,
  type Connector,
  type ConnectorContext,
  type ConnectorFactory,
  DataError,
  type ExtractColumn,
  type ExtractRequest,
  NotFoundError,
  type SourceColumn,
  type SourceInfo,
  type SourceSession,
  type SourceStream,
  type StagedBatch,
} from '@lakekit/core';
import { cursorFilter, cursorParamValue } from './cursor-value.js';
import { HttpClient, type HttpClientOptions } from './http-client.js';
import { HTTP_SECRETS, type HttpConfig, httpConfigSchema } from './http-config.js';
import { inferColumns } from './infer-columns.js';
import { JsonlFileWriter } from './jsonl-file-writer.js';
import { type PagedResource, pagedResource, paginate } from './paginate.js';
import { parseColumnType } from './parse-column-type.js';

const DEFAULT_BATCH_ROWS = 500_000;

/** A configured HTTP source. */
export class HttpConnector implements Connector {
  readonly kind = 'http';
  private readonly name: string;
  private readonly config: HttpConfig;
  private readonly client: HttpClient;
  private readonly resources = new Map<string, PagedResource>();
  private readonly declared = new Map<string, SourceColumn[]>();
  private readonly streams = new Map<string, Promise<SourceStream>>();

  /** Checks the resources' paths and declared types (a ConfigError names the resource). */
  constructor(name: string, config: HttpConfig, _context: ConnectorContext, options: HttpClientOptions = {}) {
    this.name = name;
    this.config = config;
    this.client = new HttpClient(config, options);
    for (const [resource, rc] of Object.entries(config.resources)) {
      const where = `source ${name}, resource ${resource}`;
      this.resources.set(resource, pagedResource(resource, rc));
      if (!rc.columns) continue;
      const columns = Object.entries(rc.columns).map(([col, type]) => ({
        name: col,
        sourceType: type,
        type: parseColumnType(type, `${where}, column ${col}`),
        nullable: !rc.primary_key.includes(col),
      }));
      for (const key of [...rc.primary_key, ...(rc.cursor ? [rc.cursor.field] : [])]) {
        if (!columns.some((c) => c.name === key)) {
          throw new ConfigError(
            `${where}: ${key} (a primary key or cursor field) is not among the declared columns`,
            {
              context: { source: name, stream: resource, column: key },
            },
          );
        }
      }
      this.declared.set(resource, columns);
    }
  }

  async test(): Promise<SourceInfo> {
    const [resource] = this.resources.values();
    const where = `source ${this.name}, resource ${resource!.name}`;
    for await (const _page of paginate(this.client, resource!, this.params(resource!), where, {
      maxPages: 1,
    }))
      break;
    return { kind: this.kind, target: this.client.display(this.config.base_url) };
  }

  async discover(): Promise<SourceStream[]> {
    const out: SourceStream[] = [];
    for (const name of this.resources.keys()) out.push(await this.stream(name));
    return out;
  }

  async session(): Promise<SourceSession> {
    return new HttpSession(this);
  }

  async close(): Promise<void> {}

  /** The stream of resource `name`: declared columns, or inferred from its first page. */
  stream(name: string, signal?: AbortSignal): Promise<SourceStream> {
    const resource = this.resources.get(name);
    if (!resource) {
      return Promise.reject(
        new NotFoundError(
          'stream',
          `source ${this.name}: no resource ${name} (resources: ${[...this.resources.keys()].join(', ')})`,
          {
            context: { source: this.name, stream: name },
          },
        ),
      );
    }
    let s = this.streams.get(name);
    if (!s) {
      s = this.describe(resource, signal);
      this.streams.set(name, s);
      s.catch(() => this.streams.delete(name));
    }
    return s;
  }

  /** Pages through the resource into staged JSONL files (see `SourceSession.extract`). */
  async *extract(request: ExtractRequest): AsyncGenerator<StagedBatch> {
    const stream = await this.stream(request.stream, request.signal);
    const resource = this.resources.get(stream.name)!;
    const where = `source ${this.name}, resource ${stream.name}`;
    const wanted: readonly ExtractColumn[] = request.columns ?? stream.columns.map((c) => ({ name: c.name }));
    const columns = wanted.map((w) => ({ ...w, column: columnOf(stream, w.name, where) }));
    const names = columns.map((c) => c.name);
    const params = this.params(resource);
    let keep: (record: Record<string, unknown>) => boolean = () => true;
    const cursor = request.cursor;
    if (cursor?.after !== undefined) {
      const col = columnOf(stream, cursor.column, where);
      const passes = cursorFilter(cursor.after, cursor.inclusive ?? false, col.type);
      keep = (r) => passes(r[col.name]);
      const rc = resource.config.cursor;
      if (rc?.param && rc.field === col.name) params[rc.param] = cursorParamValue(cursor.after, col.type);
    }
    const batchRows = Math.max(1, request.batchRows ?? DEFAULT_BATCH_ROWS);
    const writer = new JsonlFileWriter({
      dir: request.stagingDir,
      stream: stream.name,
      columns: names,
      batchRows,
    });
    let done = false;
    try {
      for await (const page of paginate(
        this.client,
        resource,
        params,
        where,
        request.signal ? { signal: request.signal } : {},
      )) {
        for (const record of page) {
          if (!keep(record)) continue;
          const out: Record<string, unknown> = {};
          for (const c of columns) {
            const v = record[c.name];
            out[c.name] = v === undefined ? null : c.asText && v !== null ? asText(v) : v;
          }
          const full = writer.write(out);
          if (full) yield full;
        }
      }
      const last = writer.finish();
      done = true;
      if (last) yield last;
    } finally {
      if (!done) writer.discard();
    }
  }

  private params(resource: PagedResource): Record<string, string> {
    return Object.fromEntries(Object.entries(resource.config.params).map(([k, v]) => [k, String(v)]));
  }

  private async describe(resource: PagedResource, signal?: AbortSignal): Promise<SourceStream> {
    const rc = resource.config;
    const where = `source ${this.name}, resource ${resource.name}`;
    let columns = this.declared.get(resource.name);
    if (!columns) {
      const sample: Record<string, unknown>[] = [];
      for await (const page of paginate(this.client, resource, this.params(resource), where, {
        maxPages: 1,
        ...(signal ? { signal } : {}),
      })) {
        sample.push(...page);
      }
      if (sample.length === 0) {
        throw new DataError(
          `${where}: the first page has no records to infer columns from; declare columns: in the config`,
          {
            context: { source: this.name, stream: resource.name },
          },
        );
      }
      columns = inferColumns(sample).map((c) =>
        rc.primary_key.includes(c.name) ? { ...c, nullable: false } : c,
      );
    }
    return {
      name: resource.name,
      columns,
      primaryKey: rc.primary_key,
      cursorCandidates: rc.cursor ? [rc.cursor.field] : [],
    };
  }
}

/** A session of an HTTP source: no isolation (see the module comment). */
class HttpSession implements SourceSession {
  private readonly connector: HttpConnector;

  constructor(connector: HttpConnector) {
    this.connector = connector;
  }

  describe(stream: string): Promise<SourceStream> {
    return this.connector.stream(stream);
  }

  extract(request: ExtractRequest): AsyncIterable<StagedBatch> {
    return this.connector.extract(request);
  }

  extractKeys(
    request: ExtractRequest & { readonly columns: readonly ExtractColumn[] },
  ): AsyncIterable<StagedBatch> {
    const { cursor: _cursor, ...rest } = request;
    return this.connector.extract(rest);
  }

  async close(): Promise<void> {}
}

function columnOf(stream: SourceStream, name: string, where: string): SourceColumn {
  const col = stream.columns.find((c) => c.name === name);
  if (!col) {
    throw new NotFoundError(
      'column',
      `${where}: no column ${name} (columns: ${stream.columns.map((c) => c.name).join(', ')})`,
      {
        context: { stream: stream.name, column: name },
      },
    );
  }
  return col;
}

function asText(v: unknown): string {
  if (typeof v === 'string') return v;
  if (typeof v === 'object') return JSON.stringify(v, (_k, x) => (typeof x === 'bigint' ? x.toString() : x));
  return String(v);
}

/** The `http` connector kind. */
export const httpConnector: ConnectorFactory<HttpConfig> = {
  kind: 'http',
  configSchema: httpConfigSchema,
  secrets: HTTP_SECRETS,
  create: (name, config, context) => new HttpConnector(name, config, context),
};
