// `pnpm demo`: Lakekit end to end on embedded defaults (no server needed), with the real `lake` CLI.
//   Part 1: Acme, the whole mission (examples/acme/run.mjs): a CRM in PGlite over the PostgreSQL wire
//           protocol, an ERP in SQLite, stock files and an HTTP API → pipelines through a quality
//           gate → governance as code → business questions as different principals, with receipts
//           and lineage. `pnpm demo --servers` runs it on real PostgreSQL and MariaDB (--scale,
//           --seed are passed on too).
//   Part 2: under the hood, step by step in .lakekit/demo/: the table format (history, time travel,
//           partitions, row-level changes, branches, maintenance, schema evolution), pipelines,
//           governance, governed answers, the semantic layer, and the Iceberg REST catalog.
import { spawn, spawnSync } from 'node:child_process';
import { appendFileSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = dirname(dirname(fileURLToPath(import.meta.url)));
const work = join(root, '.lakekit', 'demo');
const lake = join(root, 'packages', 'cli', 'bin', 'lake.js');
const data = join(root, 'examples', 'data');

rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });
writeFileSync(
  join(work, 'lakekit.yaml'),
  'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n',
);

const bold = (s) => (process.stdout.isTTY ? `\x1b[1m${s}\x1b[0m` : s);
function run(title, args, { json = false, expect = 0 } = {}) {
  console.log(
    `\n${title ? `${bold(`## ${title}`)}\n` : ''}$ lake ${args.map((a) => (/[\s*"()>]/.test(a) ? `'${a}'` : a)).join(' ')}`,
  );
  const r = spawnSync(process.execPath, [lake, ...args], { cwd: work, encoding: 'utf8' });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stdout.write(r.stderr);
  if (r.status !== expect) {
    console.error(`demo: "lake ${args.join(' ')}" exited with ${r.status} (expected ${expect})`);
    process.exit(1);
  }
  return json ? JSON.parse(r.stdout) : r.stdout;
}

const started = Date.now();
console.log(bold('Lakekit demo, part 1 of 2 — Acme: the whole mission on embedded sources\n'));
const acme = spawnSync(
  process.execPath,
  [join(root, 'examples', 'acme', 'run.mjs'), ...process.argv.slice(2)],
  {
    stdio: 'inherit',
  },
);
if (acme.status !== 0) {
  console.error(`demo: examples/acme/run.mjs exited with ${acme.status ?? acme.signal}`);
  process.exit(acme.status || 1);
}

console.log(
  `\n${bold('Lakekit demo, part 2 of 2 — under the hood: each capability step by step on a small example')}`,
);
console.log(bold('\n# Files → Apache Iceberg tables, history, time travel, queries'));
console.log(`workspace: ${work}`);

run('Load a CSV file: the namespace and the table are created', [
  'load',
  join(data, 'accounts.csv'),
  '--table',
  'crm.accounts',
]);
run('Append the November drop', ['load', join(data, 'accounts-2026-11.csv'), '--table', 'crm.accounts']);
run('Load JSON lines into another table', ['load', join(data, 'contacts.jsonl'), '--table', 'crm.contacts']);
run('Tables in the catalog', ['table', 'list']);
run('The table: schema with Iceberg field ids', ['table', 'show', 'crm.accounts']);
const history = run('History', ['--json', 'table', 'history', 'crm.accounts'], { json: true });
run('History (for people)', ['table', 'history', 'crm.accounts']);
run('Query across tables', [
  'query',
  'select a.region, count(distinct a.id) as accounts, count(c.contact_id) as contacts, sum(a.annual_revenue) as revenue from crm.accounts a left join crm.contacts c on c.account_id = a.id group by 1 order by 1',
]);
const first = history.snapshots[0].snapshotId;
run(`Time travel: the table as of its first snapshot (${first})`, [
  'query',
  `select count(*) as accounts from crm.accounts AT (VERSION => ${first})`,
]);
run('Replace all rows atomically with the first file again', [
  'load',
  join(data, 'accounts.csv'),
  '--table',
  'crm.accounts',
  '--mode',
  'replace',
]);
run('Count now', ['query', 'select count(*) as accounts from crm.accounts']);
run('Roll back to the snapshot before the replace', [
  'table',
  'rollback',
  'crm.accounts',
  '--to',
  history.snapshots[1].snapshotId,
]);
run('Count after rollback', ['query', 'select count(*) as accounts from crm.accounts']);
run('History shows the rolled-back replace', ['table', 'history', 'crm.accounts']);

