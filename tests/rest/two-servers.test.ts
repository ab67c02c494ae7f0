/**
 * Two `lake serve` processes on one PostgreSQL catalog (issue 8): two `createServer` instances over
 * two separate Catalog objects opened on the same fresh database, two PyIceberg RestCatalog clients
 * (one per server, separate Python processes) appending concurrently while Lakekit appends through
 * its own API on a third Catalog object. Every commit must land exactly once and the snapshot
 * history must stay linear; a stale requirement through one server after the other committed is a 409.
 *
 * PyIceberg (0.12) retries an append itself on `409 CommitFailedException` (reload, rebuild the
 * snapshot, commit again, up to `commit.retry.num-retries`): the table is given enough retries for
 * the contention here, and the peer counts them so the audit log's 409s can be checked exactly.
 */

import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Catalog } from '@lakekit/catalog';
import { parseJson, stringifyJson } from '@lakekit/core';
import { appendFiles, commitMetadata, openEngine, type SnapshotJson, writeDataFile } from '@lakekit/iceberg';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';
import { runPython } from '../helpers/peers.js';
import { call, freshCatalog } from '../server/fixture.js';

/** The PyIceberg writer: `count` appends of `rows` rows each, ids from `first`; counts its 409 retries. */
const WRITER = `
import json, logging, random, sys, time
import pyarrow as pa
from pyiceberg.catalog.rest import RestCatalog

a = json.loads(sys.argv[1])
retries = []
class Count(logging.Handler):
    def emit(self, record):
        if "Commit failed due to a concurrent update" in record.getMessage():
            retries.append(1)
logging.getLogger("pyiceberg").addHandler(Count())
logging.getLogger("pyiceberg").setLevel(logging.WARNING)

c = RestCatalog("lakekit", uri=a["uri"], token=a["token"])
snapshots = []
for i in range(a["count"]):
    t = c.load_table(a["table"])
    first = a["first"] + i * a["rows"]
    ids = list(range(first, first + a["rows"]))
    t.append(pa.Table.from_pylist([{"id": x, "writer": a["writer"]} for x in ids], schema=t.schema().as_arrow()))
    snapshots.append(str(t.metadata.current_snapshot_id))
    time.sleep(random.uniform(0, a["pause"]))  # a client's own pace, so the writers interleave
print(json.dumps({"snapshots": snapshots, "retries": len(retries)}))
`;

/** Reads the whole table through a server: ids and writers, sorted by id. */
const READER = `
import json, sys
from pyiceberg.catalog.rest import RestCatalog
a = json.loads(sys.argv[1])
t = RestCatalog("lakekit", uri=a["uri"], token=a["token"]).load_table(a["table"])
rows = sorted((r["id"], r["writer"]) for r in t.scan().to_arrow().to_pylist())
print(json.dumps({"rows": rows, "snapshots": len(t.metadata.snapshots)}))
`;

// biome-ignore lint/suspicious/noExplicitAny: peer answers
async function py(code: string, args: object): Promise<any> {
  const r = await runPython('-c', [code, JSON.stringify(args)]);
  if (r.code !== 0) throw new Error(`python failed (${r.code}): ${r.stderr}`);
  return parseJson(r.stdout.trim().split('\n').pop()!);
}

/** A REST call whose bodies keep 63-bit snapshot ids exact (not JSON.parse/JSON.stringify). */
async function rest(
  base: string,
  method: string,
  path: string,
  token: string,
  body?: object,
  // biome-ignore lint/suspicious/noExplicitAny: Iceberg answers
): Promise<{ status: number; body: any }> {
  const r = await call(base, method, path, {
    token,
    ...(body ? { body: stringifyJson(body), headers: { 'content-type': 'application/json' } } : {}),
  });
  return { status: r.status, body: r.text === '' ? undefined : parseJson(r.text) };
}

const ID = { namespace: ['conc'], name: 'events' };
const TABLE = 'conc.events';
const APPENDS = 10; // per writer
const PY_ROWS = 2; // rows per PyIceberg append
const LK_ROWS = 3; // rows per Lakekit append

