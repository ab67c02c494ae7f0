/**
 * Apache Spark against the Iceberg REST catalog of `lake serve` (docs/iceberg-rest.md): pyspark 3.5 in
 * local mode with Iceberg's Spark runtime and AWS bundle (tests/peers/spark/, installed once into a
 * cache outside the checkout), on a local warehouse and on S3 (moto, through Iceberg's S3FileIO).
 *
 * Lakekit loads `crm.accounts` with the `lake` CLI (two snapshots: 63-bit ids, strings, decimals,
 * dates, timestamps); one Spark process then reads it through the REST endpoint, appends rows, turns
 * the table merge-on-read and MERGEs into it (so Spark writes position delete files), and a second
 * Spark catalog with a principal that has SELECT but no MODIFY fails to append. Lakekit reads the
 * result with `lake query` and must see exactly the rows computed here independently (the loads,
 * the append and the MERGE's semantics applied in TypeScript), with Spark's delete files applied.
 *
 * The Spark cache: env LAKEKIT_SPARK_HOME when set, else `bash tests/peers/spark/setup.sh` (installs
 * on first use, a few minutes; later runs find it ready).
 */
import { spawn } from 'node:child_process';
import { rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { parseJson } from '@lakekit/core';
import { FileContent, ManifestContent, openEngine, planScan, readManifestList } from '@lakekit/iceberg';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';
import { lakeJson, workspace } from '../helpers/cli.js';
import { s3Endpoint } from '../helpers/peers.js';
import { createBucket } from '../helpers/s3.js';

const peersDir = join(import.meta.dirname, '..', 'peers');
const TABLE = { namespace: ['crm'], name: 'accounts' };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

function run(command: string, args: string[], env: Record<string, string | undefined> = {}): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code, signal) =>
      resolve({
        code: code ?? 128,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8') + (signal ? `\n(killed by ${signal})` : ''),
      }),
    );
  });
}

let homePromise: Promise<string> | undefined;
/** The Spark cache dir (venv/ and jars/): LAKEKIT_SPARK_HOME, else made or found by setup.sh. */
function sparkHome(): Promise<string> {
  homePromise ??= (async () => {
    const env = process.env['LAKEKIT_SPARK_HOME'];
    if (env) return env;
    const r = await run('bash', [join(peersDir, 'spark', 'setup.sh')]);
    if (r.code !== 0) throw new Error(`tests/peers/spark/setup.sh failed (${r.code}): ${r.stderr}`);
    return r.stdout.trim();
  })();
  return homePromise;
}

interface Step {
  name: string;
  sql: string;
  expect_error?: boolean;
}
interface StepResult {
  name: string;
  columns?: string[];
  rows?: unknown[][];
  error?: { class: string; message: string };
}
interface SparkRun {
  spark: string;
  iceberg: string | null;
  steps: StepResult[];
}

/**
 * Runs the steps in one Spark process (all of them: a failed step does not stop the others).
 * `step(name)` gives a step's rows and throws with Spark's error and log when it failed; `raw(name)`
 * gives its result as is (for steps expected to fail).
 */
async function spark(args: {
  uri: string;
  catalogs: Record<string, string>;
  s3?: { endpoint: string; access_key_id: string; secret_access_key: string; region: string };
  steps: Step[];
}): Promise<{ doc: SparkRun; step(name: string): StepResult; raw(name: string): StepResult }> {
  const home = await sparkHome();
  const python = join(home, 'venv', 'bin', 'python');
  const r = await run(
    python,
    [join(peersDir, 'spark_peer.py'), JSON.stringify({ ...args, keep_going: true })],
    {
      // Nothing from the caller's Spark setup.
      SPARK_HOME: undefined,
      PYSPARK_SUBMIT_ARGS: undefined,
      SPARK_CONF_DIR: undefined,
      PYSPARK_PYTHON: python,
    },
  );
  let doc: SparkRun;
  try {
    // Ids beyond 2^53 stay exact (bigint).
    doc = parseJson(r.stdout) as SparkRun;
  } catch {
    throw new Error(`spark_peer.py exited ${r.code} without an answer: ${r.stderr.slice(-8000)}`);
  }
  const raw = (name: string) => {
    const s = doc.steps.find((x) => x.name === name);
    if (!s) throw new Error(`Spark ran no step ${name}: ${r.stderr.slice(-8000)}`);
    return s;
  };
  const step = (name: string) => {
    const s = raw(name);
    if (s.error) {
      // The log around this step's failure (the peer marks it on stderr).
      const at = r.stderr.indexOf(`spark_peer.py: step ${name} failed`);
      const log = at >= 0 ? r.stderr.slice(Math.max(0, at - 6000), at) : r.stderr.slice(-6000);
      throw new Error(`Spark step ${name} failed: ${s.error.class}: ${s.error.message}\n${log}`);
    }
    return s;
  };
  return { doc, step, raw };
}

