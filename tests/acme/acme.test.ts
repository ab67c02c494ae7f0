/**
 * The Acme example company (examples/acme/): its generator, its schema emitters, and the standalone
 * demo end to end. The demo's answers are checked against values computed here, independently, with
 * SQL on the sources it left behind (the ERP in SQLite or MariaDB, the CRM in PGlite or PostgreSQL),
 * using the same business definitions as the semantic models: revenue and units of orders that were
 * not cancelled, by the order date's calendar quarter, the customer's region.
 */
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import {
  generate,
  HISTORY_START,
  LINES_PER_SCALE,
  STOCK_DAYS,
  TODAY,
} from '../../examples/acme/generate.mjs';
import {
  ERP_TABLES,
  INSERT_BATCH,
  insertStatements,
  literal,
  mssqlScript,
  quoteIdent,
  updateStatements,
} from '../../examples/acme/schema.mjs';
import { repoRoot } from '../helpers/cli.js';

const require = createRequire(import.meta.url);
const yamlText = readFileSync(join(repoRoot, 'examples', 'acme', 'lakekit.yaml'), 'utf8');
/** The e-mail pattern the pipelines' `valid_email` checks use (full match). */
const emailPattern = new RegExp(`^(?:${/valid_email, column: \w+, pattern: '([^']+)'/.exec(yamlText)![1]})$`);
const normalize = (s: string) => s.trim().replace(/\s+/g, ' ').toLowerCase();
const digest = (v: unknown) => createHash('sha256').update(JSON.stringify(v)).digest('hex');

/** The calendar quarter before the one containing `iso` (written out here, not taken from the generator). */
function lastQuarter(iso: string): { first: string; last: string } {
  const y = Number(iso.slice(0, 4));
  const q = Math.floor((Number(iso.slice(5, 7)) - 1) / 3); // 0-based quarter of `iso`
  const [py, pq] = q === 0 ? [y - 1, 3] : [y, q - 1];
  const first = `${py}-${String(pq * 3 + 1).padStart(2, '0')}-01`;
  const lastMonth = pq * 3 + 3;
  const lastDay = new Date(Date.UTC(py, lastMonth, 0)).getUTCDate();
  return { first, last: `${py}-${String(lastMonth).padStart(2, '0')}-${lastDay}` };
}

/** A decimal text (`"9105296.4200"`, `"12.5"`) or integer as exact cents. */
function cents(v: unknown): bigint {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(String(v));
  if (!m) throw new Error(`not a decimal: ${String(v)}`);
  const frac = (m[3] ?? '').padEnd(2, '0');
  if (/[1-9]/.test(frac.slice(2))) throw new Error(`${String(v)} has fractions of a cent`);
  const c = BigInt(m[2]!) * 100n + BigInt(frac.slice(0, 2));
  return m[1] ? -c : c;
}

