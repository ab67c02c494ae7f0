/**
 * The catalog store over SQL (SQLite embedded via better-sqlite3; PostgreSQL from Foundation II):
 * namespaces and table pointers in the Iceberg SQL-catalog tables, so PyIceberg's `SqlCatalog`
 * opens the same database and its commits interoperate with ours (same compare-and-swap).
 */
import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import {
  AlreadyExistsError,
  ConfigError,
  formatTableIdentifier,
  LakeError,
  NotFoundError,
  type TableIdentifier,
} from '@lakekit/core';
import type { CatalogBackend, CommitHook } from '@lakekit/iceberg';
import type { Knex } from 'knex';
import { migrationSource } from './migrations.js';

/** A namespace as stored: parts joined with dots. */
function nsString(ns: readonly string[]): string {
  return ns.join('.');
}

function escapeLike(s: string): string {
  return s.replaceAll('!', '!!').replaceAll('_', '!_').replaceAll('%', '!%');
}

/** SQL store of namespaces and table pointers for one catalog name. */
export class SqlCatalogStore implements CatalogBackend {
  private constructor(
    readonly name: string,
    readonly knex: Knex,
  ) {}

  /** Opens (and migrates) the catalog database named by `uri` (`sqlite:<path>` or `sqlite::memory:`). */
  static async open(uri: string, name: string): Promise<SqlCatalogStore> {
    if (!uri.startsWith('sqlite:')) {
      throw new ConfigError(
        `catalog.uri "${uri}": only sqlite:<path> is supported in this version (postgres:// arrives with Foundation II)`,
        {
          context: { key: 'catalog.uri' },
        },
      );
    }
    const file = uri.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
    const { default: knexFactory } = await import('knex');
    const knex = knexFactory({
      client: 'better-sqlite3',
      connection: { filename: file },
      useNullAsDefault: true,
      pool: {
        min: 1,
        max: 1,
        afterCreate(conn: { pragma(s: string): unknown }, done: (err: Error | null, conn: unknown) => void) {
          try {
            conn.pragma('journal_mode = WAL');
            conn.pragma('busy_timeout = 10000');
            done(null, conn);
          } catch (e) {
            done(e as Error, conn);
          }
        },
      },
    });
    try {
      await knex.migrate.latest({ migrationSource, tableName: 'lakekit_migrations' });
    } catch (e) {
      await knex.destroy();
      throw new LakeError(
        'catalog_unavailable',
        `cannot open catalog database ${file}: ${(e as Error).message}`,
        {
          context: { file },
          cause: e,
        },
      );
    }
    return new SqlCatalogStore(name, knex);
  }

  async close(): Promise<void> {
    await this.knex.destroy();
  }

  async listNamespaces(): Promise<string[][]> {
    const fromProps = await this.knex('iceberg_namespace_properties')
      .distinct('namespace')
      .where({ catalog_name: this.name });
    const fromTables = await this.knex('iceberg_tables')
      .distinct('table_namespace')
      .where({ catalog_name: this.name });
    const all = new Set<string>([
      ...fromProps.map((r: { namespace: string }) => r.namespace),
      ...fromTables.map((r: { table_namespace: string }) => r.table_namespace),
    ]);
    return [...all].sort().map((s) => s.split('.'));
  }

  async namespaceExists(ns: readonly string[]): Promise<boolean> {
    const s = nsString(ns);
    const like = `${escapeLike(s)}.%`;
    const t = await this.knex('iceberg_tables')
      .where({ catalog_name: this.name })
      .andWhere((q) => q.where('table_namespace', s).orWhereRaw("table_namespace LIKE ? ESCAPE '!'", [like]))
      .first();
    if (t) return true;
    const p = await this.knex('iceberg_namespace_properties')
      .where({ catalog_name: this.name })
      .andWhere((q) => q.where('namespace', s).orWhereRaw("namespace LIKE ? ESCAPE '!'", [like]))
      .first();
    return p !== undefined;
  }

  async namespaceProperties(ns: readonly string[]): Promise<Record<string, string>> {
    const rows = await this.knex('iceberg_namespace_properties').where({
      catalog_name: this.name,
      namespace: nsString(ns),
    });
    return Object.fromEntries(
      rows.map((r: { property_key: string; property_value: string }) => [r.property_key, r.property_value]),
    );
  }

