import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { createFileIO } from '@lakekit/storage';
import { describe, expect, it } from 'vitest';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, readMetadata, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import {
  applyTableUpdates,
  applyUpdates,
  checkRequirements,
  commitRestUpdates,
  createTableMetadata,
  emptyMetadata,
  InvalidUpdateError,
  RequirementFailedError,
} from './rest-commit.js';
import { newSchema } from './schema.js';
import { Table } from './table.js';

const base = () =>
  newTableMetadata(
    'file:///w/t',
    newSchema([
      { name: 'id', type: { kind: 'long' } },
      { name: 'name', type: { kind: 'string' } },
    ]),
  );

const snapshot = (id: bigint, seq: bigint, parent?: bigint) => ({
  'snapshot-id': id,
  ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
  'sequence-number': seq,
  'timestamp-ms': 1700000000000,
  'manifest-list': `file:///w/t/metadata/snap-${id}.avro`,
  summary: { operation: 'append' },
});

describe('checkRequirements', () => {
  it('accepts requirements that hold and names the one that does not', () => {
    const md = base();
    expect(() =>
      checkRequirements(md, [
        { type: 'assert-table-uuid', uuid: md['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
        { type: 'assert-current-schema-id', 'current-schema-id': md['current-schema-id'] },
        { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': md['last-column-id'] },
        { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 },
        { type: 'assert-default-spec-id', 'default-spec-id': 0 },
        { type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 },
      ]),
    ).not.toThrow();
    expect(() => checkRequirements(md, [{ type: 'assert-create' }])).toThrow(RequirementFailedError);
    expect(() => checkRequirements(undefined, [{ type: 'assert-create' }])).not.toThrow();
    expect(() =>
      checkRequirements(md, [{ type: 'assert-current-schema-id', 'current-schema-id': 5 }]),
    ).toThrow('Requirement failed: current schema changed: expected id 5 != 0');
    expect(() => checkRequirements(md, [{ type: 'assert-table-uuid', uuid: 'other' }])).toThrow(
      RequirementFailedError,
    );
    expect(() => checkRequirements(md, [{ type: 'assert-nonsense' }])).toThrow(InvalidUpdateError);
  });
});

describe('applyUpdates', () => {
  it('adds a snapshot with a 63-bit id and points main at it', () => {
    const id = 9007199254740993123n % 2n ** 63n;
    const md = applyUpdates(base(), [
      { action: 'add-snapshot', snapshot: snapshot(id, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': id },
    ]);
    expect(md['current-snapshot-id']).toBe(id);
    expect(md.refs['main']).toEqual({ 'snapshot-id': id, type: 'branch' });
    expect(md['last-sequence-number']).toBe(1n);
    expect(md['snapshot-log']).toEqual([{ 'snapshot-id': id, 'timestamp-ms': 1700000000000 }]);
    // Removing it removes main too.
    const gone = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [id] }]);
    expect(gone.snapshots).toEqual([]);
    expect(gone.refs).toEqual({});
    expect(gone['current-snapshot-id']).toBeUndefined();
  });

  it('refuses a snapshot older than the last sequence number', () => {
    const md = applyUpdates(base(), [{ action: 'add-snapshot', snapshot: snapshot(1n, 3n) }]);
    expect(() => applyUpdates(md, [{ action: 'add-snapshot', snapshot: snapshot(2n, 2n, 1n) }])).toThrow(
      /older than/,
    );
  });

  it('evolves the schema: add-schema then set-current-schema -1; the same schema again is reused', () => {
    const md = base();
    const schema = {
      type: 'struct',
      'schema-id': 1,
      fields: [
        { id: 1, name: 'id', required: false, type: 'long' },
        { id: 2, name: 'name', required: false, type: 'string' },
        { id: 3, name: 'city', required: false, type: 'string' },
      ],
    };
    const next = applyUpdates(md, [
      { action: 'add-schema', schema },
      { action: 'set-current-schema', 'schema-id': -1 },
    ]);
    expect(next['current-schema-id']).toBe(1);
    expect(next['last-column-id']).toBe(3);
    expect(next.schemas).toHaveLength(2);
    const again = applyUpdates(next, [{ action: 'add-schema', schema: { ...schema, 'schema-id': 7 } }]);
    expect(again.schemas).toHaveLength(2);
    expect(md.schemas).toHaveLength(1); // the base is not changed
  });

  it('adds specs and sort orders, assigning partition field ids', () => {
    const md = applyUpdates(base(), [
      {
        action: 'add-spec',
        spec: { fields: [{ 'source-id': 1, transform: 'bucket[4]', name: 'id_bucket' }] },
      },
      { action: 'set-default-spec', 'spec-id': -1 },
      {
        action: 'add-sort-order',
        'sort-order': {
          'order-id': 1,
          fields: [{ 'source-id': 1, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }],
        },
      },
      { action: 'set-default-sort-order', 'sort-order-id': -1 },
    ]);
    expect(md['default-spec-id']).toBe(1);
    expect(md['partition-specs'][1]!.fields[0]!['field-id']).toBe(1000);
    expect(md['last-partition-id']).toBe(1000);
    expect(md['default-sort-order-id']).toBe(1);
  });

  it('sets and removes properties and location, and names an unsupported update', () => {
    const md = applyUpdates(base(), [
      { action: 'set-properties', updates: { a: '1', b: '2' } },
      { action: 'remove-properties', removals: ['a'] },
      { action: 'set-location', location: 'file:///w/t2/' },
      { action: 'upgrade-format-version', 'format-version': 2 },
    ]);
    expect(md.properties['b']).toBe('2');
    expect(md.properties['a']).toBeUndefined();
    expect(md.location).toBe('file:///w/t2');
    expect(() => applyUpdates(base(), [{ action: 'add-encryption-key' }])).toThrow(
      /unsupported table update: add-encryption-key/,
    );
    expect(() => applyUpdates(base(), [{ action: 'upgrade-format-version', 'format-version': 3 }])).toThrow(
      InvalidUpdateError,
    );
  });

  it('builds a whole table from empty metadata (staged create)', () => {
    const md = applyUpdates(emptyMetadata(), [
      { action: 'assign-uuid', uuid: '11111111-1111-1111-1111-111111111111' },
      {
        action: 'add-schema',
        schema: {
          type: 'struct',
          'schema-id': 0,
          fields: [{ id: 1, name: 'x', required: true, type: 'int' }],
        },
      },
      { action: 'set-current-schema', 'schema-id': -1 },
      { action: 'set-location', location: 'file:///w/new' },
    ]);
    expect(md['table-uuid']).toBe('11111111-1111-1111-1111-111111111111');
    expect(md['current-schema-id']).toBe(0);
    expect(md['default-spec-id']).toBe(0);
    expect(() =>
      applyUpdates(emptyMetadata(), [{ action: 'set-location', location: 'file:///w/x' }]),
    ).toThrow(/no current schema/);
  });
});

describe('applyTableUpdates (the reference builder rules)', () => {
  const stats = (id: bigint, path: string) => ({
    'snapshot-id': id,
    'statistics-path': path,
    'file-size-in-bytes': 10,
    'file-footer-size-in-bytes': 5,
    'blob-metadata': [],
  });

  it('reports a commit that changes nothing as unchanged (no new metadata file then)', () => {
    const md = base();
    for (const updates of [
      [{ action: 'set-properties', updates: {} }],
      [{ action: 'set-location', location: md.location }],
      [{ action: 'set-current-schema', 'schema-id': md['current-schema-id'] }],
      [{ action: 'upgrade-format-version', 'format-version': 2 }],
      [{ action: 'remove-snapshot-ref', 'ref-name': 'nope' }],
    ]) {
      const r = applyTableUpdates(md, updates);
      expect(r.changed, JSON.stringify(updates)).toBe(false);
      expect(r.metadata).toBe(md);
    }
    expect(applyTableUpdates(md, [{ action: 'set-properties', updates: { a: '1' } }]).changed).toBe(true);
  });

  it('sets and removes statistics and partition statistics; removing a snapshot removes its statistics', () => {
    let md = applyUpdates(base(), [
      { action: 'add-snapshot', snapshot: snapshot(5n, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 5 },
      { action: 'set-statistics', statistics: stats(5n, 'file:///w/t/stats/a.puffin') },
      { action: 'set-statistics', statistics: stats(5n, 'file:///w/t/stats/b.puffin') },
      {
        action: 'set-partition-statistics',
        'partition-statistics': {
          'snapshot-id': 5,
          'statistics-path': 'file:///w/t/p.parquet',
          'file-size-in-bytes': 3,
        },
      },
    ]);
    // One statistics file per snapshot: the second replaces the first.
    expect(md['statistics']).toEqual([stats(5n, 'file:///w/t/stats/b.puffin')]);
    expect((md['partition-statistics'] as { 'snapshot-id': bigint }[])[0]!['snapshot-id']).toBe(5n);
    md = applyUpdates(md, [{ action: 'remove-statistics', 'snapshot-id': 5 }]);
    expect(md['statistics']).toBeUndefined();
    md = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [5] }]);
    expect(md['partition-statistics']).toBeUndefined();
    expect(md.refs).toEqual({});
  });

  it('removes unused schemas and specs, never the current schema or the default spec', () => {
    const md = applyUpdates(base(), [
      {
        action: 'add-schema',
        schema: {
          type: 'struct',
          'schema-id': 1,
          fields: [{ id: 1, name: 'id', required: false, type: 'long' }],
        },
      },
      { action: 'add-spec', spec: { fields: [{ 'source-id': 1, transform: 'identity', name: 'id' }] } },
    ]);
    expect(md.schemas).toHaveLength(2);
    expect(md['partition-specs']).toHaveLength(2);
    const pruned = applyUpdates(md, [
      { action: 'remove-schemas', 'schema-ids': [1] },
      { action: 'remove-partition-specs', 'spec-ids': [1] },
    ]);
    expect(pruned.schemas.map((x) => x['schema-id'])).toEqual([0]);
    expect(pruned['partition-specs'].map((x) => x['spec-id'])).toEqual([0]);
    expect(() => applyUpdates(md, [{ action: 'remove-schemas', 'schema-ids': [0] }])).toThrow(
      'Cannot remove the current schema',
    );
    expect(() => applyUpdates(md, [{ action: 'remove-partition-specs', 'spec-ids': [0] }])).toThrow(
      'Cannot remove the default partition spec',
    );
  });

  it('keeps snapshots made current and replaced in the same commit out of the snapshot log', () => {
    const md = applyUpdates(base(), [
      { action: 'add-snapshot', snapshot: snapshot(1n, 1n) },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 1 },
      { action: 'add-snapshot', snapshot: { ...snapshot(2n, 2n, 1n), 'timestamp-ms': 1700000000001 } },
      { action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': 2 },
    ]);
    expect(md['snapshot-log']).toEqual([{ 'snapshot-id': 2n, 'timestamp-ms': 1700000000001 }]);
  });

  it('refuses a spec with a missing source column, and non-sequential partition field ids in v1', () => {
    expect(() =>
      applyUpdates(base(), [
        { action: 'add-spec', spec: { fields: [{ 'source-id': 9, transform: 'identity', name: 'x' }] } },
      ]),
    ).toThrow(/Cannot find source column for partition field/);
    const v1 = { ...base(), 'format-version': 1 };
    expect(() =>
      applyUpdates(v1, [
        {
          action: 'add-spec',
          spec: { fields: [{ 'source-id': 1, 'field-id': 1005, transform: 'identity', name: 'id' }] },
        },
      ]),
    ).toThrow(/sequential IDs that are required in v1/);
  });
});