// ---- The data, and what each engine must read: rows as canonical strings -------------------------

interface Row {
  id: bigint;
  name: string | null;
  /** Decimal(12,2) as text, e.g. "-12.05". */
  amount: string | null;
  /** YYYY-MM-DD */
  day: string;
  /** YYYY-MM-DD HH:MM:SS.ffffff (timestamp without zone) */
  ts: string;
}

const DAY_MS = 86_400_000;
const SPECIAL_IDS: Record<number, bigint> = {
  150: 9007199254740993n, // 2^53 + 1: a double cannot hold it
  151: 9223372036854775807n, // the largest long
  152: -9007199254740993n,
};

function decimal(cents: bigint): string {
  const neg = cents < 0n;
  const a = neg ? -cents : cents;
  return `${neg ? '-' : ''}${a / 100n}.${String(a % 100n).padStart(2, '0')}`;
}

function timestamp(micros: bigint): string {
  const iso = new Date(Number(micros / 1000n)).toISOString();
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)}.${String(micros % 1_000_000n).padStart(6, '0')}`;
}

/** Row `i` of the generated data (deterministic; nulls, quotes, a backslash and non-ASCII included). */
function row(i: number, variant = 0): Row {
  const name =
    (i + variant) % 97 === 0
      ? null
      : i % 10 === 3
        ? `Zoë O'Brien "${i}.${variant}"`
        : i % 10 === 4
          ? `back\\slash ${i}.${variant}`
          : `acct-${i}.${variant}`;
  return {
    id: SPECIAL_IDS[i] ?? BigInt(i),
    name,
    amount:
      (i + variant) % 89 === 0 ? null : decimal(BigInt(((i * 7919 + variant * 31) % 200_000) - 100_000)),
    day: new Date((i * 37 - 2000) * DAY_MS).toISOString().slice(0, 10),
    ts: timestamp(BigInt(Date.UTC(2024, 0, 1)) * 1000n + BigInt(i) * 3_600_000_123n),
  };
}

const range = (from: number, to: number) => Array.from({ length: to - from + 1 }, (_, k) => from + k);

/** Rows as both engines print them (all text), in id order. */
const canonical = (rows: Row[]): unknown[][] =>
  byId(rows.map((r) => [String(r.id), r.name, r.amount, r.day, r.ts]));

/** Rows whose first value is an id as text, sorted by that id (not as text). */
function byId(rows: unknown[][]): unknown[][] {
  const key = (r: unknown[]) => BigInt(String(r[0]));
  return [...rows].sort((a, b) => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : 0));
}

interface MergeSource extends Row {
  op: 'delete' | 'upsert';
}

/**
 * The MERGE's semantics: WHEN MATCHED AND op = 'delete' THEN DELETE; WHEN MATCHED THEN UPDATE SET
 * name, amount; WHEN NOT MATCHED THEN INSERT * (whatever op says).
 */
function applyMerge(target: Row[], source: MergeSource[]): { rows: Row[]; matched: number } {
  const sources = new Map(source.map((s) => [s.id, s]));
  const matched = new Set<bigint>();
  const rows: Row[] = [];
  for (const t of target) {
    const s = sources.get(t.id);
    if (!s) {
      rows.push(t);
      continue;
    }
    matched.add(s.id);
    if (s.op !== 'delete') rows.push({ ...t, name: s.name, amount: s.amount });
  }
  for (const s of source)
    if (!matched.has(s.id)) rows.push({ id: s.id, name: s.name, amount: s.amount, day: s.day, ts: s.ts });
  return { rows, matched: matched.size };
}

