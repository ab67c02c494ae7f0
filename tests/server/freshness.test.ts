/**
 * The server decides on an in-memory governance snapshot; these tests change the catalog behind its
 * back — through the real `lake` CLI in another process, and through a second server on the same
 * catalog database — and check that the very next request is decided on the change.
 */

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';
import { runLake, workspace } from '../helpers/cli.js';
import { backends, call, freshCatalog } from './fixture.js';

for (const backend of backends()) {
  describe(`changes made elsewhere are seen at once (${backend})`, () => {
    let fresh: Awaited<ReturnType<typeof freshCatalog>>;
    let server: ServerHandle;
    let second: { catalog: Catalog; handle: ServerHandle };
    let cwd: string;
    let admin: string;
    let reader: string;
    let readerId: string;

    beforeAll(async () => {
      fresh = await freshCatalog(backend);
      const { catalog } = fresh;
      const gov = catalog.governance;
      await catalog.createNamespace(['crm']);
      await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'email', type: { kind: 'string' } },
      ]);
      admin = (await gov.bootstrap()).token!.token;
      await gov.createPrincipal(LOCAL_ADMIN, { name: 'reader', kind: 'user' });
      for (const [privilege, securable] of [
        ['USAGE', { type: 'catalog' }],
        ['USAGE', { type: 'namespace', name: 'crm' }],
        ['SELECT', { type: 'table', name: 'crm.accounts' }],
      ] as const) {
        await gov.grant(LOCAL_ADMIN, {
          privilege,
          securable,
          grantee: { type: 'principal', name: 'reader' },
        });
      }
      const issued = await gov.issueToken(LOCAL_ADMIN, 'reader');
      reader = issued.token;
      readerId = issued.id;
      server = await createServer({ catalog, validateResponses: true }).listen({ port: 0 });
      // A second server on the same catalog database (another `lake serve`).
      const other = await Catalog.open({
        uri: fresh.uri,
        name: 'lakekit',
        warehouse: pathToFileURL(join(fresh.dir, 'warehouse')).href,
        io: createFileIO({}),
      });
      second = { catalog: other, handle: await createServer({ catalog: other }).listen({ port: 0 }) };
      cwd = workspace(
        `warehouse: ${join(fresh.dir, 'warehouse')}\ncatalog:\n  uri: ${fresh.uri}\n  name: lakekit\n`,
      );
    });

    afterAll(async () => {
      await second?.handle.close();
      await second?.catalog.close();
      await server?.close();
      await fresh?.drop();
    });

    async function lake(...args: string[]): Promise<void> {
      const r = await runLake(args, { cwd });
      if (r.code !== 0) throw new Error(`lake ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    }

    const access = () =>
      call(server.url, 'GET', '/api/v1/tables/crm.accounts/access', { token: reader }).then((a) => a.body);
    const listed = async () =>
      (await call(server.url, 'GET', '/api/v1/tables', { token: reader })).body.map(
        (t: { name: string }) => t.name,
      );

    it('a grant revoked and given again by the CLI decides the next request', async () => {
      expect((await access()).canSelect).toBe(true);
      expect(await listed()).toEqual(['crm.accounts']);
      await lake('revoke', 'SELECT', 'table:crm.accounts', 'principal:reader');
      expect((await access()).canSelect).toBe(false);
      expect(await listed()).toEqual([]);
      await lake('grant', 'SELECT', 'column:crm.accounts.email', 'principal:reader');
      const now = await access();
      expect(now.columns.map((c: { name: string }) => c.name)).toEqual(['email']);
      expect(await listed()).toEqual(['crm.accounts']);
    });

    it('a change through a second server decides the next request of the first', async () => {
      const tag = await call(second.handle.url, 'PUT', '/api/v1/tables/crm.accounts/columns/email/tags/pii', {
        token: admin,
      });
      expect(tag.status).toBe(204);
      const tables = await call(server.url, 'GET', '/api/v1/tables', { token: admin });
      expect(tables.body).toEqual([{ name: 'crm.accounts', terms: [], tags: [] }]);
      const described = await call(server.url, 'GET', '/api/v1/tables/crm.accounts', { token: admin });
      expect(described.body.columns.find((c: { name: string }) => c.name === 'email').tags).toEqual(['pii']);
    });

    it('a table recreated with other columns is described by its new schema', async () => {
      const id = { namespace: ['crm'], name: 'accounts' };
      await fresh.catalog.dropTable(id);
      await fresh.catalog.createTable(id, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'email', type: { kind: 'string' } },
        { name: 'phone', type: { kind: 'string' } },
      ]);
      for (const url of [server.url, second.handle.url]) {
        const a = await call(url, 'GET', '/api/v1/tables/crm.accounts/access?principal=reader', {
          token: admin,
        });
        expect(a.body.columns.map((c: { name: string }) => c.name)).toEqual(['id', 'email', 'phone']);
      }
    });

    it('refuses a token the CLI revoked on the very next request, on both servers', async () => {
      expect((await call(server.url, 'GET', '/api/v1/me', { token: reader })).status).toBe(200);
      expect((await call(second.handle.url, 'GET', '/api/v1/me', { token: reader })).status).toBe(200);
      await lake('principal', 'token', 'revoke', readerId);
      for (const url of [server.url, second.handle.url]) {
        const refused = await call(url, 'GET', '/api/v1/me', { token: reader });
        expect(refused.status).toBe(401);
        expect(refused.body.reason).toBe('revoked');
      }
    });
  });
}