describe('createTableMetadata', () => {
  it('assigns fresh column ids (a struct level before the fields nested in it) and binds spec and order by name', () => {
    const md = createTableMetadata({
      schema: {
        type: 'struct',
        'schema-id': 7,
        'identifier-field-ids': [10],
        fields: [
          { id: 10, name: 'id', required: true, type: 'long' },
          {
            id: 20,
            name: 'tags',
            required: false,
            type: { type: 'list', 'element-id': 21, element: 'string', 'element-required': false },
          },
          { id: 30, name: 'day', required: false, type: 'date' },
        ],
      },
      spec: {
        'spec-id': 3,
        fields: [{ 'source-id': 30, 'field-id': 1007, transform: 'month', name: 'day_month' }],
      },
      writeOrder: {
        'order-id': 5,
        fields: [{ 'source-id': 10, transform: 'identity', direction: 'asc', 'null-order': 'nulls-first' }],
      },
      location: 'file:///w/new',
      properties: { 'format-version': '1', owner: 'me' },
    });
    const fields = md.schemas[0]!['fields'] as { id: number; type: unknown }[];
    expect(fields.map((f) => f.id)).toEqual([1, 2, 3]);
    expect((fields[1]!.type as Record<string, unknown>)['element-id']).toBe(4);
    expect(md.schemas[0]!['identifier-field-ids']).toEqual([1]);
    expect(md['last-column-id']).toBe(4);
    expect(md['partition-specs']).toEqual([
      { 'spec-id': 0, fields: [{ name: 'day_month', transform: 'month', 'source-id': 3, 'field-id': 1000 }] },
    ]);
    expect(md['sort-orders'].find((o) => o['order-id'] === md['default-sort-order-id'])).toEqual({
      'order-id': 1,
      fields: [{ transform: 'identity', 'source-id': 1, direction: 'asc', 'null-order': 'nulls-first' }],
    });
    // format-version picks the version and is not stored as a property.
    expect(md['format-version']).toBe(1);
    expect(md.properties['owner']).toBe('me');
    expect(md.properties['format-version']).toBeUndefined();
    expect(() =>
      createTableMetadata({
        schema: { type: 'struct', fields: [] },
        location: 'file:///w/x',
        properties: { 'format-version': '3' },
      }),
    ).toThrow('Unsupported format version: v3 (supported: v2)');
  });
});

