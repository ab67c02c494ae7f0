/**
 * The Lakekit catalog: namespaces and tables over a catalog store, with table files in the
 * warehouse. New tables live at `<warehouse>/<namespace>.db/<table>` as in PyIceberg's SqlCatalog.
 */
import { type FileIO, formatTableIdentifier, NotFoundError, type TableIdentifier } from '@lakekit/core';
import {
  type ColumnSpec,
  newSchema,
  newTableMetadata,
  nextMetadataLocation,
  parsePartitionSpecText,
  partitionFieldToJson,
  reachableFiles,
  readMetadata,
  stripSlash,
  Table,
  writeMetadata,
} from '@lakekit/iceberg';
import { AnswersStore } from './answers-store.js';
import { Coalescer } from './governance/coalesce.js';
import { type Actor, GovernanceStore, LOCAL_ADMIN } from './governance/store.js';
import { OperationsStore } from './operations-store.js';
import { SqlCatalogStore } from './sql-catalog-store.js';

/** How to open a catalog. */
export interface CatalogOptions {
  /** `sqlite:<absolute path>` or `sqlite::memory:`. */
  uri: string;
  /** `catalog_name` in the Iceberg SQL-catalog tables. */
  name: string;
  /** Absolute warehouse URI (`file:///…` or `s3://bucket/prefix`). */
  warehouse: string;
  io: FileIO;
}

/** Namespaces and tables of one catalog. */
export class Catalog {
  private constructor(
    readonly store: SqlCatalogStore,
    readonly io: FileIO,
    readonly warehouse: string,
  ) {}

  /** Opens the catalog database (migrating it if needed). */
  static async open(options: CatalogOptions): Promise<Catalog> {
    const store = await SqlCatalogStore.open(options.uri, options.name);
    return new Catalog(store, options.io, stripSlash(options.warehouse));
  }

  get name(): string {
    return this.store.name;
  }

  private ops?: OperationsStore;
  /** Pipeline state, runs, quality results, lineage events and locks kept in the catalog database. */
  get operations(): OperationsStore {
    this.ops ??= new OperationsStore(this.store.knex, this.store.name);
    return this.ops;
  }

  private gov?: GovernanceStore;
  /** Principals, tokens, roles, grants, masks, row filters, tags, access requests and the audit log. */
  get governance(): GovernanceStore {
    this.gov ??= new GovernanceStore(this);
    return this.gov;
  }

  private answersStore?: AnswersStore;
  /** Answer receipts (and the snapshots they keep from expiry) and flags on answers. */
  get answers(): AnswersStore {
    this.answersStore ??= new AnswersStore(this.store.knex, this.store.name);
    return this.answersStore;
  }

  async close(): Promise<void> {
    await this.gov?.close();
    await this.store.close();
  }

  listNamespaces(): Promise<string[][]> {
    return this.store.listNamespaces();
  }

  namespaceExists(ns: readonly string[]): Promise<boolean> {
    return this.store.namespaceExists(ns);
  }

  createNamespace(ns: readonly string[], properties?: Record<string, string>): Promise<void> {
    return this.store.createNamespace(ns, properties);
  }

  /** Drops an empty namespace. */
  dropNamespace(ns: readonly string[]): Promise<void> {
    return this.store.dropNamespace(ns);
  }

  async listTables(ns: readonly string[]): Promise<TableIdentifier[]> {
    if (!(await this.store.namespaceExists(ns))) {
      throw new NotFoundError('namespace', `namespace ${ns.join('.')} does not exist`, {
        context: { namespace: ns.join('.') },
      });
    }
    return this.store.listTables(ns);
  }

  private readonly allTables = new Coalescer<{ table_namespace: string; table_name: string }[]>();