// SQL literals: DuckDB (the files Lakekit loads) and Spark (string literals take backslash escapes).
const duck = {
  str: (s: string | null) => (s === null ? 'NULL::VARCHAR' : `'${s.replaceAll("'", "''")}'`),
  row: (r: Row) =>
    `(${r.id}::BIGINT, ${duck.str(r.name)}, ${r.amount === null ? 'NULL' : `'${r.amount}'`}::DECIMAL(12,2), DATE '${r.day}', TIMESTAMP '${r.ts}')`,
};
const sparkSql = {
  str: (s: string | null) =>
    s === null ? 'CAST(NULL AS STRING)' : `'${s.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`,
  row: (r: Row) =>
    `(${r.id}L, ${sparkSql.str(r.name)}, CAST(${r.amount === null ? 'NULL' : `'${r.amount}'`} AS DECIMAL(12,2)), DATE '${r.day}', TIMESTAMP_NTZ '${r.ts}')`,
};

/** The canonical projection, in each engine's dialect. */
const SPARK_ROWS = (table: string) =>
  `SELECT CAST(id AS STRING) AS id, name, CAST(amount AS STRING) AS amount, CAST(day AS STRING) AS day, date_format(ts, 'yyyy-MM-dd HH:mm:ss.SSSSSS') AS ts FROM ${table}`;
const LAKE_ROWS =
  "SELECT CAST(id AS VARCHAR) AS id, name, CAST(amount AS VARCHAR) AS amount, CAST(day AS VARCHAR) AS day, strftime(ts, '%Y-%m-%d %H:%M:%S.%f') AS ts FROM crm.accounts";
/** count, sum of ids, sum of amounts, non-null names and their total length. */
const SPARK_CHECKSUM = (table: string) =>
  `SELECT count(*), CAST(sum(CAST(id AS DECIMAL(38,0))) AS STRING), CAST(sum(amount) AS STRING), count(name), sum(length(name)) FROM ${table}`;
const LAKE_CHECKSUM =
  'SELECT count(*), CAST(sum(CAST(id AS HUGEINT)) AS VARCHAR), CAST(sum(amount) AS VARCHAR), count(name), sum(length(name)) FROM crm.accounts';

function checksum(rows: Row[]): unknown[] {
  const named = rows.filter((r) => r.name !== null);
  const cents = rows.reduce((s, r) => (r.amount === null ? s : s + BigInt(r.amount.replace('.', ''))), 0n);
  return [
    rows.length,
    String(rows.reduce((s, r) => s + r.id, 0n)),
    decimal(cents),
    named.length,
    named.reduce((s, r) => s + [...r.name!].length, 0),
  ];
}

// The scenario's data.
const FIRST = range(1, 300).map((i) => row(i));
const SECOND = range(301, 360).map((i) => row(i));
const APPENDED = range(1001, 1020).map((i) => row(i));
const MERGE: MergeSource[] = [
  // Deletes of rows from Lakekit's first and second loads (one a 63-bit id) and from Spark's append.
  ...[5, 17, 150, 305, 1003].map((i) => ({ ...row(i), op: 'delete' as const })),
  // Updates (new name and amount; one name becomes NULL), among them the largest long.
  ...[6, 7, 8, 151, 302, 1004].map((i) => ({
    ...row(i, 1),
    ...(i === 8 ? { name: null } : {}),
    op: 'upsert' as const,
  })),
  // New rows; the last one says delete but matches nothing, so WHEN NOT MATCHED inserts it.
  ...range(2001, 2005).map((i) => ({ ...row(i), op: 'upsert' as const })),
  { ...row(2006), op: 'delete' as const },
];
const EXPECTED = applyMerge([...FIRST, ...SECOND, ...APPENDED], MERGE);

const mergeSql = (table: string) => `MERGE INTO ${table} t
USING (SELECT * FROM VALUES ${MERGE.map((s) => `${sparkSql.row(s).slice(0, -1)}, '${s.op}')`).join(',\n  ')}
  AS v(id, name, amount, day, ts, op)) s
ON t.id = s.id
WHEN MATCHED AND s.op = 'delete' THEN DELETE
WHEN MATCHED THEN UPDATE SET t.name = s.name, t.amount = s.amount
WHEN NOT MATCHED THEN INSERT *`;

