import { describe, expect, it } from 'vitest';
import { toBinary } from '../conversions.js';
import { EntryStatus, FileContent, type ManifestEntry } from '../manifest-model.js';
import { decodeManifest, encodeManifest, type PartitionFieldDescriptor } from './index.js';
import { decodeObjectContainer, encodeObjectContainer } from './object-container.js';

const SNAPSHOT = 3_051_729_675_574_597_004n; // above 2^53
const SCHEMA_JSON =
  '{"type":"struct","schema-id":0,"fields":[{"id":1,"name":"id","required":true,"type":"long"},' +
  '{"id":2,"name":"ts","required":false,"type":"timestamptz"},{"id":3,"name":"amount","required":false,"type":"decimal(9, 2)"},' +
  '{"id":4,"name":"my-key","required":false,"type":"uuid"}]}';
const PARTITIONED: PartitionFieldDescriptor[] = [
  { fieldId: 1000, name: 'ts_day', type: { kind: 'date' } },
  { fieldId: 1001, name: 'id_bucket', type: { kind: 'int' } },
  { fieldId: 1002, name: 'amount', type: { kind: 'decimal', precision: 9, scale: 2 } },
  { fieldId: 1003, name: 'amount_2', type: { kind: 'decimal', precision: 9, scale: 2 } },
  { fieldId: 1004, name: 'my-key', type: { kind: 'uuid' } },
  { fieldId: 1005, name: 'ts_hour', type: { kind: 'timestamptz' } },
  { fieldId: 1006, name: 'id', type: { kind: 'long' } },
];
const SPEC_JSON =
  '[{"source-id":2,"field-id":1000,"name":"ts_day","transform":"day"},{"source-id":1,"field-id":1001,"name":"id_bucket","transform":"bucket[16]"}]';

function entry(
  overrides: Partial<ManifestEntry['dataFile']> = {},
  status: EntryStatus = EntryStatus.ADDED,
): ManifestEntry {
  return {
    status,
    snapshotId: SNAPSHOT,
    sequenceNumber: status === EntryStatus.ADDED ? null : 4n,
    fileSequenceNumber: status === EntryStatus.ADDED ? null : 4n,
    dataFile: {
      content: FileContent.DATA,
      filePath: 's3://bucket/t/data/ts_day=2024-01-01/00000-0-a.parquet',
      fileFormat: 'PARQUET',
      partition: {},
      recordCount: 1_000,
      fileSizeInBytes: 9_876_543_210,
      columnSizes: new Map([
        [1, 800],
        [2, 1200],
      ]),
      valueCounts: new Map([
        [1, 1000],
        [2, 1000],
      ]),
      nullValueCounts: new Map([
        [1, 0],
        [2, 7],
      ]),
      nanValueCounts: new Map(),
      lowerBounds: new Map([[1, toBinary({ kind: 'long' }, -5n)]]),
      upperBounds: new Map([[1, toBinary({ kind: 'long' }, 2n ** 62n)]]),
      splitOffsets: [4],
      sortOrderId: 0,
      ...overrides,
    },
  };
}

const UNPARTITIONED_META = {
  schemaJson: SCHEMA_JSON,
  partitionSpecJson: '[]',
  partitionSpecId: 0,
  partitionFields: [],
  content: 'data' as const,
};

