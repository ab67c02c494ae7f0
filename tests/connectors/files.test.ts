/**
 * The files connector behind the Connector interface: the conformance suite on a folder of CSV files
 * (an insert is a new file), new files only across runs through the state, a crash after batch k,
 * late and rewritten files, formats and stream globs, values that do not fit, and an S3 prefix on
 * moto through FileIO.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type FilesState, filesConnector, globToRegExp } from '@lakekit/connector-files';
import { csvField } from '@lakekit/connector-sqlite';
import {
  ConfigError,
  DataError,
  type ExtractRequest,
  NotFoundError,
  type SourceStream,
  type StagedBatch,
  typeToString,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { stagedSelectSql } from '@lakekit/pipelines';
import { S3FileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectorConformance, type FixtureRow, fixtureRows } from '../helpers/connector-conformance.js';
import { s3Endpoint } from '../helpers/peers.js';

const root = mkdtempSync(join(tmpdir(), 'lakekit-files-test-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** Fixture rows as canonical CSV text (NULL unquoted empty, '' quoted). */
function csv(rows: FixtureRow[]): string {
  const lines = ['id,name,amount,active,updated_at'];
  for (const r of rows) {
    lines.push(
      [String(r.id), r.name, r.amount, r.active === null ? null : String(r.active), r.updated_at]
        .map(csvField)
        .join(','),
    );
  }
  return `${lines.join('\n')}\n`;
}

const conformanceDir = join(root, 'conformance', 'accounts');
let fileNo = 0;
const nextFile = () => join(conformanceDir, `part-${String(fileNo++).padStart(3, '0')}.csv`);

connectorConformance({
  kind: 'files',
  stream: 'accounts',
  async reset(rows) {
    rmSync(conformanceDir, { recursive: true, force: true });
    mkdirSync(conformanceDir, { recursive: true });
    fileNo = 0;
    for (let i = 0; i < rows.length; i += 250) writeFileSync(nextFile(), csv(rows.slice(i, i + 250)));
  },
  async insert(rows) {
    writeFileSync(nextFile(), csv(rows));
  },
  connect: () => filesConnector.create('drop', { path: 'conformance/accounts' }, { baseDir: root }),
  connectBroken: () => filesConnector.create('drop', { path: 'conformance/missing' }, { baseDir: root }),
  primaryKey: false,
  cursor: true,
  snapshotIsolation: true,
});

async function collect(it: AsyncIterable<StagedBatch>): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

