/**
 * Apache Iceberg's REST Compatibility Kit (`RESTCompatibilityKitCatalogTests` and
 * `RESTCompatibilityKitViewCatalogTests` of `org.apache.iceberg:iceberg-open-api`, tests/compat-kit)
 * run with the JUnit console launcher against a real server on a fresh catalog. Every kit test must
 * pass except those listed in tests/compat-kit/known-failures.txt, and each listed one must still
 * fail (so the list stays true); a floor on the number of tests run catches a kit that runs nothing.
 *
 * The kit creates tables at fixed locations under `file:/tmp` and views in JUnit temporary folders,
 * and Lakekit keeps every location inside the catalog's warehouse, so this catalog's warehouse is
 * `file:///tmp`. Kit runs on one machine share those paths: they are serialized with a lock, and the
 * folders the kit's namespaces use are cleared before and after.
 *
 * Needs Java >= 17 (`java`, or env JAVA) and the kit (env LAKEKIT_COMPAT_KIT_HOME, else
 * tests/compat-kit/setup.sh downloads it on first use).
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { Catalog, LOCAL_ADMIN } from '@lakekit/catalog';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createServer, type ServerHandle } from '../../packages/server/src/index.js';
import { call } from '../server/fixture.js';

const kitDir = join(import.meta.dirname, '..', 'compat-kit');
/** The kit 1.11.0 has 157 tests, 12 of which its own assumptions skip for every server. */
const MIN_TESTS_RUN = 140;
/** Namespaces the kit's tests use: their folders under /tmp are cleared around a run. */
const KIT_NAMESPACES = [
  'a',
  'ns',
  'ns1',
  'ns2',
  'ns_1',
  'ns_2',
  'newdb',
  'newdb_1',
  'newdb_2',
  'other_ns',
  'parent',
  'non-existing',
  'non_existing',
];

interface KitTest {
  id: string;
  outcome: 'passed' | 'failed' | 'skipped';
  message: string;
}

const unescapeXml = (s: string) =>
  s
    .replace(/&#x([0-9a-f]+);/gi, (_m, h) => String.fromCodePoint(Number.parseInt(h, 16)))
    .replace(/&#(\d+);/g, (_m, d) => String.fromCodePoint(Number(d)))
    .replace(/&quot;/g, '"')
    .replace(/&apos;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');

/** The test cases of a JUnit XML report (the console launcher's legacy format). */
function parseReport(xml: string): KitTest[] {
  const out: KitTest[] = [];
  for (const m of xml.matchAll(/<testcase ([^>]*?)(\/>|>([\s\S]*?)<\/testcase>)/g)) {
    const attr = (name: string) => unescapeXml(new RegExp(`${name}="([^"]*)"`).exec(m[1]!)?.[1] ?? '');
    const inner = m[3] ?? '';
    const cls = attr('classname').split('.').pop()!;
    const problem = /<(failure|error)(?: message="([^"]*)")?/.exec(inner);
    out.push({
      id: `${cls}.${attr('name')}`,
      outcome: problem ? 'failed' : /<skipped/.test(inner) ? 'skipped' : 'passed',
      message: problem
        ? unescapeXml(problem[2] ?? '')
            .trim()
            .slice(0, 300)
        : '',
    });
  }
  return out;
}

/** known-failures.txt: test id → reason. */
function knownFailures(): Map<string, string> {
  const known = new Map<string, string>();
  for (const line of readFileSync(join(kitDir, 'known-failures.txt'), 'utf8').split('\n')) {
    if (line.trim() === '' || line.startsWith('#')) continue;
    const at = line.indexOf(': ');
    if (at < 0) throw new Error(`known-failures.txt: no ": reason" in ${line}`);
    known.set(line.slice(0, at), line.slice(at + 2));
  }
  return known;
}

function run(
  command: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout.on('data', (d) => {
      output += d;
    });
    child.stderr.on('data', (d) => {
      output += d;
    });
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, output }));
  });
}