describe('two servers on one PostgreSQL catalog, PyIceberg and Lakekit committing concurrently', () => {
  let fresh: Awaited<ReturnType<typeof freshCatalog>>;
  const others: Catalog[] = [];
  const handles: ServerHandle[] = [];
  let token: string;

  const open = () =>
    Catalog.open({
      uri: fresh.uri,
      name: 'lakekit',
      warehouse: pathToFileURL(join(fresh.dir, 'warehouse')).href,
      io: createFileIO({}),
    });

  beforeAll(async () => {
    fresh = await freshCatalog('postgres');
    const catalog = fresh.catalog;
    await catalog.createNamespace(['conc']);
    const table = await catalog.createTable(ID, [
      { name: 'id', type: { kind: 'long' } },
      { name: 'writer', type: { kind: 'string' } },
    ]);
    // Enough client-side retries for 3 writers contending on one table (PyIceberg's default is 4).
    await commitMetadata(table, async (md) => ({
      metadata: {
        ...md,
        properties: {
          ...md.properties,
          'commit.retry.num-retries': '100',
          'commit.retry.min-wait-ms': '20',
          'commit.retry.max-wait-ms': '500',
        },
      },
    }));
    token = (await catalog.governance.bootstrap()).token!.token;
    // Server 1 on the fixture's catalog, server 2 on a second Catalog object (a second process's).
    const second = await open();
    others.push(second);
    for (const c of [catalog, second])
      handles.push(await createServer({ catalog: c }).listen({ port: 0, host: '127.0.0.1' }));
  }, 120_000);

  afterAll(async () => {
    for (const h of handles) await h.close();
    for (const c of others) await c.close().catch(() => undefined);
    await fresh?.drop();
  });

  it('loses no commit: every append lands once, rows add up, the history is linear', async () => {
    const lakekit = await open(); // a third Catalog object: Lakekit's own pipeline
    others.push(lakekit);
    const engine = await openEngine();
    const lakekitSnapshots: string[] = [];
    const lakekitWriter = async () => {
      // Start once a PyIceberg append has landed (Python takes a second to import pyarrow), so the
      // three writers really overlap.
      const start = await lakekit.store.loadPointer(ID);
      const deadline = Date.now() + 180_000;
      while ((await lakekit.store.loadPointer(ID)) === start) {
        if (Date.now() > deadline) throw new Error('no PyIceberg append landed within 180 s');
        await new Promise((r) => setTimeout(r, 20));
      }
      for (let i = 0; i < APPENDS; i++) {
        const t = await lakekit.loadTable(ID);
        const first = 1_000_000 + i * LK_ROWS;
        const values = Array.from({ length: LK_ROWS }, (_, k) => `(${first + k}::BIGINT, 'lakekit')`);
        const files = await writeDataFile({
          engine,
          io: t.io,
          selectSql: `SELECT * FROM (VALUES ${values.join(', ')}) v(id, writer)`,
          sourceColumns: ['id', 'writer'],
          schema: t.schema(),
          tableLocation: t.metadata.location,
          tableName: t.name,
        });
        const s = await appendFiles(t, files, { maxAttempts: 200 });
        lakekitSnapshots.push(String(s['snapshot-id']));
        await new Promise((r) => setTimeout(r, Math.random() * 300));
      }
    };
    const pyWriter = (server: number) =>
      py(WRITER, {
        uri: `${handles[server]!.url}/iceberg`,
        token,
        table: TABLE,
        writer: `py${server}`,
        count: APPENDS,
        rows: PY_ROWS,
        first: (server + 1) * 100_000,
        pause: 0.3,
      });
    type Written = { snapshots: string[]; retries: number };
    let py0: Written;
    let py1: Written;
    try {
      [py0, py1] = await Promise.all([pyWriter(0), pyWriter(1), lakekitWriter()]);
    } finally {
      engine.close();
    }
    expect(py0.snapshots).toHaveLength(APPENDS);
    expect(py1.snapshots).toHaveLength(APPENDS);
    expect(lakekitSnapshots).toHaveLength(APPENDS);

    // The expected rows, computed from what each writer was told to write.
    const expected: [number, string][] = [];
    for (const [w, first, rows] of [
      ['py0', 100_000, PY_ROWS],
      ['py1', 200_000, PY_ROWS],
      ['lakekit', 1_000_000, LK_ROWS],
    ] as const)
      for (let i = 0; i < APPENDS * rows; i++) expected.push([first + i, w]);
    expected.sort((a, b) => a[0] - b[0]);
    const totalAppends = 3 * APPENDS;
    const totalRows = APPENDS * (2 * PY_ROWS + LK_ROWS);
    expect(expected).toHaveLength(totalRows);

    // The history, as a fresh Catalog sees it: one snapshot per append, each the child of the previous.
    const checker = await open();
    others.push(checker);
    const t = await checker.loadTable(ID);
    const snaps: SnapshotJson[] = [...t.metadata.snapshots].sort((a, b) =>
      Number(BigInt(a['sequence-number']!) - BigInt(b['sequence-number']!)),
    );
    expect(snaps).toHaveLength(totalAppends);
    const reported = [...py0.snapshots, ...py1.snapshots, ...lakekitSnapshots];
    expect(new Set(reported).size).toBe(totalAppends);
    expect(new Set(snaps.map((s) => String(s['snapshot-id'])))).toEqual(new Set(reported));
    snaps.forEach((s, i) => {
      expect(BigInt(s['sequence-number']!)).toBe(BigInt(i + 1));
      expect(s.summary.operation).toBe('append');
      if (i === 0) expect(s['parent-snapshot-id']).toBeUndefined();
      else expect(String(s['parent-snapshot-id'])).toBe(String(snaps[i - 1]!['snapshot-id']));
      const added = lakekitSnapshots.includes(String(s['snapshot-id'])) ? LK_ROWS : PY_ROWS;
      expect(Number(s.summary['added-records'])).toBe(added);
    });
    const cumulative = snaps.reduce(
      (n, s) => n + (lakekitSnapshots.includes(String(s['snapshot-id'])) ? LK_ROWS : PY_ROWS),
      0,
    );
    expect(Number(snaps.at(-1)!.summary['total-records'])).toBe(cumulative);
    expect(cumulative).toBe(totalRows);
    expect(String(t.metadata['current-snapshot-id'])).toBe(String(snaps.at(-1)!['snapshot-id']));
    expect(String(t.metadata.refs['main']?.['snapshot-id'])).toBe(String(snaps.at(-1)!['snapshot-id']));
    expect(t.metadata['snapshot-log'].map((e) => String(e['snapshot-id']))).toEqual(
      snaps.map((s) => String(s['snapshot-id'])),
    );

    // Every live data file belongs to one of the appends; record counts per snapshot add up.
    const files = await t.files();
    const perSnapshot = new Map<string, number>();
    for (const f of files)
      perSnapshot.set(
        String(f.snapshotId),
        (perSnapshot.get(String(f.snapshotId)) ?? 0) + f.dataFile.recordCount,
      );
    expect(perSnapshot.size).toBe(totalAppends);
    for (const id of reported)
      expect(perSnapshot.get(id)).toBe(lakekitSnapshots.includes(id) ? LK_ROWS : PY_ROWS);

    // How the writers interleaved (for the log; the order itself is up to the race).
    const who = (id: string) =>
      lakekitSnapshots.includes(id) ? 'L' : py0.snapshots.includes(id) ? '0' : '1';
    console.log(
      `history: ${snaps.map((s) => who(String(s['snapshot-id']))).join('')}; PyIceberg 409 retries: ${py0.retries} + ${py1.retries}`,
    );

    // The rows themselves, scanned by PyIceberg through each server: all there, none twice.
    for (const h of handles) {
      const read = await py(READER, { uri: `${h.url}/iceberg`, token, table: TABLE });
      expect(read.snapshots).toBe(totalAppends);
      expect(read.rows).toEqual(expected);
    }

    // The audit log (shared by both servers) holds one ok commit per PyIceberg append and one 409
    // per retry PyIceberg reported (the server never answers a lost race with anything else).
    const audit = (await checker.governance.listAudit({ action: 'iceberg.table.commit' })).filter(
      (a) => a.target === `table:${TABLE}`,
    );
    // biome-ignore lint/suspicious/noExplicitAny: audit detail
    const status = (a: { detail?: any }) => Number(a.detail?.status);
    expect(audit.filter((a) => a.outcome === 'ok' && status(a) === 200)).toHaveLength(2 * APPENDS);
    expect(audit.filter((a) => status(a) === 409)).toHaveLength(py0.retries + py1.retries);
    expect(audit).toHaveLength(2 * APPENDS + py0.retries + py1.retries);
  }, 600_000);

  it('answers a stale requirement through one server after the other committed with 409', async () => {
    const path = `/iceberg/v1/namespaces/conc/tables/events`;
    const [one, two] = handles.map((h) => h.url) as [string, string];
    const loaded = await rest(one, 'GET', path, token);
    expect(loaded.status).toBe(200);
    const base = String(loaded.body.metadata['current-snapshot-id']);
    const uuid = loaded.body.metadata['table-uuid'];

    // PyIceberg appends through server 2…
    const out = await py(WRITER, {
      uri: `${two}/iceberg`,
      token,
      table: TABLE,
      writer: 'late',
      count: 1,
      rows: 1,
      first: 900_000,
      pause: 0,
    });
    expect(out.retries).toBe(0);
    const after = String(out.snapshots[0]);
    expect(after).not.toBe(base);
    // …server 1 sees it at once (no cached metadata)…
    const reloaded = await rest(one, 'GET', path, token);
    expect(String(reloaded.body.metadata['current-snapshot-id'])).toBe(after);
    expect(reloaded.body['metadata-location']).not.toBe(loaded.body['metadata-location']);

    // …and a commit through server 1 that asserts the snapshot it loaded before is refused.
    const pointer = await fresh.catalog.store.loadPointer(ID);
    const stale = await rest(one, 'POST', path, token, {
      requirements: [
        { type: 'assert-table-uuid', uuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': BigInt(base) },
      ],
      updates: [{ action: 'set-properties', updates: { stale: 'yes' } }],
    });
    expect(stale.status).toBe(409);
    expect(stale.body.error.type).toBe('CommitFailedException');
    expect(await fresh.catalog.store.loadPointer(ID)).toBe(pointer);

    // The same commit against the head it now sees goes through (server 1 is not stuck on old state).
    const fresh1 = await rest(one, 'POST', path, token, {
      requirements: [
        { type: 'assert-table-uuid', uuid },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': BigInt(after) },
      ],
      updates: [{ action: 'set-properties', updates: { fresh: 'yes' } }],
    });
    expect(fresh1.status).toBe(200);
    expect(fresh1.body.metadata.properties).toMatchObject({ fresh: 'yes' });
    expect(fresh1.body.metadata.properties.stale).toBeUndefined();
    expect(await fresh.catalog.store.loadPointer(ID)).toBe(fresh1.body['metadata-location']);
  }, 300_000);
});
