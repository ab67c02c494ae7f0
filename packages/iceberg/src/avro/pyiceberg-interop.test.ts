import { describe, expect, it } from 'vitest';
import { fromBinary } from '../conversions.js';
import { EntryStatus, FileContent, ManifestContent } from '../manifest-model.js';
import { decodeManifest, decodeManifestList } from './index.js';

// Files PyIceberg 0.12.0 wrote for a table partitioned by identity(ts: timestamptz), identity(amount:
// decimal(9, 2)) and identity(id: long), after appending two rows (snapshot 3599821894425672074).
const decode = (chunks: string[]) => Buffer.from(chunks.join(''), 'base64');

describe('reading files written by PyIceberg', () => {
  it('decodes its manifest list', async () => {
    const [m] = await decodeManifestList(decode(PYICEBERG_MANIFEST_LIST));
    expect(m).toMatchObject({
      manifestPath: 'file:///tmp/interop/wh/db/t/metadata/c22d5242-c81d-4549-8ef6-93d5fabbd0c8-m0.avro',
      manifestLength: 5356,
      partitionSpecId: 0,
      content: ManifestContent.DATA,
      sequenceNumber: 1n,
      minSequenceNumber: 1n,
      addedSnapshotId: 3599821894425672074n,
      addedFilesCount: 2,
      existingFilesCount: 0,
      deletedFilesCount: 0,
      addedRowsCount: 2,
      keyMetadata: null,
    });
    expect(m!.partitions).toHaveLength(3);
    expect(m!.partitions![1]).toMatchObject({ containsNull: true });
  });

  it('decodes its manifest: header, inherited sequence numbers, partition tuples, bounds', async () => {
    const { entries, metadata } = await decodeManifest(decode(PYICEBERG_MANIFEST));
    expect(metadata['format-version']).toBe('2');
    expect(metadata.content).toBe('data');
    expect(metadata['partition-spec-id']).toBe('0');
    expect(JSON.parse(metadata['partition-spec']!)).toHaveLength(3);
    expect(entries).toHaveLength(2);
    for (const e of entries) {
      expect(e.status).toBe(EntryStatus.ADDED);
      expect(e.snapshotId).toBe(3599821894425672074n);
      expect(e.sequenceNumber).toBeNull();
      expect(e.fileSequenceNumber).toBeNull();
      expect(e.dataFile.content).toBe(FileContent.DATA);
      expect(e.dataFile.fileFormat).toBe('PARQUET');
      expect(e.dataFile.recordCount).toBe(1);
    }
    const byId = Object.fromEntries(entries.map((e) => [String(e.dataFile.partition.id), e.dataFile]));
    expect(byId['1']!.partition).toEqual({ ts: 1704110400000000n, amount: '-12.34', id: 1n });
    expect(byId['1152921504606846976']!.partition).toEqual({
      ts: -304819200000000n,
      amount: null,
      id: 1152921504606846976n,
    });
    const first = byId['1']!;
    expect(fromBinary({ kind: 'decimal', precision: 9, scale: 2 }, first.lowerBounds!.get(3)!)).toBe(
      '-12.34',
    );
    // PyIceberg truncates string bounds to 16 code points and rounds the upper bound up.
    expect(fromBinary({ kind: 'string' }, first.lowerBounds!.get(4)!)).toBe('x'.repeat(16));
    expect(fromBinary({ kind: 'string' }, first.upperBounds!.get(4)!)).toBe(`${'x'.repeat(15)}y`);
    expect(first.valueCounts!.get(1)).toBe(1);
  });
});