describe('commitRestUpdates', () => {
  it('commits through the compare-and-swap and rechecks requirements after a lost race', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rest-commit-'));
    const io = createFileIO();
    const backend = new MemoryCatalogBackend('test');
    const id = { namespace: ['ns'], name: 't' };
    const md = newTableMetadata(
      pathToFileURL(join(dir, 't')).href,
      newSchema([{ name: 'id', type: { kind: 'long' } }]),
    );
    const loc = nextMetadataLocation(md.location);
    await writeMetadata(io, loc, md);
    await backend.createPointer(id, loc);
    const table = new Table(id, io, backend, loc, md);
    const stale = new Table(id, io, backend, loc, md);

    const committed = await commitRestUpdates(
      table,
      [{ type: 'assert-table-uuid', uuid: md['table-uuid'] }],
      [{ action: 'set-properties', updates: { a: '1' } }],
    );
    expect(committed.properties['a']).toBe('1');
    const pointer = (await backend.loadPointer(id))!;
    expect((await readMetadata(io, pointer)).properties['a']).toBe('1');

    // `stale` still holds the old head: its swap loses, it retries on the new head (requirement holds).
    const merged = await commitRestUpdates(
      stale,
      [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }],
      [{ action: 'set-properties', updates: { b: '2' } }],
    );
    expect(merged.properties).toMatchObject({ a: '1', b: '2' });

    // A requirement that no longer holds after the race fails instead of being retried.
    const old = new Table(id, io, backend, loc, md);
    await commitRestUpdates(
      table,
      [],
      [
        {
          action: 'add-schema',
          schema: {
            type: 'struct',
            'schema-id': 1,
            fields: [
              { id: 1, name: 'id', required: false, type: 'long' },
              { id: 2, name: 'n', required: false, type: 'int' },
            ],
          },
        },
        { action: 'set-current-schema', 'schema-id': -1 },
      ],
    );
    await expect(
      commitRestUpdates(
        old,
        [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }],
        [{ action: 'set-properties', updates: { c: '3' } }],
      ),
    ).rejects.toBeInstanceOf(RequirementFailedError);
  });

  it('writes no metadata file for a commit that changes nothing, and deletes files leaving the log when asked', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'rest-commit-'));
    const io = createFileIO();
    const backend = new MemoryCatalogBackend('test');
    const id = { namespace: ['ns'], name: 't' };
    const md = newTableMetadata(
      pathToFileURL(join(dir, 't')).href,
      newSchema([{ name: 'id', type: { kind: 'long' } }]),
    );
    const first = nextMetadataLocation(md.location);
    await writeMetadata(io, first, md);
    await backend.createPointer(id, first);
    const table = new Table(id, io, backend, first, md);
    const same = await commitRestUpdates(table, [], [{ action: 'set-properties', updates: {} }]);
    expect(same).toBe(md);
    expect(await backend.loadPointer(id)).toBe(first);
    await commitRestUpdates(
      table,
      [],
      [
        {
          action: 'set-properties',
          updates: {
            'write.metadata.delete-after-commit.enabled': 'true',
            'write.metadata.previous-versions-max': '1',
          },
        },
      ],
    );
    const second = table.metadataLocation;
    await commitRestUpdates(table, [], [{ action: 'set-properties', updates: { a: '1' } }]);
    // The log now keeps one previous file (the second): the first left it and was deleted.
    expect(table.metadata['metadata-log'].map((e) => e['metadata-file'])).toEqual([second]);
    expect(await io.exists(first)).toBe(false);
    expect(await io.exists(second)).toBe(true);
  });
});
