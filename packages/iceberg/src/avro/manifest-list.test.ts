import { describe, expect, it } from 'vitest';
import { ManifestContent, type ManifestFile } from '../manifest-model.js';
import { MANIFEST_LIST_SCHEMA } from './avro-schemas.js';
import { decodeManifestList, encodeManifestList } from './index.js';
import { decodeObjectContainer, encodeObjectContainer } from './object-container.js';

const BIG_SNAPSHOT = 8_744_736_658_442_914_487n; // above 2^53, as Java/PyIceberg generate
const PARENT = 9_007_199_254_740_993n; // 2^53 + 1: the first integer a double cannot hold

function manifestFile(overrides: Partial<ManifestFile> = {}): ManifestFile {
  return {
    manifestPath: 's3://bucket/warehouse/db/t/metadata/a1b2-m0.avro',
    manifestLength: 7_015,
    partitionSpecId: 0,
    content: ManifestContent.DATA,
    sequenceNumber: 3n,
    minSequenceNumber: 1n,
    addedSnapshotId: BIG_SNAPSHOT,
    addedFilesCount: 2,
    existingFilesCount: 1,
    deletedFilesCount: 0,
    addedRowsCount: 5_000_000_000,
    existingRowsCount: 10,
    deletedRowsCount: 0,
    partitions: [
      {
        containsNull: false,
        containsNan: false,
        lowerBound: Uint8Array.of(1, 0, 0, 0),
        upperBound: Uint8Array.of(9, 0, 0, 0),
      },
      { containsNull: true, containsNan: null, lowerBound: null, upperBound: null },
    ],
    keyMetadata: null,
    ...overrides,
  };
}

/** The spec's field_summary record (r508), as a v1 writer would also write it. */
const SUMMARY_RECORD = {
  type: 'record',
  name: 'r508',
  fields: [
    { name: 'contains_null', type: 'boolean', 'field-id': 509 },
    { name: 'contains_nan', type: ['null', 'boolean'], default: null, 'field-id': 518 },
    { name: 'lower_bound', type: ['null', 'bytes'], default: null, 'field-id': 510 },
    { name: 'upper_bound', type: ['null', 'bytes'], default: null, 'field-id': 511 },
  ],
};

const META = { snapshotId: BIG_SNAPSHOT, parentSnapshotId: PARENT, sequenceNumber: 3n };