describe('files connector', () => {
  let engine: Engine;
  beforeAll(async () => {
    engine = await openEngine();
  });
  afterAll(() => engine?.close());

  async function read(stream: SourceStream, batches: StagedBatch[]): Promise<Record<string, unknown>[]> {
    const out: Record<string, unknown>[] = [];
    for (const b of batches) {
      const cols = b.columns.map((name) => ({
        name,
        type: stream.columns.find((c) => c.name === name)!.type!,
      }));
      out.push(...(await engine.all(stagedSelectSql(b.format, [b.path], b.columns, cols))));
    }
    return out;
  }

  /** One run: a session, an extract with `state`, the rows and the last state. */
  async function run(
    connector: ReturnType<typeof filesConnector.create>,
    stream: string,
    req: Partial<ExtractRequest> = {},
  ) {
    const session = await connector.session();
    try {
      const s = await session.describe(stream);
      const batches = await collect(
        session.extract({ stream, stagingDir: mkdtempSync(join(root, 'stage-')), ...req }),
      );
      return {
        stream: s,
        batches,
        rows: await read(s, batches),
        state: batches.at(-1)?.state as FilesState | undefined,
      };
    } finally {
      await session.close();
    }
  }

  const ids = (rows: Record<string, unknown>[]) => rows.map((r) => Number(r['id'])).sort((a, b) => a - b);

  it('loads new files only across runs; a crash after batch k reloads only the files after k', async () => {
    const dir = join(root, 'incremental');
    mkdirSync(dir);
    const rows = fixtureRows(40);
    for (let i = 0; i < 4; i++)
      writeFileSync(join(dir, `day-${i + 1}.csv`), csv(rows.slice(i * 10, i * 10 + 10)));
    writeFileSync(join(dir, 'README.md'), '# not data\n');
    writeFileSync(join(dir, '_SUCCESS'), '');
    const c = filesConnector.create('drop', { path: 'incremental' }, { baseDir: root });
    try {
      const first = await run(c, 'incremental');
      expect(first.batches.map((b) => [b.rows, b.format])).toEqual([
        [10, 'parquet'],
        [10, 'parquet'],
        [10, 'parquet'],
        [10, 'parquet'],
      ]);
      expect(ids(first.rows)).toEqual(rows.map((r) => r.id));
      expect(first.state!.files.map((f) => f.name)).toEqual([
        'day-1.csv',
        'day-2.csv',
        'day-3.csv',
        'day-4.csv',
      ]);
      expect((first.batches[1]!.state as FilesState).files.map((f) => f.name)).toEqual([
        'day-1.csv',
        'day-2.csv',
      ]);

      // Nothing new: no batch.
      expect((await run(c, 'incremental', { state: first.state })).batches).toEqual([]);

      // A new file, and a late one whose name sorts before those loaded.
      const more = fixtureRows(6, 500);
      writeFileSync(join(dir, 'day-5.csv'), csv(more.slice(0, 3)));
      writeFileSync(join(dir, 'day-0.csv'), csv(more.slice(3)));
      const second = await run(c, 'incremental', { state: first.state });
      expect(second.batches.length).toBe(2);
      expect(ids(second.rows)).toEqual(more.map((r) => r.id));
      expect(second.state!.files.map((f) => f.name)).toEqual([
        'day-0.csv',
        'day-1.csv',
        'day-2.csv',
        'day-3.csv',
        'day-4.csv',
        'day-5.csv',
      ]);

      // A run that stopped after its second batch: the next loads only the files after it.
      const resumed = await run(c, 'incremental', { state: first.batches[1]!.state });
      expect(ids(resumed.rows)).toEqual(
        [...rows.slice(20).map((r) => r.id), ...more.map((r) => r.id)].sort((a, b) => a - b),
      );

      // A file rewritten in place (new size and time) is loaded again, in full.
      writeFileSync(join(dir, 'day-2.csv'), csv(rows.slice(10, 21)));
      utimesSync(join(dir, 'day-2.csv'), new Date(), new Date(Date.now() + 5000));
      const third = await run(c, 'incremental', { state: second.state });
      expect(ids(third.rows)).toEqual(rows.slice(10, 21).map((r) => r.id));

      // An empty file is skipped and not recorded: looked at again once written.
      writeFileSync(join(dir, 'day-6.csv'), '');
      const fourth = await run(c, 'incremental', { state: third.state });
      expect(fourth.batches).toEqual([]);
      writeFileSync(join(dir, 'day-6.csv'), csv(fixtureRows(1, 900)));
      expect(ids((await run(c, 'incremental', { state: third.state })).rows)).toEqual([900]);

      // extractKeys reads every file, whatever the state.
      const session = await c.session();
      try {
        const s = await session.describe('incremental');
        const keys = await collect(
          session.extractKeys({
            stream: 'incremental',
            stagingDir: mkdtempSync(join(root, 'stage-')),
            columns: [{ name: 'id' }],
            state: third.state,
          }),
        );
        expect(keys.every((b) => b.state === undefined)).toBe(true);
        expect((await read(s, keys)).length).toBe(40 + 6 + 1 + 1);
      } finally {
        await session.close();
      }
      await expect(run(c, 'incremental', { state: { files: 'x' } })).rejects.toThrow(
        /not a files connector state/,
      );
    } finally {
      await c.close();
    }
  });

  it('JSON Lines and Parquet folders; nested JSON as text; a folder of mixed formats needs format:', async () => {
    const dir = join(root, 'events');
    mkdirSync(dir);
    writeFileSync(
      join(dir, 'a.jsonl'),
      '{"id": 1, "at": "2026-01-02T03:04:05Z", "tags": ["x"], "attrs": {"k": 1, "v": "w"}}\n{"id": 2, "at": null, "tags": [], "attrs": null}\n',
    );
    writeFileSync(
      join(dir, 'b.jsonl'),
      '{"id": 3, "at": "2026-01-03T00:00:00Z", "tags": ["y", "z"], "attrs": {"k": 2, "v": "u"}}\n',
    );
    const c = filesConnector.create('drop', { path: 'events' }, { baseDir: root });
    try {
      const { stream, rows } = await run(c, 'events');
      expect(stream.columns.map((col) => [col.name, typeToString(col.type!)])).toEqual([
        ['id', 'long'],
        ['at', 'timestamp'],
        ['tags', 'list<string>'],
        ['attrs', 'string'],
      ]);
      expect(stream.cursorCandidates).toEqual(['at']);
      expect(rows).toEqual([
        { id: '1', at: '2026-01-02 03:04:05', tags: ['x'], attrs: '{"k":1,"v":"w"}' },
        { id: '2', at: null, tags: [], attrs: null },
        { id: '3', at: '2026-01-03 00:00:00', tags: ['y', 'z'], attrs: '{"k":2,"v":"u"}' },
      ]);
      await engine.run(
        `COPY (SELECT 4::BIGINT AS id, TIMESTAMP '2026-02-01 00:00:00' AS at) TO '${join(dir, 'c.parquet')}' (FORMAT parquet)`,
      );
      const mixed = await c.session().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(mixed).toBeInstanceOf(ConfigError);
      expect((mixed as Error).message).toMatch(
        /source drop, stream events: .* holds files of several formats \(jsonl, parquet\); set format:/,
      );
      const parquet = filesConnector.create('drop', { path: 'events', format: 'parquet' }, { baseDir: root });
      const p = await run(parquet, 'events');
      expect(p.rows).toEqual([{ id: '4', at: '2026-02-01 00:00:00' }]);
      await parquet.close();
    } finally {
      await c.close();
    }
  });

  it('streams by glob; a glob path; a single file; unknown streams and columns', async () => {
    const dir = join(root, 'shop');
    mkdirSync(join(dir, 'orders', '2026'), { recursive: true });
    mkdirSync(join(dir, 'customers'));
    writeFileSync(join(dir, 'orders', '2026', 'o1.csv'), 'id;total\n1;9.5\n2;3\n');
    writeFileSync(join(dir, 'orders', 'o0.csv'), 'id;total\n0;1.25\n');
    writeFileSync(join(dir, 'customers', 'c.tsv'), 'id\tname\n7\tAnn\n');
    const c = filesConnector.create(
      'drop',
      {
        path: 'shop',
        streams: { orders: 'orders/**/*.csv', customers: 'customers/*.tsv' },
        delimiter: undefined,
      },
      { baseDir: root },
    );
    try {
      expect((await c.discover()).map((s) => s.name)).toEqual(['orders', 'customers']);
      const orders = await run(c, 'orders');
      expect(orders.rows.map((r) => [r['id'], r['total']])).toEqual([
        ['1', 9.5],
        ['2', 3],
        ['0', 1.25],
      ]);
      expect(orders.state!.files.map((f) => f.name)).toEqual(['orders/2026/o1.csv', 'orders/o0.csv']);
      expect((await run(c, 'customers')).rows).toEqual([{ id: '7', name: 'Ann' }]);
      await expect(run(c, 'nope')).rejects.toThrow(
        /source drop: no stream nope \(streams: orders, customers\)/,
      );
      await expect(run(c, 'orders', { columns: [{ name: 'missing' }] })).rejects.toThrow(NotFoundError);

      const glob = filesConnector.create('drop', { path: 'shop/orders/*.csv' }, { baseDir: root });
      expect((await run(glob, 'orders')).rows).toEqual([{ id: '0', total: 1.25 }]);
      await glob.close();
      const one = filesConnector.create('drop', { path: 'shop/customers/c.tsv' }, { baseDir: root });
      expect((await run(one, 'customers')).rows).toEqual([{ id: '7', name: 'Ann' }]);
      await one.close();
      expect(() =>
        filesConnector.create('drop', { path: 'shop/*.csv', streams: { a: '*.csv' } }, { baseDir: root }),
      ).toThrow(ConfigError);
      await expect(
        filesConnector.create('drop', { path: 'nowhere' }, { baseDir: root }).test(),
      ).rejects.toThrow(/source drop, stream nowhere: .*nowhere does not exist/);
    } finally {
      await c.close();
    }
  });

  it('a value that does not fit the stream type fails naming stream, file, column and value', async () => {
    const dir = join(root, 'wide');
    mkdirSync(dir);
    // 22 files: the stream is described from the first and last ten, so file 11 is not sampled.
    for (let i = 0; i < 22; i++) {
      writeFileSync(
        join(dir, `f${String(i).padStart(2, '0')}.csv`),
        `id,qty\n${i},${i === 11 ? 'lots' : i}\n`,
      );
    }
    const c = filesConnector.create('drop', { path: 'wide' }, { baseDir: root });
    try {
      const err = await run(c, 'wide').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(err).toBeInstanceOf(DataError);
      expect((err as Error).message).toMatch(
        /^source drop, stream wide, file f11\.csv, column qty: value 'lots' does not fit type long/,
      );
      // A broken CSV line names the file and line.
      writeFileSync(join(dir, 'f00.csv'), 'id,qty\n0,0\n1,2,3\n4,5\n');
      const broken = await run(c, 'wide').then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(broken).toBeInstanceOf(DataError);
      expect((broken as Error).message).toMatch(
        /^source drop, stream wide: .*f00\.csv line 3: expected 2 columns, found 3$/,
      );
    } finally {
      await c.close();
    }
  });

  it('globs', () => {
    const m = (g: string, p: string) => globToRegExp(g).test(p);
    expect(m('*.csv', 'a.csv')).toBe(true);
    expect(m('*.csv', 'x/a.csv')).toBe(false);
    expect(m('**/*.csv', 'a.csv')).toBe(true);
    expect(m('**/*.csv', 'x/y/a.csv')).toBe(true);
    expect(m('day-?.{csv,tsv}', 'day-1.tsv')).toBe(true);
    expect(m('day-[0-4].csv', 'day-5.csv')).toBe(false);
    expect(m('a+b(1).csv', 'a+b(1).csv')).toBe(true);
  });
});

