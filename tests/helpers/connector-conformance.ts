/**
 * The connector conformance suite: one set of expectations every connector that can run here meets
 * (postgres, mysql/mariadb, sqlite, files, http). A source provides the fixture stream through a
 * `ConformanceSource`; the suite extracts through the `Connector` interface and reads the staged
 * files with the pipeline runner's converter, exactly as a pipeline run does.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  type Connector,
  type ExtractRequest,
  LakeError,
  type SourceStream,
  type StagedBatch,
  typeToString,
} from '@lakekit/core';
import { type Engine, openEngine } from '@lakekit/iceberg';
import { stagedSelectSql } from '@lakekit/pipelines';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

/** A fixture row: canonical values (see `@lakekit/core` connector module). */
export interface FixtureRow {
  id: number;
  name: string | null;
  /** Two decimal places, e.g. '12.50'. */
  amount: string | null;
  active: boolean | null;
  /** UTC, `YYYY-MM-DD HH:MM:SS` (sources with a zone-less type store it as is). */
  updated_at: string;
}

/** The fixture: 1,000 rows with awkward strings (quotes, commas, newlines, unicode, empty, null). */
export function fixtureRows(count = 1000, start = 1): FixtureRow[] {
  const awkward = [
    'plain',
    'comma, inside',
    'quote " inside',
    'line\nbreak',
    'ünïcødé ✓ 日本',
    '',
    null,
    "it's",
  ];
  const rows: FixtureRow[] = [];
  for (let i = start; i < start + count; i++) {
    const day = String(1 + (i % 28)).padStart(2, '0');
    const sec = String(i % 60).padStart(2, '0');
    rows.push({
      id: i,
      name: awkward[i % awkward.length] === 'plain' ? `account ${i}` : awkward[i % awkward.length]!,
      amount: i % 10 === 0 ? null : `${(i * 37) % 100000}.${String(i % 100).padStart(2, '0')}`,
      active: i % 7 === 0 ? null : i % 2 === 0,
      updated_at: `2026-0${1 + (i % 9)}-${day} 10:${String(i % 60).padStart(2, '0')}:${sec}`,
    });
  }
  return rows;
}

/** How the suite drives one source. */
export interface ConformanceSource {
  /** Connector kind (`postgres`, `mysql`, …). */
  readonly kind: string;
  /** The fixture stream's name as pipelines name it (`public.lk_conformance`). */
  readonly stream: string;
  /** Replaces the fixture stream's content with these rows (creating it when missing). */
  reset(rows: FixtureRow[]): Promise<void>;
  /** Adds rows to the fixture stream from outside the connector (another connection/process). */
  insert(rows: FixtureRow[]): Promise<void>;
  /** A new connector for the source. */
  connect(): Connector;
  /** A connector with wrong credentials or an unreachable address (omit where there are none). */
  connectBroken?(): Connector;
  /** A secret in the source's config that must never appear in `test()`'s target or errors. */
  readonly secret?: string;
  /** The source declares a primary key and the connector reports it. */
  readonly primaryKey: boolean;
  /** Incremental reads by a cursor column (`updated_at`). */
  readonly cursor: boolean;
  /** A session sees one state of the source (rows inserted meanwhile stay invisible). */
  readonly snapshotIsolation: boolean;
}

function stagingDir(): string {
  return mkdtempSync(join(tmpdir(), 'lakekit-conformance-'));
}

async function collect(it: AsyncIterable<StagedBatch>): Promise<StagedBatch[]> {
  const out: StagedBatch[] = [];
  for await (const b of it) out.push(b);
  return out;
}