const PYICEBERG_MANIFEST_LIST = [
  'T2JqAQwWc25hcHNob3QtaWQmMzU5OTgyMTg5NDQyNTY3MjA3NCRwYXJlbnQtc25hcHNob3QtaWQIbnVsbB5zZXF1ZW5jZS1udW1i',
  'ZXICMRxmb3JtYXQtdmVyc2lvbgIyFGF2cm8uY29kZWMOZGVmbGF0ZRZhdnJvLnNjaGVtYa4XeyJ0eXBlIjogInJlY29yZCIsICJm',
  'aWVsZHMiOiBbeyJuYW1lIjogIm1hbmlmZXN0X3BhdGgiLCAiZmllbGQtaWQiOiA1MDAsICJ0eXBlIjogInN0cmluZyIsICJkb2Mi',
  'OiAiTG9jYXRpb24gVVJJIHdpdGggRlMgc2NoZW1lIn0sIHsibmFtZSI6ICJtYW5pZmVzdF9sZW5ndGgiLCAiZmllbGQtaWQiOiA1',
  'MDEsICJ0eXBlIjogImxvbmcifSwgeyJuYW1lIjogInBhcnRpdGlvbl9zcGVjX2lkIiwgImZpZWxkLWlkIjogNTAyLCAidHlwZSI6',
  'ICJpbnQifSwgeyJuYW1lIjogImNvbnRlbnQiLCAiZmllbGQtaWQiOiA1MTcsICJ0eXBlIjogImludCJ9LCB7Im5hbWUiOiAic2Vx',
  'dWVuY2VfbnVtYmVyIiwgImZpZWxkLWlkIjogNTE1LCAidHlwZSI6ICJsb25nIn0sIHsibmFtZSI6ICJtaW5fc2VxdWVuY2VfbnVt',
  'YmVyIiwgImZpZWxkLWlkIjogNTE2LCAidHlwZSI6ICJsb25nIn0sIHsibmFtZSI6ICJhZGRlZF9zbmFwc2hvdF9pZCIsICJmaWVs',
  'ZC1pZCI6IDUwMywgInR5cGUiOiAibG9uZyJ9LCB7Im5hbWUiOiAiYWRkZWRfZmlsZXNfY291bnQiLCAiZmllbGQtaWQiOiA1MDQs',
  'ICJ0eXBlIjogImludCJ9LCB7Im5hbWUiOiAiZXhpc3RpbmdfZmlsZXNfY291bnQiLCAiZmllbGQtaWQiOiA1MDUsICJ0eXBlIjog',
  'ImludCJ9LCB7Im5hbWUiOiAiZGVsZXRlZF9maWxlc19jb3VudCIsICJmaWVsZC1pZCI6IDUwNiwgInR5cGUiOiAiaW50In0sIHsi',
  'bmFtZSI6ICJhZGRlZF9yb3dzX2NvdW50IiwgImZpZWxkLWlkIjogNTEyLCAidHlwZSI6ICJsb25nIn0sIHsibmFtZSI6ICJleGlz',
  'dGluZ19yb3dzX2NvdW50IiwgImZpZWxkLWlkIjogNTEzLCAidHlwZSI6ICJsb25nIn0sIHsibmFtZSI6ICJkZWxldGVkX3Jvd3Nf',
  'Y291bnQiLCAiZmllbGQtaWQiOiA1MTQsICJ0eXBlIjogImxvbmcifSwgeyJuYW1lIjogInBhcnRpdGlvbnMiLCAiZmllbGQtaWQi',
  'OiA1MDcsICJ0eXBlIjogWyJudWxsIiwgeyJ0eXBlIjogImFycmF5IiwgImVsZW1lbnQtaWQiOiA1MDgsICJpdGVtcyI6IHsidHlw',
  'ZSI6ICJyZWNvcmQiLCAiZmllbGRzIjogW3sibmFtZSI6ICJjb250YWluc19udWxsIiwgImZpZWxkLWlkIjogNTA5LCAidHlwZSI6',
  'ICJib29sZWFuIn0sIHsibmFtZSI6ICJjb250YWluc19uYW4iLCAiZmllbGQtaWQiOiA1MTgsICJ0eXBlIjogWyJudWxsIiwgImJv',
  'b2xlYW4iXSwgImRlZmF1bHQiOiBudWxsfSwgeyJuYW1lIjogImxvd2VyX2JvdW5kIiwgImZpZWxkLWlkIjogNTEwLCAidHlwZSI6',
  'IFsibnVsbCIsICJieXRlcyJdLCAiZGVmYXVsdCI6IG51bGx9LCB7Im5hbWUiOiAidXBwZXJfYm91bmQiLCAiZmllbGQtaWQiOiA1',
  'MTEsICJ0eXBlIjogWyJudWxsIiwgImJ5dGVzIl0sICJkZWZhdWx0IjogbnVsbH1dLCAibmFtZSI6ICJyNTA4In19XSwgImRlZmF1',
  'bHQiOiBudWxsfSwgeyJuYW1lIjogImtleV9tZXRhZGF0YSIsICJmaWVsZC1pZCI6IDUxOSwgInR5cGUiOiBbIm51bGwiLCAiYnl0',
  'ZXMiXSwgImRlZmF1bHQiOiBudWxsfV0sICJuYW1lIjogIm1hbmlmZXN0X2ZpbGUifQAgGl8jxJgnTlBQPRhsvfTbAq4CW8SYlpmT',
  'aqWvr1+SW6CfmVeSWpRfoF+eoZ+SpF+in5takpiSWJKon2xklGJqZGKkm2xhmKJrYmpiqWuRmmama2mcYpqWmJSUYpBsoZtroJdY',
  'VpR/I5iBgYlpyrPL/6btmfg1mYWBAYiY2BiYGJgEGBju7j/y6t9/IOsCj/xDXjYGRqAwy289EAarYGSAAJBaMADSALPcKyAaXyPE',
  'mCdOUFA9GGy99Ns=',
];

