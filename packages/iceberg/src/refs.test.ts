import { parseJson } from '@lakekit/core';
import { MemoryFileIO } from '@lakekit/storage';
import { describe, expect, it } from 'vitest';
import { commitMetadata } from './commit-metadata.js';
import { type DataFile, FileContent } from './manifest-model.js';
import { MemoryCatalogBackend } from './memory-catalog-backend.js';
import { nextMetadataLocation, readMetadata, writeMetadata } from './metadata-files.js';
import { newTableMetadata } from './new-table-metadata.js';
import { createBranch, createTag, dropRef, fastForward, listRefs } from './refs.js';
import { rollbackTo } from './rollback.js';
import { planFiles } from './scan.js';
import { newSchema, schemaToJson } from './schema.js';
import { appendFiles, replaceFiles } from './snapshot-producer.js';
import { Table } from './table.js';
import { parseTableMetadata, serializeTableMetadata } from './table-metadata.js';

const id = { namespace: ['crm'], name: 'accounts' };

function fakeFile(n: number, rows: number): DataFile {
  return {
    content: FileContent.DATA,
    filePath: `memory://wh/crm.db/accounts/data/f${n}.parquet`,
    fileFormat: 'PARQUET',
    partition: {},
    recordCount: rows,
    fileSizeInBytes: 100 * rows,
    valueCounts: new Map([[1, rows]]),
  };
}

async function setup(): Promise<{ io: MemoryFileIO; backend: MemoryCatalogBackend; t: Table }> {
  const io = new MemoryFileIO();
  const backend = new MemoryCatalogBackend();
  const md = newTableMetadata(
    'memory://wh/crm.db/accounts',
    newSchema([{ name: 'id', type: { kind: 'long' } }]),
  );
  const location = nextMetadataLocation(md.location);
  await writeMetadata(io, location, md);
  await backend.createPointer(id, location);
  return { io, backend, t: new Table(id, io, backend, location, md) };
}

async function load(io: MemoryFileIO, backend: MemoryCatalogBackend): Promise<Table> {
  const location = (await backend.loadPointer(id))!;
  return new Table(id, io, backend, location, await readMetadata(io, location));
}

const rows = async (t: Table, ref?: string) =>
  (await planFiles(t.io, t.snapshot(ref === undefined ? undefined : { ref }))).reduce(
    (a, f) => a + f.dataFile.recordCount,
    0,
  );

