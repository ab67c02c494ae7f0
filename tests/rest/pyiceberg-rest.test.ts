/**
 * The Iceberg REST catalog on `lake serve` (docs/iceberg-rest.md), driven by PyIceberg's RestCatalog
 * from the peers venv against a real server on a fresh catalog: namespaces, create, append, schema
 * evolution and scan; a table Lakekit itself wrote; governance (403 on load without full SELECT, no
 * commit without MODIFY); a stale requirement is a 409; commits interleave with Lakekit's own.
 */
import { join } from 'node:path';
import { type Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { parseJson } from '@lakekit/core';
import { appendFiles, openEngine, writeDataFile } from '@lakekit/iceberg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';
import { runPython } from '../helpers/peers.js';
import { call, freshCatalog } from '../server/fixture.js';

const peer = join(import.meta.dirname, '..', 'peers', 'pyiceberg_rest_peer.py');

describe('Iceberg REST catalog with PyIceberg', () => {
  let catalog: Catalog;
  let drop: () => Promise<void>;
  let handle: ServerHandle;
  let uri: string;
  const tokens: Record<string, string> = {};

  // biome-ignore lint/suspicious/noExplicitAny: peer answers of many shapes
  const py = async (command: string, token: string, args: object = {}): Promise<any> => {
    const r = await runPython(peer, [command, JSON.stringify({ uri, token, ...args })]);
    if (r.code !== 0) throw new Error(`peer ${command} failed: ${r.stderr}`);
    // 63-bit values must come through exactly: not JSON.parse.
    return parseJson(r.stdout);
  };

  beforeAll(async () => {
    const fresh = await freshCatalog('sqlite');
    catalog = fresh.catalog;
    drop = fresh.drop;
    const gov = catalog.governance;
    // A table written by Lakekit itself.
    await catalog.createNamespace(['crm']);
    const columns = [
      { name: 'id', type: { kind: 'long' } as const },
      { name: 'email', type: { kind: 'string' } as const },
    ];
    const table = await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, columns);
    const engine = await openEngine();
    const files = await writeDataFile({
      engine,
      io: table.io,
      selectSql:
        "SELECT * FROM (VALUES (1::BIGINT, 'a@x'), (2::BIGINT, 'b@x'), (9007199254740993::BIGINT, 'big@x')) v(id, email)",
      sourceColumns: ['id', 'email'],
      schema: table.schema(),
      tableLocation: table.metadata.location,
      tableName: table.name,
    });
    await appendFiles(table, files);
    engine.close();

    const boot = await gov.bootstrap();
    tokens['admin'] = boot.token!.token;
    const A = LOCAL_ADMIN;
    for (const name of ['masked', 'selector']) await gov.createPrincipal(A, { name, kind: 'user' });
    await gov.createRole(A, { name: 'maskedrole' });
    await gov.addMember(A, 'maskedrole', 'masked');
    for (const p of ['masked', 'selector']) {
      for (const securable of [{ type: 'catalog' }, { type: 'namespace', name: 'crm' }] as const)
        await gov.grant(A, { privilege: 'USAGE', securable, grantee: { type: 'principal', name: p } });
      await gov.grant(A, {
        privilege: 'SELECT',
        securable: { type: 'table', name: 'crm.accounts' },
        grantee: { type: 'principal', name: p },
      });
    }
    await gov.setMask(A, { table: 'crm.accounts', column: 'email', role: 'maskedrole', kind: 'redact' });
    tokens['masked'] = (await gov.issueToken(A, 'masked')).token;
    tokens['selector'] = (await gov.issueToken(A, 'selector')).token;
    handle = await createServer({ catalog }).listen({ port: 0, host: '127.0.0.1' });
    uri = `${handle.url}/iceberg`;
  }, 120_000);

  afterAll(async () => {
    await handle?.close();
    await drop?.();
  });

  it('serves config, and refuses a missing token', async () => {
    const r = await call(handle.url, 'GET', '/iceberg/v1/config', { token: tokens['admin']! });
    expect(r.status).toBe(200);
    expect(r.body.endpoints).toContain('POST /v1/{prefix}/namespaces/{namespace}/tables/{table}');
    const anonymous = await call(handle.url, 'GET', '/iceberg/v1/config');
    expect(anonymous.status).toBe(401);
    // Iceberg's error object, which REST clients parse (not Lakekit's problem+json).
    expect(anonymous.body.error).toMatchObject({ type: 'NotAuthorizedException', code: 401 });
    const badToken = await call(handle.url, 'GET', '/iceberg/v1/namespaces', { token: 'lk_nope' });
    expect(badToken.body.error.type).toBe('NotAuthorizedException');
  });

  it('creates a namespace and a table, appends, evolves the schema and scans it back', async () => {
    const out = await py('scenario', tokens['admin']!, { ns: 'py' });
    expect(out.namespaces).toEqual(expect.arrayContaining([['crm'], ['py']]));
    expect(out.ns_props).toMatchObject({ owner: 'py' });
    expect(out.tables).toEqual(['py.people']);
    expect(out.columns).toEqual(['id', 'name', 'city']);
    expect(out.rows).toEqual([
      [1, 'ann', null],
      [2, 'bob', null],
      [3, 'cy', 'Oslo'],
    ]);
    expect(out.snapshots).toBe(2);
    expect(out.schema_id).toBe(1);
    expect(out.table_exists).toBe(true);
    // Lakekit sees the same table at the same metadata file.
    const t = await catalog.loadTable({ namespace: ['py'], name: 'people' });
    expect(t.metadataLocation).toBe(out.metadata_location);
    expect(t.schema().fields.map((f) => f.name)).toEqual(['id', 'name', 'city']);
    expect((await t.files()).length).toBe(2);
    // Every call was audited.
    const audit = await catalog.governance.listAudit({ action: 'iceberg.table.commit' });
    expect(audit.filter((a) => a.target === 'table:py.people' && a.outcome === 'ok').length).toBe(3);
  }, 120_000);

  it('reads a table Lakekit wrote (63-bit ids intact), and Lakekit reads what PyIceberg appends to it', async () => {
    const before = (await catalog.loadTable({ namespace: ['crm'], name: 'accounts' })).currentSnapshot()!;
    const got = await py('read', tokens['admin']!, { table: 'crm.accounts' });
    expect(got.columns).toEqual(['id', 'email']);
    expect(got.rows).toEqual([
      [1, 'a@x'],
      [2, 'b@x'],
      [9007199254740993n, 'big@x'],
    ]);
    const { snapshot } = await py('append', tokens['admin']!, {
      table: 'crm.accounts',
      rows: [{ id: 4, email: 'd@x' }],
    });
    const after = await catalog.loadTable({ namespace: ['crm'], name: 'accounts' });
    expect(String(after.currentSnapshot()!['snapshot-id'])).toBe(snapshot);
    expect(after.currentSnapshot()!['parent-snapshot-id']).toBe(before['snapshot-id']);
    expect((await after.files()).length).toBe(2);
  }, 120_000);

  it('refuses to hand out the metadata of a table whose SELECT is masked (403 with the reason)', async () => {
    const r = await py('try_load', tokens['masked']!, { table: 'crm.accounts' });
    expect(r.error).toBe('ForbiddenError');
    expect(r.message).toContain('masked columns: email');
    const raw = await call(handle.url, 'GET', '/iceberg/v1/namespaces/crm/tables/accounts', {
      token: tokens['masked']!,
    });
    expect(raw.status).toBe(403);
    expect(raw.body.error).toMatchObject({ type: 'ForbiddenException', code: 403 });
    const denied = await catalog.governance.listAudit({ action: 'iceberg.table.load', outcome: 'denied' });
    expect(denied.some((a) => a.actor === 'masked')).toBe(true);
  }, 60_000);

  it('lets a principal with full SELECT load, but not commit without MODIFY', async () => {
    expect((await py('try_load', tokens['selector']!, { table: 'crm.accounts' })).ok).toBe(true);
    const before = await catalog.store.loadPointer({ namespace: ['crm'], name: 'accounts' });
    const r = await py('try_append', tokens['selector']!, {
      table: 'crm.accounts',
      rows: [{ id: 5, email: 'e@x' }],
    });
    expect(r.error).toBe('ForbiddenError');
    expect(r.message).toContain('MODIFY');
    expect(await catalog.store.loadPointer({ namespace: ['crm'], name: 'accounts' })).toBe(before);
  }, 60_000);

  it('answers a stale requirement with 409 CommitFailedException and changes nothing', async () => {
    const before = await catalog.store.loadPointer({ namespace: ['crm'], name: 'accounts' });
    const r = await py('stale', tokens['admin']!, { table: 'crm.accounts' });
    expect(r.error).toBe('CommitFailedException');
    expect(r.message).toContain('current schema changed');
    expect(await catalog.store.loadPointer({ namespace: ['crm'], name: 'accounts' })).toBe(before);
  }, 60_000);

  it('fails a REST commit whose base a concurrent Lakekit commit changed (409), and keeps both apart', async () => {
    const path = '/iceberg/v1/namespaces/crm/tables/accounts';
    const loaded = await call(handle.url, 'GET', path, { token: tokens['admin']! });
    const base = loaded.body.metadata['current-snapshot-id'];
    // Lakekit commits meanwhile (a property change through its own commit path).
    const t = await catalog.loadTable({ namespace: ['crm'], name: 'accounts' });
    const { commitMetadata } = await import('@lakekit/iceberg');
    await commitMetadata(t, async (md) => ({
      metadata: { ...md, properties: { ...md.properties, lk: '1' } },
    }));
    // A REST commit that asserts main is unchanged still succeeds (a property change leaves main alone)…
    const ok = await call(handle.url, 'POST', path, {
      token: tokens['admin']!,
      body: {
        requirements: [{ type: 'assert-table-uuid', uuid: t.metadata['table-uuid'] }],
        updates: [{ action: 'set-properties', updates: { rest: '1' } }],
      },
    });
    expect(ok.status).toBe(200);
    expect(ok.body.metadata.properties).toMatchObject({ lk: '1', rest: '1' });
    // …while one that asserts an old snapshot of main fails.
    const stale = await call(handle.url, 'POST', path, {
      token: tokens['admin']!,
      body: {
        requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 1 }],
        updates: [{ action: 'set-properties', updates: { never: '1' } }],
      },
    });
    expect(base).toBeDefined();
    expect(stale.status).toBe(409);
    expect(stale.body.error.type).toBe('CommitFailedException');
    const unsupported = await call(handle.url, 'POST', path, {
      token: tokens['admin']!,
      body: { requirements: [], updates: [{ action: 'set-frobnication', level: 3 }] },
    });
    expect(unsupported.status).toBe(400);
    expect(unsupported.body.error.message).toContain('set-frobnication');
  });

  it('renames, registers and drops tables, and manages namespaces', async () => {
    const A = { token: tokens['admin']! };
    expect(
      (await call(handle.url, 'POST', '/iceberg/v1/namespaces', { ...A, body: { namespace: ['tmp'] } }))
        .status,
    ).toBe(200);
    const created = await call(handle.url, 'POST', '/iceberg/v1/namespaces/tmp/tables', {
      ...A,
      body: {
        name: 't1',
        schema: {
          type: 'struct',
          'schema-id': 0,
          fields: [{ id: 1, name: 'x', required: false, type: 'int' }],
        },
      },
    });
    expect(created.status).toBe(200);
    const renamed = await call(handle.url, 'POST', '/iceberg/v1/tables/rename', {
      ...A,
      body: { source: { namespace: ['tmp'], name: 't1' }, destination: { namespace: ['tmp'], name: 't2' } },
    });
    expect(renamed.status).toBe(204);
    expect(await catalog.tableExists({ namespace: ['tmp'], name: 't2' })).toBe(true);
    expect(await catalog.tableExists({ namespace: ['tmp'], name: 't1' })).toBe(false);
    const reg = await call(handle.url, 'POST', '/iceberg/v1/namespaces/tmp/register', {
      ...A,
      body: { name: 't3', 'metadata-location': created.body['metadata-location'] },
    });
    expect(reg.status).toBe(200);
    expect((await call(handle.url, 'HEAD', '/iceberg/v1/namespaces/tmp/tables/t3', A)).status).toBe(204);
    expect((await call(handle.url, 'DELETE', '/iceberg/v1/namespaces/tmp', A)).status).toBe(409);
    const props = await call(handle.url, 'POST', '/iceberg/v1/namespaces/tmp/properties', {
      ...A,
      body: { updates: { a: '1' }, removals: ['nope'] },
    });
    expect(props.body).toEqual({ updated: ['a'], removed: [], missing: ['nope'] });
    for (const t of ['t2', 't3'])
      expect((await call(handle.url, 'DELETE', `/iceberg/v1/namespaces/tmp/tables/${t}`, A)).status).toBe(
        204,
      );
    expect((await call(handle.url, 'DELETE', '/iceberg/v1/namespaces/tmp', A)).status).toBe(204);
    expect((await call(handle.url, 'HEAD', '/iceberg/v1/namespaces/tmp', A)).status).toBe(404);
  });
});
