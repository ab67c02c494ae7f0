import { MemoryFileIO } from '@lakekit/storage';
import { afterEach, describe, expect, it } from 'vitest';
import { Catalog } from '../catalog.js';
import {
  applyGovernance,
  exportGovernance,
  parseGovernanceFile,
  parseSecurable,
  planGovernance,
  stringifyGovernance,
} from './as-code.js';
import { LOCAL_ADMIN } from './store.js';

const opened: Catalog[] = [];
afterEach(async () => {
  for (const c of opened.splice(0)) await c.close();
});

/** A catalog on in-memory SQLite with crm.accounts and crm.orders. */
async function catalogWithTables(): Promise<Catalog> {
  const catalog = await Catalog.open({
    uri: 'sqlite::memory:',
    name: 'lakekit',
    warehouse: 'memory://warehouse',
    io: new MemoryFileIO(),
  });
  opened.push(catalog);
  await catalog.createNamespace(['crm']);
  await catalog.createTable({ namespace: ['crm'], name: 'accounts' }, [
    { name: 'id', type: { kind: 'long' }, required: true },
    { name: 'email', type: { kind: 'string' } },
    { name: 'region', type: { kind: 'string' } },
  ]);
  await catalog.createTable({ namespace: ['crm'], name: 'orders' }, [
    { name: 'id', type: { kind: 'long' } },
    { name: 'amount', type: { kind: 'double' } },
  ]);
  return catalog;
}

const FILE = `version: 1
principals:
  - name: ana
    kind: user
    attributes: { region: west }
  - name: etl
    kind: service
roles:
  - name: analyst
    description: Reads CRM data
    members: [ana]
grants:
  - { privilege: USAGE, on: catalog, to: role:analyst }
  - { privilege: USAGE, on: namespace:crm, to: role:analyst }
  - { privilege: SELECT, on: table:crm.accounts, to: role:analyst }
  - { privilege: MODIFY, on: namespace:crm, to: principal:etl }
masks:
  - { table: crm.accounts, column: email, role: analyst, kind: partial, keep_last: 4 }
row_filters:
  - { table: crm.accounts, role: analyst, predicate: "region = principal.region" }
tags:
  - { table: crm.accounts, column: email, tag: pii.email }
  - { table: crm.orders, tag: finance }
tag_policies:
  - { name: pii-hash, tag: pii, role: analyst, mask: { kind: hash } }
annotations:
  - { table: crm.accounts, description: Customer accounts, owner: "principal:etl", terms: [customer] }
  - { table: crm.accounts, column: email, description: Contact address }
`;

describe('governance as code', () => {
  it('export → apply on an empty catalog → export gives the same file', async () => {
    const source = await catalogWithTables();
    const doc = parseGovernanceFile(FILE, 'gov.yaml');
    const made = await applyGovernance(source.governance, LOCAL_ADMIN, doc);
    expect(made.length).toBeGreaterThan(10);
    const exported = stringifyGovernance(await exportGovernance(source.governance));
    expect(exported).toContain('predicate: (region = principal.region)');

    const target = await catalogWithTables();
    await applyGovernance(target.governance, LOCAL_ADMIN, parseGovernanceFile(exported, 'export.yaml'));
    expect(stringifyGovernance(await exportGovernance(target.governance))).toBe(exported);
    expect(await planGovernance(target.governance, parseGovernanceFile(exported))).toEqual([]);
    // The file as written (predicate spelt differently from the stored form) is no change either.
    expect(await planGovernance(source.governance, doc)).toEqual([]);
  });

  it('a changed file shows exactly the changes, and applying them reaches it', async () => {
    const catalog = await catalogWithTables();
    await applyGovernance(catalog.governance, LOCAL_ADMIN, parseGovernanceFile(FILE));
    const changed = FILE.replace('attributes: { region: west }', 'attributes: { region: south }')
      .replace('  - { privilege: MODIFY, on: namespace:crm, to: principal:etl }\n', '')
      .replace('kind: partial, keep_last: 4', 'kind: redact')
      .replace(
        '  - { table: crm.orders, tag: finance }\n',
        '  - { table: crm.orders, column: amount, tag: finance }\n',
      );
    const plan = await planGovernance(catalog.governance, parseGovernanceFile(changed));
    expect(plan.map((c) => c.text)).toEqual([
      '- tag finance on crm.orders',
      '- grant MODIFY on namespace:crm to principal:etl',
      '~ principal ana attributes {"region":"south"}',
      '+ tag finance on crm.orders.amount',
      '~ mask redact on crm.accounts.email for role analyst',
    ]);
    await applyGovernance(catalog.governance, LOCAL_ADMIN, parseGovernanceFile(changed));
    expect(await planGovernance(catalog.governance, parseGovernanceFile(changed))).toEqual([]);
    expect((await catalog.governance.getPrincipal('ana'))?.attributes).toEqual({ region: 'south' });
  });

  it('removes what the file lacks: it is the whole truth', async () => {
    const catalog = await catalogWithTables();
    await applyGovernance(catalog.governance, LOCAL_ADMIN, parseGovernanceFile(FILE));
    const plan = await planGovernance(catalog.governance, parseGovernanceFile('version: 1\n'));
    expect(plan.every((c) => c.op === 'remove')).toBe(true);
    await applyGovernance(catalog.governance, LOCAL_ADMIN, parseGovernanceFile('version: 1\n'));
    expect(await exportGovernance(catalog.governance)).toEqual({
      version: 1,
      principals: [],
      roles: [],
      grants: [],
      masks: [],
      row_filters: [],
      tags: [],
      tag_policies: [],
      annotations: [],
    });
  });

  it('recreates a role whose description changed, with its grants and members', async () => {
    const catalog = await catalogWithTables();
    await applyGovernance(catalog.governance, LOCAL_ADMIN, parseGovernanceFile(FILE));
    const changed = FILE.replace('Reads CRM data', 'Reads all CRM data');
    await applyGovernance(catalog.governance, LOCAL_ADMIN, parseGovernanceFile(changed));
    expect(await planGovernance(catalog.governance, parseGovernanceFile(changed))).toEqual([]);
    expect((await catalog.governance.getRole('analyst'))?.members).toEqual(['ana']);
  });

  it('names file, line and key path of an invalid file', () => {
    const bad = FILE.replace(
      'to: role:analyst }\n  - { privilege: SELECT',
      'to: team:analyst }\n  - { privilege: SELECT',
    );
    expect(() => parseGovernanceFile(bad, 'gov.yaml')).toThrow(
      /^gov\.yaml:14: grants\[1\]\.to: expected principal/,
    );
    expect(() => parseGovernanceFile('version: 1\nroles:\n  - name: a\n    colour: red\n', 'g.yaml')).toThrow(
      /^g\.yaml:3: roles\[0\]: .*colour/,
    );
    expect(() => parseGovernanceFile('version: 1\nroles: [a\n', 'g.yaml')).toThrow(/^g\.yaml:\d+: /);
  });

  it('parses securables', () => {
    expect(parseSecurable('column:crm.accounts.email')).toEqual({
      type: 'column',
      table: 'crm.accounts',
      column: 'email',
    });
    expect(() => parseSecurable('table:accounts')).toThrow(/securable "table:accounts"/);
  });
});