/** Normalised rows of staged batches: values converted to the stream's types, then to comparable JSON. */
async function readBatches(
  engine: Engine,
  stream: SourceStream,
  batches: StagedBatch[],
): Promise<FixtureRow[]> {
  const rows: FixtureRow[] = [];
  for (const b of batches) {
    const columns = b.columns.map((name) => {
      const c = stream.columns.find((x) => x.name === name);
      if (!c?.type) throw new Error(`staged column ${name} has no type in ${stream.name}`);
      return { name, type: c.type };
    });
    const sql = stagedSelectSql(b.format, [b.path], b.columns, columns);
    const has = (c: string) => b.columns.includes(c);
    const got = await engine.all(
      `SELECT ${[
        has('id') ? 'CAST(id AS BIGINT) AS id' : 'NULL AS id',
        has('name') ? 'CAST(name AS VARCHAR) AS name' : 'NULL AS name',
        has('amount') ? "printf('%.2f', CAST(amount AS DECIMAL(18,2))) AS amount" : 'NULL AS amount',
        has('active') ? 'CAST(active AS BOOLEAN) AS active' : 'NULL AS active',
        has('updated_at')
          ? "strftime(CAST(updated_at AS TIMESTAMP), '%Y-%m-%d %H:%M:%S') AS updated_at"
          : 'NULL AS updated_at',
      ].join(', ')} FROM (${sql})`,
    );
    for (const r of got) {
      rows.push({
        id: Number(r['id']),
        name: (r['name'] as string | null) ?? null,
        amount: (r['amount'] as string | null) ?? null,
        active: (r['active'] as boolean | null) ?? null,
        updated_at: r['updated_at'] as string,
      });
    }
  }
  return rows.sort((a, b) => a.id - b.id);
}