const PYICEBERG_MANIFEST = [
  'T2JqAQ4Mc2NoZW1h2AR7InR5cGUiOiJzdHJ1Y3QiLCJmaWVsZHMiOlt7ImlkIjoxLCJuYW1lIjoiaWQiLCJ0eXBlIjoibG9uZyIs',
  'InJlcXVpcmVkIjpmYWxzZX0seyJpZCI6MiwibmFtZSI6InRzIiwidHlwZSI6InRpbWVzdGFtcHR6IiwicmVxdWlyZWQiOmZhbHNl',
  'fSx7ImlkIjozLCJuYW1lIjoiYW1vdW50IiwidHlwZSI6ImRlY2ltYWwoOSwgMikiLCJyZXF1aXJlZCI6ZmFsc2V9LHsiaWQiOjQs',
  'Im5hbWUiOiJuYW1lIiwidHlwZSI6InN0cmluZyIsInJlcXVpcmVkIjpmYWxzZX1dLCJzY2hlbWEtaWQiOjAsImlkZW50aWZpZXIt',
  'ZmllbGQtaWRzIjpbXX0ccGFydGl0aW9uLXNwZWOcA1t7InNvdXJjZS1pZCI6MiwiZmllbGQtaWQiOjEwMDAsInRyYW5zZm9ybSI6',
  'ImlkZW50aXR5IiwibmFtZSI6InRzIn0seyJzb3VyY2UtaWQiOjMsImZpZWxkLWlkIjoxMDAxLCJ0cmFuc2Zvcm0iOiJpZGVudGl0',
  'eSIsIm5hbWUiOiJhbW91bnQifSx7InNvdXJjZS1pZCI6MSwiZmllbGQtaWQiOjEwMDIsInRyYW5zZm9ybSI6ImlkZW50aXR5Iiwi',
  'bmFtZSI6ImlkIn1dInBhcnRpdGlvbi1zcGVjLWlkAjAcZm9ybWF0LXZlcnNpb24CMhRhdnJvLmNvZGVjDmRlZmxhdGUOY29udGVu',
  'dAhkYXRhFmF2cm8uc2NoZW1hrkF7InR5cGUiOiAicmVjb3JkIiwgImZpZWxkcyI6IFt7Im5hbWUiOiAic3RhdHVzIiwgImZpZWxk',
  'LWlkIjogMCwgInR5cGUiOiAiaW50In0sIHsibmFtZSI6ICJzbmFwc2hvdF9pZCIsICJmaWVsZC1pZCI6IDEsICJ0eXBlIjogWyJu',
  'dWxsIiwgImxvbmciXSwgImRlZmF1bHQiOiBudWxsfSwgeyJuYW1lIjogInNlcXVlbmNlX251bWJlciIsICJmaWVsZC1pZCI6IDMs',
  'ICJ0eXBlIjogWyJudWxsIiwgImxvbmciXSwgImRlZmF1bHQiOiBudWxsfSwgeyJuYW1lIjogImZpbGVfc2VxdWVuY2VfbnVtYmVy',
  'IiwgImZpZWxkLWlkIjogNCwgInR5cGUiOiBbIm51bGwiLCAibG9uZyJdLCAiZGVmYXVsdCI6IG51bGx9LCB7Im5hbWUiOiAiZGF0',
  'YV9maWxlIiwgImZpZWxkLWlkIjogMiwgInR5cGUiOiB7InR5cGUiOiAicmVjb3JkIiwgImZpZWxkcyI6IFt7Im5hbWUiOiAiY29u',
  'dGVudCIsICJmaWVsZC1pZCI6IDEzNCwgInR5cGUiOiAiaW50IiwgImRvYyI6ICJGaWxlIGZvcm1hdCBuYW1lOiBhdnJvLCBvcmMs',
  'IG9yIHBhcnF1ZXQifSwgeyJuYW1lIjogImZpbGVfcGF0aCIsICJmaWVsZC1pZCI6IDEwMCwgInR5cGUiOiAic3RyaW5nIiwgImRv',
  'YyI6ICJMb2NhdGlvbiBVUkkgd2l0aCBGUyBzY2hlbWUifSwgeyJuYW1lIjogImZpbGVfZm9ybWF0IiwgImZpZWxkLWlkIjogMTAx',
  'LCAidHlwZSI6ICJzdHJpbmciLCAiZG9jIjogIkZpbGUgZm9ybWF0IG5hbWU6IGF2cm8sIG9yYywgb3IgcGFycXVldCJ9LCB7Im5h',
  'bWUiOiAicGFydGl0aW9uIiwgImZpZWxkLWlkIjogMTAyLCAidHlwZSI6IHsidHlwZSI6ICJyZWNvcmQiLCAiZmllbGRzIjogW3si',
  'bmFtZSI6ICJ0cyIsICJmaWVsZC1pZCI6IDEwMDAsICJ0eXBlIjogWyJudWxsIiwgeyJ0eXBlIjogImxvbmciLCAibG9naWNhbFR5',
  'cGUiOiAidGltZXN0YW1wLW1pY3JvcyIsICJhZGp1c3QtdG8tdXRjIjogdHJ1ZX1dLCAiZGVmYXVsdCI6IG51bGx9LCB7Im5hbWUi',
  'OiAiYW1vdW50IiwgImZpZWxkLWlkIjogMTAwMSwgInR5cGUiOiBbIm51bGwiLCB7InR5cGUiOiAiZml4ZWQiLCAic2l6ZSI6IDQs',
  'ICJsb2dpY2FsVHlwZSI6ICJkZWNpbWFsIiwgInByZWNpc2lvbiI6IDksICJzY2FsZSI6IDIsICJuYW1lIjogImRlY2ltYWxfOV8y',
  'In1dLCAiZGVmYXVsdCI6IG51bGx9LCB7Im5hbWUiOiAiaWQiLCAiZmllbGQtaWQiOiAxMDAyLCAidHlwZSI6IFsibnVsbCIsICJs',
  'b25nIl0sICJkZWZhdWx0IjogbnVsbH1dLCAibmFtZSI6ICJyMTAyIn0sICJkb2MiOiAiUGFydGl0aW9uIGRhdGEgdHVwbGUsIHNj',
  'aGVtYSBiYXNlZCBvbiB0aGUgcGFydGl0aW9uIHNwZWMifSwgeyJuYW1lIjogInJlY29yZF9jb3VudCIsICJmaWVsZC1pZCI6IDEw',
  'MywgInR5cGUiOiAibG9uZyIsICJkb2MiOiAiTnVtYmVyIG9mIHJlY29yZHMgaW4gdGhlIGZpbGUifSwgeyJuYW1lIjogImZpbGVf',
  'c2l6ZV9pbl9ieXRlcyIsICJmaWVsZC1pZCI6IDEwNCwgInR5cGUiOiAibG9uZyIsICJkb2MiOiAiVG90YWwgZmlsZSBzaXplIGlu',
  'IGJ5dGVzIn0sIHsibmFtZSI6ICJjb2x1bW5fc2l6ZXMiLCAiZmllbGQtaWQiOiAxMDgsICJ0eXBlIjogWyJudWxsIiwgeyJ0eXBl',
  'IjogImFycmF5IiwgIml0ZW1zIjogeyJ0eXBlIjogInJlY29yZCIsICJuYW1lIjogImsxMTdfdjExOCIsICJmaWVsZHMiOiBbeyJu',
  'YW1lIjogImtleSIsICJ0eXBlIjogImludCIsICJmaWVsZC1pZCI6IDExN30sIHsibmFtZSI6ICJ2YWx1ZSIsICJ0eXBlIjogImxv',
  'bmciLCAiZmllbGQtaWQiOiAxMTh9XX0sICJsb2dpY2FsVHlwZSI6ICJtYXAifV0sICJkZWZhdWx0IjogbnVsbCwgImRvYyI6ICJN',
  'YXAgb2YgY29sdW1uIGlkIHRvIHRvdGFsIHNpemUgb24gZGlzayJ9LCB7Im5hbWUiOiAidmFsdWVfY291bnRzIiwgImZpZWxkLWlk',
  'IjogMTA5LCAidHlwZSI6IFsibnVsbCIsIHsidHlwZSI6ICJhcnJheSIsICJpdGVtcyI6IHsidHlwZSI6ICJyZWNvcmQiLCAibmFt',
  'ZSI6ICJrMTE5X3YxMjAiLCAiZmllbGRzIjogW3sibmFtZSI6ICJrZXkiLCAidHlwZSI6ICJpbnQiLCAiZmllbGQtaWQiOiAxMTl9',
  'LCB7Im5hbWUiOiAidmFsdWUiLCAidHlwZSI6ICJsb25nIiwgImZpZWxkLWlkIjogMTIwfV19LCAibG9naWNhbFR5cGUiOiAibWFw',
  'In1dLCAiZGVmYXVsdCI6IG51bGwsICJkb2MiOiAiTWFwIG9mIGNvbHVtbiBpZCB0byB0b3RhbCBjb3VudCwgaW5jbHVkaW5nIG51',
  'bGwgYW5kIE5hTiJ9LCB7Im5hbWUiOiAibnVsbF92YWx1ZV9jb3VudHMiLCAiZmllbGQtaWQiOiAxMTAsICJ0eXBlIjogWyJudWxs',
  'IiwgeyJ0eXBlIjogImFycmF5IiwgIml0ZW1zIjogeyJ0eXBlIjogInJlY29yZCIsICJuYW1lIjogImsxMjFfdjEyMiIsICJmaWVs',
  'ZHMiOiBbeyJuYW1lIjogImtleSIsICJ0eXBlIjogImludCIsICJmaWVsZC1pZCI6IDEyMX0sIHsibmFtZSI6ICJ2YWx1ZSIsICJ0',
  'eXBlIjogImxvbmciLCAiZmllbGQtaWQiOiAxMjJ9XX0sICJsb2dpY2FsVHlwZSI6ICJtYXAifV0sICJkZWZhdWx0IjogbnVsbCwg',
  'ImRvYyI6ICJNYXAgb2YgY29sdW1uIGlkIHRvIG51bGwgdmFsdWUgY291bnQifSwgeyJuYW1lIjogIm5hbl92YWx1ZV9jb3VudHMi',
  'LCAiZmllbGQtaWQiOiAxMzcsICJ0eXBlIjogWyJudWxsIiwgeyJ0eXBlIjogImFycmF5IiwgIml0ZW1zIjogeyJ0eXBlIjogInJl',
  'Y29yZCIsICJuYW1lIjogImsxMzhfdjEzOSIsICJmaWVsZHMiOiBbeyJuYW1lIjogImtleSIsICJ0eXBlIjogImludCIsICJmaWVs',
  'ZC1pZCI6IDEzOH0sIHsibmFtZSI6ICJ2YWx1ZSIsICJ0eXBlIjogImxvbmciLCAiZmllbGQtaWQiOiAxMzl9XX0sICJsb2dpY2Fs',
  'VHlwZSI6ICJtYXAifV0sICJkZWZhdWx0IjogbnVsbCwgImRvYyI6ICJNYXAgb2YgY29sdW1uIGlkIHRvIG51bWJlciBvZiBOYU4g',
  'dmFsdWVzIGluIHRoZSBjb2x1bW4ifSwgeyJuYW1lIjogImxvd2VyX2JvdW5kcyIsICJmaWVsZC1pZCI6IDEyNSwgInR5cGUiOiBb',
  'Im51bGwiLCB7InR5cGUiOiAiYXJyYXkiLCAiaXRlbXMiOiB7InR5cGUiOiAicmVjb3JkIiwgIm5hbWUiOiAiazEyNl92MTI3Iiwg',
  'ImZpZWxkcyI6IFt7Im5hbWUiOiAia2V5IiwgInR5cGUiOiAiaW50IiwgImZpZWxkLWlkIjogMTI2fSwgeyJuYW1lIjogInZhbHVl',
  'IiwgInR5cGUiOiAiYnl0ZXMiLCAiZmllbGQtaWQiOiAxMjd9XX0sICJsb2dpY2FsVHlwZSI6ICJtYXAifV0sICJkZWZhdWx0Ijog',
  'bnVsbCwgImRvYyI6ICJNYXAgb2YgY29sdW1uIGlkIHRvIGxvd2VyIGJvdW5kIn0sIHsibmFtZSI6ICJ1cHBlcl9ib3VuZHMiLCAi',
  'ZmllbGQtaWQiOiAxMjgsICJ0eXBlIjogWyJudWxsIiwgeyJ0eXBlIjogImFycmF5IiwgIml0ZW1zIjogeyJ0eXBlIjogInJlY29y',
  'ZCIsICJuYW1lIjogImsxMjlfdjEzMCIsICJmaWVsZHMiOiBbeyJuYW1lIjogImtleSIsICJ0eXBlIjogImludCIsICJmaWVsZC1p',
  'ZCI6IDEyOX0sIHsibmFtZSI6ICJ2YWx1ZSIsICJ0eXBlIjogImJ5dGVzIiwgImZpZWxkLWlkIjogMTMwfV19LCAibG9naWNhbFR5',
  'cGUiOiAibWFwIn1dLCAiZGVmYXVsdCI6IG51bGwsICJkb2MiOiAiTWFwIG9mIGNvbHVtbiBpZCB0byB1cHBlciBib3VuZCJ9LCB7',
  'Im5hbWUiOiAia2V5X21ldGFkYXRhIiwgImZpZWxkLWlkIjogMTMxLCAidHlwZSI6IFsibnVsbCIsICJieXRlcyJdLCAiZGVmYXVs',
  'dCI6IG51bGwsICJkb2MiOiAiRW5jcnlwdGlvbiBrZXkgbWV0YWRhdGEgYmxvYiJ9LCB7Im5hbWUiOiAic3BsaXRfb2Zmc2V0cyIs',
  'ICJmaWVsZC1pZCI6IDEzMiwgInR5cGUiOiBbIm51bGwiLCB7InR5cGUiOiAiYXJyYXkiLCAiZWxlbWVudC1pZCI6IDEzMywgIml0',
  'ZW1zIjogImxvbmcifV0sICJkZWZhdWx0IjogbnVsbCwgImRvYyI6ICJTcGxpdHRhYmxlIG9mZnNldHMifSwgeyJuYW1lIjogImVx',
  'dWFsaXR5X2lkcyIsICJmaWVsZC1pZCI6IDEzNSwgInR5cGUiOiBbIm51bGwiLCB7InR5cGUiOiAiYXJyYXkiLCAiZWxlbWVudC1p',
  'ZCI6IDEzNiwgIml0ZW1zIjogImxvbmcifV0sICJkZWZhdWx0IjogbnVsbCwgImRvYyI6ICJGaWVsZCBpZHMgdXNlZCB0byBkZXRl',
  'cm1pbmUgcm93IGVxdWFsaXR5IGluIGVxdWFsaXR5IGRlbGV0ZSBmaWxlcy4ifSwgeyJuYW1lIjogInNvcnRfb3JkZXJfaWQiLCAi',
  'ZmllbGQtaWQiOiAxNDAsICJ0eXBlIjogWyJudWxsIiwgImludCJdLCAiZGVmYXVsdCI6IG51bGwsICJkb2MiOiAiSUQgcmVwcmVz',
  'ZW50aW5nIHNvcnQgb3JkZXIgZm9yIHRoaXMgZmlsZSJ9XSwgIm5hbWUiOiAicjIifX1dLCAibmFtZSI6ICJtYW5pZmVzdF9lbnRy',
  'eSJ9AInANHfvEXaRmLcb0kEy31YC6gNjYpry7PK/aXsmfk1mYGCYxZSWmZNqpa+vX5JboJ+ZV5JalF+gX56hn5KkX6KfkliSqF9S',
  'bGtkYGSia2AIRCGGRqrGjgYGEMLICcrST8zNL80rsdU1NNIzNtHPTLE11DcAAV0D3WQjoxRTIxMj3WQLwxRdE1MTS12L1DQzXUvj',
  'FNO0xKSkFINkC72CxKLC0tQSvgDHoMBQ1xCmhgPPPiz+0cbG9P//bz0mJqZdMkwcTA8YWR4wsu1g5NjHxADkMrEwsQEpEJOBhYGN',
  'gYOBAcwRYGSAABYBhgs88g952RjYWH7rcShUoAFSFFcCDWcC2sAAAB9dU4nANHfvEXaRmLcb0kEy31YC+gNjYpry7PK/aXsmfk1m',
  'YGDYxZSWmZNqpa+vX5JboJ+ZV5JalF+gX56hn5KkX6KfkliSqF9SbGtoaWaga2AKRCEGBqrGjjDCyAnK0k/MzS/NK7HNK83J0c9M',
  'sTU0NDWyNDI0NTAxMzCzMDGzNDfTNwABXUPdZCOjFFMjEyPdZAvDFF0TUxNLXYvUNDNdS+MU07TEpKQUg2QLvYLEosLS1BK+AMeg',
  'wFDXEKb//6c3vTjXxcjA1AAFCkwbJJk4mB4wsjxgZKvg2AKU4mBiYmFiA1IgJgMLA5DJwADksDEJMECAAAuQdXf/kVf//nPwZBxe',
  'mZOTT0iagQlkCgMAXvBUicA0d+8RdpGYtxvSQTLfVg==',
];