console.log(
  `\n${bold('# Foundation II: partitions, row-level changes, schema evolution, branches, maintenance')}`,
);
run('A partitioned table: one file per (region, bucket of id)', [
  'load',
  join(data, 'accounts.csv'),
  '--table',
  'crm.accounts_by_region',
  '--partition-by',
  'region, bucket(4, id)',
]);
run('Queries prune files by partition values and column bounds', [
  'query',
  "select region, count(*) as accounts from crm.accounts_by_region where region = 'midwest' group by 1",
]);
writeFileSync(
  join(work, 'updates.csv'),
  'id,name,region,industry,annual_revenue,employees,is_active,created_at\n7,Acme Renamed LLC,west,retail,123.45,10,true,2024-05-01 00:00:00\n999,New Account Inc,midwest,software,1000.00,3,true,2026-11-01 09:00:00\n',
);
run('Merge by key (upsert): replaced rows are marked in a position delete file, not rewritten', [
  'load',
  join(work, 'updates.csv'),
  '--table',
  'crm.accounts',
  '--mode',
  'merge',
  '--key',
  'id',
]);
run('Delete rows by predicate', ['table', 'delete', 'crm.accounts', '--where', 'is_active = false']);
run('Write-audit-publish: a branch for the next load', ['table', 'branch', 'crm.accounts', 'audit']);
run('Load into the branch: main is untouched', [
  'load',
  join(data, 'accounts-2026-11.csv'),
  '--table',
  'crm.accounts',
  '--branch',
  'audit',
  '--mode',
  'merge',
  '--key',
  'id',
]);
run('Main vs the branch', [
  'query',
  "select 'main' as ref, count(*) as accounts from crm.accounts union all select 'audit', count(*) from crm.accounts AT (VERSION => 'audit') order by 1",
]);
run('Publish: fast-forward main to the audited branch', [
  'table',
  'fast-forward',
  'crm.accounts',
  '--to',
  'audit',
]);
run('Tag the published state', ['table', 'tag', 'crm.accounts', 'published-2026-11']);
run('Branches and tags', ['table', 'refs', 'crm.accounts']);
for (let i = 1; i <= 5; i++) {
  run(`Small append ${i} of 5 into crm.activity`, [
    'load',
    join(data, 'accounts-2026-11.csv'),
    '--table',
    'crm.activity',
  ]);
}
run('Maintenance: compact the five small files into one', ['table', 'compact', 'crm.activity']);
run('Maintenance: expire old snapshots (keeping the last one) and delete the files only they used', [
  'table',
  'expire',
  'crm.activity',
  '--older-than',
  '0m',
  '--retain-last',
  '1',
]);
run('Same rows after maintenance', [
  'query',
  'select count(*) as rows, count(distinct id) as ids from crm.activity',
]);
run('Still the same rows at main and at the tag', [
  'query',
  "select 'main' as ref, count(*) from crm.accounts union all select 'tag', count(*) from crm.accounts AT (VERSION => 'published-2026-11') order by 1",
]);

run('Evolve the schema by field id: old files still read correctly', [
  'table',
  'alter',
  'crm.accounts',
  'rename-column',
  'annual_revenue',
  'revenue',
]);
run('Add a column', ['table', 'alter', 'crm.accounts', 'add-column', 'tier', 'string', '--after', 'name']);
run('Read after the changes', [
  'query',
  'select id, name, tier, revenue from crm.accounts where id in (7, 999) order by id',
]);

