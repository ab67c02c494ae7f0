import { mkdirSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LakeError } from '@lakekit/core';
import { afterEach, describe, expect, it } from 'vitest';
import { runCatalogStoreConformance } from './catalog-store-conformance.js';
import { catalogUriForDisplay, SqlCatalogStore } from './sql-catalog-store.js';

const stores: SqlCatalogStore[] = [];
async function open(file = join(mkdtempSync(join(tmpdir(), 'lk-cat-')), 'catalog.db'), name = 'lakekit') {
  const s = await SqlCatalogStore.open(`sqlite:${file}`, name);
  stores.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

// One database file for the whole suite; its tests keep apart by catalog name.
const conformanceFile = join(mkdtempSync(join(tmpdir(), 'lk-cat-conf-')), 'catalog.db');
runCatalogStoreConformance('SQLite', (name) => SqlCatalogStore.open(`sqlite:${conformanceFile}`, name), {
  concurrentTransactionsInOneProcess: false,
});

describe('SQL catalog store (SQLite)', () => {
  it('creates the Iceberg SQL-catalog tables with the iceberg_type column', async () => {
    const s = await open();
    const cols = (await s.knex.raw("select name, type, pk from pragma_table_info('iceberg_tables')")) as {
      name: string;
      type: string;
      pk: number;
    }[];
    expect(cols).toEqual([
      { name: 'catalog_name', type: 'varchar(255)', pk: 1 },
      { name: 'table_namespace', type: 'varchar(255)', pk: 2 },
      { name: 'table_name', type: 'varchar(255)', pk: 3 },
      { name: 'metadata_location', type: 'varchar(1000)', pk: 0 },
      { name: 'previous_metadata_location', type: 'varchar(1000)', pk: 0 },
      { name: 'iceberg_type', type: 'varchar(5)', pk: 0 },
    ]);
    const props = (await s.knex.raw(
      "select name from pragma_table_info('iceberg_namespace_properties')",
    )) as { name: string }[];
    expect(props.map((c) => c.name)).toEqual(['catalog_name', 'namespace', 'property_key', 'property_value']);
  });

  it('adds iceberg_type to a table PyIceberg created without it, keeping its rows', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lk-cat-')), 'catalog.db');
    const { default: Database } = await import('better-sqlite3');
    const db = new Database(file);
    db.exec(`CREATE TABLE iceberg_tables (catalog_name VARCHAR(255) NOT NULL, table_namespace VARCHAR(255) NOT NULL,
      table_name VARCHAR(255) NOT NULL, metadata_location VARCHAR(1000), previous_metadata_location VARCHAR(1000),
      PRIMARY KEY (catalog_name, table_namespace, table_name))`);
    db.exec(`INSERT INTO iceberg_tables VALUES ('lakekit', 'crm', 'py', 'p0', NULL)`);
    db.close();
    const s = await open(file);
    expect(await s.loadPointer({ namespace: ['crm'], name: 'py' })).toBe('p0');
    expect(await s.listNamespaces()).toEqual([['crm']]);
  });

  it('opens an in-memory catalog', async () => {
    const s = await SqlCatalogStore.open('sqlite::memory:', 'lakekit');
    stores.push(s);
    await s.createNamespace(['crm']);
    expect(await s.listNamespaces()).toEqual([['crm']]);
  });

  it('reports a database it cannot open as catalog_unavailable, naming the file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lk-cat-'));
    mkdirSync(join(dir, 'catalog.db'));
    const e = await SqlCatalogStore.open(`sqlite:${join(dir, 'catalog.db')}`, 'lakekit').catch((err) => err);
    expect(e).toBeInstanceOf(LakeError);
    expect(e.code).toBe('catalog_unavailable');
    expect(e.message).toContain(join(dir, 'catalog.db'));
  });

  it('rejects catalog URIs it cannot open, naming the key', async () => {
    await expect(SqlCatalogStore.open('mysql://x', 'lakekit')).rejects.toThrow(/catalog\.uri/);
    await expect(SqlCatalogStore.open('mysql://u:secret@x/db', 'lakekit')).rejects.not.toThrow(/secret/);
  });
});

describe('catalogUriForDisplay', () => {
  it('masks the password of a PostgreSQL URI', () => {
    expect(catalogUriForDisplay('postgres://user:secret@host/db')).toBe('postgres://user:***@host/db');
    expect(catalogUriForDisplay('postgresql://u:p%40ss%2Fw@db.example:6432/lake?sslmode=require')).toBe(
      'postgresql://u:***@db.example:6432/lake?sslmode=require',
    );
    expect(catalogUriForDisplay('postgres://host/db?user=u&password=secret')).toBe(
      'postgres://host/db?user=u&password=***',
    );
  });

  it('leaves URIs without a password alone', () => {
    expect(catalogUriForDisplay('postgres://postgres@127.0.0.1:5432/postgres')).toBe(
      'postgres://postgres@127.0.0.1:5432/postgres',
    );
    expect(catalogUriForDisplay('sqlite:/var/lib/lake/catalog.db')).toBe('sqlite:/var/lib/lake/catalog.db');
  });

  it('masks a password even when the URI does not parse', () => {
    const shown = catalogUriForDisplay('postgres://user:se cret@ho st:99999/db');
    expect(shown).not.toContain('se cret');
    expect(shown).toContain('user:***@');
  });
});