/** Registers the conformance tests for one source. */
export function connectorConformance(source: ConformanceSource): void {
  describe(`connector conformance: ${source.kind}`, () => {
    let engine: Engine;
    let connector: Connector;
    const rows = fixtureRows();
    const dirs: string[] = [];
    const dir = () => {
      const d = stagingDir();
      dirs.push(d);
      return d;
    };

    beforeAll(async () => {
      engine = await openEngine();
      await source.reset(rows);
      connector = source.connect();
    });
    afterAll(async () => {
      await connector?.close();
      engine?.close();
      for (const d of dirs) rmSync(d, { recursive: true, force: true });
    });

    it('test() reaches the source and prints no secret', async () => {
      const info = await connector.test();
      expect(info.kind).toBe(source.kind);
      expect(info.target.length).toBeGreaterThan(0);
      if (source.secret) expect(info.target).not.toContain(source.secret);
    });

    if (source.connectBroken) {
      it('a broken source fails with a LakeError that names the source and hides the secret', async () => {
        const broken = source.connectBroken!();
        try {
          const err = await broken.test().then(
            () => undefined,
            (e: unknown) => e,
          );
          expect(err).toBeInstanceOf(LakeError);
          const msg = (err as Error).message;
          if (source.secret) expect(msg).not.toContain(source.secret);
        } finally {
          await broken.close();
        }
      });
    }

    it('discover() lists the fixture stream with mapped types, key and cursor candidates', async () => {
      const streams = await connector.discover();
      const s = streams.find((x) => x.name === source.stream);
      expect(s, `streams: ${streams.map((x) => x.name).join(', ')}`).toBeDefined();
      const names = s!.columns.map((c) => c.name);
      expect(names).toEqual(expect.arrayContaining(['id', 'name', 'amount', 'active', 'updated_at']));
      for (const c of s!.columns) expect(c.type, `column ${c.name} (${c.sourceType})`).toBeDefined();
      const type = (n: string) => typeToString(s!.columns.find((c) => c.name === n)!.type!);
      expect(['long', 'int']).toContain(type('id'));
      expect(type('name')).toBe('string');
      if (source.primaryKey) expect(s!.primaryKey).toEqual(['id']);
      if (source.cursor) expect(s!.cursorCandidates).toContain('updated_at');
    });

    it('describe() of an unknown stream is an error naming it', async () => {
      const session = await connector.session();
      try {
        await expect(session.describe('no_such_stream_xyz')).rejects.toThrow(/no_such_stream_xyz/);
      } finally {
        await session.close();
      }
    });

    it('a full extract returns every row exactly once with exact values', async () => {
      const session = await connector.session();
      try {
        const stream = await session.describe(source.stream);
        const batches = await collect(session.extract({ stream: source.stream, stagingDir: dir() }));
        expect(batches.length).toBeGreaterThan(0);
        const got = await readBatches(engine, stream, batches);
        expect(got).toEqual(rows);
      } finally {
        await session.close();
      }
    });

    it('batchRows splits the extract into several staged files without losing or repeating a row', async () => {
      const session = await connector.session();
      try {
        const stream = await session.describe(source.stream);
        const batches = await collect(
          session.extract({ stream: source.stream, stagingDir: dir(), batchRows: 150 }),
        );
        expect(batches.length).toBeGreaterThan(1);
        const got = await readBatches(engine, stream, batches);
        expect(got.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      } finally {
        await session.close();
      }
    });

    it('a column subset extracts just those columns', async () => {
      const session = await connector.session();
      try {
        const stream = await session.describe(source.stream);
        const req: ExtractRequest = {
          stream: source.stream,
          stagingDir: dir(),
          columns: [{ name: 'id' }, { name: 'amount' }],
        };
        const batches = await collect(session.extract(req));
        for (const b of batches) expect([...b.columns]).toEqual(['id', 'amount']);
        const got = await readBatches(engine, stream, batches);
        expect(got.map((r) => [r.id, r.amount])).toEqual(rows.map((r) => [r.id, r.amount]));
      } finally {
        await session.close();
      }
    });

    it('extractKeys returns every key', async () => {
      const session = await connector.session();
      try {
        const stream = await session.describe(source.stream);
        const batches = await collect(
          session.extractKeys({ stream: source.stream, stagingDir: dir(), columns: [{ name: 'id' }] }),
        );
        const got = await readBatches(engine, stream, batches);
        expect(got.map((r) => r.id)).toEqual(rows.map((r) => r.id));
      } finally {
        await session.close();
      }
    });

    if (source.cursor) {
      it('an incremental extract returns rows past the cursor (> or >=), in keyset chunks', async () => {
        const session = await connector.session();
        try {
          const stream = await session.describe(source.stream);
          const after = '2026-05-15 10:30:30';
          for (const inclusive of [false, true]) {
            const batches = await collect(
              session.extract({
                stream: source.stream,
                stagingDir: dir(),
                cursor: { column: 'updated_at', after, inclusive },
                batchRows: 100,
              }),
            );
            const got = await readBatches(engine, stream, batches);
            const want = rows.filter((r) => (inclusive ? r.updated_at >= after : r.updated_at > after));
            expect(want.length).toBeGreaterThan(100);
            expect(got).toEqual(want);
          }
        } finally {
          await session.close();
        }
      });
    }

    if (source.snapshotIsolation) {
      it('a session reads one state of the source: rows inserted meanwhile are not seen', async () => {
        const session = await connector.session();
        try {
          const stream = await session.describe(source.stream);
          const first = await readBatches(
            engine,
            stream,
            await collect(session.extract({ stream: source.stream, stagingDir: dir() })),
          );
          await source.insert(fixtureRows(5, 100_000));
          const second = await readBatches(
            engine,
            stream,
            await collect(session.extract({ stream: source.stream, stagingDir: dir() })),
          );
          expect(second.length).toBe(first.length);
        } finally {
          await session.close();
        }
        const after = await connector.session();
        try {
          const stream = await after.describe(source.stream);
          const got = await readBatches(
            engine,
            stream,
            await collect(after.extract({ stream: source.stream, stagingDir: dir() })),
          );
          expect(got.length).toBe(rows.length + 5);
        } finally {
          await after.close();
          await source.reset(rows);
        }
      });
    }
  });
}