describe('Apache Iceberg REST Compatibility Kit against lake serve', () => {
  let dir: string;
  let catalog: Catalog;
  let handle: ServerHandle;
  let token: string;
  let kitHome: string;
  let tests: KitTest[];
  let runOutput: string;
  /** What the server logged as errors (unexpected 500s, owners not set). */
  const serverErrors: string[] = [];

  beforeAll(async () => {
    kitHome =
      process.env['LAKEKIT_COMPAT_KIT_HOME'] ||
      (await promisify(execFile)('bash', [join(kitDir, 'setup.sh')], { timeout: 600_000 })).stdout.trim();
    dir = mkdtempSync(join(tmpdir(), 'lakekit-rck-'));
    catalog = await Catalog.open({
      uri: `sqlite:${join(dir, 'catalog.db')}`,
      name: 'lakekit',
      warehouse: 'file:///tmp',
      io: createFileIO({}),
    });
    token = (await catalog.governance.bootstrap()).token!.token;
    const log = {
      info() {},
      warn() {},
      error: (o: object, m?: string) => void serverErrors.push(`${m}: ${JSON.stringify(o).slice(0, 500)}`),
    };
    handle = await createServer({ catalog, log }).listen({ port: 0, host: '127.0.0.1' });

    const reports = join(dir, 'reports');
    const clear = KIT_NAMESPACES.map((ns) => `/tmp/${ns}.db`)
      .concat(['/tmp/ns/tbl', '/tmp/newdb/newtable'])
      .map((p) => `'${p}'`)
      .join(' ');
    // One kit run at a time on this machine: they share /tmp/<namespace> folders.
    const tidy = `rm -rf ${clear}; rmdir /tmp/ns /tmp/newdb 2>/dev/null`;
    const script = `${tidy}; bash "$0" "$1"; rc=$?; ${tidy}; exit $rc`;
    const r = await run(
      'flock',
      [join(tmpdir(), 'lakekit-compat-kit.lock'), 'bash', '-c', script, join(kitDir, 'run.sh'), reports],
      {
        LAKEKIT_COMPAT_KIT_HOME: kitHome,
        CATALOG_URI: `${handle.url}/iceberg`,
        CATALOG_WAREHOUSE: catalog.warehouse,
        CATALOG_TOKEN: token,
        // Lakekit creates tables only in namespaces that exist (the kit's reference catalog does not care).
        CATALOG_RCK_REQUIRES__NAMESPACE__CREATE: 'true',
      },
    );
    runOutput = r.output;
    let xml: string;
    try {
      xml = readFileSync(join(reports, 'TEST-junit-jupiter.xml'), 'utf8');
    } catch {
      throw new Error(`the kit wrote no report (exit ${r.code}):\n${runOutput.slice(-4000)}`);
    }
    tests = parseReport(xml);
  }, 900_000);

  afterAll(async () => {
    await handle?.close();
    await catalog?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs the whole kit', () => {
    const ran = tests.filter((t) => t.outcome !== 'skipped');
    expect(ran.length, runOutput.slice(-2000)).toBeGreaterThanOrEqual(MIN_TESTS_RUN);
    const ids = tests.map((t) => t.id);
    expect(ids).toContain('RESTCompatibilityKitCatalogTests.testBasicCreateTable()');
    expect(ids).toContain('RESTCompatibilityKitViewCatalogTests.basicCreateView()');
  });

  it('passes every kit test but the known failures, which still fail', () => {
    const known = knownFailures();
    const unexpected = tests
      .filter((t) => t.outcome === 'failed' && !known.has(t.id))
      .map((t) => `${t.id}: ${t.message}`);
    expect(unexpected).toEqual([]);
    for (const id of known.keys()) {
      const t = tests.find((x) => x.id === id);
      expect(t, `known failure ${id} is not in the kit's report`).toBeDefined();
      expect(t!.outcome, `known failure ${id} no longer fails: remove it from known-failures.txt`).toBe(
        'failed',
      );
    }
  });

  it('logged no server error', () => {
    expect(serverErrors).toEqual([]);
  });

  it('audited the calls, views included, and made the creating principal the owner of its tables', async () => {
    const gov = catalog.governance;
    for (const action of [
      'iceberg.view.create',
      'iceberg.view.commit',
      'iceberg.view.rename',
      'iceberg.table.commit',
    ]) {
      const records = await gov.listAudit({ action });
      expect(
        records.some((a) => a.outcome === 'ok'),
        action,
      ).toBe(true);
    }
    // The kit drops its tables (and their governance) at the end: the owner is in the audit log.
    const admin = (await gov.listAudit({ action: 'iceberg.table.create' })).find(
      (a) => a.outcome === 'ok',
    )!.actor;
    const owners = (await gov.listAudit({ action: 'annotation.set' })).filter(
      (a) => a.target === 'table:newdb.newtable' && a.actor === admin,
    );
    expect(owners.map((a) => (a.detail as { owner?: unknown }).owner)).toContainEqual({
      type: 'principal',
      name: admin,
    });
  });
});

