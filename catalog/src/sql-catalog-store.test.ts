import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqlCatalogStore } from './sql-catalog-store.js';

const stores: SqlCatalogStore[] = [];
async function open(file = join(mkdtempSync(join(tmpdir(), 'lk-cat-')), 'catalog.db'), name = 'lakekit') {
  const s = await SqlCatalogStore.open(`sqlite:${file}`, name);
  stores.push(s);
  return s;
}
afterEach(async () => {
  await Promise.all(stores.splice(0).map((s) => s.close()));
});

const id = { namespace: ['crm'], name: 'accounts' };

describe('SQL catalog store (SQLite)', () => {
  it('creates the Iceberg SQL-catalog tables with the iceberg_type column', async () => {
    const s = await open();
    const cols = (await s.knex.raw("select name from pragma_table_info('iceberg_tables')")) as {
      name: string;
    }[];
    expect(cols.map((c) => c.name)).toEqual([
      'catalog_name',
      'table_namespace',
      'table_name',
      'metadata_location',
      'previous_metadata_location',
      'iceberg_type',
    ]);
    const props = (await s.knex.raw(
      "select name from pragma_table_info('iceberg_namespace_properties')",
    )) as { name: string }[];
    expect(props.map((c) => c.name)).toEqual(['catalog_name', 'namespace', 'property_key', 'property_value']);
  });

  it('marks namespaces with exists=true, lists and drops them only when empty', async () => {
    const s = await open();
    await s.createNamespace(['crm']);
    expect(await s.namespaceProperties(['crm'])).toEqual({ exists: 'true' });
    await expect(s.createNamespace(['crm'])).rejects.toThrow(/already exists/);
    await s.createPointer(id, 'file:///a/00000-x.metadata.json');
    await expect(s.dropNamespace(['crm'])).rejects.toThrow(/not empty/);
    expect(await s.listNamespaces()).toEqual([['crm']]);
    await expect(s.createPointer({ namespace: ['nope'], name: 't' }, 'x')).rejects.toThrow(
      /namespace nope does not exist/,
    );
  });

  it('swaps the metadata pointer by compare-and-swap, recording the previous location', async () => {
    const s = await open();
    await s.createNamespace(['crm']);
    await s.createPointer(id, 'm0');
    expect(await s.swapPointer(id, 'm0', 'm1')).toBe(true);
    expect(await s.swapPointer(id, 'm0', 'm2')).toBe(false);
    expect(await s.loadPointer(id)).toBe('m1');
    const row = await s.knex('iceberg_tables').where({ table_name: 'accounts' }).first();
    expect(row).toMatchObject({
      metadata_location: 'm1',
      previous_metadata_location: 'm0',
      iceberg_type: 'TABLE',
    });
  });

  it('reads rows PyIceberg wrote in v0 mode (iceberg_type NULL) as tables and skips views', async () => {
    const s = await open();
    await s.createNamespace(['crm']);
    await s.knex('iceberg_tables').insert([
      {
        catalog_name: 'lakekit',
        table_namespace: 'crm',
        table_name: 'py',
        metadata_location: 'p0',
        iceberg_type: null,
      },
      {
        catalog_name: 'lakekit',
        table_namespace: 'crm',
        table_name: 'v',
        metadata_location: 'v0',
        iceberg_type: 'VIEW',
      },
      { catalog_name: 'other', table_namespace: 'crm', table_name: 'elsewhere', metadata_location: 'o0' },
    ]);
    expect((await s.listTables(['crm'])).map((t) => t.name)).toEqual(['py']);
    expect(await s.loadPointer({ namespace: ['crm'], name: 'v' })).toBeUndefined();
  });

  it('keeps catalogs of different names apart in one database', async () => {
    const file = join(mkdtempSync(join(tmpdir(), 'lk-cat-')), 'catalog.db');
    const a = await open(file, 'a');
    await a.createNamespace(['crm']);
    const b = await open(file, 'b');
    expect(await b.namespaceExists(['crm'])).toBe(false);
    expect(await a.namespaceExists(['crm'])).toBe(true);
  });

  it('rejects catalog URIs it cannot open yet, naming the key', async () => {
    await expect(SqlCatalogStore.open('mysql://x', 'lakekit')).rejects.toThrow(/catalog\.uri/);
  });
});
