/**
 * A table's governance follows the table: renamed with it, dropped with it (so a new table under a
 * dropped name starts with no grants). SQLite, and PostgreSQL when LAKEKIT_TEST_POSTGRES_URL is set.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AlreadyExistsError, ForbiddenError, NotFoundError } from '@lakekit/core';
import { createFileIO } from '@lakekit/storage';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog.js';
import { LOCAL_ADMIN } from './store.js';

const pgUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];
const pgDatabase = `gov_life_${randomBytes(4).toString('hex')}`;
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

const backends: { name: string; open(): Promise<{ uri: string; name: string }> }[] = [
  {
    name: 'SQLite',
    open: async () => ({
      uri: `sqlite:${join(mkdtempSync(join(tmpdir(), 'lk-life-')), 'catalog.db')}`,
      name: 'lakekit',
    }),
  },
];
if (pgUrl)
  backends.push({
    name: 'PostgreSQL',
    async open() {
      if (!pgCreated) {
        await adminQuery(`CREATE DATABASE ${pgDatabase}`);
        pgCreated = true;
      }
      const url = new URL(pgUrl);
      url.pathname = `/${pgDatabase}`;
      return { uri: url.toString(), name: `c${++pgCatalogs}` };
    },
  });

afterAll(async () => {
  if (pgCreated) await adminQuery(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
});

const accounts = { namespace: ['crm'], name: 'accounts' };
const moved = { namespace: ['sales'], name: 'customers' };

for (const backend of backends) {
  describe(`table lifecycle and governance (${backend.name})`, () => {
    const open: Catalog[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });

    /** crm.accounts with a grant on it, a column grant, an owner, a mask, a row filter and tags. */
    async function setup() {
      const catalog = await Catalog.open({
        ...(await backend.open()),
        warehouse: `file://${mkdtempSync(join(tmpdir(), 'lk-life-wh-'))}`,
        io: createFileIO(),
      });
      open.push(catalog);
      await catalog.createNamespace(['crm']);
      await catalog.createNamespace(['sales']);
      await catalog.createTable(accounts, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'email', type: { kind: 'string' } },
        { name: 'region', type: { kind: 'string' } },
      ]);
      const gov = catalog.governance;
      const A = LOCAL_ADMIN;
      for (const name of ['ana', 'bob', 'olga']) await gov.createPrincipal(A, { name, kind: 'user' });
      await gov.createRole(A, { name: 'analyst' });
      await gov.addMember(A, 'analyst', 'ana');
      for (const securable of [
        { type: 'catalog' },
        { type: 'namespace', name: 'crm' },
        { type: 'namespace', name: 'sales' },
      ] as const)
        await gov.grant(A, { privilege: 'USAGE', securable, grantee: { type: 'role', name: 'analyst' } });
      await gov.grant(A, {
        privilege: 'SELECT',
        securable: { type: 'table', name: 'crm.accounts' },
        grantee: { type: 'role', name: 'analyst' },
      });
      await gov.grant(A, {
        privilege: 'SELECT',
        securable: { type: 'column', table: 'crm.accounts', column: 'id' },
        grantee: { type: 'principal', name: 'bob' },
      });
      await gov.annotate(A, { table: 'crm.accounts', owner: { type: 'principal', name: 'olga' } });
      await gov.setMask(A, { table: 'crm.accounts', column: 'email', role: 'analyst', kind: 'redact' });
      await gov.setRowFilter(A, { table: 'crm.accounts', role: 'analyst', predicate: "region = 'west'" });
      await gov.addTag(A, { table: 'crm.accounts', column: 'email', tag: 'pii' });
      return { catalog, gov };
    }

    /** Everything governance holds about one table, names left out (to compare across a rename). */
    async function governanceOf(catalog: Catalog, table: string) {
      const gov = catalog.governance;
      const grants = (await gov.listGrants())
        .filter((g) => {
          const s = g.securable;
          return s.type === 'column' ? s.table === table : s.type === 'table' && s.name === table;
        })
        .map(
          (g) =>
            `${g.privilege} ${g.securable.type} ${'column' in g.securable ? g.securable.column : ''} ${g.grantee.type}:${g.grantee.name}`,
        )
        .sort();
      return {
        grants,
        owner: (await gov.listAnnotations(table)).map((a) => a.owner?.name ?? null),
        masks: (await gov.listMasks(table)).map((m) => `${m.column}/${m.role}`),
        rowFilters: (await gov.listRowFilters(table)).map((f) => `${f.role}: ${f.predicate}`),
        tags: (await gov.listTags(table)).map((t) => `${t.column ?? ''}:${t.tag}`),
      };
    }

    it('moves grants, owner, masks, row filters and tags with a rename, and enforces them there', async () => {
      const { catalog, gov } = await setup();
      const before = await governanceOf(catalog, 'crm.accounts');
      expect(before.grants).toHaveLength(2);
      expect(before.owner).toEqual(['olga']);
      expect(before.masks).toEqual(['email/analyst']);
      expect(before.tags).toEqual(['email:pii']);
      expect((await gov.effectiveAccess('ana', 'crm.accounts')).canSelect).toBe(true);

      // The owner may rename it; bob (a column grant only) may not.
      await expect(catalog.renameTable(accounts, moved, { name: 'bob' })).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      await catalog.renameTable(accounts, moved, { name: 'olga' });

      expect(await catalog.tableExists(accounts)).toBe(false);
      expect(await catalog.tableExists(moved)).toBe(true);
      expect(await governanceOf(catalog, 'sales.customers')).toEqual(before);
      const empty = { grants: [], owner: [], masks: [], rowFilters: [], tags: [] };
      expect(await governanceOf(catalog, 'crm.accounts')).toEqual(empty);

      // Enforced under the new name: ana's view is masked and filtered.
      const access = await gov.effectiveAccess('ana', 'sales.customers');
      expect(access.canSelect).toBe(true);
      expect(access.columns.find((c) => c.name === 'email')?.access).toBe('masked');
      expect(access.rowFilter?.predicate).toContain('west');

      const audit = (await gov.listAudit()).filter((r) => r.action === 'table.rename');
      expect(audit.map((r) => [r.actor, r.target, r.outcome])).toEqual([
        ['bob', 'table:crm.accounts', 'denied'],
        ['olga', 'table:crm.accounts', 'ok'],
      ]);
    });

    it('refuses a rename onto an existing table or into a missing namespace, changing nothing', async () => {
      const { catalog } = await setup();
      await catalog.createTable(moved, [{ name: 'id', type: { kind: 'long' } }]);
      const before = await governanceOf(catalog, 'crm.accounts');
      await expect(catalog.renameTable(accounts, moved)).rejects.toBeInstanceOf(AlreadyExistsError);
      await expect(catalog.renameTable(accounts, { namespace: ['nope'], name: 'x' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
      await expect(
        catalog.renameTable({ namespace: ['crm'], name: 'missing' }, { namespace: ['crm'], name: 'y' }),
      ).rejects.toBeInstanceOf(NotFoundError);
      expect(await catalog.tableExists(accounts)).toBe(true);
      expect(await governanceOf(catalog, 'crm.accounts')).toEqual(before);
    });

    it('drops a table with its governance: a new table under the name starts with none', async () => {
      const { catalog, gov } = await setup();
      await expect(catalog.dropTable(accounts, { actor: { name: 'ana' } })).rejects.toBeInstanceOf(
        ForbiddenError,
      );
      expect(await catalog.tableExists(accounts)).toBe(true);
      await catalog.dropTable(accounts, { actor: { name: 'olga' } });
      await catalog.createTable(accounts, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'email', type: { kind: 'string' } },
      ]);
      expect(await governanceOf(catalog, 'crm.accounts')).toEqual({
        grants: [],
        owner: [],
        masks: [],
        rowFilters: [],
        tags: [],
      });
      expect((await gov.effectiveAccess('ana', 'crm.accounts')).canSelect).toBe(false);
      const drop = (await gov.listAudit()).find((r) => r.action === 'table.drop' && r.outcome === 'ok');
      expect(drop?.actor).toBe('olga');
      expect(drop?.detail).toMatchObject({ removed: { grants: 2, masks: 1, row_filters: 1, tags: 1 } });
      await expect(catalog.dropTable({ namespace: ['crm'], name: 'gone' })).rejects.toBeInstanceOf(
        NotFoundError,
      );
    });
  });
}