console.log(
  `\n${bold('# Pipelines: an ERP in SQLite, a product API over HTTP, stock files → Iceberg, with a quality gate')}`,
);
// The ERP: a SQLite database (the sqlite connector reads it read-only, in one consistent transaction).
const Database = createRequire(join(root, 'connectors', 'sqlite', 'package.json'))('better-sqlite3');
const erp = new Database(join(work, 'erp.db'));
erp.exec(`CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT NOT NULL, region TEXT, credit_limit DECIMAL(12,2), updated_at DATETIME NOT NULL);
CREATE TABLE sales_orders (id INTEGER PRIMARY KEY, customer_id INTEGER NOT NULL, total DECIMAL(12,2), ordered_at DATETIME NOT NULL, updated_at DATETIME NOT NULL);`);
const regions = ['midwest', 'northeast', 'south', 'west'];
const insertCustomer = erp.prepare('INSERT INTO customers VALUES (?, ?, ?, ?, ?)');
for (let i = 1; i <= 200; i++) {
  insertCustomer.run(
    i,
    `Customer ${i}`,
    regions[i % 4],
    (i * 250) % 10000,
    `2026-11-01 08:${String(Math.floor(i / 60)).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}`,
  );
}
const insertOrder = erp.prepare('INSERT INTO sales_orders VALUES (?, ?, ?, ?, ?)');
for (let i = 1; i <= 1000; i++) {
  const at = `2026-11-${String(1 + (i % 28)).padStart(2, '0')} 10:00:00`;
  insertOrder.run(i, 1 + (i % 200), ((i * 37) % 5000) / 10, at, at);
}
// Stock drops: one CSV per day and warehouse.
mkdirSync(join(work, 'stock'), { recursive: true });
for (const day of ['2026-11-27', '2026-11-28']) {
  writeFileSync(
    join(work, 'stock', `stock-${day}.csv`),
    `day,warehouse,sku,on_hand\n${[1, 2, 3].map((s) => `${day},chicago,SKU-${s},${s * 10}`).join('\n')}\n`,
  );
}
// The product API: a local HTTP server in a child process (spawnSync below would block one in this process).
const api = spawn(
  process.execPath,
  [
    '-e',
    `const http = require('node:http');
     const products = Array.from({ length: 25 }, (_, i) => ({ sku: 'SKU-' + (i + 1), title: 'Product ' + (i + 1), price: (i + 1) * 2.5 }));
     const server = http.createServer((req, res) => {
       if (req.headers.authorization !== 'Bearer demo-token') { res.writeHead(401); return res.end('{}'); }
       const u = new URL(req.url, 'http://x'); const page = Number(u.searchParams.get('page') || 1);
       res.writeHead(200, { 'content-type': 'application/json' });
       res.end(JSON.stringify({ data: products.slice((page - 1) * 10, page * 10) }));
     });
     server.listen(0, '127.0.0.1', () => console.log(server.address().port));`,
  ],
  { stdio: ['ignore', 'pipe', 'inherit'] },
);
const apiPort = await new Promise((resolve) =>
  api.stdout.once('data', (d) => resolve(Number(String(d).trim()))),
);
process.on('exit', () => api.kill());
// The demo ends when its steps do: the API child must not keep it alive.
api.unref();
api.stdout.unref?.();
api.stdout.destroy();
appendFileSync(
  join(work, 'lakekit.yaml'),
  `
sources:
  erp: { type: sqlite, path: ./erp.db }
  stock: { type: files, path: ./stock, format: csv }
  catalog_api:
    type: http
    base_url: http://127.0.0.1:${apiPort}
    auth: { type: bearer, token: "\${PRODUCTS_TOKEN:-demo-token}" }
    resources:
      products:
        path: /products
        records: $.data
        primary_key: [sku]
        pagination: { type: page, param: page }
pipelines:
  erp_sync:
    source: erp
    schedule: "0 * * * *"
    streams:
      customers: { target: erp.customers, mode: merge, primary_key: [id], cursor: updated_at }
      sales_orders: { target: erp.sales_orders, mode: merge, primary_key: [id], cursor: updated_at }
    checks:
      erp.customers:
        - not_null: [id, name]
        - unique: [id]
        - accepted_values: { column: region, values: [midwest, northeast, south, west] }
      erp.sales_orders:
        - relationships: { column: customer_id, to: erp.customers, field: id }
        - range: { column: total, min: 0 }
  inventory:
    source: stock
    schedule: "15 6 * * *"
    timezone: America/Chicago
    streams:
      stock: { target: inventory.stock, mode: append }
  products:
    source: catalog_api
    streams:
      products: { target: inventory.products, mode: merge }
`,
);
run('Sources (credentials never printed)', ['source', 'list']);
run('Test a source', ['source', 'test', 'erp']);
run('Discover its tables: a pipeline skeleton to start from', ['source', 'discover', 'erp']);
run('Pipelines and their next scheduled runs', ['pipeline', 'list']);
run('Run the ERP pipeline: extract, write to a staging branch, check, publish', ['run', 'erp_sync']);
run('Stock files and the product API', ['run', 'inventory']);
run('', ['run', 'products']);
erp.exec(`UPDATE customers SET name = name || ' Inc', updated_at = '2026-11-29 09:00:00' WHERE id <= 5;
INSERT INTO sales_orders VALUES (1001, 7, 99.5, '2026-11-29 09:30:00', '2026-11-29 09:30:00');`);
writeFileSync(
  join(work, 'stock', 'stock-2026-11-29.csv'),
  'day,warehouse,sku,on_hand\n2026-11-29,chicago,SKU-1,7\n',
);
run('Incremental: only changed rows are read (cursor stored with the data), only new files', [
  'run',
  'erp_sync',
]);
run('', ['run', 'inventory']);
run('The scheduler runs what is due (from system cron or a Kubernetes CronJob: lake schedule --once)', [
  'schedule',
  '--once',
]);
run('A second pass right after: nothing is due', ['schedule', '--once']);
erp.exec(`UPDATE customers SET region = 'atlantis', updated_at = '2026-11-29 10:00:00' WHERE id = 9;
INSERT INTO sales_orders VALUES (1002, 999, -5, '2026-11-29 10:30:00', '2026-11-29 10:30:00');`);
run(
  'Bad rows at the source: the quality gate blocks publishing (exit 3), main is unchanged',
  ['run', 'erp_sync'],
  {
    expect: 3,
  },
);
run('The failing rows are in quarantine tables', [
  'query',
  "select 'customers' as t, id, _lakekit_check from erp.customers__quarantine union all select 'sales_orders', id, _lakekit_check from erp.sales_orders__quarantine order by 1, 2",
]);
run('Runs are recorded in the catalog', ['runs']);
erp.close();
run('Revenue by region across the ERP tables', [
  'query',
  'select c.region, count(*) as orders, sum(o.total) as revenue from erp.sales_orders o join erp.customers c on c.id = o.customer_id group by 1 order by 1',
]);

