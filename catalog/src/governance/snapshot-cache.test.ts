/**
 * The governance snapshot against real databases (SQLite file; PostgreSQL when
 * LAKEKIT_TEST_POSTGRES_URL is set): reused while the audit head stands still, one head query per
 * check (shared within one event-loop turn), and every change — from this store, or from a second
 * store on the same catalog database — seen by the next call.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileIO } from '@lakekit/storage';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog.js';
import { Coalescer } from './coalesce.js';
import { LOCAL_ADMIN } from './store.js';

const pgUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];
const pgDatabase = `gov_h4_${randomBytes(4).toString('hex')}`;
let pgCreated = false;
let pgCatalogs = 0;

async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** A catalog location for one test: a SQLite file, or a catalog name in the test database. */
async function location(backend: 'SQLite' | 'PostgreSQL'): Promise<{ uri: string; name: string }> {
  if (backend === 'SQLite') {
    return { uri: `sqlite:${join(mkdtempSync(join(tmpdir(), 'lk-snap-')), 'catalog.db')}`, name: 'lakekit' };
  }
  if (!pgCreated) {
    await adminQuery(`CREATE DATABASE ${pgDatabase}`);
    pgCreated = true;
  }
  const url = new URL(pgUrl!);
  url.pathname = `/${pgDatabase}`;
  return { uri: url.toString(), name: `c${++pgCatalogs}` };
}

