// `pnpm demo`: Lakekit end to end on embedded defaults (no server needed). Runs the real `lake` CLI
// in a fresh demo workspace (.lakekit/demo/) and shows each command with its output.
import { spawnSync } from 'node:child_process';
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
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
function run(title, args, { json = false } = {}) {
  console.log(
    `\n${bold(`## ${title}`)}\n$ lake ${args.map((a) => (/[\s*"()>]/.test(a) ? `'${a}'` : a)).join(' ')}`,
  );
  const r = spawnSync(process.execPath, [lake, ...args], { cwd: work, encoding: 'utf8' });
  if (r.stdout) process.stdout.write(r.stdout);
  if (r.stderr) process.stdout.write(r.stderr);
  if (r.status !== 0) {
    console.error(`demo: "lake ${args.join(' ')}" exited with ${r.status}`);
    process.exit(1);
  }
  return json ? JSON.parse(r.stdout) : r.stdout;
}

console.log(bold('Lakekit demo: files → Apache Iceberg tables, history, time travel, queries'));
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

console.log(`\n${bold('Done.')} The tables are real Iceberg v2 tables: open them from PyIceberg with
  SqlCatalog("lakekit", uri="sqlite:///${join(work, 'catalog.db')}", warehouse="file://${join(work, 'warehouse')}")
Try next:  pnpm lake load <your.csv> --table <ns.table>   ·   pnpm lake query "select …"   ·   pnpm lake --help`);