  async createNamespace(ns: readonly string[], properties: Record<string, string> = {}): Promise<void> {
    if (await this.namespaceExists(ns)) {
      throw new AlreadyExistsError('namespace', `namespace ${nsString(ns)} already exists`, {
        context: { namespace: nsString(ns) },
      });
    }
    // PyIceberg's rule: a namespace exists when it has at least one property; `exists = true` marks it.
    const props = Object.keys(properties).length > 0 ? properties : { exists: 'true' };
    await this.knex('iceberg_namespace_properties').insert(
      Object.entries(props).map(([k, v]) => ({
        catalog_name: this.name,
        namespace: nsString(ns),
        property_key: k,
        property_value: v,
      })),
    );
  }

  async dropNamespace(ns: readonly string[]): Promise<void> {
    const s = nsString(ns);
    if (!(await this.namespaceExists(ns))) {
      throw new NotFoundError('namespace', `namespace ${s} does not exist`, { context: { namespace: s } });
    }
    const tables = await this.listTables(ns);
    if (tables.length > 0) {
      throw new LakeError(
        'namespace_not_empty',
        `namespace ${s} is not empty: it holds ${tables.length} table(s), e.g. ${formatTableIdentifier(tables[0]!)}`,
        {
          context: { namespace: s },
        },
      );
    }
    await this.knex('iceberg_namespace_properties').where({ catalog_name: this.name, namespace: s }).delete();
  }

  async listTables(ns: readonly string[]): Promise<TableIdentifier[]> {
    const rows = await this.knex('iceberg_tables')
      .select('table_namespace', 'table_name')
      .where({ catalog_name: this.name, table_namespace: nsString(ns) })
      .andWhere((q) => q.whereNull('iceberg_type').orWhere('iceberg_type', 'TABLE'))
      .orderBy('table_name');
    return rows.map((r: { table_namespace: string; table_name: string }) => ({
      namespace: r.table_namespace.split('.'),
      name: r.table_name,
    }));
  }

  private key(id: TableIdentifier) {
    return { catalog_name: this.name, table_namespace: nsString(id.namespace), table_name: id.name };
  }

  async loadPointer(id: TableIdentifier): Promise<string | undefined> {
    const row = await this.knex('iceberg_tables')
      .select('metadata_location')
      .where(this.key(id))
      .andWhere((q) => q.whereNull('iceberg_type').orWhere('iceberg_type', 'TABLE'))
      .first();
    return row?.metadata_location ?? undefined;
  }

  async createPointer(id: TableIdentifier, metadataLocation: string): Promise<void> {
    if (!(await this.namespaceExists(id.namespace))) {
      throw new NotFoundError('namespace', `namespace ${nsString(id.namespace)} does not exist`, {
        context: { namespace: nsString(id.namespace) },
      });
    }
    try {
      await this.knex('iceberg_tables').insert({
        ...this.key(id),
        metadata_location: metadataLocation,
        previous_metadata_location: null,
        iceberg_type: 'TABLE',
      });
    } catch (e) {
      if (/UNIQUE|PRIMARY|duplicate/i.test((e as Error).message)) {
        throw new AlreadyExistsError('table', `table ${formatTableIdentifier(id)} already exists`, {
          context: { table: formatTableIdentifier(id) },
        });
      }
      throw e;
    }
  }

  async swapPointer(
    id: TableIdentifier,
    expected: string,
    next: string,
    onCommit?: CommitHook,
  ): Promise<boolean> {
    const swap = (db: Knex) =>
      db('iceberg_tables')
        .where({ ...this.key(id), metadata_location: expected })
        .update({ metadata_location: next, previous_metadata_location: expected });
    if (!onCommit) return (await swap(this.knex)) === 1;
    // The hook's writes commit with the swap or not at all.
    return this.knex.transaction(async (trx) => {
      if ((await swap(trx)) !== 1) return false;
      await onCommit(trx);
      return true;
    });
  }

  /** Removes a table's pointer; returns its last metadata location. */
  async dropPointer(id: TableIdentifier): Promise<string> {
    const location = await this.loadPointer(id);
    if (location === undefined) {
      throw new NotFoundError('table', `table ${formatTableIdentifier(id)} does not exist`, {
        context: { table: formatTableIdentifier(id) },
      });
    }
    await this.knex('iceberg_tables').where(this.key(id)).delete();
    return location;
  }
}