console.log(`\n${bold('# Governance: principals, roles, grants, masks, row filters, tags, audit')}`);
run('A person with an attribute, and an AI service account', [
  'principal',
  'create',
  'ana',
  '--attr',
  'region=midwest',
]);
run('', ['principal', 'create', 'ai-agent', '--kind', 'service']);
run('Roles and members', ['role', 'create', 'analyst']);
run('', ['role', 'create', 'midwest_sales']);
run('', ['role', 'add-member', 'analyst', 'ai-agent']);
run('', ['role', 'add-member', 'midwest_sales', 'ana']);
for (const role of ['analyst', 'midwest_sales']) {
  run(role === 'analyst' ? 'Grants: USAGE to reach a table, SELECT on a namespace covers its tables' : '', [
    'grant',
    'USAGE',
    'catalog',
    `role:${role}`,
  ]);
  run('', ['grant', 'USAGE', 'namespace:crm', `role:${role}`]);
  run('', ['grant', 'SELECT', 'namespace:crm', `role:${role}`]);
}
run('Tag the e-mail column as PII; a tag policy hashes every pii column for analysts', [
  'tag',
  'add',
  'crm.contacts.email',
  'pii.email',
]);
run('', ['policy', 'set', 'pii-hash-analyst', '--tag', 'pii', '--role', 'analyst', '--kind', 'hash']);
run('A row filter from the principal’s attributes (parsed and checked by DuckDB’s own parser)', [
  'row-filter',
  'set',
  'crm.accounts',
  'region = principal.region',
  '--role',
  'midwest_sales',
]);
run(
  'A predicate that tries to escape is refused',
  ['row-filter', 'set', 'crm.accounts', '1=1) or (true', '--role', 'midwest_sales'],
  { expect: 2 },
);
run('What the AI service sees of crm.contacts, and why', [
  'access',
  'explain',
  'crm.contacts',
  '--principal',
  'ai-agent',
]);
run('What ana sees of crm.accounts', ['access', 'explain', 'crm.accounts', '--principal', 'ana']);
run(
  'Governance as code: the whole state as one YAML file (apply it to another catalog with lake governance apply)',
  ['governance', 'export', 'governance.yaml'],
);
run('Every change is in a hash-chained audit log (here: the changes to crm tables above)', [
  'audit',
  '--target',
  'table:crm.',
  '--limit',
  '6',
]);
run('', ['audit', 'verify']);