describe('governance of the routes the kit drives: views, and the owner of a table created over REST', () => {
  let dir: string;
  let catalog: Catalog;
  let handle: ServerHandle;
  const tokens: Record<string, string> = {};
  const view = (name: string) => ({
    name,
    schema: { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'n', required: false, type: 'int' }] },
    'view-version': {
      'version-id': 1,
      'schema-id': 0,
      'timestamp-ms': Date.now(),
      summary: {},
      representations: [{ type: 'sql', sql: 'select 1 as n', dialect: 'spark' }],
      'default-namespace': ['sales'],
    },
    properties: {},
  });

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'lakekit-rck-gov-'));
    catalog = await Catalog.open({
      uri: `sqlite:${join(dir, 'catalog.db')}`,
      name: 'lakekit',
      warehouse: pathToFileURL(join(dir, 'warehouse')).href,
      io: createFileIO({}),
    });
    const gov = catalog.governance;
    tokens['admin'] = (await gov.bootstrap()).token!.token;
    await catalog.createNamespace(['sales']);
    // `reader`: USAGE on the namespace; `writer`: MODIFY on it (creates, cannot drop others' things).
    for (const [name, privilege] of [
      ['reader', 'USAGE'],
      ['writer', 'MODIFY'],
    ] as const) {
      await gov.createPrincipal(LOCAL_ADMIN, { name, kind: 'user' });
      for (const securable of [{ type: 'catalog' }, { type: 'namespace', name: 'sales' }] as const)
        await gov.grant(LOCAL_ADMIN, { privilege: 'USAGE', securable, grantee: { type: 'principal', name } });
      await gov.grant(LOCAL_ADMIN, {
        privilege,
        securable: { type: 'namespace', name: 'sales' },
        grantee: { type: 'principal', name },
      });
      tokens[name] = (await gov.issueToken(LOCAL_ADMIN, name)).token;
    }
    handle = await createServer({ catalog }).listen({ port: 0, host: '127.0.0.1' });
  }, 120_000);

  afterAll(async () => {
    await handle?.close();
    await catalog?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  const rest = (method: string, path: string, who: string, body?: unknown) =>
    call(handle.url, method, `/iceberg/v1${path}`, {
      token: tokens[who]!,
      ...(body !== undefined ? { body } : {}),
    });

  it('creates views with MODIFY on the namespace, reads them with USAGE, drops them only with MANAGE', async () => {
    const denied = await rest('POST', '/namespaces/sales/views', 'reader', view('v1'));
    expect(denied.status).toBe(403);
    expect(denied.body.error.type).toBe('ForbiddenException');
    const created = await rest('POST', '/namespaces/sales/views', 'writer', view('v1'));
    expect(created.status).toBe(200);
    expect(created.body['metadata-location']).toMatch(/\/sales\.db\/v1\/metadata\/00000-.*\.metadata\.json$/);
    expect((await rest('GET', '/namespaces/sales/views', 'reader')).body.identifiers).toEqual([
      { namespace: ['sales'], name: 'v1' },
    ]);
    const loaded = await rest('GET', '/namespaces/sales/views/v1', 'reader');
    expect(loaded.body.metadata.versions[0].representations[0].sql).toBe('select 1 as n');
    expect((await rest('DELETE', '/namespaces/sales/views/v1', 'writer')).status).toBe(403);
    expect((await rest('DELETE', '/namespaces/sales/views/v1', 'admin')).status).toBe(204);
    expect((await rest('GET', '/namespaces/sales/views/v1', 'admin')).body.error).toMatchObject({
      type: 'NoSuchViewException',
      message: 'View does not exist: sales.v1',
    });
    const audit = await catalog.governance.listAudit({ action: 'iceberg.view.create' });
    expect(audit.map((a) => [a.actor, a.outcome])).toEqual(
      expect.arrayContaining([
        ['reader', 'denied'],
        ['writer', 'ok'],
      ]),
    );
  });

  it('makes the principal that creates a table over REST its owner, who may then drop it', async () => {
    const schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [{ id: 7, name: 'id', required: true, type: 'long' }],
    };
    const created = await rest('POST', '/namespaces/sales/tables', 'writer', { name: 'orders', schema });
    expect(created.status).toBe(200);
    // Fresh column ids, as the reference catalog assigns them.
    expect(created.body.metadata.schemas[0].fields[0].id).toBe(1);
    const annotations = await catalog.governance.listAnnotations('sales.orders');
    expect(annotations.map((a) => a.owner)).toEqual([{ type: 'principal', name: 'writer' }]);
    // Owning it is MANAGE on it: the writer drops its own table (not the reader, who does not own it).
    expect((await rest('DELETE', '/namespaces/sales/tables/orders', 'reader')).status).toBe(403);
    expect((await rest('DELETE', '/namespaces/sales/tables/orders', 'writer')).status).toBe(204);
    expect(await catalog.governance.listAnnotations('sales.orders')).toEqual([]);
  });
});