describe('branches and tags', () => {
  it('write-audit-publish: commit to a branch leaves main alone, fast-forward publishes it', async () => {
    const { io, backend, t } = await setup();
    const s1 = await appendFiles(t, [fakeFile(1, 10)]);
    const audit = await createBranch(t, 'audit');
    expect(audit).toEqual({ name: 'audit', type: 'branch', snapshotId: s1['snapshot-id'] });

    const s2 = await appendFiles(t, [fakeFile(2, 5)], { branch: 'audit' });
    expect(s2['parent-snapshot-id']).toBe(s1['snapshot-id']);
    expect(t.currentSnapshot()!['snapshot-id']).toBe(s1['snapshot-id']);
    expect(t.metadata['current-snapshot-id']).toBe(s1['snapshot-id']);
    expect(t.metadata['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([s1['snapshot-id']]);
    expect(await rows(t)).toBe(10);
    expect(await rows(t, 'audit')).toBe(15);
    expect(t.history().map((h) => [h.isCurrent, h.isCurrentAncestor, h.branches])).toEqual([
      [true, true, ['main', 'audit']],
      [false, false, ['audit']],
    ]);
    expect(t.history('audit').map((h) => [h.isCurrent, h.isCurrentAncestor])).toEqual([
      [false, true],
      [true, true],
    ]);

    // A replace on the branch removes only the branch's files.
    const s3 = await replaceFiles(t, [fakeFile(3, 2)], { branch: 'audit' });
    expect(await rows(t, 'audit')).toBe(2);
    expect(await rows(t)).toBe(10);

    const ff = await fastForward(t, { to: 'audit' });
    expect(ff).toEqual({
      branch: 'main',
      to: 'audit',
      from: s1['snapshot-id'],
      snapshotId: s3['snapshot-id'],
      changed: true,
    });
    const after = await load(io, backend);
    expect(after.metadata['current-snapshot-id']).toBe(s3['snapshot-id']);
    expect(after.metadata.refs['main']).toEqual({ 'snapshot-id': s3['snapshot-id'], type: 'branch' });
    expect(after.metadata['snapshot-log'].map((e) => e['snapshot-id'])).toEqual([
      s1['snapshot-id'],
      s3['snapshot-id'],
    ]);
    expect(await rows(after)).toBe(2);
    // Already there: nothing is committed.
    const again = await fastForward(after, { to: 'audit' });
    expect(again.changed).toBe(false);
    expect(after.metadataLocation).toBe((await load(io, backend)).metadataLocation);
    expect(s2['snapshot-id']).not.toBe(s3['snapshot-id']);

    // Publishing and dropping the audit branch is one commit (one new metadata file).
    await appendFiles(after, [fakeFile(4, 3)], { branch: 'audit' });
    const before = after.metadata['metadata-log'].length;
    const published = await fastForward(after, { to: 'audit', dropSource: true });
    expect(published.changed).toBe(true);
    const last = await load(io, backend);
    expect(last.metadata['metadata-log'].length).toBe(before + 1);
    expect(Object.keys(last.metadata.refs)).toEqual(['main']);
    expect(last.metadata['current-snapshot-id']).toBe(published.snapshotId);
    expect(await rows(last)).toBe(5);
    await expect(fastForward(last, { branch: 'audit', to: 'main', dropSource: true })).rejects.toThrow(
      /has no branch or tag named audit|cannot be dropped/,
    );
  });

  it('tags pin a snapshot; reads at a tag use the snapshot, refs follow the spec JSON', async () => {
    const { io, backend, t } = await setup();
    const s1 = await appendFiles(t, [fakeFile(1, 10)]);
    await createTag(t, 'v1', { maxRefAgeMs: 86_400_000 });
    await appendFiles(t, [fakeFile(2, 5)]);
    await createBranch(t, 'dev', {
      fromSnapshotId: s1['snapshot-id'],
      maxRefAgeMs: 1000,
      maxSnapshotAgeMs: 2000,
      minSnapshotsToKeep: 3,
    });
    expect(await rows(t, 'v1')).toBe(10);
    expect(await rows(t)).toBe(15);
    expect(listRefs(t).map((r) => r.name)).toEqual(['main', 'dev', 'v1']);

    // As written to storage (ids may parse as number or bigint: compare them as text).
    const text = serializeTableMetadata((await load(io, backend)).metadata);
    const json = parseJson(text) as { refs: Record<string, Record<string, unknown>> };
    for (const r of Object.values(json.refs)) r['snapshot-id'] = String(r['snapshot-id']);
    expect(json.refs['v1']).toEqual({
      'snapshot-id': String(s1['snapshot-id']),
      type: 'tag',
      'max-ref-age-ms': 86_400_000,
    });
    expect(json.refs['dev']).toEqual({
      'snapshot-id': String(s1['snapshot-id']),
      type: 'branch',
      'max-ref-age-ms': 1000,
      'max-snapshot-age-ms': 2000,
      'min-snapshots-to-keep': 3,
    });
    // The round trip keeps them.
    const reparsed = parseTableMetadata(serializeTableMetadata(t.metadata));
    expect(reparsed.refs).toEqual(t.metadata.refs);

    // A tag cannot be committed to (it would silently become a branch).
    await expect(appendFiles(t, [fakeFile(3, 1)], { branch: 'v1' })).rejects.toThrow(
      /v1 is a tag, not a branch/,
    );
    expect(t.metadata.refs['v1']!.type).toBe('tag');

    await dropRef(t, 'v1');
    expect(listRefs(t).map((r) => r.name)).toEqual(['main', 'dev']);
    expect(() => t.snapshot({ ref: 'v1' })).toThrow(/table crm.accounts has no branch or tag named v1/);
  });

  it('a read at a branch uses the current schema, a read at a tag the snapshot schema', async () => {
    const { t } = await setup();
    await appendFiles(t, [fakeFile(1, 1)]);
    await createTag(t, 'v1');
    await createBranch(t, 'dev');
    const evolved = {
      ...newSchema([
        { name: 'id', type: { kind: 'long' } },
        { name: 'note', type: { kind: 'string' } },
      ]),
      schemaId: 1,
    };
    await commitMetadata(t, async (base) => ({
      metadata: {
        ...base,
        schemas: [...base.schemas, schemaToJson(evolved)],
        'current-schema-id': 1,
        'last-column-id': 2,
      },
    }));
    const at = (ref: string) => t.schemaFor(t.snapshot({ ref }), { ref });
    expect(at('dev').fields.map((f) => f.name)).toEqual(['id', 'note']);
    expect(at('v1').fields.map((f) => f.name)).toEqual(['id']);
  });

  it('validates names, reserved main, duplicates, empty tables and missing snapshots', async () => {
    const { t } = await setup();
    await expect(createBranch(t, 'audit')).rejects.toThrow(/crm.accounts is empty/);
    expect(t.snapshot({ ref: 'main' })).toBeUndefined();
    await appendFiles(t, [fakeFile(1, 1)]);
    await expect(createBranch(t, 'bad name')).rejects.toMatchObject({ code: 'usage' });
    await expect(createTag(t, '')).rejects.toMatchObject({ code: 'usage' });
    await expect(createBranch(t, 'main')).rejects.toThrow(/main is reserved/);
    await expect(createTag(t, 'main')).rejects.toThrow(/main is reserved/);
    await expect(dropRef(t, 'main')).rejects.toThrow(/cannot be dropped/);
    await expect(createBranch(t, 'x', { fromSnapshotId: 42n })).rejects.toThrow(/has no snapshot 42/);
    await expect(createBranch(t, 'x', { minSnapshotsToKeep: 0 })).rejects.toThrow(/positive integer/);
    await createBranch(t, 'a.b_c-1');
    await expect(createTag(t, 'a.b_c-1')).rejects.toMatchObject({ code: 'ref_already_exists' });
    await expect(dropRef(t, 'nope')).rejects.toMatchObject({ code: 'ref_not_found' });
    await expect(fastForward(t, { to: 'nope' })).rejects.toThrow(/has no branch or tag named nope/);
    await expect(appendFiles(t, [fakeFile(2, 1)], { branch: 'nope' })).rejects.toThrow(
      /branch nope does not exist/,
    );
  });

  it('refuses a fast-forward when the branch is not an ancestor, naming both', async () => {
    const { t } = await setup();
    await appendFiles(t, [fakeFile(1, 1)]);
    await createBranch(t, 'audit');
    await appendFiles(t, [fakeFile(2, 1)], { branch: 'audit' });
    const mainHead = await appendFiles(t, [fakeFile(3, 1)]); // main moved on: diverged
    const err = await fastForward(t, { to: 'audit' }).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 'commit_conflict', retryable: false });
    expect(String(err)).toMatch(
      /cannot fast-forward main to audit: main's head \d+ is not an ancestor of audit's head/,
    );
    expect(t.currentSnapshot()!['snapshot-id']).toBe(mainHead['snapshot-id']);
    // After a rollback of main to an ancestor of audit, it is allowed again.
    await rollbackTo(t, t.metadata.snapshots[0]!['snapshot-id']);
    expect((await fastForward(t, { to: 'audit' })).changed).toBe(true);
    // Fast-forwarding a tag is refused.
    await createTag(t, 'v1');
    await expect(fastForward(t, { branch: 'v1', to: 'audit' })).rejects.toThrow(/only branches/);
  });

  it('re-validates on every attempt: concurrent changes that invalidate the operation conflict', async () => {
    const { io, backend, t } = await setup();
    await appendFiles(t, [fakeFile(1, 1)]);
    await createBranch(t, 'audit');

    // Another writer takes the name after this writer loaded the table.
    const stale = await load(io, backend);
    await createTag(await load(io, backend), 'release');
    await expect(createBranch(stale, 'release')).rejects.toMatchObject({ code: 'ref_already_exists' });

    // The audited branch moves between planning and commit: nothing unaudited is published.
    await appendFiles(await load(io, backend), [fakeFile(2, 1)], { branch: 'audit' });
    const publisher = await load(io, backend);
    await appendFiles(await load(io, backend), [fakeFile(6, 1)], { branch: 'audit' });
    await expect(fastForward(publisher, { to: 'audit' })).rejects.toThrow(
      /audit was moved by another writer/,
    );

    // Main moves on concurrently (diverges): the fast-forward planned before is refused on retry.
    const ff = await load(io, backend);
    await appendFiles(await load(io, backend), [fakeFile(3, 1)]);
    await expect(fastForward(ff, { to: 'audit' })).rejects.toThrow(/is not an ancestor/);

    // An unrelated concurrent change only costs a retry: it is checked again and succeeds.
    const t2 = await load(io, backend);
    await createBranch(t2, 'audit2');
    await appendFiles(t2, [fakeFile(4, 1)], { branch: 'audit2' });
    const racer = await load(io, backend);
    await createTag(await load(io, backend), 'unrelated');
    expect((await fastForward(racer, { to: 'audit2' })).changed).toBe(true);
    const final = await load(io, backend);
    expect(final.metadata.refs['unrelated']).toBeDefined();
    expect(final.currentSnapshot()!['snapshot-id']).toBe(final.metadata.refs['audit2']!['snapshot-id']);

    // Dropping a branch that moved meanwhile would lose its commit: refused.
    const dropper = await load(io, backend);
    await appendFiles(await load(io, backend), [fakeFile(5, 1)], { branch: 'audit2' });
    await expect(dropRef(dropper, 'audit2')).rejects.toThrow(/audit2 was moved by another writer/);
  });

  it('appends to a branch are rebased on a lost race, like appends to main', async () => {
    const { io, backend, t } = await setup();
    await appendFiles(t, [fakeFile(0, 1)]);
    await createBranch(t, 'audit');
    const writers = await Promise.all(Array.from({ length: 4 }, () => load(io, backend)));
    await Promise.all(writers.map((w, i) => appendFiles(w, [fakeFile(i + 1, 1)], { branch: 'audit' })));
    const after = await load(io, backend);
    expect(await rows(after, 'audit')).toBe(5);
    expect(await rows(after)).toBe(1);
  });
});