console.log(`\n${bold('# Governed answers: each caller within its grants, repeatable, with a receipt')}`);
run('ana (role midwest_sales) asks for revenue by region: her row filter applies, a receipt is written', [
  '--as',
  'ana',
  'query',
  'select region, count(*) as accounts, sum(revenue) as revenue from crm.accounts group by region',
  '--receipt',
  'answer.json',
]);
run('The AI service sees e-mail addresses only as hashes (tag policy on pii)', [
  '--as',
  'ai-agent',
  'query',
  'select contact_id, email, title from crm.contacts order by contact_id limit 3',
]);
run(
  'Reading a file, or a table outside its grants, is refused (and audited with the reason)',
  ['--as', 'ai-agent', 'query', "select * from read_csv('/etc/passwd')"],
  { expect: 1 },
);
run('The receipt in plain words: snapshots, masks, row filter, quality, lineage', [
  'receipt',
  'show',
  'answer.json',
  '--explain',
]);
run('Rerun at the pinned snapshots: the same result hash', ['receipt', 'verify', 'answer.json']);
run('The same question 20 times, floating-point average included: identical answers', [
  '--as',
  'ana',
  'verify',
  'consistency',
  '--runs',
  '20',
  'select region, avg(employees * 1.5) as avg_staff, sum(revenue) as revenue from crm.accounts group by region',
]);

console.log(`\n${bold('# Semantic layer: metrics in business words, answered through the governed layer')}`);
mkdirSync(join(work, 'semantic'), { recursive: true });
writeFileSync(
  join(work, 'semantic', 'crm.yaml'),
  `entities:
  - name: accounts
    table: crm.accounts
    primary_key: [id]
    description: Customer accounts from the CRM.
    dimensions:
      - name: region
      - name: industry
      - name: created
        expr: created_at
        time_grains: [month, quarter, year]
    measures:
      - { name: account_count, agg: count }
      - { name: total_revenue, agg: sum, expr: revenue }
  - name: contacts
    table: crm.contacts
    primary_key: [contact_id]
    dimensions:
      - name: title
    measures:
      - { name: contact_count, agg: count }
relationships:
  - { name: contact_account, from: contacts, to: accounts, kind: many_to_one, on: { account_id: id } }
metrics:
  - { name: accounts, kind: simple, measure: accounts.account_count, description: Number of accounts }
  - { name: revenue, kind: simple, measure: accounts.total_revenue, description: Annual revenue of the accounts }
  - { name: contacts, kind: simple, measure: contacts.contact_count }
  - { name: contacts_per_account, kind: ratio, numerator: contacts, denominator: accounts }
synonyms:
  - { phrase: sales, metric: revenue }
  - { phrase: biggest, order_by: { metric: revenue, direction: desc } }
`,
);
run('Semantic models (semantic/crm.yaml): the metrics and what they break down by', ['metrics', 'list']);
run(
  'Contacts per account by region: one-to-many joins never double count (each measure is aggregated at its own grain)',
  ['metrics', 'query', 'accounts', 'contacts', 'contacts_per_account', '--by', 'accounts.region'],
);
run('The same question in business words, as ana: her row filter applies and the answer has a receipt', [
  '--as',
  'ana',
  'metrics',
  'query',
  'sales',
  'accounts',
  '--by',
  'industry',
  '--order-by',
  'biggest',
  '--limit',
  '3',
]);
run('The compiled SQL: the same request always gives the same text', [
  'metrics',
  'query',
  'biggest',
  '--by',
  'created.quarter',
  '--where',
  'created in last year',
  '--as-of',
  '2026-11-29',
  '--sql',
]);

