import { describe, expect, it } from 'vitest';
import { newSchema, schemaFromJson, schemaToJson } from './schema.js';
import { currentSnapshot, parseTableMetadata, serializeTableMetadata } from './table-metadata.js';

const BIG = 8_744_956_303_154_327_271n; // a PyIceberg-style id far above 2^53

const metadataText = `{
  "format-version": 2,
  "table-uuid": "9c12d441-03fe-4693-9a96-a0705ddf69c1",
  "location": "s3://bucket/wh/crm.db/accounts",
  "last-sequence-number": 1,
  "last-updated-ms": 1700000000000,
  "last-column-id": 2,
  "current-schema-id": 0,
  "schemas": [{"type": "struct", "schema-id": 0, "fields": [
    {"id": 1, "name": "id", "required": true, "type": "long"},
    {"id": 2, "name": "amount", "required": false, "type": "decimal(10, 2)"}]}],
  "default-spec-id": 0,
  "partition-specs": [{"spec-id": 0, "fields": []}],
  "last-partition-id": 999,
  "default-sort-order-id": 0,
  "sort-orders": [{"order-id": 0, "fields": []}],
  "properties": {"owner": "pyiceberg"},
  "current-snapshot-id": ${BIG},
  "refs": {"main": {"snapshot-id": ${BIG}, "type": "branch"}},
  "snapshots": [{"snapshot-id": ${BIG}, "sequence-number": 1, "timestamp-ms": 1700000000000,
    "manifest-list": "s3://bucket/wh/crm.db/accounts/metadata/snap.avro", "summary": {"operation": "append"}, "schema-id": 0}],
  "statistics": [{"snapshot-id": ${BIG}, "statistics-path": "s3://x/stats.puffin", "file-size-in-bytes": 10, "file-footer-size-in-bytes": 5, "blob-metadata": []}],
  "snapshot-log": [{"snapshot-id": ${BIG}, "timestamp-ms": 1700000000000}],
  "metadata-log": []
}`;

describe('table metadata', () => {
  it('keeps 63-bit snapshot ids exact and fields of other writers intact', () => {
    const md = parseTableMetadata(metadataText);
    expect(md['current-snapshot-id']).toBe(BIG);
    expect(currentSnapshot(md)?.['snapshot-id']).toBe(BIG);
    const again = serializeTableMetadata(md);
    expect(again).toContain(`"current-snapshot-id": ${BIG}`);
    expect(again).toContain('"statistics-path": "s3://x/stats.puffin"');
    expect(parseTableMetadata(again)).toEqual(md);
  });

  it('reads current-snapshot-id -1 as an empty table, and writes the spec form (omitted)', () => {
    const text = metadataText
      .replace(`"current-snapshot-id": ${BIG}`, '"current-snapshot-id": -1')
      .replace(/"refs": \{[^}]*\}\},/, '"refs": {},');
    const md = parseTableMetadata(text);
    expect(currentSnapshot(md)).toBeUndefined();
    expect(md['current-snapshot-id']).toBeUndefined();
    expect(serializeTableMetadata(md)).not.toContain('current-snapshot-id');
  });

  it('rejects metadata that is not JSON or lacks required fields, naming the file', () => {
    expect(() => parseTableMetadata('{nope', 'file:///x/00001.metadata.json')).toThrow(
      /00001\.metadata\.json/,
    );
    expect(() => parseTableMetadata('{"format-version": 2, "location": "x"}', 'm.json')).toThrow(
      /last-updated-ms/,
    );
    expect(() =>
      parseTableMetadata(metadataText.replace('"format-version": 2', '"format-version": 9')),
    ).toThrow(/format version 9/);
  });
});

describe('schemas', () => {
  it('assigns field ids like Iceberg and round-trips the JSON form', () => {
    const s = newSchema([
      { name: 'id', type: { kind: 'long' }, required: true },
      {
        name: 'tags',
        type: { kind: 'list', elementId: 0, elementRequired: false, element: { kind: 'string' } },
      },
      { name: 'price', type: { kind: 'decimal', precision: 12, scale: 3 } },
    ]);
    expect(s.fields.map((f) => f.id)).toEqual([1, 2, 3]);
    expect(s.fields[1]!.type).toMatchObject({ kind: 'list', elementId: 4 });
    const json = schemaToJson(s);
    expect(json['fields']).toContainEqual({ id: 3, name: 'price', required: false, type: 'decimal(12, 3)' });
    expect(schemaFromJson(json)).toEqual(s);
  });
});