describe('encodeManifestList / decodeManifestList', () => {
  it('round-trips manifest files, with ids above 2^53 exact', async () => {
    const files = [
      manifestFile(),
      manifestFile({
        manifestPath: 's3://bucket/m1.avro',
        content: ManifestContent.DELETES,
        partitions: null,
        keyMetadata: Uint8Array.of(1, 2, 3),
        addedSnapshotId: 2n ** 63n - 1n,
      }),
    ];
    const decoded = await decodeManifestList(await encodeManifestList(files, META));
    expect(decoded).toEqual(files);
    expect(decoded[0]!.addedSnapshotId).toBe(BIG_SNAPSHOT);
    expect(decoded[1]!.addedSnapshotId).toBe(2n ** 63n - 1n);
  });

  it('writes the header metadata of a v2 manifest list', async () => {
    const bytes = await encodeManifestList([manifestFile()], META);
    const { metadata } = decodeObjectContainer(bytes);
    expect(metadata['snapshot-id']).toBe('8744736658442914487');
    expect(metadata['parent-snapshot-id']).toBe('9007199254740993');
    expect(metadata['sequence-number']).toBe('3');
    expect(metadata['format-version']).toBe('2');
    expect(metadata['avro.codec']).toBe('deflate');
    const none = await encodeManifestList([], { ...META, parentSnapshotId: null });
    expect(decodeObjectContainer(none).metadata['parent-snapshot-id']).toBe('null');
  });

  it('writes the spec field ids in the header schema', async () => {
    const bytes = await encodeManifestList([manifestFile()], META);
    const schema = JSON.parse(decodeObjectContainer(bytes).metadata['avro.schema']!) as {
      name: string;
      fields: { name: string; 'field-id': number; type: unknown }[];
    };
    expect(schema.name).toBe('manifest_file');
    const ids = Object.fromEntries(schema.fields.map((f) => [f.name, f['field-id']]));
    expect(ids).toEqual({
      manifest_path: 500,
      manifest_length: 501,
      partition_spec_id: 502,
      content: 517,
      sequence_number: 515,
      min_sequence_number: 516,
      added_snapshot_id: 503,
      added_files_count: 504,
      existing_files_count: 505,
      deleted_files_count: 506,
      added_rows_count: 512,
      existing_rows_count: 513,
      deleted_rows_count: 514,
      partitions: 507,
      key_metadata: 519,
    });
    const partitions = schema.fields.find((f) => f.name === 'partitions')!.type as [
      'null',
      { 'element-id': number; items: { name: string; fields: { name: string; 'field-id': number }[] } },
    ];
    expect(partitions[0]).toBe('null');
    expect(partitions[1]['element-id']).toBe(508);
    expect(partitions[1].items.name).toBe('r508');
    expect(partitions[1].items.fields.map((f) => [f.name, f['field-id']])).toEqual([
      ['contains_null', 509],
      ['contains_nan', 518],
      ['lower_bound', 510],
      ['upper_bound', 511],
    ]);
  });

  it('assigns the snapshot sequence number to manifests added with -1 (unassigned)', async () => {
    const added = manifestFile({ sequenceNumber: -1n, minSequenceNumber: -1n });
    const [decoded] = await decodeManifestList(
      await encodeManifestList([added], { ...META, sequenceNumber: 7n }),
    );
    expect(decoded!.sequenceNumber).toBe(7n);
    expect(decoded!.minSequenceNumber).toBe(7n);
    const foreign = manifestFile({ sequenceNumber: -1n, addedSnapshotId: 1n });
    await expect(encodeManifestList([foreign], META)).rejects.toThrow(/has no sequence number/);
  });

  it('reads a v1 manifest list with old field names and missing v2 fields', async () => {
    // A v1 writer: no content or sequence numbers, counts named *_data_files_count and optional.
    const v1Schema = {
      type: 'record',
      name: 'manifest_file',
      fields: [
        { name: 'manifest_path', type: 'string', 'field-id': 500 },
        { name: 'manifest_length', type: 'long', 'field-id': 501 },
        { name: 'partition_spec_id', type: 'int', 'field-id': 502 },
        { name: 'added_snapshot_id', type: ['null', 'long'], default: null, 'field-id': 503 },
        { name: 'added_data_files_count', type: ['null', 'int'], default: null, 'field-id': 504 },
        { name: 'existing_data_files_count', type: ['null', 'int'], default: null, 'field-id': 505 },
        { name: 'deleted_data_files_count', type: ['null', 'int'], default: null, 'field-id': 506 },
        {
          name: 'partitions',
          type: ['null', { type: 'array', items: SUMMARY_RECORD, 'element-id': 508 }],
          default: null,
          'field-id': 507,
        },
        { name: 'added_rows_count', type: ['null', 'long'], default: null, 'field-id': 512 },
        { name: 'an_extra_field', type: 'string' },
      ],
    };
    const bytes = encodeObjectContainer(
      JSON.stringify(v1Schema),
      [
        {
          manifest_path: 'file:///m.avro',
          manifest_length: 100n,
          partition_spec_id: 0,
          added_snapshot_id: PARENT,
          added_data_files_count: 4,
          existing_data_files_count: null,
          deleted_data_files_count: 0,
          partitions: [{ contains_null: true, contains_nan: null, lower_bound: null, upper_bound: null }],
          added_rows_count: 40n,
          an_extra_field: 'ignored',
        },
      ],
      { 'format-version': '1' },
      'null',
    );
    const [m] = await decodeManifestList(bytes);
    expect(m).toEqual({
      manifestPath: 'file:///m.avro',
      manifestLength: 100,
      partitionSpecId: 0,
      content: ManifestContent.DATA,
      sequenceNumber: 0n,
      minSequenceNumber: 0n,
      addedSnapshotId: PARENT,
      addedFilesCount: 4,
      existingFilesCount: -1,
      deletedFilesCount: 0,
      addedRowsCount: 40,
      existingRowsCount: -1,
      deletedRowsCount: -1,
      partitions: [{ containsNull: true, containsNan: null, lowerBound: null, upperBound: null }],
      keyMetadata: null,
    });
  });

  it('reads fields by id when a writer names them differently', async () => {
    const renamed = JSON.parse(JSON.stringify(MANIFEST_LIST_SCHEMA).replace('"manifest_path"', '"path"'));
    const original = manifestFile();
    const listBytes = await encodeManifestList([original], META);
    const { records } = decodeObjectContainer(listBytes);
    const rec = records[0] as Record<string, unknown>;
    rec.path = rec.manifest_path;
    delete rec.manifest_path;
    const bytes = encodeObjectContainer(JSON.stringify(renamed), [rec], {});
    const [m] = await decodeManifestList(bytes);
    expect(m!.manifestPath).toBe(original.manifestPath);
  });
});