describe('the Acme generator', () => {
  it('gives identical data for the same seed and scale, other data for another seed, and never calls Math.random', () => {
    const random = vi.spyOn(Math, 'random').mockImplementation(() => {
      throw new Error('Math.random called');
    });
    try {
      const a = generate({ seed: 7, scale: 0.2 });
      const b = generate({ seed: 7, scale: 0.2 });
      const c = generate({ seed: 8, scale: 0.2 });
      expect(digest(a)).toBe(digest(b));
      expect(digest(c)).not.toBe(digest(a));
      expect(random).not.toHaveBeenCalled();
    } finally {
      random.mockRestore();
    }
  });

  it('scales the order lines with --scale (1 ≈ 100k) and keeps the catalogue fixed', () => {
    const small = generate({ seed: 1, scale: 0.1 });
    const one = generate({ seed: 1, scale: 1 });
    expect(Math.abs(one.erp.OrderLines.length - LINES_PER_SCALE) / LINES_PER_SCALE).toBeLessThan(0.05);
    const ratio = one.erp.OrderLines.length / small.erp.OrderLines.length;
    expect(ratio).toBeGreaterThan(9);
    expect(ratio).toBeLessThan(11);
    expect(one.crm.accounts.length).toBeGreaterThan(5 * small.crm.accounts.length);
    expect(one.erp.Products.length).toBe(small.erp.Products.length);
  });

  const ds = generate({ seed: 42, scale: 0.3 });

  it('keeps every date relative to TODAY, with at least six full quarters of history and every region', () => {
    const dates = ds.erp.SalesOrders.map((o) => String(o.OrderDate));
    expect(dates.every((d) => d >= HISTORY_START && d <= TODAY)).toBe(true);
    const quarters = new Set(
      dates.map((d) => `${d.slice(0, 4)}Q${Math.floor((Number(d.slice(5, 7)) - 1) / 3) + 1}`),
    );
    const lq = lastQuarter(TODAY);
    // The quarters before TODAY's that have orders: at least six, down to the last one.
    expect(
      [...quarters].filter(
        (q) => q < `${TODAY.slice(0, 4)}Q${Math.floor((Number(TODAY.slice(5, 7)) - 1) / 3) + 1}`,
      ).length,
    ).toBeGreaterThanOrEqual(6);
    expect(dates.some((d) => d >= lq.first && d <= lq.last)).toBe(true);
    expect(new Set(ds.erp.Customers.map((c) => c.Region))).toEqual(
      new Set(['midwest', 'northeast', 'south', 'west']),
    );
    const stamps = [...ds.erp.OrderLines, ...ds.erp.SalesOrders].map((r) => String(r.ModifiedDate));
    expect(stamps.every((s) => s <= `${TODAY} 23:59:59`)).toBe(true);
  });

  it('contains the deliberate mess: duplicate customers, rows that break checks, a late file', () => {
    // Duplicates: the same company as another ERP customer, name in another case or spacing, another
    // e-mail, no CRM link.
    expect(ds.mess.duplicates.length).toBeGreaterThanOrEqual(4);
    const byId = new Map(ds.erp.Customers.map((c) => [c.CustomerID, c]));
    const accounts = new Map(ds.crm.accounts.map((a) => [a.account_id, a]));
    for (const d of ds.mess.duplicates) {
      const dup = byId.get(d.duplicateCustomerId)!;
      const linked = byId.get(d.erpCustomerId)!;
      const account = accounts.get(d.crmAccountId)!;
      expect(dup.CrmAccountID).toBeNull();
      expect(linked.CrmAccountID).toBe(account.account_id);
      expect(dup.CustomerName).not.toBe(account.name);
      expect(normalize(String(dup.CustomerName))).toBe(normalize(String(account.name)));
      expect(dup.Email).not.toBe(linked.Email);
      expect(ds.erp.SalesOrders.some((o) => o.CustomerID === dup.CustomerID)).toBe(true);
    }
    // Rows that break the error checks, and their fixes.
    const nullCustomer = ds.erp.SalesOrders.filter((o) => o.CustomerID === null).map((o) => o.SalesOrderID);
    expect(nullCustomer.length).toBeGreaterThanOrEqual(3);
    expect(nullCustomer.sort()).toEqual(ds.fixes.SalesOrders.map((f) => f.SalesOrderID).sort());
    const negative = ds.erp.OrderLines.filter((l) => Number(l.Quantity) < 1);
    expect(negative.length).toBeGreaterThanOrEqual(3);
    for (const l of negative) {
      const fix = ds.fixes.OrderLines.find((f) => f.OrderLineID === l.OrderLineID)!;
      expect(fix.Quantity).toBe(-Number(l.Quantity));
    }
    // Malformed e-mails (warn checks), judged by the pipelines' own pattern.
    const badErp = ds.erp.Customers.filter((c) => !emailPattern.test(String(c.Email)));
    const badCrm = ds.crm.contacts.filter((c) => !emailPattern.test(String(c.email)));
    expect(badErp.length).toBeGreaterThan(0);
    expect(badCrm.length).toBeGreaterThan(0);
    expect(badErp.length + badCrm.length).toBe(ds.mess.badEmails.length);
    // The late stock file: a day between the first and the last drop.
    const days = ds.inventory.stock.map((s) => s.day);
    expect(days).toHaveLength(STOCK_DAYS);
    expect(days).toContain(ds.inventory.lateDay);
    expect(ds.inventory.lateDay > days[0]! && ds.inventory.lateDay < days.at(-1)!).toBe(true);
  });
});

