/**
 * Pipelines against a real MariaDB server (`type: mysql`), through the `lake` binary: merge with a
 * DATETIME(6) cursor and soft deletes, append, replace, reconciled deletes, scd2, schema changes
 * (evolve and freeze), a blocking quality gate with quarantine, PyIceberg reading the merged table
 * (position deletes applied), and MariaDB's own bad input (zero dates, DECIMAL(65,30)).
 * Table rows are compared with source rows as text: each column list below has a MariaDB and a
 * DuckDB spelling that print the same value the same way.
 */
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';
import { createScratchDatabase, type ScratchDatabase } from '../helpers/mariadb.js';
import { localPeerCatalog, pyicebergRead } from '../helpers/peers.js';

interface Query {
  columns: { name: string; type: string }[];
  rows: unknown[][];
}
interface RunReport {
  id: string;
  status: string;
  error?: string;
  streams: {
    stream: string;
    status: string;
    rowsRead: number;
    rowsWritten: number;
    rowsDeleted: number;
    snapshotId?: string;
    cursor?: string;
    error?: string;
    checks?: { name: string; status: string; severity: string; failingRows: number }[];
    quarantined?: number;
    evolved?: string[];
  }[];
}

/** A column list as MariaDB (`source`) and as `lake query` (`table`) print it, value for value. */
interface Columns {
  source: string;
  table: string;
}

const ts = (c: string): Columns => ({
  source: `DATE_FORMAT(${c}, '%Y-%m-%d %H:%i:%s.%f')`,
  table: `strftime(${c}, '%Y-%m-%d %H:%M:%S.%f')`,
});
const tstz = (c: string): Columns => ({
  source: `DATE_FORMAT(${c}, '%Y-%m-%d %H:%i:%s.%f')`, // the session is in UTC
  table: `strftime(${c} AT TIME ZONE 'UTC', '%Y-%m-%d %H:%M:%S.%f')`,
});
const bool = (c: string): Columns => ({
  source: `CASE WHEN ${c} IS NULL THEN NULL WHEN ${c} <> 0 THEN 'true' ELSE 'false' END`,
  table: c,
});
const cols = (...list: (string | Columns)[]): Columns => {
  const parts = list.map((c) => (typeof c === 'string' ? { source: c, table: c } : c));
  return { source: parts.map((p) => p.source).join(', '), table: parts.map((p) => p.table).join(', ') };
};

const ACCOUNTS = cols('id', 'name', 'region', 'amount', bool('active'), tstz('created_at'), ts('updated_at'));

