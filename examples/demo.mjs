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

console.log(`\n${bold('Done.')} The tables are real Iceberg v2 tables: open them from PyIceberg with
  SqlCatalog("lakekit", uri="sqlite:///${join(work, 'catalog.db')}", warehouse="file://${join(work, 'warehouse')}")
Try next:  pnpm lake load <your.csv> --table <ns.table>   ·   pnpm lake query "select …"   ·   pnpm lake --help`);