describe('the ERP schema as T-SQL (SQL Server is not run here: the text is checked)', () => {
  const ds = generate({ seed: 3, scale: 0.05 });
  const script = mssqlScript(ds, { fixes: ds.fixes });

  it('quotes identifiers and strings as T-SQL does and uses SQL Server types', () => {
    expect(quoteIdent('mssql', 'Order]Lines')).toBe('[Order]]Lines]');
    expect(literal('mssql', 'string:200', "O'Connell Tool & Die")).toBe("N'O''Connell Tool & Die'");
    expect(literal('mssql', 'money', -1234)).toBe('-12.3400');
    expect(literal('mssql', 'timestamp', '2026-11-15 21:00:00')).toBe("'2026-11-15T21:00:00'");
    expect(literal('mssql', 'bool', true)).toBe('1');
    expect(script).toContain('CREATE TABLE [dbo].[SalesOrders] (');
    expect(script).toContain('[UnitPrice] DECIMAL(19,4) NOT NULL');
    expect(script).toContain('[ModifiedDate] DATETIME2(0) NOT NULL');
    expect(script).toContain('[CustomerName] NVARCHAR(200) NOT NULL');
    expect(script).toContain('[IsDiscontinued] BIT NOT NULL');
    expect(script).toContain(
      'CONSTRAINT [FK_OrderLines_SalesOrders] FOREIGN KEY ([SalesOrderID]) REFERENCES [dbo].[SalesOrders] ([SalesOrderID])',
    );
    // No identifier of another dialect, and every string literal is an N'' literal.
    expect(script).not.toMatch(/`/);
    expect(script).not.toMatch(/"(Customers|SalesOrders|OrderLines|Products|Invoices)"/);
    expect(script).not.toMatch(/, '[A-Za-z][^']*'[,)]/); // text values are N'…' (dates are '2026-…')
  });

  it('holds every row, at most 1,000 per INSERT, each statement followed by GO, and the fixes', () => {
    const statements = script.split('\nGO\n');
    for (const t of ERP_TABLES) {
      const inserts = statements.filter((s) => s.startsWith(`INSERT INTO [dbo].[${t.name}] (`));
      const rows = inserts.map((s) => s.split('\n').filter((l) => l.startsWith('(')).length);
      expect(rows.every((n) => n <= INSERT_BATCH.mssql)).toBe(true);
      expect(rows.reduce((a, b) => a + b, 0)).toBe(ds.erp[t.name as keyof typeof ds.erp].length);
    }
    expect(script.startsWith('-- Acme ERP for SQL Server')).toBe(true);
    expect(script).toContain('SET XACT_ABORT ON;');
    const updates = script.split('\n').filter((l) => l.startsWith('UPDATE [dbo].'));
    expect(updates).toHaveLength(ds.fixes.SalesOrders.length + ds.fixes.OrderLines.length);
    expect(updates[0]).toMatch(
      /^UPDATE \[dbo\]\.\[\w+\] SET \[\w+\] = .+, \[ModifiedDate\] = '2026-11-15T21:00:00' WHERE \[\w+\] = \d+;$/,
    );
  });

  it('is what examples/acme/erp.mssql.sql holds (DDL only; rewrite it with node examples/acme/schema.mjs)', () => {
    const committed = readFileSync(join(repoRoot, 'examples', 'acme', 'erp.mssql.sql'), 'utf8');
    expect(committed).toBe(mssqlScript(null));
    expect(committed).not.toContain('INSERT INTO');
    expect(script.startsWith(committed.slice(0, committed.indexOf('CREATE TABLE')))).toBe(true);
  });

  it('gives the same rows in the SQLite dialect (executed here) as in the description', () => {
    const Database = require('better-sqlite3');
    const db = new Database(':memory:');
    try {
      const t = ERP_TABLES.find((x) => x.name === 'Products')!;
      db.exec(`CREATE TABLE "Products" (${t.columns.map((c) => `"${c.name}"`).join(', ')})`);
      for (const s of insertStatements('sqlite', t, ds.erp.Products)) db.exec(s);
      for (const s of updateStatements('sqlite', t, [{ ProductID: 1, ProductName: 'It\'s "new"' }]))
        db.exec(s);
      const rows = db.prepare('SELECT * FROM "Products" ORDER BY "ProductID"').all() as Record<
        string,
        unknown
      >[];
      expect(rows).toHaveLength(ds.erp.Products.length);
      expect(rows[0]!['ProductName']).toBe('It\'s "new"');
      expect(rows[1]!['ListPrice']).toBe(Number(ds.erp.Products[1]!['ListPrice']) / 100);
      expect(rows.map((r) => r['SKU'])).toEqual(ds.erp.Products.map((p) => p['SKU']));
    } finally {
      db.close();
    }
  });
});

// ---------------------------------------------------------------------------------------------------
// The demo end to end.

interface Answer {
  principal: string;
  columns: { name: string; type: string }[];
  rows: unknown[][];
  receipt?: string;
  receiptFile?: string;
}
interface Summary {
  mode: string;
  today: string;
  workspace: string;
  sources: {
    erp: { kind: 'sqlite'; file: string } | { kind: 'mariadb'; url: string };
    erpMssqlScript: string;
    crm: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
    stockDir: string;
  };
  counts: Record<string, number>;
  blockedRun: { id: string; output: string[] };
  fixedRun: { output: string[] };
  stockRuns: string[][];
  lateFile: string[];
  answers: Record<string, Answer>;
  timings: Record<string, number>;
}

/** Runs examples/acme/run.mjs and returns its exit code, output and summary. */
async function runDemo(
  extra: string[],
): Promise<{ code: number | null; out: string; summary: Summary; ms: number }> {
  const dir = mkdtempSync(join(tmpdir(), 'acme-it-'));
  dirs.push(dir);
  const summaryFile = join(dir, 'summary.json');
  const t0 = performance.now();
  const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
    const child = spawn(
      process.execPath,
      [
        join(repoRoot, 'examples', 'acme', 'run.mjs'),
        '--workspace',
        join(dir, 'ws'),
        '--json-summary',
        summaryFile,
        ...extra,
      ],
      { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let text = '';
    child.stdout.on('data', (d) => {
      text += d;
    });
    child.stderr.on('data', (d) => {
      text += d;
    });
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`the Acme demo did not exit within 240 s; last output:\n${text.slice(-3000)}`));
    }, 240_000);
    child.on('close', (c) => {
      clearTimeout(timer);
      resolve({ code: c, out: text });
    });
  });
  const ms = performance.now() - t0;
  expect(code, out.slice(-4000)).toBe(0);
  return { code, out, ms, summary: JSON.parse(readFileSync(summaryFile, 'utf8')) as Summary };
}
const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

/** SQL on the ERP the demo read: SQLite file or MariaDB database. Rows as arrays. */
interface ErpSql {
  rows(sql: string): Promise<unknown[][]>;
  /** Integer cents of a DECIMAL column expression. */
  cents(expr: string): string;
  close(): Promise<void>;
}
async function openErp(summary: Summary): Promise<ErpSql> {
  const src = summary.sources.erp;
  if (src.kind === 'sqlite') {
    const Database = require('better-sqlite3');
    const db = new Database(src.file, { readonly: true });
    return {
      rows: async (sql) => db.prepare(sql).raw(true).all() as unknown[][],
      cents: (e) => `CAST(ROUND(${e} * 100) AS INTEGER)`,
      close: async () => db.close(),
    };
  }
  const mysql = require('mysql2/promise');
  const conn = await mysql.createConnection({
    uri: src.url,
    supportBigNumbers: true,
    bigNumberStrings: true,
  });
  return {
    rows: async (sql) => (await conn.query({ sql, rowsAsArray: true }))[0] as unknown[][],
    cents: (e) => `CAST(ROUND(${e} * 100) AS SIGNED)`,
    close: async () => conn.end(),
  };
}
/** SQL on the CRM the demo read: PGlite's files or the PostgreSQL database. */
async function crmRows(summary: Summary, sql: string): Promise<unknown[][]> {
  const src = summary.sources.crm;
  if (src.kind === 'pglite') {
    const { PGlite } = await import('@electric-sql/pglite');
    const db = await PGlite.create({ dataDir: src.dataDir });
    try {
      return (await db.query<unknown[]>(sql, [], { rowMode: 'array' })).rows;
    } finally {
      await db.close();
    }
  }
  const { Client } = require('pg');
  const client = new Client({ connectionString: src.url });
  await client.connect();
  try {
    return (await client.query({ text: sql, rowMode: 'array' })).rows;
  } finally {
    await client.end();
  }
}

/** Checks a demo run's answers against SQL on its sources. */
async function checkAnswers(summary: Summary): Promise<void> {
  const a = summary.answers;
  const q = lastQuarter(TODAY);
  expect(summary.today).toBe(TODAY);
  const erp = await openErp(summary);
  try {
    // The rows the quality gate refused were fixed at the source before the rerun.
    const count = async (sql: string) => Number((await erp.rows(sql))[0]![0]);
    expect(await count('SELECT COUNT(*) FROM SalesOrders WHERE CustomerID IS NULL')).toBe(0);
    expect(await count('SELECT COUNT(*) FROM OrderLines WHERE Quantity < 1')).toBe(0);
    expect(await count('SELECT COUNT(*) FROM OrderLines')).toBe(summary.counts['erp.OrderLines']);

    const notCancelled = `o.Status <> 'Cancelled'`;
    const inQuarter = `o.OrderDate >= '${q.first}' AND o.OrderDate <= '${q.last}'`;
    // "top selling product in the midwest last quarter": units of non-cancelled orders of midwest customers.
    const top = await erp.rows(
      `SELECT p.ProductName, SUM(l.Quantity) AS units
       FROM OrderLines l JOIN SalesOrders o ON o.SalesOrderID = l.SalesOrderID
       JOIN Customers c ON c.CustomerID = o.CustomerID JOIN Products p ON p.ProductID = l.ProductID
       WHERE c.Region = 'midwest' AND ${inQuarter} AND ${notCancelled}
       GROUP BY p.ProductName ORDER BY units DESC, p.ProductName LIMIT 2`,
    );
    expect(Number(top[0]![1])).toBeGreaterThan(Number(top[1]![1])); // a clear winner
    for (const key of ['top_product_midwest_last_quarter_ana', 'top_product_midwest_last_quarter_ben']) {
      expect(a[key]!.rows).toHaveLength(1);
      expect(a[key]!.rows[0]![0]).toBe(top[0]![0]);
      expect(Number(a[key]!.rows[0]![1])).toBe(Number(top[0]![1]));
    }
    expect(a['top_product_midwest_last_quarter_ana']!.principal).toBe('ana');
    expect(a['top_product_midwest_last_quarter_ben']!.principal).toBe('ben');

    // "revenue for Q3 2026": all regions as ben (analyst), only the midwest as ana (row filter).
    const revenue = async (extra: string) => {
      const [[c]] = (await erp.rows(
        `SELECT SUM(l.Quantity * ${erp.cents('l.UnitPrice')}) FROM OrderLines l
         JOIN SalesOrders o ON o.SalesOrderID = l.SalesOrderID
         WHERE o.OrderDate >= '2026-07-01' AND o.OrderDate <= '2026-09-30' AND ${notCancelled} ${extra}`,
      )) as [[unknown]];
      return BigInt(String(c));
    };
    const all = await revenue('');
    const midwest = await revenue(`AND o.Region = 'midwest'`);
    expect(all).toBeGreaterThan(midwest);
    expect(midwest).toBeGreaterThan(0n);
    expect(cents(a['revenue_q3_2026_ben']!.rows[0]![0])).toBe(all);
    expect(cents(a['revenue_q3_2026_ana']!.rows[0]![0])).toBe(midwest);

    // Revenue and orders by the customer's region last quarter, as the AI assistant.
    const byRegion = await erp.rows(
      `SELECT c.Region, SUM(l.Quantity * ${erp.cents('l.UnitPrice')})
       FROM OrderLines l JOIN SalesOrders o ON o.SalesOrderID = l.SalesOrderID JOIN Customers c ON c.CustomerID = o.CustomerID
       WHERE ${inQuarter} AND ${notCancelled} GROUP BY c.Region ORDER BY c.Region`,
    );
    const ordersByRegion = await erp.rows(
      `SELECT c.Region, COUNT(*) FROM SalesOrders o JOIN Customers c ON c.CustomerID = o.CustomerID
       WHERE ${inQuarter} AND ${notCancelled} GROUP BY c.Region ORDER BY c.Region`,
    );
    const assistant = a['revenue_by_region_last_quarter_assistant']!;
    expect(assistant.columns.map((c) => c.name)).toEqual(['customers.region', 'revenue', 'orders']);
    expect(assistant.rows.map((r) => [r[0], cents(r[1]), Number(r[2])])).toEqual(
      byRegion.map((r, i) => [r[0], BigInt(String(r[1])), Number(ordersByRegion[i]![1])]),
    );
  } finally {
    await erp.close();
  }

  // Open pipeline by the account's region, from the CRM.
  const pipeline = await crmRows(
    summary,
    `SELECT a.region, SUM(o.amount)::text FROM crm.opportunities o JOIN crm.accounts a ON a.account_id = o.account_id
     WHERE o.stage NOT IN ('closed_won', 'closed_lost') GROUP BY a.region ORDER BY a.region`,
  );
  expect(pipeline.length).toBe(4);
  expect(a['open_pipeline_by_region_assistant']!.rows.map((r) => [r[0], cents(r[1])])).toEqual(
    pipeline.map((r) => [r[0], cents(r[1])]),
  );
  // Contacts as the assistant: personal data redacted, the rest as in the CRM.
  const contacts = await crmRows(
    summary,
    'SELECT contact_id, title FROM crm.contacts ORDER BY contact_id LIMIT 3',
  );
  const seen = a['contacts_assistant']!;
  expect(seen.rows.map((r) => [r[0], r[5]])).toEqual(contacts);
  for (const r of seen.rows)
    expect(r.slice(1, 5)).toEqual(['[REDACTED]', '[REDACTED]', '[REDACTED]', '[REDACTED]']);
}

/** What every mode must show besides the answers. */
function checkRun(out: string, summary: Summary): void {
  // One run blocked by its quality gate, and why.
  expect(summary.blockedRun.output.find((l) => l.startsWith('SalesOrders'))).toMatch(/\sblocked\s/);
  expect(summary.blockedRun.output.find((l) => l.startsWith('OrderLines'))).toMatch(/\sblocked\s/);
  expect(summary.blockedRun.output.find((l) => l.startsWith('Products'))).toMatch(/\ssucceeded\s/);
  expect(out).toMatch(
    /erp\.sales_orders: check not_null\(.*CustomerID.*\) \(error\) failed: \d+ rows have NULL/,
  );
  expect(out).toMatch(
    /erp\.order_lines: check range\(Quantity\) \(error\) failed: \d+ rows have Quantity not at least 1/,
  );
  expect(summary.fixedRun.output.find((l) => l.startsWith('OrderLines'))).toMatch(/\ssucceeded\s/);
  // The late file is loaded by the run after it arrived, alone.
  const lateRows =
    readFileSync(join(summary.sources.stockDir, summary.lateFile[0]!), 'utf8').trim().split('\n').length - 1;
  expect(summary.stockRuns[1]![0]).toMatch(
    new RegExp(`\\bappend\\s+succeeded\\s+${lateRows}\\s+${lateRows}\\s`),
  );
  // A receipt explained, verified, and the lineage back to the ERP's OrderLines table.
  expect(out).toContain("Only rows where (Region = 'midwest')");
  expect(out).toMatch(/receipt rcpt_[0-9a-f]{32} verified/);
  expect(out).toMatch(/erp\.order_lines\.Quantity ← \S+OrderLines\.Quantity/);
  expect(out).toContain('lake mcp --as acme-assistant');
  for (const key of Object.keys(summary.answers).filter((k) => k !== 'contacts_assistant')) {
    const receipt = JSON.parse(
      readFileSync(join(summary.workspace, summary.answers[key]!.receiptFile!), 'utf8'),
    );
    expect(receipt.id).toBe(summary.answers[key]!.receipt);
    expect(receipt.principal).toBe(summary.answers[key]!.principal);
  }
  // The T-SQL script for SQL Server was written with every ERP row.
  const script = readFileSync(summary.sources.erpMssqlScript, 'utf8');
  expect(script.split('\n').filter((l) => l.startsWith('(')).length).toBe(
    ERP_TABLES.reduce((n, t) => n + summary.counts[`erp.${t.name}`]!, 0),
  );
}

describe('node examples/acme/run.mjs', () => {
  it('embedded: runs every pipeline, blocks one run, answers as each principal — the answers match SQL on the sources', {
    timeout: 300_000,
  }, async () => {
    const { out, summary } = await runDemo([]);
    expect(summary.mode).toBe('embedded');
    expect(summary.sources.erp.kind).toBe('sqlite');
    expect(existsSync(summary.workspace)).toBe(true);
    checkRun(out, summary);
    await checkAnswers(summary);
  });

  it('--servers: the same against PostgreSQL and MariaDB', { timeout: 300_000 }, async () => {
    for (const v of ['LAKEKIT_TEST_POSTGRES_URL', 'LAKEKIT_TEST_MARIADB_URL']) {
      if (!process.env[v]) throw new Error(`${v} is not set: run integration tests through tests/run-all.sh`);
    }
    const { out, summary } = await runDemo(['--servers']);
    expect(summary.mode).toBe('servers');
    expect(summary.sources.erp.kind).toBe('mariadb');
    expect(summary.sources.crm.kind).toBe('postgres');
    checkRun(out, summary);
    await checkAnswers(summary);
  });
});
