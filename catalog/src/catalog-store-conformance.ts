/**
 * The behaviour every backend of SqlCatalogStore must share (SQLite, PostgreSQL, …), as a vitest suite
 * a backend's test file runs with its own way of opening a store:
 *
 *   runCatalogStoreConformance('PostgreSQL', (catalogName) => SqlCatalogStore.open(uri, catalogName));
 *
 * `open` must open the SAME database on every call (each call a new store with its own connections,
 * as a second process would have). Tests keep apart by using a fresh catalog name each, so one
 * database serves the whole suite.
 */
import { randomBytes } from 'node:crypto';
import { AlreadyExistsError, LakeError, NotFoundError, type TableIdentifier } from '@lakekit/core';
import type { Knex } from 'knex';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SqlCatalogStore } from './sql-catalog-store.js';

/** What a backend cannot do, so the suite tests it another way. */
export interface CatalogStoreConformanceOptions {
  /**
   * Whether two stores of one process may hold write transactions at the same time. Not with SQLite:
   * better-sqlite3 waits for the other connection's lock synchronously, blocking the event loop the
   * lock holder needs to finish (two processes are fine). Then the race of swaps with hooks runs on
   * one store, whose single connection serializes them. Default true.
   */
  concurrentTransactionsInOneProcess?: boolean;
}

