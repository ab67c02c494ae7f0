/**
 * The governance store against real databases: SQLite (a temp file per test) and PostgreSQL when
 * LAKEKIT_TEST_POSTGRES_URL is set (a fresh database per run, a catalog name per test). Tables are
 * real Iceberg tables created through the Catalog in a temp warehouse.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ForbiddenError, type LakeError, NotFoundError, UsageError } from '@lakekit/core';
import { createFileIO } from '@lakekit/storage';
import pg from 'pg';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog.js';
import { canonicalJson } from './audit.js';
import { type Actor, type GovernanceStore, LOCAL_ADMIN } from './store.js';
import type { EffectiveAccess } from './types.js';

interface Backend {
  name: string;
  /** A catalog URI for one test (and the catalog name to use in it). */
  open(): Promise<{ uri: string; name: string }>;
}

const sqlite: Backend = {
  name: 'SQLite',
  async open() {
    return { uri: `sqlite:${join(mkdtempSync(join(tmpdir(), 'lk-gov-')), 'catalog.db')}`, name: 'lakekit' };
  },
};

const pgUrl = process.env['LAKEKIT_TEST_POSTGRES_URL'];
const pgDatabase = `gov_h1_${randomBytes(4).toString('hex')}`;
let pgCreated = false;
let pgCatalogs = 0;
const postgres: Backend = {
  name: 'PostgreSQL',
  async open() {
    const url = new URL(pgUrl!);
    if (!pgCreated) {
      const client = new pg.Client({ connectionString: pgUrl });
      await client.connect();
      try {
        await client.query(`CREATE DATABASE ${pgDatabase}`);
      } finally {
        await client.end();
      }
      pgCreated = true;
    }
    url.pathname = `/${pgDatabase}`;
    return { uri: url.toString(), name: `c${++pgCatalogs}` };
  },
};