for (const storage of ['local', 's3'] as const) {
  describe(`Spark through the Iceberg REST catalog (${storage} warehouse)`, () => {
    let cwd: string;
    let env: Record<string, string>;
    let catalog: Catalog;
    let handle: ServerHandle;
    let warehouse: string;
    let s3:
      | { endpoint: string; access_key_id: string; secret_access_key: string; region: string }
      | undefined;
    const tokens: Record<string, string> = {};
    /** What Lakekit itself read before Spark came: rows and checksum. */
    let before: { rows: unknown[][]; checksum: unknown[] };

    const lake = <T>(args: string[]) => lakeJson<T>(args, { cwd, env });
    const lakeQuery = (sql: string) => lake<{ rows: unknown[][] }>(['query', sql]).then((r) => r.rows);

    beforeAll(async () => {
      // Install (first use) or find the Spark cache while Lakekit prepares the table.
      const home = sparkHome();
      home.catch(() => undefined); // awaited below; its failure is reported there
      env = {};
      let yaml: string;
      const dir = workspace('');
      if (storage === 's3') {
        const endpoint = s3Endpoint();
        const bucket = `lakekit-spark-${Date.now()}`;
        await createBucket(endpoint, bucket);
        warehouse = `s3://${bucket}/wh`;
        const region = process.env['AWS_REGION'] ?? 'us-east-1';
        s3 = {
          endpoint,
          access_key_id: process.env['AWS_ACCESS_KEY_ID'] ?? 'testing',
          secret_access_key: process.env['AWS_SECRET_ACCESS_KEY'] ?? 'testing',
          region,
        };
        yaml = `warehouse: ${warehouse}\ncatalog:\n  uri: sqlite:${join(dir, 'catalog.db')}\n  name: lakekit\ns3:\n  endpoint: \${S3_ENDPOINT}\n  region: ${region}\n  force_path_style: true\n`;
        env = { S3_ENDPOINT: endpoint };
      } else {
        warehouse = pathToFileURL(join(dir, 'warehouse')).href;
        yaml = `warehouse: ${warehouse}\ncatalog:\n  uri: sqlite:${join(dir, 'catalog.db')}\n  name: lakekit\n`;
      }
      writeFileSync(join(dir, 'lakekit.yaml'), yaml);
      cwd = dir;

      // Lakekit writes the table: two `lake load`s of Parquet files, so two snapshots.
      const engine = await openEngine();
      for (const [k, rows] of [FIRST, SECOND].entries()) {
        const file = join(cwd, `accounts-${k}.parquet`);
        await engine.run(
          `COPY (SELECT * FROM (VALUES ${rows.map(duck.row).join(', ')}) v(id, name, amount, day, ts)) TO '${file}' (FORMAT parquet)`,
        );
        await lake(['load', file, '--table', 'crm.accounts']);
      }
      engine.close();
      before = { rows: byId(await lakeQuery(LAKE_ROWS)), checksum: (await lakeQuery(LAKE_CHECKSUM))[0]! };

      // The same catalog, served over HTTP (the server of `lake serve`), with its principals.
      catalog = await Catalog.open({
        uri: `sqlite:${join(cwd, 'catalog.db')}`,
        name: 'lakekit',
        warehouse,
        io: createFileIO(
          s3
            ? {
                s3: {
                  endpoint: s3.endpoint,
                  region: s3.region,
                  forcePathStyle: true,
                  accessKeyId: s3.access_key_id,
                  secretAccessKey: s3.secret_access_key,
                },
              }
            : {},
        ),
      });
      const gov = catalog.governance;
      tokens['admin'] = (await gov.bootstrap()).token!.token;
      await gov.createPrincipal(LOCAL_ADMIN, { name: 'reader', kind: 'user' });
      for (const securable of [{ type: 'catalog' }, { type: 'namespace', name: 'crm' }] as const)
        await gov.grant(LOCAL_ADMIN, {
          privilege: 'USAGE',
          securable,
          grantee: { type: 'principal', name: 'reader' },
        });
      await gov.grant(LOCAL_ADMIN, {
        privilege: 'SELECT',
        securable: { type: 'table', name: 'crm.accounts' },
        grantee: { type: 'principal', name: 'reader' },
      });
      tokens['reader'] = (await gov.issueToken(LOCAL_ADMIN, 'reader')).token;
      handle = await createServer({ catalog }).listen({ port: 0, host: '127.0.0.1' });
      await home;
    }, 900_000);

    afterAll(async () => {
      await handle?.close();
      await catalog?.close();
      if (cwd) rmSync(cwd, { recursive: true, force: true });
    });

    it('Lakekit loaded the rows generated here (the baseline Spark is compared with)', () => {
      expect(before.rows).toEqual(canonical([...FIRST, ...SECOND]));
      expect(before.checksum).toEqual(checksum([...FIRST, ...SECOND]));
    });

    // One Spark process for the whole scenario (its JVM takes 10-20 s to start); the tests below
    // each check their part of it.
    let result: Awaited<ReturnType<typeof spark>>;
    let lakekitSnapshots: string[];
    const T = 'lake.crm.accounts';
    const runScenario = async () => {
      lakekitSnapshots = (await catalog.loadTable(TABLE)).metadata.snapshots.map((s) =>
        String(s['snapshot-id']),
      );
      result = await spark({
        uri: `${handle.url}/iceberg`,
        catalogs: { lake: tokens['admin']!, lake_ro: tokens['reader']! },
        ...(s3 ? { s3 } : {}),
        steps: [
          { name: 'namespaces', sql: 'SHOW NAMESPACES IN lake' },
          { name: 'describe', sql: `DESCRIBE TABLE ${T}` },
          { name: 'read', sql: SPARK_ROWS(T) },
          { name: 'checksum', sql: SPARK_CHECKSUM(T) },
          {
            name: 'append',
            sql: `INSERT INTO ${T} (id, name, amount, day, ts) VALUES ${APPENDED.map(sparkSql.row).join(', ')}`,
          },
          { name: 'appended', sql: SPARK_CHECKSUM(T) },
          {
            name: 'merge-on-read',
            sql: `ALTER TABLE ${T} SET TBLPROPERTIES ('write.merge.mode'='merge-on-read', 'write.update.mode'='merge-on-read', 'write.delete.mode'='merge-on-read')`,
          },
          { name: 'merge', sql: mergeSql(T) },
          { name: 'merged', sql: SPARK_ROWS(T) },
          // SELECT but no MODIFY: reads, cannot append.
          { name: 'ro_read', sql: SPARK_CHECKSUM('lake_ro.crm.accounts') },
          {
            name: 'ro_append',
            sql: `INSERT INTO lake_ro.crm.accounts (id, name, amount, day, ts) VALUES ${sparkSql.row(row(3001))}`,
            expect_error: true,
          },
          // Spark's metadata tables (`<table>.<metadata table>`), last.
          {
            name: 'snapshots',
            sql: `SELECT snapshot_id, operation FROM ${T}.snapshots ORDER BY committed_at`,
          },
          { name: 'delete_files', sql: `SELECT content, file_path, record_count FROM ${T}.delete_files` },
        ],
      });
    };

    it('Spark reads the table Lakekit wrote through the REST catalog: its types and exactly its rows', async () => {
      await runScenario();
      const { doc, step } = result;
      expect(doc.spark).toMatch(/^3\.5\./);
      expect(step('namespaces').rows).toContainEqual(['crm']);
      const types = Object.fromEntries(step('describe').rows!.map((r) => [r[0], r[1]]));
      expect(types).toMatchObject({ id: 'bigint', name: 'string', amount: 'decimal(12,2)', day: 'date' });
      expect(String(types['ts'])).toMatch(/^timestamp/);
      expect(byId(step('read').rows!)).toEqual(before.rows);
      expect(step('checksum').rows).toEqual([before.checksum]);
    }, 600_000);

    it('Spark appends and MERGEs; Lakekit reads exactly the rows computed here, Spark sees the same', async () => {
      const { step } = result;
      expect(step('appended').rows).toEqual([checksum([...FIRST, ...SECOND, ...APPENDED])]);
      step('merge-on-read');
      step('merge');
      expect(byId(step('merged').rows!)).toEqual(canonical(EXPECTED.rows));
      // Lakekit's own read path, Spark's delete files applied.
      expect(byId(await lakeQuery(LAKE_ROWS))).toEqual(canonical(EXPECTED.rows));
      expect((await lakeQuery(LAKE_CHECKSUM))[0]).toEqual(checksum(EXPECTED.rows));
      // History: Lakekit's two snapshots, Spark's append, its MERGE (the property change is no
      // snapshot) and nothing from the principal without MODIFY.
      const after = await catalog.loadTable(TABLE);
      const snapshots = after.metadata.snapshots;
      expect(snapshots.map((s) => s.summary.operation)).toEqual(['append', 'append', 'append', 'overwrite']);
      expect(snapshots.slice(0, 2).map((s) => String(s['snapshot-id']))).toEqual(lakekitSnapshots);
      expect(String(after.currentSnapshot()!['snapshot-id'])).toBe(String(snapshots[3]!['snapshot-id']));
      expect(after.metadata.properties).toMatchObject({
        'write.merge.mode': 'merge-on-read',
        'write.update.mode': 'merge-on-read',
        'write.delete.mode': 'merge-on-read',
      });
      const audit = await catalog.governance.listAudit({ action: 'iceberg.table.commit' });
      expect(audit.filter((a) => a.actor === 'admin' && a.outcome === 'ok')).toHaveLength(3);
    }, 300_000);

    it("Spark's MERGE wrote position delete files (content 1), one position per row it deleted or updated, and Lakekit's scan plan has them", async () => {
      const after = await catalog.loadTable(TABLE);
      const current = after.currentSnapshot()!;
      const manifests = await readManifestList(after.io, current);
      expect(manifests.filter((m) => m.content === ManifestContent.DELETES).length).toBeGreaterThan(0);
      const plan = await planScan(after.io, current);
      expect(plan.deletes.length).toBeGreaterThan(0);
      expect(plan.deletes.map((d) => d.dataFile.content)).toEqual(
        plan.deletes.map(() => FileContent.POSITION_DELETES),
      );
      expect(plan.deletes.reduce((n, d) => n + d.dataFile.recordCount, 0)).toBe(EXPECTED.matched);
      expect(current.summary['added-position-deletes']).toBe(String(EXPECTED.matched));
      // In the table's storage (S3 for an S3 warehouse: written by S3FileIO).
      for (const d of plan.deletes)
        expect(d.dataFile.filePath).toMatch(storage === 's3' ? /^s3:\/\// : /^file:/);
      console.log(
        `spark ${result.doc.spark}, iceberg ${result.doc.iceberg} (${storage}): ${plan.deletes.length} position delete file(s), ${EXPECTED.matched} positions; data files ${plan.data.length}; ${plan.deletes.map((d) => d.dataFile.filePath).join(', ')}`,
      );
    }, 120_000);

    it('a principal with SELECT but no MODIFY reads through Spark, and its append is refused (403) and changes nothing', async () => {
      const { step, raw } = result;
      expect(step('ro_read').rows).toEqual([checksum(EXPECTED.rows)]);
      const refused = raw('ro_append').error;
      expect(refused?.class).toBe('org.apache.iceberg.exceptions.ForbiddenException');
      expect(refused?.message).toContain('MODIFY');
      const audit = await catalog.governance.listAudit({ action: 'iceberg.table.commit' });
      expect(audit.filter((a) => a.actor === 'reader' && a.outcome === 'denied').length).toBeGreaterThan(0);
      expect(audit.filter((a) => a.actor === 'reader' && a.outcome === 'ok')).toHaveLength(0);
      // Its rows are not there (the table is as the MERGE left it).
      expect(byId(await lakeQuery(LAKE_ROWS))).toEqual(canonical(EXPECTED.rows));
    }, 120_000);

    it("Spark's metadata tables resolve through the REST catalog (crm.accounts.snapshots, .delete_files)", async () => {
      const { step } = result;
      const after = await catalog.loadTable(TABLE);
      expect(step('snapshots').rows!.map((r) => [String(r[0]), r[1]])).toEqual(
        after.metadata.snapshots.map((s) => [String(s['snapshot-id']), s.summary.operation]),
      );
      const plan = await planScan(after.io, after.currentSnapshot()!);
      expect(
        step('delete_files')
          .rows!.map((r) => [r[0], r[1], r[2]])
          .sort(),
      ).toEqual(plan.deletes.map((d) => [1, d.dataFile.filePath, d.dataFile.recordCount]).sort());
    }, 120_000);
  });
}