  /**
   * Every table of the catalog in one query (shared by the callers of one event-loop turn), sorted by
   * namespace and name.
   */
  async listAllTables(): Promise<TableIdentifier[]> {
    const rows = await this.allTables.get('', () =>
      this.store
        .knex('iceberg_tables')
        .select('table_namespace', 'table_name')
        .where({ catalog_name: this.name })
        .andWhere((q) => q.whereNull('iceberg_type').orWhere('iceberg_type', 'TABLE')),
    );
    return rows
      .map((r) => ({
        namespace: r.table_namespace.split('.'),
        name: r.table_name,
        key: `${r.table_namespace}.${r.table_name}`,
      }))
      .sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0))
      .map(({ namespace, name }) => ({ namespace, name }));
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    return (await this.store.loadPointer(id)) !== undefined;
  }

  /**
   * Renames (or moves to another namespace) a table with its governance, in one transaction.
   * `actor` (default the local administrator) needs MANAGE on the table.
   */
  renameTable(from: TableIdentifier, to: TableIdentifier, actor: Actor = LOCAL_ADMIN): Promise<void> {
    return this.governance.renameTable(actor, from, to);
  }

  /** Loads a table; NotFoundError names the table (and a missing namespace). */
  async loadTable(id: TableIdentifier): Promise<Table> {
    const location = await this.store.loadPointer(id);
    if (location === undefined) {
      const name = formatTableIdentifier(id);
      const nsExists = await this.store.namespaceExists(id.namespace);
      throw new NotFoundError(
        'table',
        nsExists
          ? `table ${name} does not exist`
          : `table ${name} does not exist (namespace ${id.namespace.join('.')} does not exist)`,
        { context: { table: name } },
      );
    }
    return new Table(id, this.io, this.store, location, await readMetadata(this.io, location));
  }

  /** The default location of a table. */
  defaultLocation(id: TableIdentifier): string {
    return `${this.warehouse}/${id.namespace.join('.')}.db/${id.name}`;
  }

  /** Creates an empty table. */
  async createTable(
    id: TableIdentifier,
    columns: readonly ColumnSpec[],
    properties: Record<string, string> = {},
    options: { partitionBy?: string } = {},
  ): Promise<Table> {
    const location = this.defaultLocation(id);
    const schema = newSchema(columns);
    const fields = options.partitionBy
      ? parsePartitionSpecText(options.partitionBy, schema).map(partitionFieldToJson)
      : [];
    const md = newTableMetadata(location, schema, properties, fields);
    const metadataLocation = nextMetadataLocation(location);
    await writeMetadata(this.io, metadataLocation, md);
    try {
      await this.store.createPointer(id, metadataLocation);
    } catch (e) {
      await this.io.delete(metadataLocation);
      throw e;
    }
    return new Table(id, this.io, this.store, metadataLocation, md);
  }

  /**
   * Drops a table and its governance (grants, owner, masks, row filters, tags) in one transaction;
   * `actor` (default the local administrator) needs MANAGE on it. `purge` also deletes the files its
   * metadata reaches (metadata, manifest lists, manifests, data, delete and statistics files) — not
   * everything under its location: after a rename, a new table under the old name gets the same
   * default location, and its files are not this table's to delete. Returns the files that could not
   * be deleted; when a manifest cannot be read, only the metadata files are deleted and `unreadable`
   * says why.
   */
  async dropTable(
    id: TableIdentifier,
    options: { purge?: boolean; actor?: Actor } = {},
  ): Promise<{ notDeleted: string[]; unreadable?: string }> {
    let files: string[] = [];
    const notDeleted: string[] = [];
    let unreadable: string | undefined;
    if (options.purge) {
      const table = await this.loadTable(id);
      try {
        files = [...(await reachableFiles(this.io, table.metadata, table.metadataLocation))];
      } catch (e) {
        unreadable = e instanceof Error ? e.message : String(e);
        files = [table.metadataLocation, ...table.metadata['metadata-log'].map((m) => m['metadata-file'])];
      }
    }
    await this.governance.dropTable(options.actor ?? LOCAL_ADMIN, id);
    for (let i = 0; i < files.length; i += 16) {
      await Promise.all(
        files.slice(i, i + 16).map((f) => this.io.delete(f).catch(() => void notDeleted.push(f))),
      );
    }
    return unreadable === undefined ? { notDeleted } : { notDeleted, unreadable };
  }
}