describe('files connector on S3 (moto)', () => {
  const endpoint = s3Endpoint();
  const bucket = `lakekit-files-${Date.now()}-${randomBytes(3).toString('hex')}`;
  let io: S3FileIO;
  let engine: Engine;
  beforeAll(async () => {
    io = new S3FileIO({ endpoint, cacheDir: join(root, 's3-cache') });
    await io.createBucket(bucket);
    engine = await openEngine();
  });
  afterAll(async () => {
    await io?.close();
    engine?.close();
  });

  it('lists a prefix through FileIO, loads its files, then only new ones', async () => {
    const rows = fixtureRows(30);
    await io.write(`s3://${bucket}/drop/accounts/a.csv`, csv(rows.slice(0, 10)));
    await io.write(`s3://${bucket}/drop/accounts/b.csv`, csv(rows.slice(10, 20)));
    await io.write(`s3://${bucket}/drop/accounts/_tmp/ignored.csv`, csv(rows.slice(20)));
    const c = filesConnector.create('drop', { path: `s3://${bucket}/drop/accounts/` }, { baseDir: root, io });
    const noIo = filesConnector.create('drop', { path: `s3://${bucket}/drop/accounts/` }, { baseDir: root });
    try {
      expect((await c.test()).target).toBe(`s3://${bucket}/drop/accounts/`);
      await expect(noIo.test()).rejects.toThrow(/no S3 storage is configured/);
      const extract = async (state?: unknown) => {
        const session = await c.session();
        try {
          const s = await session.describe('accounts');
          const batches = await collect(
            session.extract({
              stream: 'accounts',
              stagingDir: mkdtempSync(join(root, 'stage-')),
              ...(state ? { state } : {}),
            }),
          );
          const got: number[] = [];
          for (const b of batches) {
            const cols = b.columns.map((name) => ({
              name,
              type: s.columns.find((x) => x.name === name)!.type!,
            }));
            got.push(
              ...(await engine.all(stagedSelectSql(b.format, [b.path], b.columns, cols))).map((r) =>
                Number(r['id']),
              ),
            );
          }
          return { got, state: batches.at(-1)?.state };
        } finally {
          await session.close();
        }
      };
      const first = await extract();
      expect(first.got).toEqual(rows.slice(0, 20).map((r) => r.id));
      await io.write(`s3://${bucket}/drop/accounts/c.csv`, csv(rows.slice(20)));
      const second = await extract(first.state);
      expect(second.got).toEqual(rows.slice(20).map((r) => r.id));
      expect((second.state as FilesState).files.map((f) => f.name)).toEqual(['a.csv', 'b.csv', 'c.csv']);
    } finally {
      await c.close();
      await noIo.close();
    }
  });
});
