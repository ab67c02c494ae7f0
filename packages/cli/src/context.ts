/**
 * What a command works with: the resolved configuration, storage, the catalog and (lazily) a DuckDB
 * engine. Everything heavy is opened on first use and closed once at the end.
 */
import { join } from 'node:path';
import type { Catalog } from '@lakekit/catalog';
import { type FileIO, type LakeConfig, timing } from '@lakekit/core';
import type { Engine } from '@lakekit/iceberg';
import type { GovernedQueryEngine } from '@lakekit/query';

/** Rows `lake query` returns at most without `--limit`. */
export const CLI_MAX_ROWS = 1_000_000_000;

/** Global options every command accepts. */
export interface GlobalOptions {
  config?: string;
  json?: boolean;
}

/** Resources of one CLI invocation. */
export class CommandContext {
  private io?: FileIO;
  private catalogPromise?: Promise<Catalog>;
  private enginePromise?: Promise<Engine>;
  private governedPromise?: Promise<GovernedQueryEngine>;

  private constructor(
    readonly config: LakeConfig,
    readonly options: GlobalOptions,
  ) {}

  static async create(options: GlobalOptions): Promise<CommandContext> {
    const { loadConfig } = await import('./load-config.js');
    timing('config modules loaded');
    const { config } = await loadConfig({
      ...(options.config !== undefined ? { configPath: options.config } : {}),
      cwd: process.cwd(),
      env: process.env,
    });
    return new CommandContext(config, options);
  }

  async fileIO(): Promise<FileIO> {
    if (!this.io) {
      const { createFileIO } = await import('@lakekit/storage');
      const s3 = this.config.s3;
      this.io = createFileIO({
        ...(s3
          ? {
              s3: {
                ...(s3.endpoint !== undefined ? { endpoint: s3.endpoint } : {}),
                ...(s3.region !== undefined ? { region: s3.region } : {}),
                ...(s3.forcePathStyle !== undefined ? { forcePathStyle: s3.forcePathStyle } : {}),
                ...(s3.accessKeyId !== undefined ? { accessKeyId: s3.accessKeyId } : {}),
                ...(s3.secretAccessKey !== undefined ? { secretAccessKey: s3.secretAccessKey } : {}),
              },
            }
          : {}),
      });
    }
    return this.io;
  }

  catalog(): Promise<Catalog> {
    this.catalogPromise ??= (async () => {
      const { Catalog } = await import('@lakekit/catalog');
      return Catalog.open({
        uri: this.config.catalog.uri,
        name: this.config.catalog.name,
        warehouse: this.config.warehouse,
        io: await this.fileIO(),
      });
    })();
    return this.catalogPromise;
  }

  engine(): Promise<Engine> {
    // The CLI's engine writes (loads, pipeline runs, maintenance): keep its memory flat.
    this.enginePromise ??= import('@lakekit/iceberg').then((m) =>
      m.openEngine({ backgroundAllocatorThreads: true }),
    );
    return this.enginePromise;
  }

  /**
   * The governed query engine (its own locked DuckDB instances, never the writing engine), set up
   * from `query:` in the configuration. The command line has no row cap unless `--limit` is given.
   */
  governedEngine(): Promise<GovernedQueryEngine> {
    this.governedPromise ??= (async () => {
      const { GovernedQueryEngine } = await import('@lakekit/query');
      const q = this.config.query ?? {};
      return GovernedQueryEngine.open({
        catalog: await this.catalog(),
        ...q,
        maxLimit: Math.max(q.maxLimit ?? 0, CLI_MAX_ROWS),
      });
    })();
    return this.governedPromise;
  }

  /** Where the semantic models are: `semantic/` next to the configuration file (or the working folder). */
  semanticDir(): string {
    return join(this.config.origin?.baseDir ?? process.cwd(), 'semantic');
  }

  async close(): Promise<void> {
    if (this.governedPromise) (await this.governedPromise.catch(() => undefined))?.close();
    if (this.enginePromise) (await this.enginePromise.catch(() => undefined))?.close();
    timing('engine closed');
    if (this.catalogPromise) await (await this.catalogPromise.catch(() => undefined))?.close();
    timing('catalog closed');
    await this.io?.close();
  }
}
