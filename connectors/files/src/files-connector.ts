/**
 * The files connector: CSV, JSON Lines or Parquet files in a folder, a glob or an S3 prefix (see the
 * package README). A session lists the files once (its consistent view); `extract()` stages each
 * new file (not in the stream's state, or changed since) as one Parquet batch whose state adds that
 * file, so a run that stops after batch k loads only the files after k next time.
 */
import { randomUUID } from 'node:crypto';
import { resolve } from 'node:path';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  ConfigError,
  type Connector,
  type ConnectorContext,
  type ConnectorFactory,
  type ExtractColumn,
  type ExtractRequest,
  type FileIO,
  NotFoundError,
  type SourceInfo,
  type SourceSession,
  type SourceStream,
  type StagedBatch,
} from '@lakekit/core';
import { describeStream, type FilesStream } from './describe-stream.js';
import type { DescribeFileOptions } from './file-description.js';
import { type FilesConfig, filesConfigSchema } from './files-config.js';
import { filesState, isLoaded, type LoadedFile, parseFilesState } from './files-state.js';
import { globToRegExp, splitGlob } from './glob-pattern.js';
import {
  type FileSelection,
  folderName,
  formatOf,
  listSourceFiles,
  type SourceFile,
} from './list-source-files.js';
import { stageFile } from './stage-file.js';

const S3 = /^s3a?:\/\//i;

/** A stream as configured: its name and file selection. */
interface StreamSpec {
  readonly name: string;
  readonly selection: FileSelection;
  /** The default stream of a folder: files of one format, found by extension. */
  readonly byExtension: boolean;
}

/** A configured files source. */
export class FilesConnector implements Connector {
  readonly kind = 'files';
  private readonly name: string;
  private readonly location: string;
  private readonly specs: readonly StreamSpec[];
  private readonly options: DescribeFileOptions;
  private readonly io: FileIO | undefined;
  private engine: Promise<DuckDBInstance> | undefined;

