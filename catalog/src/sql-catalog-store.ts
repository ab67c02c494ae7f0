/**
 * The catalog store over SQL (SQLite embedded via better-sqlite3, or PostgreSQL via pg): namespaces
 * and table pointers in the Iceberg SQL-catalog tables, so PyIceberg's `SqlCatalog` opens the same
 * database and its commits interoperate with ours (same compare-and-swap).
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
import { Coalescer } from './governance/coalesce.js';
import { migrationSource } from './migrations.js';

const POSTGRES_URI = /^postgres(ql)?:\/\//i;

/** Connections per store on PostgreSQL: one process needs few; many processes share the server's limit. */
const POSTGRES_POOL_MAX = 4;

/**
 * A catalog URI safe to print: the password of a `postgres://user:password@…` URI (of any
 * `scheme://` URI, and a `password` query parameter) replaced by `***`. Every error message that
 * names a catalog URI uses this.
 */
export function catalogUriForDisplay(uri: string): string {
  if (!/^[a-z][a-z0-9+.-]*:\/\//i.test(uri)) return uri;
  try {
    const url = new URL(uri);
    if (url.password !== '') url.password = '***';
    for (const key of [...url.searchParams.keys()]) {
      if (key.toLowerCase() === 'password') url.searchParams.set(key, '***');
    }
    return url.toString().replace('%2A%2A%2A', '***');
  } catch {
    // Not parseable as a URL: mask whatever sits between `user:` and the last `@` of the authority.
    return uri
      .replace(/^([a-z]+:\/\/[^:/?#@]*):[^/?#]*@/i, '$1:***@')
      .replace(/([?&]password=)[^&#]*/gi, '$1***');
  }
}

/** Where a PostgreSQL URI points, as `host:port/database` (no user, no password). */
function postgresTarget(uri: string): string {
  try {
    const url = new URL(uri);
    const host = url.searchParams.get('host') ?? (url.hostname || 'localhost');
    const port = url.searchParams.get('port') ?? (url.port || '5432');
    const database = decodeURIComponent(url.pathname.replace(/^\//, '')) || decodeURIComponent(url.username);
    return `${host}:${port}/${database}`;
  } catch {
    return catalogUriForDisplay(uri);
  }
}

/** The password of a PostgreSQL URI (raw and decoded), to scrub from driver messages. */
function secretsOf(uri: string): string[] {
  try {
    const url = new URL(uri);
    const found = [url.password];
    for (const [k, v] of url.searchParams) if (k.toLowerCase() === 'password') found.push(v);
    return [...new Set(found.flatMap((p) => [p, safeDecode(p)]))].filter((p) => p.length > 0);
  } catch {
    return [];
  }
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

function scrub(message: string, secrets: readonly string[]): string {
  let out = message;
  for (const s of secrets) out = out.replaceAll(s, '***');
  return out;
}

/** A primary-key violation: SQLite's constraint codes or PostgreSQL's SQLSTATE 23505. */
function isUniqueViolation(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  if (code === '23505' || code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE') {
    return true;
  }
  return /UNIQUE constraint failed|duplicate key value/i.test((e as Error)?.message ?? '');
}

/** Key of the PostgreSQL advisory lock taken while migrating ("LAKE" in ASCII). */
const MIGRATION_LOCK_KEY = 0x4c414b45;

/** A table created by another process between our check and our CREATE TABLE: retried. */
function isMigrationRace(e: unknown): boolean {
  const code = (e as { code?: unknown } | null)?.code;
  return code === '23505' || code === '42P07';
}

/** A driver error as one line (Node's AggregateError of a refused connection has no message of its own). */
function describeError(e: unknown): string {
  if (!(e instanceof Error)) return String(e);
  const inner = e instanceof AggregateError ? e.errors.map((x) => describeError(x)).join('; ') : '';
  const code = (e as { code?: unknown }).code;
  return e.message || inner || (typeof code === 'string' ? code : e.name);
}

async function openKnex(uri: string): Promise<{ knex: Knex; where: string; secrets: string[] }> {
  const { default: knexFactory } = await import('knex');
  if (POSTGRES_URI.test(uri)) {
    const knex = knexFactory({
      client: 'pg',
      connection: { connectionString: uri, connectionTimeoutMillis: 10_000, application_name: 'lakekit' },
      pool: { min: 0, max: POSTGRES_POOL_MAX, idleTimeoutMillis: 10_000 },
      acquireConnectionTimeout: 15_000,
      // A failed connection becomes our catalog_unavailable error; knex would also print its stack.
      log: {
        warn(message: string) {
          if (!String(message).startsWith('Acquire connection error')) console.warn(message);
        },
      },
    });
    return { knex, where: postgresTarget(uri), secrets: secretsOf(uri) };
  }
  if (uri.startsWith('sqlite:')) {
    const file = uri.slice('sqlite:'.length);
    if (file !== ':memory:') mkdirSync(dirname(file), { recursive: true });
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
    return { knex, where: file, secrets: [] };
  }
  throw new ConfigError(
    `catalog.uri "${catalogUriForDisplay(uri)}": expected sqlite:<path>, sqlite::memory: or postgres://user@host:port/database`,
    { context: { key: 'catalog.uri' } },
  );
}

/** A namespace as stored: parts joined with dots. */
function nsString(ns: readonly string[]): string {
  return ns.join('.');
}

function escapeLike(s: string): string {
  return s.replaceAll('!', '!!').replaceAll('_', '!_').replaceAll('%', '!%');
}

/** SQL store of namespaces and table pointers for one catalog name. */
export class SqlCatalogStore implements CatalogBackend {
  /** Concurrent reads of one table's pointer share a query (never one sent before they asked). */
  private readonly pointers = new Coalescer<string | undefined>();

  private constructor(
    readonly name: string,
    readonly knex: Knex,
  ) {}

  /**
   * Opens (and migrates) the catalog database named by `uri`: `sqlite:<path>`, `sqlite::memory:` or
   * `postgres://user[:password]@host[:port]/database` (also `postgresql://`).
   */
  static async open(uri: string, name: string): Promise<SqlCatalogStore> {
    const { knex, where, secrets } = await openKnex(uri);
    const postgres = POSTGRES_URI.test(uri);
    const migrate = () => knex.migrate.latest({ migrationSource, tableName: 'lakekit_migrations' });
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          if (postgres) {
            // Several servers may open a fresh catalog at once, and knex creates its bookkeeping
            // tables (its lock among them) before it takes its own lock: concurrent first opens
            // failed. An advisory lock, held by another connection of the pool until the migration
            // is done, serializes the whole step (a few milliseconds once migrated).
            await knex.transaction(async (trx) => {
              await trx.raw('SELECT pg_advisory_xact_lock(?)', [MIGRATION_LOCK_KEY]);
              await migrate();
            });
          } else {
            await migrate();
          }
          break;
        } catch (e) {
          // Another engine (PyIceberg) creating the Iceberg tables at the same moment.
          if (attempt >= 3 || !isMigrationRace(e)) throw e;
          await new Promise((r) => setTimeout(r, 50 * attempt + Math.random() * 100));
        }
      }
    } catch (e) {
      await knex.destroy();
      const shown = catalogUriForDisplay(uri);
      const code = (e as { code?: unknown }).code;
      throw new LakeError(
        'catalog_unavailable',
        `cannot open catalog database ${where}${postgres ? ` (${shown})` : ''}: ${scrub(describeError(e), secrets)}`,
        {
          context: { catalog: where, uri: shown, ...(typeof code === 'string' ? { code } : {}) },
          // A PostgreSQL driver error is not kept as the cause: it may carry the connection settings.
          ...(postgres ? {} : { cause: e }),
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

  /** In `trx` when given (on SQLite a transaction holds the only connection). */
  async namespaceExists(ns: readonly string[], trx: Knex | Knex.Transaction = this.knex): Promise<boolean> {
    const s = nsString(ns);
    const like = `${escapeLike(s)}.%`;
    const t = await trx('iceberg_tables')
      .where({ catalog_name: this.name })
      .andWhere((q) => q.where('table_namespace', s).orWhereRaw("table_namespace LIKE ? ESCAPE '!'", [like]))
      .first();
    if (t) return true;
    const p = await trx('iceberg_namespace_properties')
      .where({ catalog_name: this.name })
      .andWhere((q) => q.where('namespace', s).orWhereRaw("namespace LIKE ? ESCAPE '!'", [like]))
      .first();
    return p !== undefined;
  }

  /** In `trx` when given (on SQLite a transaction holds the only connection). */
  async namespaceProperties(
    ns: readonly string[],
    trx: Knex | Knex.Transaction = this.knex,
  ): Promise<Record<string, string>> {
    const rows = await trx('iceberg_namespace_properties').where({
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
    try {
      await this.knex('iceberg_namespace_properties').insert(
        Object.entries(props).map(([k, v]) => ({
          catalog_name: this.name,
          namespace: nsString(ns),
          property_key: k,
          property_value: v,
        })),
      );
    } catch (e) {
      // Another process created it between the check and the insert.
      if (isUniqueViolation(e)) {
        throw new AlreadyExistsError('namespace', `namespace ${nsString(ns)} already exists`, {
          context: { namespace: nsString(ns) },
        });
      }
      throw e;
    }
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
      .andWhere((q) => q.whereNull('iceberg_type').orWhere('iceberg_type', 'TABLE'));
    // Sorted here, not by the database: the same order on every backend and collation.
    return rows
      .map((r: { table_namespace: string; table_name: string }) => ({
        namespace: r.table_namespace.split('.'),
        name: r.table_name,
      }))
      .sort((a: TableIdentifier, b: TableIdentifier) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  }

  private key(id: TableIdentifier) {
    return { catalog_name: this.name, table_namespace: nsString(id.namespace), table_name: id.name };
  }

  loadPointer(id: TableIdentifier): Promise<string | undefined> {
    return this.pointers.get(JSON.stringify([id.namespace, id.name]), () => this.readPointer(id));
  }

  private async readPointer(id: TableIdentifier): Promise<string | undefined> {
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
      if (isUniqueViolation(e)) {
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

  /** Removes a table's pointer (in `trx` when given); returns its last metadata location. */
  async dropPointer(id: TableIdentifier, trx: Knex | Knex.Transaction = this.knex): Promise<string> {
    const row = await trx('iceberg_tables')
      .select('metadata_location')
      .where(this.key(id))
      .andWhere((q) => q.whereNull('iceberg_type').orWhere('iceberg_type', 'TABLE'))
      .first();
    const deleted = row ? await trx('iceberg_tables').where(this.key(id)).delete() : 0;
    if (!row || deleted !== 1) {
      throw new NotFoundError('table', `table ${formatTableIdentifier(id)} does not exist`, {
        context: { table: formatTableIdentifier(id) },
      });
    }
    return row.metadata_location;
  }

  /**
   * Gives a table's pointer a new identifier (in `trx` when given): NotFoundError when the table or
   * the target namespace does not exist, AlreadyExistsError when the new identifier is taken.
   */
  async renamePointer(
    from: TableIdentifier,
    to: TableIdentifier,
    trx: Knex | Knex.Transaction = this.knex,
  ): Promise<void> {
    const toName = formatTableIdentifier(to);
    if (!(await this.namespaceExists(to.namespace, trx))) {
      throw new NotFoundError('namespace', `namespace ${nsString(to.namespace)} does not exist`, {
        context: { namespace: nsString(to.namespace) },
      });
    }
    if (await trx('iceberg_tables').where(this.key(to)).first()) {
      throw new AlreadyExistsError('table', `table ${toName} already exists`, { context: { table: toName } });
    }
    let n = 0;
    try {
      n = await trx('iceberg_tables')
        .where(this.key(from))
        .andWhere((q) => q.whereNull('iceberg_type').orWhere('iceberg_type', 'TABLE'))
        .update({ table_namespace: nsString(to.namespace), table_name: to.name });
    } catch (e) {
      // Another writer took the name between the check and the update (primary key).
      if (isUniqueViolation(e))
        throw new AlreadyExistsError('table', `table ${toName} already exists`, {
          context: { table: toName },
        });
      throw e;
    }
    if (n !== 1) {
      throw new NotFoundError('table', `table ${formatTableIdentifier(from)} does not exist`, {
        context: { table: formatTableIdentifier(from) },
      });
    }
  }
}
