/**
 * Governance as code on a PostgreSQL catalog (LAKEKIT_TEST_POSTGRES_URL): a file applied to one
 * catalog, exported, applied to a second catalog in another database and exported again gives the
 * same text; plan then lists nothing, and a row filter written differently from its stored form is
 * no change. Each run works in databases of its own.
 */
import { randomBytes } from 'node:crypto';
import {
  applyGovernance,
  Catalog,
  exportGovernance,
  LOCAL_ADMIN,
  parseGovernanceFile,
  planGovernance,
  stringifyGovernance,
} from '@lakekit/catalog';
import { MemoryFileIO } from '@lakekit/storage';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

function serverUrl(): string {
  const value = process.env['LAKEKIT_TEST_POSTGRES_URL'];
  if (!value) {
    throw new Error(
      'LAKEKIT_TEST_POSTGRES_URL is not set (run integration tests with: bash tests/run-all.sh)',
    );
  }
  return value;
}

const databases = [0, 1].map(() => `gov_h3_ascode_${randomBytes(4).toString('hex')}`);
const urlFor = (db: string) => {
  const url = new URL(serverUrl());
  url.pathname = `/${db}`;
  return url.toString();
};

const FILE = `version: 1
principals:
  - { name: ana, kind: user, attributes: { region: west, team: sales } }
  - { name: zed@example.com, kind: user, disabled: true }
  - { name: etl, kind: service }
roles:
  - { name: analyst, description: Reads CRM data, members: [zed@example.com, ana] }
  - { name: auditor }
grants:
  - { privilege: USAGE, on: catalog, to: role:analyst }
  - { privilege: USAGE, on: namespace:crm, to: role:analyst }
  - { privilege: SELECT, on: column:crm.accounts.id, to: role:auditor }
  - { privilege: SELECT, on: table:crm.accounts, to: role:analyst }
masks:
  - { table: crm.accounts, column: email, role: analyst, kind: sql, expression: "upper(email)" }
row_filters:
  - { table: crm.accounts, role: analyst, predicate: "REGION = principal.region AND id > 0" }
tags:
  - { table: crm.accounts, column: email, tag: pii.email }
  - { table: crm.accounts, tag: crm }
tag_policies:
  - { name: pii-partial, tag: pii, role: auditor, mask: { kind: partial, keep_first: 1, keep_last: 2 } }
annotations:
  - { table: crm.accounts, column: email, description: Contact address, terms: [contact, email] }
`;

describe('governance as code on PostgreSQL', () => {
  const catalogs: Catalog[] = [];

  beforeAll(async () => {
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    try {
      for (const db of databases) await admin.query(`CREATE DATABASE ${db}`);
    } finally {
      await admin.end();
    }
    for (const db of databases) {
      const catalog = await Catalog.open({
        uri: urlFor(db),
        name: 'lakekit',
        warehouse: 'memory://warehouse',
        io: new MemoryFileIO(),
      });
      catalogs.push(catalog);
      await catalog.createNamespace(['crm']);
      await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, [
        { name: 'id', type: { kind: 'long' } },
        { name: 'email', type: { kind: 'string' } },
        { name: 'region', type: { kind: 'string' } },
      ]);
    }
  });

  afterAll(async () => {
    for (const c of catalogs) await c.close();
    const admin = new pg.Client({ connectionString: serverUrl() });
    await admin.connect();
    try {
      for (const db of databases) await admin.query(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  });

  it('round-trips through export and apply, and plans no change afterwards', async () => {
    const [first, second] = catalogs as [Catalog, Catalog];
    const doc = parseGovernanceFile(FILE, 'gov.yaml');
    await applyGovernance(first.governance, LOCAL_ADMIN, doc);
    const exported = stringifyGovernance(await exportGovernance(first.governance));
    // Stable order: principals, members and terms sorted whatever order the file had.
    expect(exported.indexOf('name: ana')).toBeLessThan(exported.indexOf('name: etl'));
    expect(exported).toContain('members:\n      - ana\n      - zed@example.com');
    expect(await planGovernance(first.governance, doc)).toEqual([]);

    await applyGovernance(second.governance, LOCAL_ADMIN, parseGovernanceFile(exported, 'export.yaml'));
    expect(stringifyGovernance(await exportGovernance(second.governance))).toBe(exported);
    expect(await planGovernance(second.governance, parseGovernanceFile(exported))).toEqual([]);
    expect((await second.governance.getPrincipal('zed@example.com'))?.disabled).toBe(true);
  });
});