  constructor(name: string, config: FilesConfig, context: ConnectorContext) {
    this.name = name;
    this.io = context.io;
    this.location = S3.test(config.path) ? config.path : resolve(context.baseDir, config.path);
    this.options = {
      ...(config.format ? { format: config.format } : {}),
      ...(config.delimiter !== undefined ? { delimiter: config.delimiter } : {}),
      ...(config.header !== undefined ? { header: config.header } : {}),
    };
    const { root, pattern } = splitGlob(this.location);
    const folder = (r: string) => (S3.test(r) && !r.endsWith('/') ? `${r}/` : r);
    if (config.streams) {
      if (pattern !== undefined) {
        throw new ConfigError(
          `source ${name}: path ${config.path} is a glob; with streams: it must be a folder`,
          {
            context: { source: name },
          },
        );
      }
      this.specs = Object.entries(config.streams).map(([stream, glob]) => ({
        name: stream,
        selection: {
          root: folder(root),
          pattern: globToRegExp(glob.replace(/^\.?\//, '')),
          recursive: glob.includes('/') || glob.includes('**'),
        },
        byExtension: false,
      }));
    } else if (pattern !== undefined) {
      this.specs = [
        {
          name: folderName(root),
          selection: {
            root: folder(root),
            pattern: globToRegExp(pattern),
            recursive: pattern.includes('/') || pattern.includes('**'),
          },
          byExtension: false,
        },
      ];
    } else if (!root.endsWith('/') && formatOf(root) !== undefined) {
      // One file (a data file's extension): the stream of that file alone, named after its folder.
      const slash = root.lastIndexOf('/');
      const parent = root.slice(0, slash + 1);
      const exact = root.slice(slash + 1).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      this.specs = [
        {
          name: folderName(parent),
          selection: { root: folder(parent), pattern: new RegExp(`^${exact}$`) },
          byExtension: false,
        },
      ];
    } else {
      this.specs = [
        {
          name: folderName(root),
          selection: { root: folder(root), ...(config.format ? { format: config.format } : {}) },
          byExtension: true,
        },
      ];
    }
  }

  async test(): Promise<SourceInfo> {
    for (const spec of this.specs) await this.list(spec);
    return { kind: this.kind, target: this.location };
  }

  async discover(): Promise<SourceStream[]> {
    const session = await this.session();
    try {
      const out: SourceStream[] = [];
      for (const spec of this.specs) out.push(await session.describe(spec.name));
      return out;
    } finally {
      await session.close();
    }
  }

  async session(): Promise<SourceSession> {
    const files = new Map<string, SourceFile[]>();
    for (const spec of this.specs) files.set(spec.name, await this.list(spec));
    const instance = await this.instance();
    const conn = await instance.connect();
    await conn.run("SET TimeZone = 'UTC'");
    return new FilesSession(this.name, conn, files, this.options, (f) => this.localPath(f));
  }

  async close(): Promise<void> {
    const engine = this.engine;
    this.engine = undefined;
    if (engine) (await engine).closeSync();
  }

  /** The stream's files now; the default stream keeps those of the one format present. */
  private async list(spec: StreamSpec): Promise<SourceFile[]> {
    const where = `source ${this.name}, stream ${spec.name}`;
    const files = await listSourceFiles(spec.selection, where, this.io);
    if (!spec.byExtension || spec.selection.format) return files;
    const known = files.filter((f) => formatOf(f.name) !== undefined);
    const formats = [...new Set(known.map((f) => formatOf(f.name)))];
    if (formats.length > 1) {
      throw new ConfigError(
        `${where}: ${spec.selection.root} holds files of several formats (${formats.join(', ')}); set format: or name streams: by glob`,
        { context: { source: this.name, stream: spec.name } },
      );
    }
    return known;
  }

  private localPath(file: SourceFile): Promise<string> {
    if (!S3.test(file.location)) return Promise.resolve(file.location);
    return this.io!.localPath(file.location);
  }

  private instance(): Promise<DuckDBInstance> {
    this.engine ??= import('@duckdb/node-api').then((m) => m.default.DuckDBInstance.create(':memory:'));
    return this.engine;
  }
}

/** A session: the file lists taken when it opened, and a DuckDB connection to stage with. */
class FilesSession implements SourceSession {
  private readonly source: string;
  private readonly conn: DuckDBConnection;
  private readonly files: ReadonlyMap<string, readonly SourceFile[]>;
  private readonly options: DescribeFileOptions;
  private readonly localPath: (file: SourceFile) => Promise<string>;
  private readonly streams = new Map<string, Promise<FilesStream>>();

  constructor(
    source: string,
    conn: DuckDBConnection,
    files: ReadonlyMap<string, readonly SourceFile[]>,
    options: DescribeFileOptions,
    localPath: (file: SourceFile) => Promise<string>,
  ) {
    this.source = source;
    this.conn = conn;
    this.files = files;
    this.options = options;
    this.localPath = localPath;
  }

  describe(stream: string): Promise<FilesStream> {
    let s = this.streams.get(stream);
    if (!s) {
      const files = this.files.get(stream);
      if (!files) {
        return Promise.reject(
          new NotFoundError(
            'stream',
            `source ${this.source}: no stream ${stream} (streams: ${[...this.files.keys()].join(', ')})`,
            {
              context: { source: this.source, stream },
            },
          ),
        );
      }
      s = describeStream(this.conn, stream, files, this.options, this.where(stream), this.localPath);
      this.streams.set(stream, s);
      s.catch(() => this.streams.delete(stream));
    }
    return s;
  }

  /** One batch per new file (see the module comment); `state` after each is every file loaded so far. */
  async *extract(request: ExtractRequest): AsyncGenerator<StagedBatch> {
    const stream = await this.describe(request.stream);
    const where = this.where(stream.name);
    const loaded = parseFilesState(request.state, where);
    const files = this.files.get(stream.name)!;
    // Files deleted from the source leave the state (should one come back, it is loaded again).
    const present = new Set(files.map((f) => f.name));
    for (const name of [...loaded.keys()]) if (!present.has(name)) loaded.delete(name);
    yield* this.stage(
      stream,
      files.filter((f) => !isLoaded(loaded, f)),
      request,
      loaded,
    );
  }

  extractKeys(
    request: ExtractRequest & { readonly columns: readonly ExtractColumn[] },
  ): AsyncIterable<StagedBatch> {
    const { cursor: _cursor, state: _state, ...rest } = request;
    return this.keys(rest);
  }

  async close(): Promise<void> {
    this.conn.closeSync();
  }

  private async *keys(request: ExtractRequest): AsyncGenerator<StagedBatch> {
    const stream = await this.describe(request.stream);
    yield* this.stage(stream, this.files.get(stream.name)!, request, undefined);
  }

  private async *stage(
    stream: FilesStream,
    files: readonly SourceFile[],
    request: ExtractRequest,
    loaded: Map<string, LoadedFile> | undefined,
  ): AsyncGenerator<StagedBatch> {
    const where = this.where(stream.name);
    const columns = request.columns ?? stream.columns.map((c) => ({ name: c.name }));
    const names = columns.map((c) => stream.columns.find((s) => s.name === c.name)?.name ?? c.name);
    for (const file of files) {
      request.signal?.throwIfAborted();
      const entry = { name: file.name, size: file.size, mtimeMs: file.mtimeMs };
      // An empty file has no rows (and no header to read): skipped, not recorded, so that it is
      // looked at again once something is written to it.
      if (file.size === 0) continue;
      const target = `${request.stagingDir}/${stream.name.replace(/[^\w.-]+/g, '_')}-${randomUUID().slice(0, 8)}.parquet`;
      const rows = await stageFile(this.conn, {
        file,
        localPath: await this.localPath(file),
        stream,
        columns,
        ...(request.cursor ? { cursor: request.cursor } : {}),
        options: this.options,
        target,
        where,
      });
      loaded?.set(file.name, entry);
      yield {
        path: target,
        format: 'parquet',
        columns: names,
        rows,
        bytes: file.size,
        ...(loaded ? { state: filesState(loaded) } : {}),
      };
    }
  }

  private where(stream: string): string {
    return `source ${this.source}, stream ${stream}`;
  }
}

/** The `files` connector kind. */
export const filesConnector: ConnectorFactory<FilesConfig> = {
  kind: 'files',
  configSchema: filesConfigSchema,
  secrets: [],
  create: (name, config, context) => new FilesConnector(name, config, context),
};
