// Acme end to end with the real `lake` CLI, on a fresh machine with no servers:
//
//   node examples/acme/run.mjs [--servers] [--scale 1] [--seed 42] [--workspace DIR] [--json-summary FILE]
//
// 1. generates Acme's data (generate.mjs) and starts its sources (sources.mjs): the CRM in PGlite
//    served over the PostgreSQL wire protocol, the ERP in SQLite, stock drops as CSV files and an HTTP
//    API — or, with --servers, the CRM and the ERP on real PostgreSQL and MariaDB servers
//    (LAKEKIT_TEST_POSTGRES_URL / LAKEKIT_TEST_MARIADB_URL, or --postgres-url / --mariadb-url);
// 2. writes a workspace (.lakekit/acme/ by default: lakekit.yaml, semantic/, governance.yaml);
// 3. runs every pipeline through its quality gate: the ERP's first run is blocked by bad rows, the
//    demo shows why, the ERP team fixes them at the source, the rerun publishes; a late stock file
//    arrives and is picked up;
// 4. applies the governance (as code) and answers business questions through the semantic layer as
//    different principals, each answer with its receipt; shows one answer's lineage back to its source
//    tables; stops the sources and exits 0.
//
// --json-summary FILE writes what the demo found (answers, receipts, runs, timings, where the sources
// are) for tests: tests/acme/acme.test.ts checks the answers against SQL on the sources.
import { spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { counts, generate, parseArgs, previousQuarter, quarterOf, TODAY } from './generate.mjs';
import { fixStatements, startCrm, startInventoryApi, writeErp, writeStockDrops } from './sources.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const root = dirname(dirname(here));
const lakeBin = join(root, 'packages', 'cli', 'bin', 'lake.js');

const args = parseArgs(process.argv.slice(2));
const known = ['servers', 'scale', 'seed', 'workspace', 'json-summary', 'postgres-url', 'mariadb-url'];
for (const k of Object.keys(args)) {
  if (!known.includes(k)) {
    console.error(`run.mjs: unknown option --${k} (known: ${known.map((x) => `--${x}`).join(', ')})`);
    process.exit(2);
  }
}
const servers = args.servers === true;
const seed = args.seed !== undefined ? Number(args.seed) : 42;
const scale = args.scale !== undefined ? Number(args.scale) : 1;
const work = resolve(typeof args.workspace === 'string' ? args.workspace : join(root, '.lakekit', 'acme'));
const summaryFile = typeof args['json-summary'] === 'string' ? resolve(args['json-summary']) : undefined;
const postgresUrl =
  typeof args['postgres-url'] === 'string' ? args['postgres-url'] : process.env.LAKEKIT_TEST_POSTGRES_URL;
const mariadbUrl =
  typeof args['mariadb-url'] === 'string' ? args['mariadb-url'] : process.env.LAKEKIT_TEST_MARIADB_URL;
if (servers && (!postgresUrl || !mariadbUrl)) {
  console.error(
    'run.mjs --servers: needs a PostgreSQL and a MariaDB server: set LAKEKIT_TEST_POSTGRES_URL and LAKEKIT_TEST_MARIADB_URL (or --postgres-url, --mariadb-url)',
  );
  process.exit(2);
}

const started = performance.now();
const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
const section = (s) => console.log(`\n${bold(`# ${s}`)}`);
const say = (s) => console.log(s);
/** @type {Record<string, number>} */
const timings = {};
const mark = (name, since) => {
  timings[name] = Math.round(performance.now() - since);
};

/** @type {{ stop(): Promise<void> }[]} */
const running = [];
async function stopSources() {
  for (const s of running.splice(0).reverse()) await s.stop().catch(() => undefined);
}
async function fail(message) {
  console.error(`\nacme demo: ${message}`);
  await stopSources();
  process.exit(1);
}

/** The environment the `lake` commands see (the sources' addresses). */
const lakeEnv = { ...process.env };
delete lakeEnv.npm_lifecycle_event;

/**
 * Runs `lake …` in the workspace (asynchronously: the embedded sources live in this process) and
 * prints the command with its output.
 * @param {string} title
 * @param {string[]} argv
 * @param {{ expect?: number, quiet?: boolean, json?: boolean }} [options]
 */
async function lake(title, argv, options = {}) {
  const expect = options.expect ?? 0;
  const shown = argv.map((a) => (/[\s*"'()>]/.test(a) ? `'${a.replace(/'/g, "'\\''")}'` : a)).join(' ');
  if (title) say(`\n${bold(`## ${title}`)}`);
  say(`$ lake ${shown}`);
  const t0 = performance.now();
  const { code, stdout, stderr } = await new Promise((resolvePromise, reject) => {
    const child = spawn(process.execPath, [lakeBin, ...argv], {
      cwd: work,
      env: lakeEnv,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      err += d;
    });
    child.on('error', reject);
    child.on('close', (c) => resolvePromise({ code: c ?? -1, stdout: out, stderr: err }));
  });
  const ms = performance.now() - t0;
  commandTimes.push({ command: `lake ${shown}`, ms: Math.round(ms), code });
  if (!options.json && !options.quiet && stdout) process.stdout.write(stdout);
  if (stderr && (!options.quiet || code !== expect)) process.stdout.write(stderr);
  if (code !== expect) await fail(`"lake ${shown}" exited with ${code} (expected ${expect})`);
  return { stdout, stderr, code, json: options.json ? JSON.parse(stdout) : undefined };
}
/** @type {{ command: string, ms: number, code: number }[]} */
const commandTimes = [];

/** An aligned text table (as the CLI prints). @param {string[]} headers @param {unknown[][]} rows */
function table(headers, rows) {
  const cell = (v) =>
    v === null || v === undefined ? 'NULL' : typeof v === 'object' ? JSON.stringify(v) : String(v);
  const cells = rows.map((r) => r.map(cell));
  const widths = headers.map((h, i) => Math.max(h.length, ...cells.map((r) => r[i].length)));
  const line = (vals) =>
    vals
      .map((v, i) => v.padEnd(widths[i]))
      .join('  ')
      .trimEnd();
  return [line(headers), line(widths.map((w) => '-'.repeat(w))), ...cells.map(line)].join('\n');
}

// ---------------------------------------------------------------------------------------------------

say(bold(`Acme: a CRM, an ERP and an inventory system → Iceberg tables, governed answers with receipts`));
say(
  `mode: ${servers ? 'servers (PostgreSQL + MariaDB)' : 'embedded (PGlite, SQLite, files, a local HTTP API)'}`,
);
say(`workspace: ${work}`);
say(`seed ${seed}, scale ${scale}, today ${TODAY}`);

section('1. The data: generated, deterministic');
let t = performance.now();
const ds = generate({ seed, scale });
mark('generate', t);
for (const [name, n] of Object.entries(counts(ds))) say(`  ${name.padEnd(22)} ${String(n).padStart(8)}`);
say(
  `  the mess: ${ds.mess.duplicates.length} companies entered twice in the ERP, ${ds.mess.missingCustomer.length} orders without a customer, ${ds.mess.negativeQuantity.length} order lines with a negative quantity, ${ds.mess.badEmails.length} malformed e-mail addresses, and a late stock file (${ds.mess.lateFile})`,
);
say(`  generated in ${timings.generate} ms`);

section('2. The sources');
t = performance.now();
rmSync(work, { recursive: true, force: true });
mkdirSync(join(work, 'sources'), { recursive: true });
const inventoryToken = 'acme-inventory-demo-token';
const crmDataDir = join(work, 'sources', 'crm-pgdata');
const crmPromise = startCrm({ dataset: ds, servers, dataDir: crmDataDir, serverUrl: postgresUrl });
crmPromise.catch(() => undefined);
const erpFile = join(work, 'sources', 'erp.db');
const mssqlFile = join(work, 'sources', 'erp.mssql.sql');
const erp = await writeErp({ dataset: ds, servers, file: erpFile, mssqlFile, serverUrl: mariadbUrl });
say(`  ERP (SQL Server-style schema): ${erp.describe}`);
say(`  ERP as T-SQL for SQL Server (written, not run: no SQL Server here): ${relative(root, mssqlFile)}`);
const stockDir = join(work, 'sources', 'inventory', 'stock');
const drops = writeStockDrops(ds, stockDir);
say(
  `  inventory stock drops: ${drops.length} CSV files in ${relative(root, stockDir)} (${ds.mess.lateFile} is late)`,
);
const api = await startInventoryApi(ds, { token: inventoryToken });
running.push(api);
say(`  inventory API: ${api.url}/products (paged), ${api.url}/warehouses`);
const crm = await crmPromise.catch((e) => fail(`could not start the CRM: ${e.stack ?? e}`));
running.push(crm);
say(`  CRM: ${crm.describe}`);
mark('sources', t);
say(`  sources ready in ${(timings.sources / 1000).toFixed(1)} s`);

// The workspace: the declarations of examples/acme, with the sources' addresses in the environment.
let yaml = readFileSync(join(here, 'lakekit.yaml'), 'utf8');
if (servers) {
  const line = /^ {2}erp: .*# acme:erp-source$/m;
  if (!line.test(yaml)) await fail('lakekit.yaml: the line marked "# acme:erp-source" is missing');
  yaml = yaml.replace(
    line,
    '  erp: { type: mysql, url: "${ACME_ERP_URL:-mysql://root@127.0.0.1:3306/acme_erp}" } # acme:erp-source (--servers: MariaDB)',
  );
}
writeFileSync(join(work, 'lakekit.yaml'), yaml);
mkdirSync(join(work, 'semantic'), { recursive: true });
for (const f of readdirSync(join(here, 'semantic')))
  copyFileSync(join(here, 'semantic', f), join(work, 'semantic', f));
copyFileSync(join(here, 'governance.yaml'), join(work, 'governance.yaml'));
Object.assign(lakeEnv, {
  ACME_CRM_URL: crm.url,
  ACME_CRM_SINGLE_CONNECTION: String(crm.singleConnection),
  ACME_INVENTORY_API: api.url,
  ACME_INVENTORY_TOKEN: inventoryToken,
  ...(erp.url ? { ACME_ERP_URL: erp.url } : {}),
});

section('3. Pipelines: sources → Iceberg tables, through a quality gate');
t = performance.now();
await lake('The sources (credentials are never printed)', ['source', 'list']);
await lake('The CRM: four tables, merged by key, incremental by updated_at', ['run', 'crm_sync']);
const blocked = await lake(
  'The ERP: bad rows at the source, so the quality gate blocks two tables (exit 3) and main keeps its data',
  ['run', 'erp_sync'],
  { expect: 3 },
);
const blockedRunId = /run ([0-9a-f-]{36}): blocked/.exec(blocked.stderr)?.[1];
if (!blockedRunId) await fail('the blocked run printed no run id');
await lake('Why: the run record names each check, its severity and the rows that failed', [
  'runs',
  'show',
  blockedRunId,
]);
await lake('The failing rows went to quarantine tables, for the ERP team', [
  'query',
  `select 'order_lines' as "table", OrderLineID as id, SalesOrderID as sales_order, Quantity as quantity, _lakekit_check as "check"
   from erp.order_lines__quarantine where _lakekit_severity = 'error'
   union all
   select 'sales_orders', SalesOrderID, SalesOrderID, NULL, _lakekit_check from erp.sales_orders__quarantine where _lakekit_severity = 'error'
   order by 1, 2 limit 8`,
]);
const fixes = fixStatements(servers ? 'mariadb' : 'sqlite', ds);
say(
  `\n${bold('## The ERP team fixes the rows at the source')} (${fixes.length} UPDATEs: the orders get their customer, the quantities their sign, ModifiedDate moves on)`,
);
await erp.exec(fixes);
const fixedRun = await lake(
  'The rerun: the blocked tables kept their old cursor, so the fixed rows are read again',
  ['run', 'erp_sync'],
);
await lake('Inventory: products and warehouses from the HTTP API (paged)', ['run', 'inventory_api']);
const stock1 = await lake('Inventory: the daily stock drops (new files only)', ['run', 'inventory_stock']);
const late = writeStockDrops(ds, stockDir, { late: true });
say(`\n${bold('## A late file arrives')}: ${late.join(', ')} (its day is before files already loaded)`);
const stock2 = await lake('The next run loads exactly that file', ['run', 'inventory_stock']);
await lake('Every run is recorded in the catalog', ['runs']);
mark('pipelines', t);

section('4. Governance as code');
t = performance.now();
const plan = await lake(
  'What the file would change (principals, roles, grants, masks, row filters, tags)',
  ['governance', 'plan', 'governance.yaml'],
  { quiet: true },
);
const planLines = plan.stdout.trimEnd().split('\n');
const interesting = planLines.filter((l) =>
  /^\+ (principal|role |member|row filter|mask|tag policy)/.test(l),
);
say(
  `${interesting.join('\n')}\n… and ${planLines.length - interesting.length} more: grants, tags and annotations`,
);
if (plan.stderr.trim()) say(plan.stderr.trim());
const applied = await lake('', ['governance', 'apply', 'governance.yaml'], { quiet: true });
say(`${applied.stdout.trimEnd().split('\n').length} changes applied, each one audited`);
await lake('Planned again: nothing left to change', ['governance', 'plan', 'governance.yaml']);
await lake('The AI assistant sees personal data redacted', [
  'access',
  'explain',
  'crm.contacts',
  '--principal',
  'acme-assistant',
]);
await lake('ana (midwest_sales) sees only midwest orders', [
  'access',
  'explain',
  'erp.sales_orders',
  '--principal',
  'ana',
]);
await lake(
  'The mess: companies in the CRM entered again by hand in the ERP (as ben, an analyst: e-mails hashed)',
  [
    '--as',
    'ben',
    'query',
    `select a.account_id, a.name as crm_name, c.CustomerID as erp_customer, c.CustomerName as erp_name, c.Email as erp_email
   from erp.customers c join crm.accounts a on lower(regexp_replace(trim(c.CustomerName), '\\s+', ' ', 'g')) = lower(a.name)
   where c.CrmAccountID is null order by a.account_id limit 5`,
  ],
);
mark('governance', t);

section('5. Business questions through the semantic layer, as different principals');
t = performance.now();
const metricList = await lake('The metrics (semantic/*.yaml)', ['--json', 'metrics', 'list'], { json: true });
say(
  table(
    ['metric', 'kind', 'description'],
    metricList.json.metrics.map((m) => [m.name, m.kind, m.description ?? '']),
  ),
);
const lastQuarter = previousQuarter(TODAY);
const q3 = quarterOf('2026-08-01');
/** @type {Record<string, unknown>} */
const answers = {};
/**
 * Asks a metric question as a principal, prints the answer and its receipt id, and keeps it for the
 * summary.
 * @param {string} key @param {string} question @param {string} principal @param {string[]} request
 */
async function ask(key, question, principal, request) {
  const receiptFile = join(work, 'receipts', `${key}.json`);
  mkdirSync(dirname(receiptFile), { recursive: true });
  const r = await lake(
    `"${question}" as ${principal}`,
    [
      '--as',
      principal,
      '--json',
      'metrics',
      'query',
      ...request,
      '--as-of',
      TODAY,
      '--receipt',
      relative(work, receiptFile),
    ],
    { json: true },
  );
  const a = r.json;
  say(
    table(
      a.columns.map((c) => c.name),
      a.rows,
    ),
  );
  for (const note of a.resolved.notes) say(`  read as: ${note}`);
  say(
    `  receipt ${a.receipt.id} · ${a.receipt.result.rowCount} row(s) · result ${a.receipt.result.hash.slice(0, 16)} · ${a.receipt.tables.map((x) => `${x.table}@${x.snapshotId}`).join(', ')}`,
  );
  for (const w of a.receipt.warnings) say(`  warning: ${w}`);
  answers[key] = {
    question,
    principal,
    request,
    columns: a.columns,
    rows: a.rows,
    where: a.resolved.where,
    notes: a.resolved.notes,
    receipt: a.receipt.id,
    receiptFile: relative(work, receiptFile),
    sql: a.sql,
  };
  return a;
}
const topRequest = [
  'top selling',
  '--by',
  'product',
  '--where',
  'midwest and order_date in last quarter',
  '--limit',
  '1',
];
await ask(
  'top_product_midwest_last_quarter_ana',
  'top selling product in the midwest last quarter',
  'ana',
  topRequest,
);
await ask(
  'top_product_midwest_last_quarter_ben',
  'top selling product in the midwest last quarter',
  'ben',
  topRequest,
);
await ask('revenue_q3_2026_ben', 'revenue for Q3 2026', 'ben', [
  'revenue',
  '--where',
  'order_date in Q3 2026',
]);
await ask('revenue_q3_2026_ana', 'revenue for Q3 2026 (her row filter: midwest only)', 'ana', [
  'revenue',
  '--where',
  'order_date in Q3 2026',
]);
await ask(
  'revenue_by_region_last_quarter_assistant',
  'revenue and orders by region last quarter',
  'acme-assistant',
  ['revenue', 'orders', '--by', 'region', '--where', 'order_date in last quarter'],
);
await ask('open_pipeline_by_region_assistant', 'open pipeline by region', 'acme-assistant', [
  'open_pipeline',
  '--by',
  'account_region',
]);
const contacts = await lake(
  'The assistant asks for contacts in SQL: the tag policy redacts personal data',
  [
    '--as',
    'acme-assistant',
    '--json',
    'query',
    'select contact_id, first_name, last_name, email, phone, title from crm.contacts order by contact_id limit 3',
  ],
  { json: true },
);
say(
  table(
    contacts.json.columns.map((c) => c.name),
    contacts.json.rows,
  ),
);
answers.contacts_assistant = {
  principal: 'acme-assistant',
  columns: contacts.json.columns,
  rows: contacts.json.rows,
};
mark('questions', t);

section('6. One answer explained: its receipt and its lineage back to the source tables');
t = performance.now();
await lake('The receipt of ana’s answer: snapshots, her row filter, input quality, lineage', [
  'receipt',
  'show',
  join('receipts', 'top_product_midwest_last_quarter_ana.json'),
  '--explain',
]);
await lake('Rerun at the pinned snapshots: the same result hash', [
  'receipt',
  'verify',
  join('receipts', 'top_product_midwest_last_quarter_ana.json'),
]);
await lake('Lineage of the order lines the answer summed, back to the ERP table they came from', [
  'lineage',
  'show',
  'erp.order_lines',
  '--direction',
  'up',
]);
mark('explain', t);

await stopSources();
timings.total = Math.round(performance.now() - started);

/** Rows read/written per stream of a run printed by `lake run` (for the summary). */
const runLines = (out) =>
  out.split('\n').filter((l) => /^\S+\s+\S+\.\S+\s+(merge|append|replace|scd2)\s/.test(l));
if (summaryFile) {
  mkdirSync(dirname(summaryFile), { recursive: true });
  writeFileSync(
    summaryFile,
    `${JSON.stringify(
      {
        mode: servers ? 'servers' : 'embedded',
        seed,
        scale,
        today: TODAY,
        lastQuarter,
        q3,
        workspace: work,
        sources: {
          erp: servers ? { kind: 'mariadb', url: erp.url } : { kind: 'sqlite', file: erpFile },
          erpMssqlScript: mssqlFile,
          crm: servers ? { kind: 'postgres', url: crm.url } : { kind: 'pglite', dataDir: crmDataDir },
          stockDir,
        },
        counts: counts(ds),
        blockedRun: { id: blockedRunId, output: runLines(blocked.stdout) },
        fixedRun: { output: runLines(fixedRun.stdout) },
        stockRuns: [runLines(stock1.stdout), runLines(stock2.stdout)],
        lateFile: late,
        apiRequests: api.requests(),
        answers,
        timings,
        commands: commandTimes,
      },
      null,
      2,
    )}\n`,
  );
}

section('Done');
say(`in ${(timings.total / 1000).toFixed(1)} s (generate ${timings.generate} ms, sources ${timings.sources} ms, pipelines ${timings.pipelines} ms, governance ${timings.governance} ms, questions ${timings.questions} ms, explain ${timings.explain} ms)
The tables are Iceberg tables in ${join(relative(root, work) || '.', 'warehouse')}; the workspace keeps its catalog, receipts and sources.
Try next, in ${relative(root, work) || '.'}:
  lake serve                        the governance, query and metrics API (OpenAPI at /api/openapi.json; MCP at /mcp)
  lake mcp --as acme-assistant      MCP on stdio: an AI agent asks with the assistant's grants (pii redacted)
  lake --as ana metrics query revenue --by order_date.month --where "order_date in last 2 quarters" --as-of ${TODAY}
  lake quality                      table health from the latest checks (erp.customers: duplicates, e-mails)
  lake lineage show erp.sales_orders --format mermaid`);
process.exit(0);