// The Iceberg REST catalog: engines (Spark, Trino, PyIceberg) use the same tables through `lake
// serve`, with Lakekit tokens; governance holds (metadata hands out file paths).
console.log(
  `\n${bold('# The Iceberg REST catalog: Spark, Trino and PyIceberg use these tables through lake serve')}`,
);
run('The bootstrap administrator and its token', ['init']);
const adminToken = readFileSync(join(work, '.lakekit', 'admin-token'), 'utf8').trim();
const agentToken = run('', ['--json', 'principal', 'token', 'issue', 'ai-agent'], { json: true }).token;
console.log('\n$ lake serve --port 0');
const server = spawn(process.execPath, [lake, 'serve', '--port', '0'], {
  cwd: work,
  env: { ...process.env, LAKEKIT_LOG_LEVEL: 'warn' },
  stdio: ['ignore', 'ignore', 'pipe'],
});
const serverUrl = await new Promise((resolve, reject) => {
  let err = '';
  server.stderr.on('data', (d) => {
    err += d;
    const m = /listening on (http:\/\/\S+)/.exec(err);
    if (m) resolve(m[1]);
  });
  server.on('close', (code) => reject(new Error(`lake serve exited ${code}: ${err}`)));
});
console.log(`listening on ${serverUrl}`);
async function rest(title, who, token, path) {
  console.log(
    `\n${bold(`## ${title}`)}\n$ curl -H "Authorization: Bearer <${who}'s token>" ${serverUrl}${path}`,
  );
  const res = await fetch(`${serverUrl}${path}`, { headers: { authorization: `Bearer ${token}` } });
  const text = await res.text();
  return { status: res.status, body: JSON.parse(text), text };
}
try {
  const config = await rest(
    'The catalog config: the endpoints Lakekit serves',
    'admin',
    adminToken,
    '/iceberg/v1/config',
  );
  console.log(
    `${config.status}: ${config.body.endpoints.length} endpoints, e.g. ${config.body.endpoints.slice(0, 3).join(', ')} …`,
  );
  const namespaces = await rest('Namespaces', 'admin', adminToken, '/iceberg/v1/namespaces');
  console.log(`${namespaces.status}: ${namespaces.body.namespaces.map((n) => n.join('.')).join(', ')}`);
  const load = await rest(
    'Load crm.accounts: what an engine reads (metadata, file paths)',
    'admin',
    adminToken,
    '/iceberg/v1/namespaces/crm/tables/accounts',
  );
  const md = load.body.metadata;
  // Snapshot ids are 63-bit: read from the text, not from the rounded JSON numbers.
  const current = /"current-snapshot-id":\s*(-?\d+)/.exec(load.text)?.[1];
  console.log(
    `${load.status}: format v${md['format-version']}, ${md.schemas.at(-1).fields.length} columns, ${md.snapshots.length} snapshots, current ${current}\n  metadata ${load.body['metadata-location']}`,
  );
  const denied = await rest(
    'The AI service may not load crm.contacts: its e-mail column is masked for it (it queries through the governed layer)',
    'ai-agent',
    agentToken,
    '/iceberg/v1/namespaces/crm/tables/contacts',
  );
  console.log(`${denied.status} ${denied.body.error.type}: ${denied.body.error.message}`);
  if (load.status !== 200 || denied.status !== 403)
    throw new Error('the Iceberg REST catalog answered unexpectedly');
} finally {
  server.kill('SIGTERM');
}
console.log(
  `PySpark / spark-sql: spark.sql.catalog.lake.type=rest, .uri=${serverUrl}/iceberg, .token=<token> (docs/deployment.md)`,
);

console.log(`\n${bold('Done')} in ${((Date.now() - started) / 1000).toFixed(0)} s. The tables are real Iceberg v2 tables: open them from PyIceberg with
  SqlCatalog("lakekit", uri="sqlite:///${join(work, 'catalog.db')}", warehouse="file://${join(work, 'warehouse')}")
Try next:
  cd .lakekit/acme && pnpm lake serve        the governance, query and metrics API (OpenAPI at /api/openapi.json), MCP at /mcp, Iceberg REST at /iceberg
  cd .lakekit/acme && pnpm lake mcp --as acme-assistant   an AI agent over MCP on stdio, with the assistant's grants
  pnpm lake source discover <source> · pnpm lake run <pipeline> · pnpm lake load <your.csv> --table <ns.table> · pnpm lake --help
  docs: docs/data-engineers.md · docs/governance.md · docs/ai-services.md · docs/deployment.md · docs/reference.md`);