describe('pipelines from MariaDB', () => {
  let db: ScratchDatabase;
  let cwd: string;

  const env = () => ({ SHOP_URL: db.url });
  const sql = (text: string) => db.conn.query(text);
  const run = async (...args: string[]) => {
    const r = await runLake(['--json', 'run', ...args], { cwd, env: env() });
    if (r.stdout.trim() === '') throw new Error(`lake run ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
    return { code: r.code, report: JSON.parse(r.stdout) as RunReport, stderr: r.stderr };
  };
  // Rows and columns only: each answer's receipt (times, ids) differs from run to run.
  const query = async (q: string): Promise<Query> => {
    const { columns, rows } = await lakeJson<Query>(['query', q], { cwd, env: env() });
    return { columns, rows };
  };
  const text = (rows: unknown[][]) =>
    rows.map((row) => JSON.stringify(row.map((v) => (v === null ? null : String(v)))));

  /** Source rows, normalised to text, ordered by id. */
  const sourceRows = async (table: string, c: Columns, where = '') =>
    text(await db.rows(`SELECT ${c.source} FROM ${table} ${where} ORDER BY id`));
  /** Table rows, normalised to text, ordered by id. */
  const tableRows = async (table: string, c: Columns, where = '') =>
    text((await query(`SELECT ${c.table} FROM ${table} ${where} ORDER BY id`)).rows);

  beforeAll(async () => {
    db = await createScratchDatabase('lk_pipe');
    await sql(`CREATE TABLE accounts (
      id bigint PRIMARY KEY, name varchar(100) NOT NULL, region varchar(20), amount decimal(12,2),
      active tinyint(1), created_at timestamp(6) NULL, updated_at datetime(6) NOT NULL,
      deleted tinyint(1) NOT NULL DEFAULT 0, KEY (updated_at))`);
    // Names with quotes, commas and non-ASCII text, NULLs, microseconds: what CSV staging must carry.
    await sql(`INSERT INTO accounts (id, name, region, amount, active, created_at, updated_at)
      SELECT seq, IF(seq % 50 = 0, CONCAT('O''Brien, "', seq, '" – Zürich'), CONCAT('account ', seq)),
             ELT(1 + seq % 4, 'midwest', 'northeast', 'south', 'west'), (seq * 13 % 10000) / 100,
             IF(seq % 7 = 0, NULL, seq % 3 = 0),
             IF(seq % 5 = 0, NULL, TIMESTAMP '2025-06-01 00:00:00' + INTERVAL seq SECOND),
             TIMESTAMP '2026-01-01 00:00:00' + INTERVAL seq MINUTE + INTERVAL seq MICROSECOND
      FROM seq_1_to_2000`);
    await sql(`CREATE TABLE contacts (id int PRIMARY KEY, email varchar(100), phone varchar(30),
      updated_at datetime(6) NOT NULL, deleted tinyint(1) NOT NULL DEFAULT 0)`);
    await sql(`INSERT INTO contacts (id, email, phone, updated_at)
      SELECT seq, CONCAT('c', seq, '@example.com'), NULL, '2026-01-01 00:00:00' FROM seq_1_to_100`);
    await sql('CREATE TABLE products (id int PRIMARY KEY, title varchar(100), price decimal(10,2))');
    await sql(`INSERT INTO products SELECT seq, CONCAT('product ', seq), seq * 1.5 FROM seq_1_to_50`);
    // Zero dates are stored only when the session's sql_mode allows them.
    await sql(`CREATE TABLE legacy (id int PRIMARY KEY, happened datetime NULL)`);
    await sql(`SET SESSION sql_mode = ''`);
    await sql(`INSERT INTO legacy VALUES (1, '2026-02-03 04:05:06'), (2, '0000-00-00 00:00:00')`);
    await sql(`SET SESSION sql_mode = DEFAULT`);
    await sql('CREATE TABLE ledger (id int PRIMARY KEY, big decimal(65,30))');
    await sql(`INSERT INTO ledger VALUES
      (1, '12345678901234567890123456789012345.123456789012345678901234567890'), (2, '-0.5'), (3, NULL)`);

    const d = db.name;
    cwd = workspace(`
sources:
  shop: { type: mysql, url: "\${SHOP_URL}" }
  shop_lenient: { type: mysql, url: "\${SHOP_URL}", zero_dates: "null" }
pipelines:
  shop_sync:
    source: shop
    streams:
      ${d}.accounts:
        target: shop.accounts
        mode: merge
        primary_key: [id]
        cursor: updated_at
        deletes: soft
        deleted_column: deleted
      ${d}.products:
        target: shop.products
        mode: replace
    checks:
      shop.accounts:
        - not_null: [id, name]
        - unique: [id]
        - accepted_values: { column: region, values: [midwest, northeast, south, west], severity: warn }
        - range: { column: amount, min: 0 }
  shop_append:
    source: shop
    streams:
      ${d}.accounts:
        target: raw.accounts_log
        mode: append
        cursor: updated_at
        columns: [id, name, updated_at]
  shop_history:
    source: shop
    streams:
      ${d}.contacts:
        target: shop.contacts_history
        mode: scd2
        cursor: updated_at
        deletes: soft
        deleted_column: deleted
  shop_reconcile:
    source: shop
    streams:
      ${d}.accounts:
        target: shop.accounts_mirror
        mode: merge
        deletes: reconcile
        columns: [id, name, region]
  shop_frozen:
    source: shop
    streams:
      ${d}.accounts:
        target: shop.accounts_frozen
        mode: merge
        cursor: updated_at
        schema_changes: freeze
  legacy_strict:
    source: shop
    streams:
      ${d}.legacy: { target: shop.legacy, mode: replace }
  legacy_lenient:
    source: shop_lenient
    streams:
      ${d}.legacy: { target: shop.legacy_lenient, mode: replace }
  ledger_plain:
    source: shop
    streams:
      ${d}.ledger: { target: shop.ledger, mode: replace }
  ledger_cast:
    source: shop
    streams:
      ${d}.ledger: { target: shop.ledger_text, mode: replace, casts: { big: string } }
`);
  });

  afterAll(async () => {
    await db?.drop();
    if (cwd) rmSync(cwd, { recursive: true, force: true });
  });

  it('a first run loads every row (merge, cursor, soft deletes, checks); a second run reads from the cursor', async () => {
    const first = await run('shop_sync');
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.status).toBe('succeeded');
    const acc = first.report.streams.find((s) => s.stream === `${db.name}.accounts`)!;
    expect(acc.rowsRead).toBe(2000);
    expect(acc.rowsWritten).toBe(2000);
    // The last DATETIME(6) value, microseconds kept: 2026-01-01 + 2000 minutes + 2000 µs.
    expect(acc.cursor).toBe('2026-01-02 09:20:00.002000');
    expect(acc.checks?.map((c) => c.status)).toEqual(['passed', 'passed', 'passed', 'passed']);
    const [accounts, accountsSource, products, productsSource, schema] = await Promise.all([
      tableRows('shop.accounts', ACCOUNTS),
      sourceRows('accounts', ACCOUNTS),
      tableRows('shop.products', cols('id', 'title', 'price')),
      sourceRows('products', cols('id', 'title', 'price')),
      lakeJson<{ columns: { name: string; type: string }[] }>(['table', 'show', 'shop.accounts'], {
        cwd,
        env: env(),
      }),
    ]);
    expect(accounts).toHaveLength(2000);
    expect(accounts).toEqual(accountsSource);
    expect(products).toEqual(productsSource);
    const types = Object.fromEntries(schema.columns.map((c) => [c.name, c.type]));
    expect(types).toMatchObject({
      id: 'long',
      amount: 'decimal(12, 2)',
      active: 'boolean',
      created_at: 'timestamptz',
      updated_at: 'timestamp',
    });

    const second = await run('shop_sync');
    expect(second.code, second.stderr).toBe(0);
    const acc2 = second.report.streams.find((s) => s.stream === `${db.name}.accounts`)!;
    // The cursor is inclusive for merges: the row at the last cursor value is read again, replaced by itself.
    expect(acc2.rowsRead).toBe(1);
    expect(acc2.cursor).toBe('2026-01-02 09:20:00.002000');
    expect(await tableRows('shop.accounts', ACCOUNTS)).toEqual(accountsSource);
  });

  it('an incremental merge applies updates, inserts and soft deletes; runs are listed', async () => {
    await sql(`UPDATE accounts SET name = CONCAT(name, ' (renamed)'),
      updated_at = TIMESTAMP '2026-03-01 00:00:00' + INTERVAL id SECOND WHERE id % 100 = 0`);
    await sql(`INSERT INTO accounts (id, name, region, amount, active, created_at, updated_at)
      SELECT seq, CONCAT('new ', seq), 'west', 1.00, 1, '2026-03-02 12:00:00.5', '2026-03-02 00:00:00'
      FROM seq_2001_to_2010`);
    await sql(`UPDATE accounts SET deleted = 1, updated_at = '2026-03-03 00:00:00' WHERE id IN (5, 6, 7)`);
    const r = await run('shop_sync');
    expect(r.code, r.stderr).toBe(0);
    const acc = r.report.streams.find((s) => s.stream === `${db.name}.accounts`)!;
    expect(acc.rowsRead).toBe(20 + 10 + 3);
    // Canonical timestamp text: a zero fraction is left out.
    expect(acc.cursor).toBe('2026-03-03 00:00:00');
    const [expected, table, runs] = await Promise.all([
      sourceRows('accounts', ACCOUNTS, 'WHERE deleted = 0'),
      tableRows('shop.accounts', ACCOUNTS),
      lakeJson<{ runs: { id: string; status: string }[] }>(['runs', 'shop_sync'], { cwd, env: env() }),
    ]);
    expect(expected).toHaveLength(2007);
    expect(table).toEqual(expected);
    expect(runs.runs.map((x) => x.status)).toEqual(['succeeded', 'succeeded', 'succeeded']);
    expect(runs.runs[0]!.id).toBe(r.report.id);
  });

  it('append with a cursor appends only new rows; replace loads exactly the new content', async () => {
    const logCols = cols('id', 'name', ts('updated_at'));
    const first = await run('shop_append');
    expect(first.code, first.stderr).toBe(0);
    const n = Number((await db.rows('SELECT count(*) FROM accounts'))[0]![0]);
    expect(n).toBe(2010);
    expect(first.report.streams[0]!.rowsWritten).toBe(n);
    await sql(`INSERT INTO accounts (id, name, region, amount, active, updated_at)
      VALUES (3000, 'late', 'south', 2, 1, '2026-04-01 00:00:00')`);
    await sql('DELETE FROM products WHERE id > 40');
    await sql(`UPDATE products SET title = 'renamed', price = 0.01 WHERE id = 3`);
    await sql(`INSERT INTO products VALUES (100, 'brand new', 99.99), (101, NULL, NULL)`);
    // Runs one after the other: concurrent runs on one SQLite catalog can fail with a false
    // pipeline_busy (acquireLock's read-then-insert transaction gets SQLITE_BUSY_SNAPSHOT).
    const second = await run('shop_append');
    const replaced = await run('shop_sync', '--stream', `${db.name}.products`);
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.streams[0]!.rowsWritten).toBe(1);
    expect(replaced.code, replaced.stderr).toBe(0);
    expect(replaced.report.streams.map((s) => s.stream)).toEqual([`${db.name}.products`]);
    expect(replaced.report.streams[0]!.rowsWritten).toBe(42);
    const productCols = cols('id', 'title', 'price');
    const [log, logSource, products, productsSource] = await Promise.all([
      tableRows('raw.accounts_log', logCols),
      sourceRows('accounts', logCols),
      tableRows('shop.products', productCols),
      sourceRows('products', productCols),
    ]);
    // Every source row (soft-deleted ones too: append has no deletes) exactly once.
    expect(log).toHaveLength(n + 1);
    expect(log).toEqual(logSource);
    expect(products).toEqual(productsSource);
  });

  it('reconcile removes keys that disappeared at the source', async () => {
    const mirrorCols = cols('id', 'name', 'region');
    const first = await run('shop_reconcile');
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.streams[0]!.rowsWritten).toBe(2011);
    await sql('DELETE FROM accounts WHERE id BETWEEN 10 AND 19');
    const second = await run('shop_reconcile');
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.streams[0]!.rowsDeleted).toBeGreaterThanOrEqual(10);
    const rows = await tableRows('shop.accounts_mirror', mirrorCols);
    expect(rows).toEqual(await sourceRows('accounts', mirrorCols));
    expect(rows.some((r) => JSON.parse(r)[0] === '15')).toBe(false);
  });

  it('scd2 keeps history: a changed key gets a closed and a new version, an unchanged row none', async () => {
    const first = await run('shop_history');
    expect(first.code, first.stderr).toBe(0);
    expect(first.report.streams[0]!.rowsWritten).toBe(100);
    await sql(`UPDATE contacts SET email = CONCAT('new', id, '@example.com'),
      updated_at = '2026-02-01 00:00:00' WHERE id IN (1, 2, 3)`);
    // A newer cursor but the same values: no new version.
    await sql(`UPDATE contacts SET updated_at = '2026-02-01 00:00:00' WHERE id = 4`);
    await sql(`UPDATE contacts SET deleted = 1, updated_at = '2026-02-01 00:00:00' WHERE id = 5`);
    const second = await run('shop_history');
    expect(second.code, second.stderr).toBe(0);
    expect(second.report.streams[0]!.rowsWritten).toBe(3);
    // The same rows again (the cursor is inclusive): no new versions.
    const third = await run('shop_history');
    expect(third.code, third.stderr).toBe(0);
    expect(third.report.streams[0]!.rowsWritten).toBe(0);
    const [history, currentSource] = await Promise.all([
      query(
        'SELECT id, email, phone, _valid_to IS NULL AS current FROM shop.contacts_history ORDER BY id, _valid_from, current',
      ),
      sourceRows('contacts', cols('id', 'email', 'phone'), 'WHERE deleted = 0'),
    ]);
    expect(history.rows).toHaveLength(103);
    expect(
      history.rows.filter((r) => Number(r[0]) <= 6).map(([id, email, , current]) => [id, email, current]),
    ).toEqual([
      [1, 'c1@example.com', false],
      [1, 'new1@example.com', true],
      [2, 'c2@example.com', false],
      [2, 'new2@example.com', true],
      [3, 'c3@example.com', false],
      [3, 'new3@example.com', true],
      [4, 'c4@example.com', true],
      [5, 'c5@example.com', false],
      [6, 'c6@example.com', true],
    ]);
    // Current versions equal the source rows that are not deleted.
    expect(text(history.rows.filter((r) => r[3] === true).map((r) => r.slice(0, 3)))).toEqual(currentSource);
  });

  it('a column added at the source: evolve adds it; freeze fails naming it and leaves its table unchanged', async () => {
    const frozen = await run('shop_frozen');
    expect(frozen.code, frozen.stderr).toBe(0);
    const frozenShow = () =>
      lakeJson<{ columns: { name: string }[]; currentSnapshot: { snapshotId: string } }>(
        ['table', 'show', 'shop.accounts_frozen'],
        { cwd, env: env() },
      );
    const [frozenBefore, sourceBefore, showBefore] = await Promise.all([
      tableRows('shop.accounts_frozen', ACCOUNTS),
      sourceRows('accounts', ACCOUNTS),
      frozenShow(),
    ]);
    expect(frozenBefore).toEqual(sourceBefore);

    await sql('ALTER TABLE accounts ADD COLUMN segment varchar(20) NULL');
    await sql(`UPDATE accounts SET segment = 'smb', updated_at = '2026-05-01 00:00:00' WHERE id = 1`);

    const r = await run('shop_sync', '--stream', `${db.name}.accounts`);
    const refused = await run('shop_frozen');
    expect(r.code, r.stderr).toBe(0);
    expect(r.report.streams[0]!.evolved).toEqual(['segment']);
    const withSegment = cols(ACCOUNTS, 'segment');
    const [evolved, evolvedSource, showAfter] = await Promise.all([
      // ids 10–19 were deleted at the source by the reconcile test: a merge without deletes keeps them.
      tableRows('shop.accounts', withSegment, 'WHERE id NOT BETWEEN 10 AND 19'),
      sourceRows('accounts', withSegment, 'WHERE deleted = 0'),
      frozenShow(),
    ]);
    expect(evolved).toEqual(evolvedSource);
    expect(evolved.filter((r) => r.includes('"smb"')).map((r) => JSON.parse(r)[0])).toEqual(['1']);

    expect(refused.code).toBe(1);
    expect(refused.report.status).toBe('failed');
    expect(refused.report.error).toMatch(/new column segment \(string\) and schema_changes is freeze/);
    expect(refused.stderr).toMatch(/segment/);
    expect(refused.report.streams[0]!.status).toBe('failed');
    expect(showAfter.currentSnapshot.snapshotId).toBe(showBefore.currentSnapshot.snapshotId);
    expect(showAfter.columns.map((c) => c.name)).not.toContain('segment');
  });

  it('a failing error check blocks publishing (exit 3): main unchanged, failing rows quarantined', async () => {
    const before = await tableRows('shop.accounts', ACCOUNTS);
    await sql(`UPDATE accounts SET amount = -5, updated_at = '2026-06-01 00:00:00' WHERE id IN (21, 22)`);
    await sql(`UPDATE accounts SET region = 'atlantis', updated_at = '2026-06-01 00:00:00' WHERE id = 23`);
    const r = await run('shop_sync', '--stream', `${db.name}.accounts`);
    expect(r.code, r.stderr).toBe(3);
    expect(r.report.status).toBe('blocked');
    const s = r.report.streams[0]!;
    expect(s.status).toBe('blocked');
    const failed = s.checks!.filter((c) => c.status === 'failed');
    expect(failed.map((c) => [c.severity, c.failingRows]).sort()).toEqual([
      ['error', 2],
      ['warn', 1],
    ]);
    expect(s.quarantined).toBe(3);
    const [after, quarantined] = await Promise.all([
      tableRows('shop.accounts', ACCOUNTS),
      query('SELECT id, amount, region FROM shop.accounts__quarantine ORDER BY id'),
    ]);
    expect(after).toEqual(before);
    expect(text(quarantined.rows)).toEqual(
      text([
        [21, '-5.00', 'northeast'],
        [22, '-5.00', 'south'],
        [23, '2.99', 'atlantis'],
      ]),
    );
    expect(text(quarantined.rows)).toEqual(
      text(await db.rows('SELECT id, amount, region FROM accounts WHERE id IN (21, 22, 23) ORDER BY id')),
    );

    // The cursor did not move: after fixing the source, the same rows are read again.
    await sql('UPDATE accounts SET amount = 5 WHERE id IN (21, 22)');
    const fixed = await run('shop_sync', '--stream', `${db.name}.accounts`);
    expect(fixed.code, fixed.stderr).toBe(0);
    expect(fixed.report.status).toBe('warned');
    // ids 21–23, and id 1 at the previous cursor value (2026-05-01, inclusive).
    expect(fixed.report.streams[0]!.rowsRead).toBe(4);
    const [table, source] = await Promise.all([
      tableRows('shop.accounts', ACCOUNTS, 'WHERE id NOT BETWEEN 10 AND 19'),
      sourceRows('accounts', ACCOUNTS, 'WHERE deleted = 0'),
    ]);
    expect(table).toEqual(source);
  });

  it('PyIceberg reads the merged table (position deletes applied) exactly as lake query does', async () => {
    const show = await lakeJson<{ metadataLocation: string; columns: { name: string; type: string }[] }>(
      ['table', 'show', 'shop.accounts'],
      { cwd, env: env() },
    );
    const metadata = JSON.parse(readFileSync(fileURLToPath(show.metadataLocation), 'utf8')) as {
      'current-snapshot-id': number;
      snapshots: { 'snapshot-id': number; summary: Record<string, string> }[];
    };
    const current = metadata.snapshots.find((s) => s['snapshot-id'] === metadata['current-snapshot-id'])!;
    expect(Number(current.summary['total-position-deletes'])).toBeGreaterThan(0);

    // PyIceberg's canonical text: integers and decimals as strings, timestamps as epoch microseconds.
    const asPeer = show.columns.map(({ name, type }) => {
      if (type === 'long' || type === 'int' || type.startsWith('decimal')) return `CAST(${name} AS VARCHAR)`;
      if (type === 'timestamp' || type === 'timestamptz') return `CAST(epoch_us(${name}) AS VARCHAR)`;
      return name;
    });
    const [peer, expected] = await Promise.all([
      pyicebergRead(localPeerCatalog(join(cwd, '.lakekit')), 'shop.accounts'),
      query(`SELECT ${asPeer.join(', ')} FROM shop.accounts ORDER BY id`),
    ]);
    expect(peer.columns).toEqual(show.columns.map((c) => c.name));
    expect(peer.types).toEqual(show.columns.map((c) => c.type));
    // 2010 rows + id 3000, minus 3 soft-deleted (ids 10–19 deleted at the source stay: no reconcile here).
    expect(expected.rows).toHaveLength(2008);
    const got = [...peer.rows].sort((a, b) => Number(a[0]) - Number(b[0]));
    expect(got).toEqual(expected.rows);
  });

  it('bad input: a zero date fails naming the column (zero_dates: "null" reads NULL)', async () => {
    const strict = await run('legacy_strict');
    const lenient = await run('legacy_lenient');
    expect(strict.code).toBe(1);
    expect(strict.report.status).toBe('failed');
    expect(strict.report.error).toContain(
      `stream ${db.name}.legacy, column happened: value '0000-00-00 00:00:00' is a zero date`,
    );
    expect(strict.stderr).toMatch(/column happened/);
    expect(lenient.code, lenient.stderr).toBe(0);
    expect((await query('SELECT id, happened FROM shop.legacy_lenient ORDER BY id')).rows).toEqual([
      [1, '2026-02-03 04:05:06'],
      [2, null],
    ]);
  });

  it('bad input: DECIMAL(65,30) is unsupported naming the column, unless cast to string', async () => {
    const plain = await run('ledger_plain');
    const cast = await run('ledger_cast');
    expect(plain.code).toBe(1);
    expect(plain.report.status).toBe('failed');
    const message = plain.report.error ?? '';
    expect(message).toContain(
      `stream ${db.name}.ledger, column big: source type decimal(65,30) has no Iceberg type`,
    );
    expect(message).toContain('casts: { big: string }');
    expect(plain.stderr).toMatch(/column big/);
    expect(cast.code, cast.stderr).toBe(0);
    const textCols = cols('id', 'big');
    expect(await tableRows('shop.ledger_text', textCols)).toEqual(await sourceRows('ledger', textCols));
    expect((await query(`SELECT big FROM shop.ledger_text WHERE id = 1`)).rows).toEqual([
      ['12345678901234567890123456789012345.123456789012345678901234567890'],
    ]);
  });
});