afterAll(async () => {
  if (pgCreated) await adminQuery(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
});

describe('Coalescer', () => {
  it('runs one lookup for the callers of one turn, and a new one for later callers', async () => {
    const c = new Coalescer<number>();
    let runs = 0;
    const lookup = async () => ++runs;
    expect(await Promise.all([c.get('k', lookup), c.get('k', lookup), c.get('k', lookup)])).toEqual([
      1, 1, 1,
    ]);
    expect(await c.get('k', lookup)).toBe(2);
    expect(await Promise.all([c.get('a', lookup), c.get('b', lookup)])).toEqual([3, 4]);
  });

  it('answers callers that come while a lookup is under way with the next one, which they share', async () => {
    const c = new Coalescer<number>();
    const sent: number[] = [];
    const release: (() => void)[] = [];
    let runs = 0;
    const lookup = () => {
      const n = ++runs;
      sent.push(n);
      return new Promise<number>((resolve) => release.push(() => resolve(n)));
    };
    const first = c.get('k', lookup);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([1]);
    // Asked after lookup 1 was sent: must not get its answer.
    const late = [c.get('k', lookup), c.get('k', lookup), c.get('k', lookup)];
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([1]); // not sent while 1 is under way
    release.shift()!();
    expect(await first).toBe(1);
    await new Promise((r) => setImmediate(r));
    expect(sent).toEqual([1, 2]);
    release.shift()!();
    expect(await Promise.all(late)).toEqual([2, 2, 2]);
  });

  it('sends the next lookup even when the one under way failed', async () => {
    const c = new Coalescer<number>();
    let runs = 0;
    let fail!: (e: Error) => void;
    const first = c.get('k', () => {
      runs++;
      return new Promise<number>((_, reject) => {
        fail = reject;
      });
    });
    await new Promise((r) => setImmediate(r));
    const late = c.get('k', async () => ++runs);
    fail(new Error('boom'));
    await expect(first).rejects.toThrow('boom');
    expect(await late).toBe(2);
  });
});

for (const backend of pgUrl ? (['SQLite', 'PostgreSQL'] as const) : (['SQLite'] as const)) {
  describe(`governance snapshot (${backend})`, () => {
    const open: Catalog[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });

    async function openCatalog(where: { uri: string; name: string }, warehouse: string): Promise<Catalog> {
      const catalog = await Catalog.open({ ...where, warehouse, io: createFileIO() });
      open.push(catalog);
      return catalog;
    }

    /** Two catalogs (two "servers") on one catalog database, with crm.accounts and principal ana. */
    async function twoServers(): Promise<[Catalog, Catalog]> {
      const where = await location(backend);
      const warehouse = `file://${mkdtempSync(join(tmpdir(), 'lk-snap-wh-'))}`;
      const first = await openCatalog(where, warehouse);
      await first.createNamespace(['crm']);
      await first.createTable({ namespace: ['crm'], name: 'accounts' }, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'email', type: { kind: 'string' } },
      ]);
      await first.governance.createPrincipal(LOCAL_ADMIN, { name: 'ana', kind: 'user' });
      return [first, await openCatalog(where, warehouse)];
    }

    /** Counts the queries `fn` sends on the catalog's connection pool. */
    async function queriesOf(catalog: Catalog, fn: () => Promise<unknown>): Promise<number> {
      let n = 0;
      const count = () => n++;
      catalog.store.knex.on('query', count);
      try {
        await fn();
      } finally {
        catalog.store.knex.off('query', count);
      }
      return n;
    }

    it('reuses the snapshot with one head query per check while nothing changed', async () => {
      const [catalog] = await twoServers();
      const gov = catalog.governance;
      const first = await gov.snapshot();
      let again = first;
      expect(
        await queriesOf(catalog, async () => {
          again = await gov.snapshot();
        }),
      ).toBe(1);
      expect(again).toBe(first);
      // Checks of one turn share the head query.
      expect(
        await queriesOf(catalog, () => Promise.all([gov.snapshot(), gov.snapshot(), gov.snapshot()])),
      ).toBe(1);
      await gov.createRole(LOCAL_ADMIN, { name: 'analyst' });
      const changed = await gov.snapshot();
      expect(changed).not.toBe(first);
      expect(changed.seq).toBeGreaterThan(first.seq);
    });

    it('sees a grant and a revocation made by a second store on its next call', async () => {
      const [one, two] = await twoServers();
      const ana = { name: 'ana' };
      const table = { type: 'table', name: 'crm.accounts' } as const;
      expect(await one.governance.can(ana, 'MANAGE', table)).toBe(false);
      expect((await one.governance.effectiveAccess('ana', 'crm.accounts')).canManage).toBe(false);
      const g = {
        privilege: 'MANAGE',
        securable: table,
        grantee: { type: 'principal', name: 'ana' },
      } as const;
      await two.governance.grant(LOCAL_ADMIN, g);
      expect(await one.governance.can(ana, 'MANAGE', table)).toBe(true);
      expect((await one.governance.effectiveAccess('ana', 'crm.accounts')).canManage).toBe(true);
      await two.governance.revoke(LOCAL_ADMIN, g);
      expect(await one.governance.can(ana, 'MANAGE', table)).toBe(false);
    });

    it('refuses a token at once after a second store revoked it, and its principal once disabled', async () => {
      const [one, two] = await twoServers();
      const a = await one.governance.issueToken(LOCAL_ADMIN, 'ana');
      const b = await one.governance.issueToken(LOCAL_ADMIN, 'ana');
      expect((await one.governance.authenticate(a.token)).ok).toBe(true);
      await two.governance.revokeToken(LOCAL_ADMIN, a.id);
      expect(await one.governance.authenticate(a.token)).toEqual({ ok: false, reason: 'revoked' });
      expect((await one.governance.authenticate(b.token)).ok).toBe(true);
      await two.governance.updatePrincipal(LOCAL_ADMIN, 'ana', { disabled: true });
      expect(await one.governance.authenticate(b.token)).toEqual({ ok: false, reason: 'disabled' });
    });

    it('writes last_used_at at most once a minute, and lists what it wrote', async () => {
      const [catalog] = await twoServers();
      const gov = catalog.governance;
      const t = await gov.issueToken(LOCAL_ADMIN, 'ana');
      const updates: string[] = [];
      const count = (q: { sql: string }) => {
        if (/^update/i.test(q.sql)) updates.push(q.sql);
      };
      catalog.store.knex.on('query', count);
      try {
        const first = await gov.authenticate(t.token);
        const second = await gov.authenticate(t.token);
        expect(first.ok && second.ok && first.token.lastUsedAt).toBe(second.ok && second.token.lastUsedAt);
        const [listed] = await gov.listTokens('ana');
        expect(listed!.lastUsedAt).toBe(first.ok ? first.token.lastUsedAt : 'refused');
        expect(updates).toHaveLength(1);
      } finally {
        catalog.store.knex.off('query', count);
      }
    });

    it('reads a table metadata file only when the pointer moved', async () => {
      const [catalog] = await twoServers();
      const gov = catalog.governance;
      const id = { namespace: ['crm'], name: 'accounts' };
      expect((await gov.effectiveAccess('ana', 'crm.accounts')).columns.map((c) => c.name)).toEqual([
        'id',
        'email',
      ]);
      // With its metadata file gone, the table is still described from the cache: no file was read.
      const old = (await catalog.loadTable(id)).metadataLocation;
      await catalog.io.delete(old);
      expect((await gov.effectiveAccess('ana', 'crm.accounts')).columns).toHaveLength(2);
      await catalog.dropTable(id);
      await catalog.createTable(id, [{ name: 'phone', type: { kind: 'string' } }]);
      expect((await gov.effectiveAccess('ana', 'crm.accounts')).columns.map((c) => c.name)).toEqual([
        'phone',
      ]);
    });
  });
}