/** Registers the conformance tests of a catalog store backend. */
export function runCatalogStoreConformance(
  name: string,
  open: (catalogName: string) => Promise<SqlCatalogStore>,
  options: CatalogStoreConformanceOptions = {},
): void {
  const concurrentTransactions = options.concurrentTransactionsInOneProcess ?? true;

  describe(`catalog store conformance: ${name}`, () => {
    const opened: SqlCatalogStore[] = [];
    let catalogName = '';
    beforeEach(() => {
      catalogName = `conformance_${randomBytes(6).toString('hex')}`;
    });
    afterEach(async () => {
      await Promise.all(opened.splice(0).map((s) => s.close()));
    });

    /** A new store (own connections) on the suite's database, by default of this test's catalog. */
    async function store(catalog = catalogName): Promise<SqlCatalogStore> {
      const s = await open(catalog);
      opened.push(s);
      return s;
    }

    const id: TableIdentifier = { namespace: ['crm'], name: 'accounts' };

    /** A hook that writes a namespace property in the swap's transaction. */
    const writeProperty =
      (s: SqlCatalogStore, key: string, value: string) =>
      async (tx: unknown): Promise<void> => {
        await (tx as Knex.Transaction)('iceberg_namespace_properties').insert({
          catalog_name: s.name,
          namespace: 'crm',
          property_key: key,
          property_value: value,
        });
      };

    async function withTable(s: SqlCatalogStore, location = 'm0'): Promise<void> {
      await s.createNamespace(['crm']);
      await s.createPointer(id, location);
    }

    async function rejection(p: Promise<unknown>): Promise<LakeError> {
      const e = await p.then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(e).toBeInstanceOf(LakeError);
      return e as LakeError;
    }

    describe('namespaces', () => {
      it('marks a namespace created without properties with exists=true', async () => {
        const s = await store();
        expect(await s.namespaceExists(['crm'])).toBe(false);
        await s.createNamespace(['crm']);
        expect(await s.namespaceExists(['crm'])).toBe(true);
        expect(await s.namespaceProperties(['crm'])).toEqual({ exists: 'true' });
      });

      it('stores the given properties instead of exists=true', async () => {
        const s = await store();
        await s.createNamespace(['sales'], { owner: 'ana', comment: 'ünïcode ✓' });
        expect(await s.namespaceProperties(['sales'])).toEqual({ owner: 'ana', comment: 'ünïcode ✓' });
      });

      it('refuses to create a namespace twice', async () => {
        const s = await store();
        await s.createNamespace(['crm']);
        const e = await rejection(s.createNamespace(['crm']));
        expect(e).toBeInstanceOf(AlreadyExistsError);
        expect(e.code).toBe('namespace_already_exists');
      });

      it('lists namespaces sorted, from property rows and from tables alike', async () => {
        const s = await store();
        await s.createNamespace(['zeta']);
        await s.createNamespace(['alpha']);
        await s.createNamespace(['alpha', 'beta']);
        // A namespace that only has a table row (as another engine may leave it) exists too.
        await s.knex('iceberg_tables').insert({
          catalog_name: s.name,
          table_namespace: 'orphan',
          table_name: 't',
          metadata_location: 'o0',
          iceberg_type: 'TABLE',
        });
        expect(await s.listNamespaces()).toEqual([['alpha'], ['alpha', 'beta'], ['orphan'], ['zeta']]);
        expect(await s.namespaceExists(['orphan'])).toBe(true);
      });

      it('treats multi-level namespaces as a.b, their parents as existing', async () => {
        const s = await store();
        await s.createNamespace(['a', 'b']);
        expect(await s.namespaceExists(['a', 'b'])).toBe(true);
        expect(await s.namespaceExists(['a'])).toBe(true);
        expect(await s.namespaceExists(['a', 'c'])).toBe(false);
        expect(await s.namespaceExists(['a', 'b', 'c'])).toBe(false);
        expect(await s.namespaceExists(['ab'])).toBe(false);
        await s.createPointer({ namespace: ['a', 'b'], name: 't' }, 'm0');
        expect(await s.listTables(['a', 'b'])).toEqual([{ namespace: ['a', 'b'], name: 't' }]);
        expect(await s.listTables(['a'])).toEqual([]);
      });

      it('takes LIKE wildcards in names literally', async () => {
        const s = await store();
        await s.createNamespace(['aXb', 'c']);
        await s.createNamespace(['p%q']);
        expect(await s.namespaceExists(['a_b'])).toBe(false);
        expect(await s.namespaceExists(['a%'])).toBe(false);
        expect(await s.namespaceExists(['aXb'])).toBe(true);
        expect(await s.namespaceExists(['p%q'])).toBe(true);
      });

      it('drops a namespace only when it is empty', async () => {
        const s = await store();
        const missing = await rejection(s.dropNamespace(['crm']));
        expect(missing).toBeInstanceOf(NotFoundError);
        expect(missing.code).toBe('namespace_not_found');
        await withTable(s);
        const notEmpty = await rejection(s.dropNamespace(['crm']));
        expect(notEmpty.code).toBe('namespace_not_empty');
        expect(notEmpty.message).toMatch(/crm\.accounts/);
        expect(await s.namespaceExists(['crm'])).toBe(true);
        await s.dropPointer(id);
        await s.dropNamespace(['crm']);
        expect(await s.namespaceExists(['crm'])).toBe(false);
        expect(await s.listNamespaces()).toEqual([]);
      });
    });

    describe('table pointers', () => {
      it('creates and loads a pointer, listing tables sorted by name', async () => {
        const s = await store();
        await withTable(s, 'file:///w/crm.db/accounts/metadata/00000-a.metadata.json');
        await s.createPointer({ namespace: ['crm'], name: 'Zebra' }, 'z0');
        await s.createPointer({ namespace: ['crm'], name: 'b_table' }, 'b0');
        expect(await s.loadPointer(id)).toBe('file:///w/crm.db/accounts/metadata/00000-a.metadata.json');
        expect(await s.loadPointer({ namespace: ['crm'], name: 'nope' })).toBeUndefined();
        expect((await s.listTables(['crm'])).map((t) => t.name)).toEqual(['Zebra', 'accounts', 'b_table']);
        const row = await s
          .knex('iceberg_tables')
          .where({ catalog_name: s.name, table_name: 'accounts' })
          .first();
        expect(row).toMatchObject({ previous_metadata_location: null, iceberg_type: 'TABLE' });
      });

      it('refuses a pointer in a namespace that does not exist', async () => {
        const s = await store();
        const e = await rejection(s.createPointer({ namespace: ['nope'], name: 't' }, 'm0'));
        expect(e).toBeInstanceOf(NotFoundError);
        expect(e.message).toMatch(/namespace nope does not exist/);
      });

      it('refuses to create a pointer twice', async () => {
        const s = await store();
        await withTable(s);
        const e = await rejection(s.createPointer(id, 'm1'));
        expect(e).toBeInstanceOf(AlreadyExistsError);
        expect(e.code).toBe('table_already_exists');
        expect(await s.loadPointer(id)).toBe('m0');
      });

      it('swaps by compare-and-swap, recording the previous location', async () => {
        const s = await store();
        await withTable(s);
        expect(await s.swapPointer(id, 'm0', 'm1')).toBe(true);
        expect(await s.swapPointer(id, 'm0', 'm2')).toBe(false);
        expect(await s.swapPointer({ namespace: ['crm'], name: 'nope' }, 'm0', 'm2')).toBe(false);
        expect(await s.loadPointer(id)).toBe('m1');
        const row = await s.knex('iceberg_tables').where({ catalog_name: s.name, table_name: 'accounts' });
        expect(row).toHaveLength(1);
        expect(row[0]).toMatchObject({
          metadata_location: 'm1',
          previous_metadata_location: 'm0',
          iceberg_type: 'TABLE',
        });
      });

      it('drops a pointer, returning its last location', async () => {
        const s = await store();
        await withTable(s);
        await s.swapPointer(id, 'm0', 'm1');
        expect(await s.dropPointer(id)).toBe('m1');
        expect(await s.loadPointer(id)).toBeUndefined();
        const e = await rejection(s.dropPointer(id));
        expect(e.code).toBe('table_not_found');
      });

      it('commits a hook with the swap', async () => {
        const s = await store();
        await withTable(s);
        expect(await s.swapPointer(id, 'm0', 'm1', writeProperty(s, 'cursor', '42'))).toBe(true);
        expect(await s.loadPointer(id)).toBe('m1');
        expect(await s.namespaceProperties(['crm'])).toEqual({ exists: 'true', cursor: '42' });
      });

      it('rolls the swap back when the hook fails, with the hook error', async () => {
        const s = await store();
        await withTable(s);
        const failing = async (tx: unknown) => {
          await writeProperty(s, 'cursor', '42')(tx);
          throw new Error('hook failed on purpose');
        };
        await expect(s.swapPointer(id, 'm0', 'm1', failing)).rejects.toThrow('hook failed on purpose');
        expect(await s.loadPointer(id)).toBe('m0');
        expect(await s.namespaceProperties(['crm'])).toEqual({ exists: 'true' });
        // The pointer is usable afterwards (no transaction or lock left behind).
        expect(await s.swapPointer(id, 'm0', 'm1', writeProperty(s, 'cursor', '43'))).toBe(true);
        expect(await s.namespaceProperties(['crm'])).toEqual({ exists: 'true', cursor: '43' });
      });

      it('does not run the hook when the swap fails', async () => {
        const s = await store();
        await withTable(s);
        let ran = false;
        const hook = async () => {
          ran = true;
        };
        expect(await s.swapPointer(id, 'stale', 'm1', hook)).toBe(false);
        expect(ran).toBe(false);
        expect(await s.loadPointer(id)).toBe('m0');
      });
    });

    it('reads iceberg_type NULL as a table and skips views', async () => {
      const s = await store();
      await s.createNamespace(['crm']);
      await s.knex('iceberg_tables').insert([
        {
          catalog_name: s.name,
          table_namespace: 'crm',
          table_name: 'py',
          metadata_location: 'p0',
          iceberg_type: null,
        },
        {
          catalog_name: s.name,
          table_namespace: 'crm',
          table_name: 'v',
          metadata_location: 'v0',
          iceberg_type: 'VIEW',
        },
      ]);
      expect(await s.listTables(['crm'])).toEqual([{ namespace: ['crm'], name: 'py' }]);
      expect(await s.loadPointer({ namespace: ['crm'], name: 'py' })).toBe('p0');
      expect(await s.loadPointer({ namespace: ['crm'], name: 'v' })).toBeUndefined();
      expect(await s.swapPointer({ namespace: ['crm'], name: 'py' }, 'p0', 'p1')).toBe(true);
      expect(await s.loadPointer({ namespace: ['crm'], name: 'py' })).toBe('p1');
    });

    it('keeps two catalog names in one database apart', async () => {
      const a = await store(`${catalogName}_a`);
      const b = await store(`${catalogName}_b`);
      await a.createNamespace(['crm']);
      expect(await b.namespaceExists(['crm'])).toBe(false);
      expect(await b.listNamespaces()).toEqual([]);
      await b.createNamespace(['crm'], { owner: 'b' });
      await a.createPointer(id, 'a0');
      await b.createPointer(id, 'b0');
      expect(await a.swapPointer(id, 'b0', 'x')).toBe(false);
      expect(await b.swapPointer(id, 'b0', 'b1')).toBe(true);
      expect(await a.loadPointer(id)).toBe('a0');
      expect(await b.loadPointer(id)).toBe('b1');
      expect(await a.namespaceProperties(['crm'])).toEqual({ exists: 'true' });
      expect(await b.namespaceProperties(['crm'])).toEqual({ owner: 'b' });
      expect(await b.dropPointer(id)).toBe('b1');
      await b.dropNamespace(['crm']);
      expect(await a.loadPointer(id)).toBe('a0');
      expect(await a.namespaceExists(['crm'])).toBe(true);
    });

    describe('concurrency', () => {
      it('lets exactly one of 20 concurrent swaps from two stores win', async () => {
        const one = await store();
        const two = await store();
        await withTable(one);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => (i % 2 === 0 ? one : two).swapPointer(id, 'm0', `next-${i}`)),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await two.loadPointer(id)).toBe(`next-${winners[0]}`);
        const row = await one
          .knex('iceberg_tables')
          .where({ catalog_name: one.name, table_name: 'accounts' })
          .first();
        expect(row.previous_metadata_location).toBe('m0');
      });

      it('commits the hook of the one winner of 20 concurrent swaps with hooks', async () => {
        const one = await store();
        const two = concurrentTransactions ? await store() : one;
        await withTable(one);
        const results = await Promise.all(
          Array.from({ length: 20 }, (_, i) => {
            const s = i % 2 === 0 ? one : two;
            return s.swapPointer(id, 'm0', `next-${i}`, writeProperty(s, 'winner', String(i)));
          }),
        );
        const winners = results.flatMap((won, i) => (won ? [i] : []));
        expect(winners).toHaveLength(1);
        expect(await one.loadPointer(id)).toBe(`next-${winners[0]}`);
        expect(await two.namespaceProperties(['crm'])).toEqual({
          exists: 'true',
          winner: String(winners[0]),
        });
      });

      it('lets each writer of a chain of 20 swaps win once it has seen the latest pointer', async () => {
        const stores = [await store(), await store()];
        await withTable(stores[0]!);
        // 2 writers × 10 commits, each re-reading the pointer after a lost race (what a commit retry does).
        const commits: string[] = [];
        await Promise.all(
          stores.map(async (s, w) => {
            for (let c = 0; c < 10; c++) {
              const next = `w${w}-c${c}`;
              for (;;) {
                const current = (await s.loadPointer(id))!;
                if (await s.swapPointer(id, current, next)) break;
              }
              commits.push(next);
            }
          }),
        );
        expect(commits).toHaveLength(20);
        expect(['w0-c9', 'w1-c9']).toContain(await stores[0]!.loadPointer(id));
      });

      it('lets exactly one of concurrent creates of one table succeed', async () => {
        const one = await store();
        const two = await store();
        await one.createNamespace(['crm']);
        const results = await Promise.allSettled(
          Array.from({ length: 10 }, (_, i) => (i % 2 === 0 ? one : two).createPointer(id, `m${i}`)),
        );
        expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
        for (const r of results) {
          if (r.status === 'rejected') expect(r.reason).toBeInstanceOf(AlreadyExistsError);
        }
      });
    });
  });
}