describe('encodeManifest / decodeManifest', () => {
  it('round-trips an unpartitioned data manifest', async () => {
    const entries = [
      entry(),
      entry({ filePath: 's3://bucket/t/data/b.parquet', sortOrderId: undefined }, EntryStatus.EXISTING),
      entry({ filePath: 's3://bucket/t/data/c.parquet', keyMetadata: Uint8Array.of(9) }, EntryStatus.DELETED),
    ];
    const { entries: decoded } = await decodeManifest(await encodeManifest(entries, UNPARTITIONED_META));
    expect(decoded).toEqual(entries);
    expect(decoded[0]!.snapshotId).toBe(SNAPSHOT);
    expect(decoded[0]!.sequenceNumber).toBeNull();
    expect(decoded[1]!.sequenceNumber).toBe(4n);
  });

  it('round-trips partition tuples of many types, keyed by partition field name', async () => {
    const partition = {
      ts_day: 19723,
      id_bucket: 3,
      amount: '-12.34',
      amount_2: null,
      'my-key': 'f79c3e09-677c-4bbd-a479-3f349cb785e7',
      ts_hour: -1n,
      id: 9_007_199_254_740_993n,
    };
    const entries = [entry({ partition })];
    const meta = {
      ...UNPARTITIONED_META,
      partitionSpecJson: SPEC_JSON,
      partitionSpecId: 3,
      partitionFields: PARTITIONED,
    };
    const bytes = await encodeManifest(entries, meta);
    const { entries: decoded, metadata } = await decodeManifest(bytes);
    expect(decoded[0]!.dataFile.partition).toEqual(partition);
    expect(metadata['partition-spec-id']).toBe('3');
  });

  it('round-trips a position delete manifest with referenced_data_file and equality ids', async () => {
    const deletes = [
      entry({ content: FileContent.POSITION_DELETES, referencedDataFile: 's3://bucket/t/data/a.parquet' }),
      entry({ content: FileContent.EQUALITY_DELETES, equalityIds: [1, 2] }),
    ];
    const bytes = await encodeManifest(deletes, { ...UNPARTITIONED_META, content: 'deletes' });
    const { entries, metadata } = await decodeManifest(bytes);
    expect(entries).toEqual(deletes);
    expect(metadata.content).toBe('deletes');
  });

  it('refuses files whose content does not match the manifest content', async () => {
    await expect(encodeManifest([entry()], { ...UNPARTITIONED_META, content: 'deletes' })).rejects.toThrow(
      /deletes manifest cannot list a file with content 0/,
    );
  });

  it('refuses EXISTING entries without sequence numbers (they are inherited only for ADDED)', async () => {
    const e = { ...entry({}, EntryStatus.EXISTING), sequenceNumber: null };
    await expect(encodeManifest([e], UNPARTITIONED_META)).rejects.toThrow(/must carry both sequence numbers/);
  });

  it('writes the header metadata, with schema and partition-spec verbatim', async () => {
    const bytes = await encodeManifest([entry()], {
      ...UNPARTITIONED_META,
      partitionSpecJson: SPEC_JSON,
      partitionFields: PARTITIONED.slice(0, 2),
    });
    const { metadata } = await decodeManifest(bytes);
    expect(metadata.schema).toBe(SCHEMA_JSON);
    expect(metadata['schema-id']).toBe('0');
    expect(metadata['partition-spec']).toBe(SPEC_JSON);
    expect(metadata['partition-spec-id']).toBe('0');
    expect(metadata['format-version']).toBe('2');
    expect(metadata.content).toBe('data');
    expect(metadata['avro.codec']).toBe('deflate');
  });

  it('reduces a whole partition spec object to its fields array', async () => {
    const spec = `{"spec-id":0,"fields":${SPEC_JSON}}`;
    const bytes = await encodeManifest([], { ...UNPARTITIONED_META, partitionSpecJson: spec });
    expect(JSON.parse((await decodeManifest(bytes)).metadata['partition-spec']!)).toEqual(
      JSON.parse(SPEC_JSON),
    );
    await expect(
      encodeManifest([], { ...UNPARTITIONED_META, partitionSpecJson: spec, partitionSpecId: 1 }),
    ).rejects.toThrow(/spec-id 0, not 1/);
  });

  it('writes the spec field ids, map key/value ids and element ids into the header schema', async () => {
    const bytes = await encodeManifest([entry()], { ...UNPARTITIONED_META, partitionFields: PARTITIONED });
    type Field = { name: string; type: unknown; 'field-id': number; 'iceberg-field-name'?: string };
    const schema = JSON.parse(decodeObjectContainer(bytes).metadata['avro.schema']!) as {
      name: string;
      fields: Field[];
    };
    expect(schema.name).toBe('manifest_entry');
    expect(schema.fields.map((f) => [f.name, f['field-id']])).toEqual([
      ['status', 0],
      ['snapshot_id', 1],
      ['sequence_number', 3],
      ['file_sequence_number', 4],
      ['data_file', 2],
    ]);
    const dataFile = schema.fields[4]!.type as { name: string; fields: Field[] };
    expect(dataFile.name).toBe('r2');
    const ids = Object.fromEntries(dataFile.fields.map((f) => [f.name, f['field-id']]));
    expect(ids).toEqual({
      content: 134,
      file_path: 100,
      file_format: 101,
      partition: 102,
      record_count: 103,
      file_size_in_bytes: 104,
      column_sizes: 108,
      value_counts: 109,
      null_value_counts: 110,
      nan_value_counts: 137,
      lower_bounds: 125,
      upper_bounds: 128,
      key_metadata: 131,
      split_offsets: 132,
      equality_ids: 135,
      sort_order_id: 140,
      referenced_data_file: 143,
    });
    const byName = (n: string) => dataFile.fields.find((f) => f.name === n)!;
    const mapIds = (n: string) => {
      const [nul, arr] = byName(n).type as [
        string,
        { logicalType: string; items: { name: string; fields: Field[] } },
      ];
      expect(nul).toBe('null');
      expect(arr.logicalType).toBe('map');
      return [arr.items.name, ...arr.items.fields.map((f) => f['field-id'])];
    };
    expect(mapIds('column_sizes')).toEqual(['k117_v118', 117, 118]);
    expect(mapIds('value_counts')).toEqual(['k119_v120', 119, 120]);
    expect(mapIds('null_value_counts')).toEqual(['k121_v122', 121, 122]);
    expect(mapIds('nan_value_counts')).toEqual(['k138_v139', 138, 139]);
    expect(mapIds('lower_bounds')).toEqual(['k126_v127', 126, 127]);
    expect(mapIds('upper_bounds')).toEqual(['k129_v130', 129, 130]);
    expect((byName('split_offsets').type as [string, { 'element-id': number }])[1]['element-id']).toBe(133);
    expect((byName('equality_ids').type as [string, { 'element-id': number }])[1]['element-id']).toBe(136);

    const partition = byName('partition').type as { name: string; fields: Field[] };
    expect(partition.name).toBe('r102');
    expect(partition.fields.map((f) => [f.name, f['field-id']])).toEqual([
      ['ts_day', 1000],
      ['id_bucket', 1001],
      ['amount', 1002],
      ['amount_2', 1003],
      ['my_x2Dkey', 1004],
      ['ts_hour', 1005],
      ['id', 1006],
    ]);
    expect(partition.fields[4]!['iceberg-field-name']).toBe('my-key');
    expect(partition.fields[0]!.type).toEqual(['null', { type: 'int', logicalType: 'date' }]);
    expect(partition.fields[2]!.type).toEqual([
      'null',
      { type: 'fixed', name: 'decimal_9_2', size: 4, logicalType: 'decimal', precision: 9, scale: 2 },
    ]);
    // The second decimal(9, 2) refers to the named type defined by the first.
    expect(partition.fields[3]!.type).toEqual(['null', 'decimal_9_2']);
  });

  it('writes an unpartitioned manifest with an empty partition record', async () => {
    const bytes = await encodeManifest([entry()], UNPARTITIONED_META);
    const schema = JSON.parse(decodeObjectContainer(bytes).metadata['avro.schema']!);
    const partition = schema.fields[4].type.fields.find((f: { name: string }) => f.name === 'partition');
    expect(partition.type).toEqual({ type: 'record', name: 'r102', fields: [] });
  });

  it('reads a v1 manifest: required snapshot id, no sequence numbers or content, extra fields', async () => {
    const v1 = {
      type: 'record',
      name: 'manifest_entry',
      fields: [
        { name: 'status', type: 'int', 'field-id': 0 },
        { name: 'snapshot_id', type: 'long', 'field-id': 1 },
        {
          name: 'data_file',
          'field-id': 2,
          type: {
            type: 'record',
            name: 'r2',
            fields: [
              { name: 'file_path', type: 'string', 'field-id': 100 },
              { name: 'file_format', type: 'string', 'field-id': 101 },
              {
                name: 'partition',
                'field-id': 102,
                type: {
                  type: 'record',
                  name: 'r102',
                  fields: [
                    { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }], 'field-id': 1000 },
                  ],
                },
              },
              { name: 'record_count', type: 'long', 'field-id': 103 },
              { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
              { name: 'block_size_in_bytes', type: 'long', 'field-id': 105 },
              {
                name: 'value_counts',
                'field-id': 109,
                type: [
                  'null',
                  {
                    type: 'array',
                    logicalType: 'map',
                    items: {
                      type: 'record',
                      name: 'k119_v120',
                      fields: [
                        { name: 'key', type: 'int', 'field-id': 119 },
                        { name: 'value', type: 'long', 'field-id': 120 },
                      ],
                    },
                  },
                ],
              },
            ],
          },
        },
      ],
    };
    const bytes = encodeObjectContainer(
      JSON.stringify(v1),
      [
        {
          status: 1,
          snapshot_id: SNAPSHOT,
          data_file: {
            file_path: 'hdfs://nn/t/a.parquet',
            file_format: 'parquet',
            partition: { day: 19000 },
            record_count: 5n,
            file_size_in_bytes: 100n,
            block_size_in_bytes: 67108864n,
            value_counts: [{ key: 1, value: 5n }],
          },
        },
      ],
      { 'format-version': '1', schema: SCHEMA_JSON, 'partition-spec': '[]' },
    );
    const { entries, metadata } = await decodeManifest(bytes);
    expect(metadata['format-version']).toBe('1');
    expect(entries).toEqual([
      {
        status: EntryStatus.ADDED,
        snapshotId: SNAPSHOT,
        sequenceNumber: 0n,
        fileSequenceNumber: 0n,
        dataFile: {
          content: FileContent.DATA,
          filePath: 'hdfs://nn/t/a.parquet',
          fileFormat: 'PARQUET',
          partition: { day: 19000 },
          recordCount: 5,
          fileSizeInBytes: 100,
          valueCounts: new Map([[1, 5]]),
        },
      },
    ]);
  });
});