afterAll(async () => {
  if (!pgCreated) return;
  const client = new pg.Client({ connectionString: pgUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${pgDatabase} WITH (FORCE)`);
  } finally {
    await client.end();
  }
});

const backends = pgUrl ? [sqlite, postgres] : [sqlite];

const ana: Actor = { name: 'ana' };
const bob: Actor = { name: 'bob' };

for (const backend of backends) {
  describe(`governance store (${backend.name})`, () => {
    const open: Catalog[] = [];
    afterEach(async () => {
      await Promise.all(open.splice(0).map((c) => c.close()));
    });

    async function openCatalog(at?: { uri: string; name: string }, warehouse?: string) {
      const where = at ?? (await backend.open());
      const catalog = await Catalog.open({
        ...where,
        warehouse: warehouse ?? `file://${mkdtempSync(join(tmpdir(), 'lk-gov-wh-'))}`,
        io: createFileIO(),
      });
      open.push(catalog);
      return { catalog, where };
    }

    /** A catalog with crm.accounts, crm.contacts and sales.orders; principals ana and bob. */
    async function setup(): Promise<{
      catalog: Catalog;
      gov: GovernanceStore;
      where: { uri: string; name: string };
    }> {
      const { catalog, where } = await openCatalog();
      await catalog.createNamespace(['crm']);
      await catalog.createNamespace(['sales']);
      await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, [
        { name: 'id', type: { kind: 'long' }, required: true },
        { name: 'name', type: { kind: 'string' } },
        { name: 'email', type: { kind: 'string' } },
        { name: 'region', type: { kind: 'string' } },
        { name: 'revenue', type: { kind: 'decimal', precision: 12, scale: 2 } },
      ]);
      await catalog.createTable({ namespace: ['crm'], name: 'contacts' }, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'phone', type: { kind: 'string' } },
      ]);
      await catalog.createTable({ namespace: ['sales'], name: 'orders' }, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'amount', type: { kind: 'double' } },
      ]);
      const gov = catalog.governance;
      await gov.createPrincipal(LOCAL_ADMIN, { name: 'ana', kind: 'user', attributes: { region: 'west' } });
      await gov.createPrincipal(LOCAL_ADMIN, { name: 'bob', kind: 'user' });
      return { catalog, gov, where };
    }

    async function expectForbidden(p: Promise<unknown>, missing: RegExp) {
      const e = await p.then(
        () => undefined,
        (x: unknown) => x,
      );
      expect(e).toBeInstanceOf(ForbiddenError);
      expect((e as LakeError).code).toBe('forbidden');
      expect((e as Error).message).toMatch(missing);
    }

    const col = (a: EffectiveAccess, name: string) => a.columns.find((c) => c.name === name)!;

    describe('principals, roles and grants', () => {
      it('creates, updates, lists and deletes principals with their tokens, memberships and grants', async () => {
        const { gov } = await setup();
        const carl = await gov.createPrincipal(LOCAL_ADMIN, {
          name: 'carl@corp',
          kind: 'service',
          attributes: { team: 'x' },
        });
        expect(carl).toMatchObject({
          name: 'carl@corp',
          kind: 'service',
          attributes: { team: 'x' },
          roles: [],
          disabled: false,
        });
        expect((await gov.listPrincipals()).map((p) => p.name)).toEqual(['ana', 'bob', 'carl@corp']);
        await gov.createRole(LOCAL_ADMIN, { name: 'analyst', description: 'reads' });
        await gov.addMember(LOCAL_ADMIN, 'analyst', 'carl@corp');
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'SELECT',
          securable: { type: 'table', name: 'crm.accounts' },
          grantee: { type: 'principal', name: 'carl@corp' },
        });
        await gov.issueToken(LOCAL_ADMIN, 'carl@corp');
        const updated = await gov.updatePrincipal(LOCAL_ADMIN, 'carl@corp', {
          attributes: { team: 'y' },
          disabled: true,
        });
        expect(updated).toMatchObject({ attributes: { team: 'y' }, disabled: true, roles: ['analyst'] });
        await gov.deletePrincipal(LOCAL_ADMIN, 'carl@corp');
        expect(await gov.getPrincipal('carl@corp')).toBeUndefined();
        expect(await gov.listTokens('carl@corp')).toEqual([]);
        expect((await gov.getRole('analyst'))!.members).toEqual([]);
        expect(await gov.listGrants({ grantee: { type: 'principal', name: 'carl@corp' } })).toEqual([]);
        const del = (await gov.listAudit({ action: 'principal.delete' }))[0]!;
        expect(del).toMatchObject({ actor: 'local-admin', target: 'principal:carl@corp', outcome: 'ok' });
        expect(del.detail).toEqual({ tokens: 1, memberships: 1, grants: 1 });
      });

      it('validates names and refers to unknown things by name', async () => {
        const { gov } = await setup();
        await expect(gov.createPrincipal(LOCAL_ADMIN, { name: 'Ana', kind: 'user' })).rejects.toBeInstanceOf(
          UsageError,
        );
        await expect(gov.createPrincipal(LOCAL_ADMIN, { name: 'ana', kind: 'user' })).rejects.toThrow(
          /principal ana already exists/,
        );
        await expect(gov.addMember(LOCAL_ADMIN, 'nope', 'ana')).rejects.toThrow(/role nope does not exist/);
        await gov.createRole(LOCAL_ADMIN, { name: 'analyst' });
        await expect(gov.addMember(LOCAL_ADMIN, 'analyst', 'zed')).rejects.toThrow(
          /principal zed does not exist/,
        );
        await expect(
          gov.grant(LOCAL_ADMIN, {
            privilege: 'SELECT',
            securable: { type: 'table', name: 'crm.nope' },
            grantee: { type: 'role', name: 'analyst' },
          }),
        ).rejects.toBeInstanceOf(NotFoundError);
        await expect(
          gov.grant(LOCAL_ADMIN, {
            privilege: 'SELECT',
            securable: { type: 'column', table: 'crm.accounts', column: 'ssn' },
            grantee: { type: 'role', name: 'analyst' },
          }),
        ).rejects.toThrow(/table crm.accounts has no column ssn/);
        await expect(
          gov.grant(LOCAL_ADMIN, {
            privilege: 'USAGE',
            securable: { type: 'table', name: 'crm.accounts' },
            grantee: { type: 'role', name: 'analyst' },
          }),
        ).rejects.toBeInstanceOf(UsageError);
        await expect(
          gov.addTag(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', tag: 'PII' }),
        ).rejects.toBeInstanceOf(UsageError);
        // Validation errors are not audited.
        expect(await gov.listAudit({ outcome: 'denied' })).toEqual([]);
      });

      it('grants idempotently, lists by securable and grantee, and revokes', async () => {
        const { gov } = await setup();
        await gov.createRole(LOCAL_ADMIN, { name: 'analyst' });
        const g = {
          privilege: 'SELECT' as const,
          securable: { type: 'namespace' as const, name: 'crm' },
          grantee: { type: 'role' as const, name: 'analyst' },
        };
        const first = await gov.grant(LOCAL_ADMIN, g);
        const again = await gov.grant(LOCAL_ADMIN, g);
        expect(again.id).toBe(first.id);
        expect(await gov.listAudit({ action: 'grant.create' })).toHaveLength(1);
        expect(await gov.listGrants({ securable: { type: 'namespace', name: 'crm' } })).toEqual([first]);
        expect(await gov.listGrants({ grantee: { type: 'role', name: 'analyst' } })).toEqual([first]);
        expect(first).toMatchObject({
          grantedBy: 'local-admin',
          securable: { type: 'namespace', name: 'crm' },
        });
        await gov.revoke(LOCAL_ADMIN, g);
        expect(await gov.listGrants()).toEqual([]);
        await expect(gov.revoke(LOCAL_ADMIN, g)).rejects.toBeInstanceOf(NotFoundError);
      });

      it('refuses changes without MANAGE, recording a denied audit record', async () => {
        const { gov } = await setup();
        await expectForbidden(gov.createPrincipal(ana, { name: 'eve', kind: 'user' }), /MANAGE on catalog/);
        await expectForbidden(
          gov.grant(ana, {
            privilege: 'SELECT',
            securable: { type: 'table', name: 'crm.accounts' },
            grantee: { type: 'principal', name: 'ana' },
          }),
          /MANAGE on table crm.accounts or its ownership/,
        );
        await expectForbidden(gov.issueToken(ana, 'bob'), /MANAGE on catalog/);
        const denied = await gov.listAudit({ outcome: 'denied' });
        expect(denied.map((r) => [r.actor, r.action, r.target])).toEqual([
          ['ana', 'principal.create', 'principal:eve'],
          ['ana', 'grant.create', 'table:crm.accounts'],
          ['ana', 'principal.token.issue', 'principal:bob'],
        ]);
        expect(await gov.getPrincipal('eve')).toBeUndefined();
        // MANAGE on the namespace lets ana govern its tables, and an owner its own table.
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'MANAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'principal', name: 'ana' },
        });
        await gov.grant(ana, {
          privilege: 'SELECT',
          securable: { type: 'table', name: 'crm.accounts' },
          grantee: { type: 'principal', name: 'bob' },
        });
        await expectForbidden(
          gov.addTag(ana, { table: 'sales.orders', tag: 'finance' }),
          /MANAGE on table sales.orders/,
        );
        await gov.annotate(LOCAL_ADMIN, {
          table: 'sales.orders',
          owner: { type: 'principal', name: 'bob' },
          description: 'orders',
        });
        await gov.addTag(bob, { table: 'sales.orders', tag: 'finance' });
        expect(await gov.listTags('sales.orders')).toEqual([{ table: 'sales.orders', tag: 'finance' }]);
        expect(await gov.can(bob, 'MANAGE', { type: 'table', name: 'sales.orders' })).toBe(true);
        expect(await gov.can(bob, 'MANAGE', { type: 'namespace', name: 'sales' })).toBe(false);
        expect(await gov.can(LOCAL_ADMIN, 'MANAGE', { type: 'catalog' })).toBe(true);
      });

      it('a disabled principal holds nothing', async () => {
        const { gov } = await setup();
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'MANAGE',
          securable: { type: 'catalog' },
          grantee: { type: 'principal', name: 'ana' },
        });
        expect(await gov.can(ana, 'MANAGE', { type: 'catalog' })).toBe(true);
        await gov.updatePrincipal(LOCAL_ADMIN, 'ana', { disabled: true });
        expect(await gov.can(ana, 'MANAGE', { type: 'catalog' })).toBe(false);
        await expectForbidden(gov.createRole(ana, { name: 'x' }), /MANAGE on catalog/);
      });
    });

    describe('tokens', () => {
      it('issues, authenticates, expires, revokes and rotates tokens', async () => {
        const { gov } = await setup();
        const t = await gov.issueToken(ana, 'ana', { name: 'laptop' });
        expect(t.token).toMatch(/^lk_[A-Za-z0-9_-]{12}_[A-Za-z0-9_-]{43}$/);
        expect(t.token.slice(3, 15)).toBe(t.id);
        const auth = await gov.authenticate(t.token);
        expect(auth.ok).toBe(true);
        if (auth.ok) {
          expect(auth.principal.name).toBe('ana');
          expect(auth.token).toMatchObject({ id: t.id, name: 'laptop' });
          expect(auth.token.lastUsedAt).toBeDefined();
        }
        // last_used_at is written at most once a minute.
        await new Promise((r) => setTimeout(r, 5));
        const again = await gov.authenticate(t.token);
        expect(again.ok && auth.ok && again.token.lastUsedAt === auth.token.lastUsedAt).toBe(true);
        const listed = await gov.listTokens('ana');
        expect(listed).toHaveLength(1);
        expect(listed[0]!.lastUsedAt).toBeDefined();
        expect(JSON.stringify(listed)).not.toContain(t.token.slice(16));

        expect(await gov.authenticate('lk_nope')).toEqual({ ok: false, reason: 'malformed' });
        expect(await gov.authenticate(`${t.token.slice(0, -1)}${t.token.endsWith('A') ? 'B' : 'A'}`)).toEqual(
          { ok: false, reason: 'unknown' },
        );

        const past = await gov.issueToken(LOCAL_ADMIN, 'ana', { expiresAt: '2020-01-01T00:00:00Z' });
        expect(await gov.authenticate(past.token)).toEqual({ ok: false, reason: 'expired' });

        const rotated = await gov.rotateToken(ana, t.id);
        expect(rotated.id).not.toBe(t.id);
        expect(rotated.name).toBe('laptop');
        expect(await gov.authenticate(t.token)).toEqual({ ok: false, reason: 'expired' });
        expect((await gov.authenticate(rotated.token)).ok).toBe(true);

        const graced = await gov.rotateToken(ana, rotated.id, { graceSeconds: 3600 });
        expect((await gov.authenticate(rotated.token)).ok).toBe(true);
        expect((await gov.authenticate(graced.token)).ok).toBe(true);

        await gov.revokeToken(ana, graced.id);
        expect(await gov.authenticate(graced.token)).toEqual({ ok: false, reason: 'revoked' });
        await expect(gov.rotateToken(ana, graced.id)).rejects.toBeInstanceOf(UsageError);

        await expectForbidden(gov.revokeToken(bob, rotated.id), /MANAGE on catalog/);
        await gov.updatePrincipal(LOCAL_ADMIN, 'ana', { disabled: true });
        expect(await gov.authenticate(rotated.token)).toEqual({ ok: false, reason: 'disabled' });
        const actions = (await gov.listAudit({ target: 'principal:ana' })).map(
          (r) => `${r.action}:${r.outcome}`,
        );
        expect(actions).toEqual([
          'principal.create:ok',
          'principal.token.issue:ok',
          'principal.token.issue:ok',
          'principal.token.rotate:ok',
          'principal.token.rotate:ok',
          'principal.token.revoke:ok',
          'principal.token.revoke:denied',
          'principal.update:ok',
        ]);
      });

      it('bootstraps admin once, with MANAGE on the catalog and one live token', async () => {
        const { gov } = await setup();
        const first = await gov.bootstrap();
        expect(first.created).toBe(true);
        expect(first.token).toBeDefined();
        const auth = await gov.authenticate(first.token!.token);
        expect(auth.ok && auth.principal.name).toBe('admin');
        expect(await gov.can({ name: 'admin' }, 'MANAGE', { type: 'catalog' })).toBe(true);
        expect(await gov.bootstrap()).toEqual({ created: false });
        await gov.revokeToken(LOCAL_ADMIN, first.token!.id);
        const third = await gov.bootstrap();
        expect(third.created).toBe(false);
        expect(third.token).toBeDefined();
        expect(await gov.listGrants({ grantee: { type: 'principal', name: 'admin' } })).toHaveLength(1);
      });

      it('keeps one mask secret per catalog', async () => {
        const { gov, where, catalog } = await setup();
        const s = await gov.maskSecret();
        expect(s.length).toBe(32);
        await catalog.close();
        open.splice(open.indexOf(catalog), 1);
        const again = await openCatalog(where);
        expect((await again.catalog.governance.maskSecret()).equals(s)).toBe(true);
      });
    });

    describe('effective access', () => {
      async function withAnalyst() {
        const ctx = await setup();
        const { gov } = ctx;
        await gov.createRole(LOCAL_ADMIN, { name: 'analyst' });
        await gov.createRole(LOCAL_ADMIN, { name: 'support' });
        await gov.addMember(LOCAL_ADMIN, 'analyst', 'ana');
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'catalog' },
          grantee: { type: 'role', name: 'analyst' },
        });
        return ctx;
      }

      it('inherits SELECT from a namespace grant through a role, with USAGE', async () => {
        const { gov } = await withAnalyst();
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'role', name: 'analyst' },
        });
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'SELECT',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'role', name: 'analyst' },
        });
        const a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(a).toMatchObject({
          principal: 'ana',
          table: 'crm.accounts',
          canSelect: true,
          canModify: false,
          canManage: false,
        });
        expect(a.columns.map((c) => [c.name, c.type, c.access])).toEqual([
          ['id', 'long', 'visible'],
          ['name', 'string', 'visible'],
          ['email', 'string', 'visible'],
          ['region', 'string', 'visible'],
          ['revenue', 'decimal(12, 2)', 'visible'],
        ]);
        expect(col(a, 'id').because).toContainEqual({
          kind: 'grant',
          text: 'SELECT on namespace crm to role analyst',
        });
        expect(a.because).toContainEqual({ kind: 'grant', text: 'USAGE on catalog to role analyst' });
        expect(a.rowFilter).toBeUndefined();
        // bob has no role: nothing.
        const b = await gov.effectiveAccess('bob', 'crm.accounts');
        expect(b.canSelect).toBe(false);
        expect(b.columns.every((c) => c.access === 'hidden')).toBe(true);
        expect(await gov.can(ana, 'SELECT', { type: 'table', name: 'crm.contacts' })).toBe(true);
        expect(await gov.can(ana, 'SELECT', { type: 'table', name: 'sales.orders' })).toBe(false);
      });

      it('shows only granted columns for a column grant', async () => {
        const { gov } = await withAnalyst();
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'principal', name: 'ana' },
        });
        for (const column of ['id', 'region']) {
          await gov.grant(LOCAL_ADMIN, {
            privilege: 'SELECT',
            securable: { type: 'column', table: 'crm.accounts', column },
            grantee: { type: 'principal', name: 'ana' },
          });
        }
        const a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(a.canSelect).toBe(true);
        expect(a.columns.filter((c) => c.access === 'visible').map((c) => c.name)).toEqual(['id', 'region']);
        expect(col(a, 'email').because).toContainEqual({
          kind: 'missing_grant',
          text: 'no SELECT on column crm.accounts.email',
        });
        expect(col(a, 'region').because).toEqual([
          { kind: 'grant', text: 'SELECT on column crm.accounts.region to principal ana' },
        ]);
        expect(await gov.can(ana, 'SELECT', { type: 'table', name: 'crm.accounts' })).toBe(false);
        expect(await gov.can(ana, 'SELECT', { type: 'column', table: 'crm.accounts', column: 'id' })).toBe(
          true,
        );
      });

      it('needs USAGE on the namespace', async () => {
        const { gov } = await withAnalyst();
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'SELECT',
          securable: { type: 'table', name: 'crm.accounts' },
          grantee: { type: 'role', name: 'analyst' },
        });
        const a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(a.canSelect).toBe(false);
        expect(a.columns.every((c) => c.access === 'hidden')).toBe(true);
        expect(await gov.can(ana, 'SELECT', { type: 'table', name: 'crm.accounts' })).toBe(false);
        expect(a.because).toContainEqual({ kind: 'missing_grant', text: 'no USAGE on namespace crm' });
        expect(a.because).toContainEqual({ kind: 'grant', text: 'USAGE on catalog to role analyst' });
        // MANAGE on the catalog implies USAGE everywhere below it.
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'MANAGE',
          securable: { type: 'catalog' },
          grantee: { type: 'principal', name: 'ana' },
        });
        expect((await gov.effectiveAccess('ana', 'crm.accounts')).canSelect).toBe(true);
      });

      it('gives an owning role MANAGE and every privilege on its table', async () => {
        const { gov } = await withAnalyst();
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'role', name: 'analyst' },
        });
        await gov.annotate(LOCAL_ADMIN, { table: 'crm.accounts', owner: { type: 'role', name: 'analyst' } });
        const a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(a).toMatchObject({ canSelect: true, canModify: true, canManage: true });
        expect(a.because).toContainEqual({
          kind: 'owner',
          text: 'owner of table crm.accounts (role analyst)',
        });
        expect(col(a, 'email').access).toBe('visible');
        const c = await gov.effectiveAccess('ana', 'crm.contacts');
        expect(c.canSelect).toBe(false);
      });

      it('applies a tag policy to a column tagged after the policy, with dotted-prefix match', async () => {
        const { gov } = await withAnalyst();
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'role', name: 'analyst' },
        });
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'SELECT',
          securable: { type: 'catalog' },
          grantee: { type: 'role', name: 'analyst' },
        });
        await gov.setTagPolicy(LOCAL_ADMIN, {
          name: 'pii-hash',
          tag: 'pii',
          role: 'analyst',
          mask: { kind: 'hash' },
        });
        expect(col(await gov.effectiveAccess('ana', 'crm.accounts'), 'email').access).toBe('visible');
        await gov.addTag(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', tag: 'pii.email' });
        await gov.addTag(LOCAL_ADMIN, { table: 'crm.accounts', column: 'name', tag: 'piiish' });
        const a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(col(a, 'email')).toMatchObject({
          access: 'masked',
          mask: {
            kind: 'hash',
            resultType: 'string',
            role: 'analyst',
            source: 'tag_policy',
            policy: 'pii-hash',
          },
        });
        expect(col(a, 'email').because).toContainEqual({
          kind: 'tag_policy',
          text: 'tag policy pii-hash (hash on tag pii for role analyst) via column tag pii.email',
        });
        expect(col(a, 'name').access).toBe('visible');
        // A principal outside the role is not masked.
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'SELECT',
          securable: { type: 'catalog' },
          grantee: { type: 'principal', name: 'bob' },
        });
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'catalog' },
          grantee: { type: 'principal', name: 'bob' },
        });
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'principal', name: 'bob' },
        });
        expect(col(await gov.effectiveAccess('bob', 'crm.accounts'), 'email').access).toBe('visible');
      });

      it('lets an explicit column mask beat a tag policy, and the strongest mask win', async () => {
        const { gov } = await withAnalyst();
        await gov.addMember(LOCAL_ADMIN, 'support', 'ana');
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable: { type: 'namespace', name: 'crm' },
          grantee: { type: 'role', name: 'analyst' },
        });
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'SELECT',
          securable: { type: 'catalog' },
          grantee: { type: 'role', name: 'analyst' },
        });
        await gov.addTag(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', tag: 'pii' });
        await gov.setTagPolicy(LOCAL_ADMIN, {
          name: 'pii-null',
          tag: 'pii',
          role: 'analyst',
          mask: { kind: 'null' },
        });
        await gov.setMask(LOCAL_ADMIN, {
          table: 'crm.accounts',
          column: 'email',
          role: 'support',
          kind: 'partial',
          keepLast: 4,
        });
        let a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(col(a, 'email').mask).toMatchObject({
          kind: 'partial',
          keepLast: 4,
          source: 'column_mask',
          role: 'support',
          resultType: 'string',
        });
        expect(col(a, 'email').because.at(-1)!.text).toMatch(/beats tag policy pii-null/);
        // Two explicit masks: redact is stronger than partial.
        await gov.setMask(LOCAL_ADMIN, {
          table: 'crm.accounts',
          column: 'email',
          role: 'analyst',
          kind: 'redact',
        });
        a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(col(a, 'email').mask).toMatchObject({ kind: 'redact', role: 'analyst' });
        // Two policies of one strength on revenue: the role name decides; null keeps the type.
        await gov.addTag(LOCAL_ADMIN, { table: 'crm.accounts', column: 'revenue', tag: 'finance.revenue' });
        await gov.setTagPolicy(LOCAL_ADMIN, {
          name: 'fin-support',
          tag: 'finance',
          role: 'support',
          mask: { kind: 'null' },
        });
        await gov.setTagPolicy(LOCAL_ADMIN, {
          name: 'fin-analyst',
          tag: 'finance',
          role: 'analyst',
          mask: { kind: 'null' },
        });
        a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(col(a, 'revenue').mask).toMatchObject({
          kind: 'null',
          role: 'analyst',
          policy: 'fin-analyst',
          resultType: 'decimal(12, 2)',
        });
        expect(await gov.listMasks('crm.accounts')).toHaveLength(2);
        await gov.dropMask(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', role: 'analyst' });
        await gov.dropMask(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', role: 'support' });
        a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(col(a, 'email').mask).toMatchObject({
          kind: 'null',
          source: 'tag_policy',
          policy: 'pii-null',
          resultType: 'string',
        });
      });

      it('validates masks', async () => {
        const { gov } = await withAnalyst();
        await expect(
          gov.setMask(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', role: 'analyst', kind: 'sql' }),
        ).rejects.toThrow(/needs an expression/);
        await expect(
          gov.setMask(LOCAL_ADMIN, {
            table: 'crm.accounts',
            column: 'nope',
            role: 'analyst',
            kind: 'redact',
          }),
        ).rejects.toThrow(/has no column nope/);
        await expect(
          gov.setMask(LOCAL_ADMIN, { table: 'crm.accounts', column: 'email', role: 'ghost', kind: 'redact' }),
        ).rejects.toThrow(/role ghost does not exist/);
      });
    });

    describe('row filters', () => {
      it('validates and stores a normalised predicate, ANDs filters of several roles with attributes substituted', async () => {
        const { gov } = await setup();
        await gov.createRole(LOCAL_ADMIN, { name: 'regional' });
        await gov.createRole(LOCAL_ADMIN, { name: 'big' });
        await gov.addMember(LOCAL_ADMIN, 'regional', 'ana');
        await gov.addMember(LOCAL_ADMIN, 'big', 'ana');
        await gov.addMember(LOCAL_ADMIN, 'regional', 'bob');
        const f = await gov.setRowFilter(LOCAL_ADMIN, {
          table: 'crm.accounts',
          role: 'regional',
          predicate: 'region = principal.region',
        });
        expect(f).toMatchObject({ table: 'crm.accounts', role: 'regional', createdBy: 'local-admin' });
        await gov.setRowFilter(LOCAL_ADMIN, {
          table: 'crm.accounts',
          role: 'big',
          predicate: 'revenue > 1000',
        });
        expect((await gov.listRowFilters('crm.accounts')).map((r) => r.role)).toEqual(['big', 'regional']);
        const a = await gov.effectiveAccess('ana', 'crm.accounts');
        expect(a.rowFilter!.filters.map((x) => x.role)).toEqual(['big', 'regional']);
        expect(a.rowFilter!.predicate).toContain(' AND ');
        expect(a.rowFilter!.predicate).toContain("'west'");
        expect(a.rowFilter!.predicate).not.toContain('principal.');
        // bob has no region attribute: NULL, so no rows.
        const b = await gov.effectiveAccess('bob', 'crm.accounts');
        expect(b.rowFilter!.filters).toHaveLength(1);
        expect(b.rowFilter!.predicate).toMatch(/NULL/i);
        expect(b.because.some((x) => x.kind === 'row_filter')).toBe(true);
        await expect(
          gov.setRowFilter(LOCAL_ADMIN, { table: 'crm.accounts', role: 'big', predicate: 'nope_column = 1' }),
        ).rejects.toBeInstanceOf(UsageError);
        await expect(
          gov.setRowFilter(LOCAL_ADMIN, { table: 'crm.accounts', role: 'big', predicate: 'true) OR (true' }),
        ).rejects.toBeInstanceOf(UsageError);
        await expectForbidden(
          gov.setRowFilter(ana, { table: 'crm.accounts', role: 'big', predicate: 'true' }),
          /MANAGE on table crm.accounts/,
        );
        await gov.dropRowFilter(LOCAL_ADMIN, { table: 'crm.accounts', role: 'big' });
        expect((await gov.effectiveAccess('ana', 'crm.accounts')).rowFilter!.filters).toHaveLength(1);
      });
    });

    describe('pipeline runs', () => {
      it('audits the start and end of a run with the run record', async () => {
        const { catalog, gov } = await setup();
        await catalog.operations.startRun({ id: 'run-1', pipeline: 'crm_sync', trigger: 'manual' });
        await catalog.operations.updateRun('run-1', { detail: { rows: 1 } });
        await catalog.operations.updateRun('run-1', { status: 'failed', error: 'source down', ended: true });
        const records = await gov.listAudit({ actor: 'pipeline:crm_sync' });
        expect(records.map((r) => [r.action, r.outcome, r.detail])).toEqual([
          ['pipeline.run.start', 'ok', { runId: 'run-1', trigger: 'manual' }],
          ['pipeline.run.end', 'error', { runId: 'run-1', status: 'failed', error: 'source down' }],
        ]);
        expect((await gov.verifyAudit()).problems).toEqual([]);
      });
    });

    describe('annotations and access requests', () => {
      it('merges annotations and lists them', async () => {
        const { gov } = await setup();
        await gov.annotate(LOCAL_ADMIN, {
          table: 'crm.accounts',
          description: 'Customers',
          terms: ['customer'],
        });
        await gov.annotate(LOCAL_ADMIN, { table: 'crm.accounts', owner: { type: 'principal', name: 'bob' } });
        await gov.annotate(LOCAL_ADMIN, {
          table: 'crm.accounts',
          column: 'email',
          description: 'Contact address',
        });
        expect(await gov.listAnnotations('crm.accounts')).toEqual([
          {
            table: 'crm.accounts',
            description: 'Customers',
            owner: { type: 'principal', name: 'bob' },
            terms: ['customer'],
          },
          { table: 'crm.accounts', column: 'email', description: 'Contact address', terms: [] },
        ]);
        await gov.annotate(LOCAL_ADMIN, { table: 'crm.accounts', description: null });
        expect((await gov.listAnnotations('crm.accounts'))[0]!.description).toBeUndefined();
        await expect(
          gov.annotate(LOCAL_ADMIN, {
            table: 'crm.accounts',
            column: 'email',
            owner: { type: 'principal', name: 'bob' },
          }),
        ).rejects.toBeInstanceOf(UsageError);
      });

      it('lets the owner decide requests, never the requester, and grants SELECT on approval', async () => {
        const { gov } = await setup();
        await gov.annotate(LOCAL_ADMIN, { table: 'crm.accounts', owner: { type: 'principal', name: 'bob' } });
        const r = await gov.requestAccess(ana, { table: 'crm.accounts', reason: 'quarterly report' });
        expect(r).toMatchObject({
          principal: 'ana',
          table: 'crm.accounts',
          status: 'pending',
          privilege: 'SELECT',
        });
        await expectForbidden(
          gov.decideAccessRequest(ana, r.id, { approve: true }),
          /nobody decides their own request/,
        );
        const decided = await gov.decideAccessRequest(bob, r.id, { approve: true, comment: 'ok' });
        expect(decided).toMatchObject({ status: 'approved', decidedBy: 'bob', comment: 'ok' });
        expect(await gov.listGrants({ grantee: { type: 'principal', name: 'ana' } })).toMatchObject([
          { privilege: 'SELECT', securable: { type: 'table', name: 'crm.accounts' } },
        ]);
        await expect(gov.decideAccessRequest(bob, r.id, { approve: false })).rejects.toBeInstanceOf(
          UsageError,
        );
        const r2 = await gov.requestAccess(ana, { table: 'sales.orders', reason: 'x' });
        await expectForbidden(
          gov.decideAccessRequest(bob, r2.id, { approve: true }),
          /MANAGE on table sales.orders/,
        );
        expect(await gov.listAccessRequests({ status: 'pending' })).toMatchObject([{ id: r2.id }]);
      });
    });

    describe('audit chain', () => {
      async function withRecords() {
        const ctx = await setup();
        for (let i = 0; i < 5; i++) {
          await ctx.gov.appendAudit({
            actor: 'test',
            action: 'test.event',
            target: `thing:${i}`,
            outcome: 'ok',
            detail: { i, big: 2n ** 62n },
          });
        }
        return ctx;
      }

      it('appends a gapless chain that verifies, with bigint-safe details', async () => {
        const { gov } = await withRecords();
        const all = await gov.listAudit();
        expect(all.map((r) => r.seq)).toEqual(all.map((_, i) => i + 1));
        for (let i = 1; i < all.length; i++) expect(all[i]!.prevHash).toBe(all[i - 1]!.hash);
        expect(all[0]!.prevHash).toBe('');
        expect(all.at(-1)!.detail).toEqual({ i: 4, big: 2n ** 62n });
        const v = await gov.verifyAudit();
        expect(v).toEqual({ records: all.length, lastSeq: all.length, problems: [] });
        expect(
          (await gov.listAudit({ target: 'thing:', afterSeq: all.length - 2 })).map((r) => r.target),
        ).toEqual(['thing:3', 'thing:4']);
        expect(canonicalJson({ b: 1, a: [true, null, 'x'], c: { z: 2n ** 64n, y: undefined } })).toBe(
          '{"a":[true,null,"x"],"b":1,"c":{"z":18446744073709551616}}',
        );
      });

      it('names an edited record', async () => {
        const { gov, catalog } = await withRecords();
        const target = (await gov.listAudit({ target: 'thing:2' }))[0]!;
        await catalog.store
          .knex('lakekit_audit_log')
          .where({ catalog_name: catalog.name, seq: target.seq })
          .update({ detail: '{"big":4611686018427387904,"i":99}' });
        const v = await gov.verifyAudit();
        expect(v.problems).toEqual([
          {
            seq: target.seq,
            problem: 'edited',
            message: expect.stringMatching(`record ${target.seq} was edited`),
          },
        ]);
      });

      it('names a deleted middle record and a deleted last record', async () => {
        const { gov, catalog } = await withRecords();
        const all = await gov.listAudit();
        const middle = all[3]!.seq;
        await catalog.store
          .knex('lakekit_audit_log')
          .where({ catalog_name: catalog.name, seq: middle })
          .delete();
        let v = await gov.verifyAudit();
        expect(v.problems).toEqual([
          { seq: middle, problem: 'deleted', message: expect.stringMatching(`record ${middle} is missing`) },
        ]);
        const last = all.at(-1)!.seq;
        await catalog.store
          .knex('lakekit_audit_log')
          .where({ catalog_name: catalog.name, seq: last })
          .delete();
        v = await gov.verifyAudit();
        expect(v.problems.map((p) => [p.seq, p.problem])).toEqual([
          [middle, 'deleted'],
          [last, 'head_mismatch'],
        ]);
      });

      if (backend === postgres) {
        it('keeps the chain intact under concurrent appends from two stores', async () => {
          const { where } = await setup();
          const other = await openCatalog(where);
          const first = (await openCatalog(where)).catalog.governance;
          const second = other.catalog.governance;
          // Bare appends and audited changes, interleaved across the two stores' connection pools.
          await Promise.all(
            Array.from({ length: 40 }, (_, i) => {
              const gov = i % 2 === 0 ? first : second;
              return i % 4 < 2
                ? gov.appendAudit({
                    actor: 'load',
                    action: 'test.concurrent',
                    target: `n:${i}`,
                    outcome: 'ok',
                  })
                : gov.createRole(LOCAL_ADMIN, { name: `r${i}` });
            }),
          );
          const v = await first.verifyAudit();
          expect(v.problems).toEqual([]);
          expect((await first.listAudit({ action: 'test.concurrent' })).length).toBe(20);
          expect((await first.listAudit({ action: 'role.create' })).length).toBe(20);
          expect(v.records).toBe(v.lastSeq);
        });
      }
    });
  });
}
