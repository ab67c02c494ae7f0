/**
 * Governance through the real `lake` CLI on a SQLite catalog: principals, roles, grants, masks, row
 * filters, tags and policies; `access explain`; governance as code round-tripped into an empty
 * catalog; the audit log verified, then tampered with in the SQLite file and found out.
 */
import { copyFileSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, repoRoot, runLake, workspace } from '../helpers/cli.js';

const CONFIG = 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n';
const ACCOUNTS = join(repoRoot, 'examples', 'data', 'accounts.csv');

/** Runs `lake …` and fails the test with stderr when it does not exit 0. */
async function lake(cwd: string, ...args: string[]): Promise<string> {
  const r = await runLake(args, { cwd });
  if (r.code !== 0) throw new Error(`lake ${args.join(' ')} exited ${r.code}: ${r.stderr}`);
  return r.stdout;
}

/** A workspace with crm.accounts loaded. */
async function catalogWithAccounts(): Promise<string> {
  const cwd = workspace(CONFIG);
  await lake(cwd, 'load', ACCOUNTS, '--table', 'crm.accounts');
  return cwd;
}

describe('governance CLI', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = await catalogWithAccounts();
    const steps: string[][] = [
      ['principal', 'create', 'ana', '--attr', 'region=west'],
      ['principal', 'create', 'etl', '--kind', 'service'],
      ['role', 'create', 'analyst', '--description', 'Reads CRM data'],
      ['role', 'add-member', 'analyst', 'ana'],
      ['grant', 'USAGE', 'catalog', 'role:analyst'],
      ['grant', 'USAGE', 'namespace:crm', 'role:analyst'],
      ['grant', 'SELECT', 'table:crm.accounts', 'role:analyst'],
      ['grant', 'MODIFY', 'namespace:crm', 'principal:etl'],
      ['mask', 'set', 'crm.accounts', 'name', '--role', 'analyst', '--kind', 'partial', '--keep-last', '3'],
      ['row-filter', 'set', 'crm.accounts', 'region = principal.region', '--role', 'analyst'],
      ['tag', 'add', 'crm.accounts.annual_revenue', 'finance.revenue'],
      ['policy', 'set', 'finance-null', '--tag', 'finance', '--role', 'analyst', '--kind', 'null'],
      [
        'describe',
        'crm.accounts',
        '--description',
        'Customer accounts',
        '--owner',
        'principal:etl',
        '--term',
        'customer',
      ],
    ];
    for (const s of steps) await lake(cwd, ...s);
  });

  it('lists what was created, as text and JSON', async () => {
    expect(await lake(cwd, 'role', 'list')).toMatch(/analyst\s+ana\s+Reads CRM data/);
    const { grants } = await lakeJson<{ grants: { privilege: string; grantee: { name: string } }[] }>(
      ['grants', '--on', 'table:crm.accounts'],
      { cwd },
    );
    expect(grants.map((g) => `${g.privilege} ${g.grantee.name}`)).toEqual(['SELECT analyst']);
    const { principals } = await lakeJson<{ principals: { name: string; roles: string[] }[] }>(
      ['principal', 'list'],
      { cwd },
    );
    expect(principals.map((p) => [p.name, p.roles])).toEqual([
      ['ana', ['analyst']],
      ['etl', []],
    ]);
    expect(await lake(cwd, 'describe', 'crm.accounts')).toMatch(
      /\(table\)\s+Customer accounts\s+principal:etl\s+customer/,
    );
  });

  it('explains what a principal sees of a table, and why', async () => {
    const text = await lake(cwd, 'access', 'explain', 'crm.accounts', '--principal', 'ana');
    expect(text).toContain('ana on crm.accounts: select yes, modify no, manage no');
    expect(text).toContain("rows: only where (region = 'west')");
    expect(text).toMatch(/\nname\s+string\s+masked\s+partial\(first 0, last 3\) \(role analyst\)/);
    expect(text).toMatch(/\nannual_revenue\s+\S+\s+masked\s+null \(policy finance-null\)/);
    expect(text).toMatch(/\nregion\s+string\s+visible/);
    type Access = {
      canSelect: boolean;
      canManage: boolean;
      columns: { access: string; because: { text: string }[] }[];
    };
    const explain = () =>
      lakeJson<Access>(['access', 'explain', 'crm.accounts', '--principal', 'etl'], { cwd });
    // etl owns the table but cannot reach it without USAGE on the catalog and the namespace.
    const before = await explain();
    expect([before.canManage, before.canSelect]).toEqual([true, false]);
    expect(
      before.columns.every(
        (c) => c.access === 'hidden' && c.because.some((b) => b.text === 'no USAGE on catalog'),
      ),
    ).toBe(true);
    await lake(cwd, 'grant', 'USAGE', 'catalog', 'principal:etl');
    expect((await explain()).canSelect).toBe(false); // MODIFY on the namespace is no USAGE of it
    await lake(cwd, 'grant', 'USAGE', 'namespace:crm', 'principal:etl');
    const after = await explain();
    expect(after.canSelect).toBe(true);
    expect(after.columns.every((c) => c.access === 'visible')).toBe(true);
  });

  it('refuses a principal acting beyond its privileges (--as), and audits the refusal', async () => {
    const r = await runLake(
      ['--json', '--as', 'ana', 'grant', 'SELECT', 'table:crm.accounts', 'principal:ana'],
      {
        cwd,
      },
    );
    expect(r.code).toBe(1);
    expect(JSON.parse(r.stderr).error.code).toBe('forbidden');
    const { records } = await lakeJson<{ records: { actor: string; outcome: string }[] }>(
      ['audit', '--actor', 'ana', '--outcome', 'denied'],
      { cwd },
    );
    expect(records.length).toBe(1);
    // Other commands run as the local administrator and refuse --as rather than ignore it.
    const query = await runLake(['--as', 'ana', 'table', 'list'], { cwd });
    expect(query.code).toBe(2);
    expect(query.stderr).toContain('lake table list runs as the local administrator');
  });

  it('rejects a row filter that tries to escape its expression', async () => {
    const r = await runLake(['row-filter', 'set', 'crm.accounts', '1=1) or (true', '--role', 'analyst'], {
      cwd,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('rejected');
  });

  it('issues, lists, rotates and revokes tokens; the secret is printed once', async () => {
    const issued = await lakeJson<{ id: string; token: string }>(
      ['principal', 'token', 'issue', 'ana', '--ttl', '1d'],
      {
        cwd,
      },
    );
    expect(issued.token).toMatch(new RegExp(`^lk_${issued.id}_`));
    const rotated = await lakeJson<{ id: string; token: string }>(
      ['principal', 'token', 'rotate', issued.id],
      { cwd },
    );
    expect(rotated.id).not.toBe(issued.id);
    const listed = await lake(cwd, 'principal', 'token', 'list', 'ana');
    expect(listed).toContain(issued.id);
    expect(listed).toContain(rotated.id);
    // The secret follows `lk_<id>_` (it may itself contain `_`): never shown again.
    expect(listed).not.toContain(issued.token.slice(`lk_${issued.id}_`.length));
    await lake(cwd, 'principal', 'token', 'revoke', rotated.id);
    const { tokens } = await lakeJson<{ tokens: { id: string; revokedAt?: string }[] }>(
      ['principal', 'token', 'list', 'ana'],
      { cwd },
    );
    expect(tokens.find((t) => t.id === rotated.id)?.revokedAt).toBeDefined();
  });

  it('takes an access request from a principal and approves it into a grant', async () => {
    await lake(cwd, 'principal', 'create', 'bob');
    const request = await lakeJson<{ id: string; status: string }>(
      ['--as', 'bob', 'access', 'request', 'crm.accounts', '--reason', 'quarterly report'],
      { cwd },
    );
    expect(request.status).toBe('pending');
    const self = await runLake(['--as', 'bob', 'access', 'approve', request.id], { cwd });
    expect(self.code).toBe(1);
    expect(await lake(cwd, 'access', 'requests', '--status', 'pending')).toMatch(
      /bob\s+crm\.accounts\s+pending/,
    );
    await lake(cwd, 'access', 'approve', request.id, '--comment', 'ok for Q4');
    const { grants } = await lakeJson<{ grants: { privilege: string }[] }>(
      ['grants', '--to', 'principal:bob'],
      { cwd },
    );
    expect(grants.map((g) => g.privilege)).toEqual(['SELECT']);
    await lake(cwd, 'principal', 'delete', 'bob');
  });

  it('updates a principal, and drops masks, filters, tags and policies', async () => {
    await lake(cwd, 'principal', 'update', 'ana', '--attr', 'team=sales', '--unset-attr', 'region');
    const ana = await lakeJson<{ attributes: Record<string, string> }>(['principal', 'show', 'ana'], { cwd });
    expect(ana.attributes).toEqual({ team: 'sales' });
    // Without the attribute, the filter lets no row through.
    expect(await lake(cwd, 'access', 'explain', 'crm.accounts', '--principal', 'ana')).toContain(
      'rows: only where (region = NULL)',
    );
    await lake(cwd, 'principal', 'update', 'ana', '--attr', 'region=west', '--unset-attr', 'team');
    await lake(cwd, 'tag', 'add', 'crm.accounts', 'temporary');
    await lake(cwd, 'tag', 'remove', 'crm.accounts', 'temporary');
    const { tags } = await lakeJson<{ tags: { tag: string }[] }>(['tag', 'list', 'crm.accounts'], { cwd });
    expect(tags.map((t) => t.tag)).toEqual(['finance.revenue']);
    await lake(cwd, 'mask', 'set', 'crm.accounts', 'industry', '--role', 'analyst', '--kind', 'redact');
    await lake(cwd, 'mask', 'drop', 'crm.accounts', 'industry', '--role', 'analyst');
    await lake(cwd, 'policy', 'set', 'tmp', '--tag', 'x', '--role', 'analyst', '--kind', 'hash');
    await lake(cwd, 'policy', 'drop', 'tmp');
    await lake(cwd, 'role', 'create', 'temp');
    await lake(cwd, 'row-filter', 'set', 'crm.accounts', 'employees > 10', '--role', 'temp');
    expect(await lake(cwd, 'row-filter', 'list', 'crm.accounts')).toMatch(
      /crm\.accounts\s+temp\s+\(employees > 10\)/,
    );
    await lake(cwd, 'row-filter', 'drop', 'crm.accounts', '--role', 'temp');
    await lake(cwd, 'role', 'delete', 'temp');
    const { rowFilters } = await lakeJson<{ rowFilters: { role: string }[] }>(['row-filter', 'list'], {
      cwd,
    });
    expect(rowFilters.map((f) => f.role)).toEqual(['analyst']);
    const { masks } = await lakeJson<{ masks: { column: string }[] }>(['mask', 'list'], { cwd });
    expect(masks.map((m) => m.column)).toEqual(['name']);
    expect(await lake(cwd, 'policy', 'list')).not.toMatch(/\ntmp\s/);
  });

  it('exports governance, applies it to an empty catalog and exports the same file', async () => {
    await lake(cwd, 'governance', 'export', 'gov.yaml');
    const exported = readFileSync(join(cwd, 'gov.yaml'), 'utf8');
    expect(exported).toContain('predicate: (region = principal.region)');
    const other = await catalogWithAccounts();
    copyFileSync(join(cwd, 'gov.yaml'), join(other, 'gov.yaml'));
    const planned = await lakeJson<{ changes: { op: string }[] }>(['governance', 'plan', 'gov.yaml'], {
      cwd: other,
    });
    expect(planned.changes.length).toBeGreaterThan(10);
    expect(planned.changes.every((c) => c.op === 'add')).toBe(true);
    await lake(other, 'governance', 'apply', 'gov.yaml');
    expect(await lake(other, 'governance', 'export', '-')).toBe(exported);
    const { changes } = await lakeJson<{ changes: unknown[] }>(['governance', 'plan', 'gov.yaml'], {
      cwd: other,
    });
    expect(changes).toEqual([]);
    // --exit-code: 0 when the catalog matches the file, 4 when it drifted (for CI).
    expect((await runLake(['governance', 'plan', 'gov.yaml', '--exit-code'], { cwd: other })).code).toBe(0);
    await lake(other, 'revoke', 'SELECT', 'table:crm.accounts', 'role:analyst');
    const drift = await runLake(['governance', 'plan', 'gov.yaml', '--exit-code'], { cwd: other });
    expect(drift.code).toBe(4);
    expect(drift.stdout).toContain('+ grant SELECT');
  });

  it('verifies the audit chain, and names the records after the SQLite file was tampered with', async () => {
    const ok = await runLake(['audit', 'verify'], { cwd });
    expect(ok.code).toBe(0);
    expect(ok.stderr).toMatch(/audit log intact: \d+ records/);

    const db = new Database(join(cwd, 'catalog.db'));
    try {
      expect(
        db.prepare('UPDATE lakekit_audit_log SET detail = ? WHERE seq = 6').run('{"forged":true}').changes,
      ).toBe(1);
      expect(db.prepare('DELETE FROM lakekit_audit_log WHERE seq = 3').run().changes).toBe(1);
    } finally {
      db.close();
    }
    const broken = await runLake(['audit', 'verify'], { cwd });
    expect(broken.code).toBe(1);
    expect(broken.stdout).toMatch(/\n3\s+deleted/);
    expect(broken.stdout).toMatch(/\n6\s+edited/);
    expect(broken.stderr).toContain('audit log BROKEN');
    const json = await runLake(['--json', 'audit', 'verify'], { cwd });
    expect(json.code).toBe(1);
    const v = JSON.parse(json.stdout) as { ok: boolean; problems: { seq: number; problem: string }[] };
    expect(v.ok).toBe(false);
    expect(v.problems.map((p) => [p.seq, p.problem])).toEqual([
      [3, 'deleted'],
      [6, 'edited'],
    ]);
  });
});

describe('lake init', () => {
  it('creates the catalog and admin with one token (file mode 0600); a second init issues none', async () => {
    const cwd = workspace(CONFIG);
    const first = await lakeJson<{ admin: string; tokenFile?: string }>(['init'], { cwd });
    expect(first.admin).toBe('created');
    const file = join(cwd, '.lakekit', 'admin-token');
    expect(first.tokenFile).toBe(file);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const token = readFileSync(file, 'utf8').trim();
    expect(token).toMatch(/^lk_[A-Za-z0-9_-]{12}_/);
    const second = await lakeJson<{ admin: string; tokenFile?: string }>(['init'], { cwd });
    expect(second).toEqual({ catalog: 'lakekit', admin: 'exists' });
    const { tokens } = await lakeJson<{ tokens: { id: string }[] }>(['principal', 'token', 'list', 'admin'], {
      cwd,
    });
    expect(tokens.map((t) => t.id)).toEqual([token.slice(3, 15)]);
    const grants = await lake(cwd, 'grants', '--to', 'principal:admin');
    expect(grants).toMatch(/MANAGE\s+catalog/);
  });
});

describe('lineage and quality CLI', () => {
  let cwd: string;

  beforeAll(async () => {
    cwd = workspace(`${CONFIG}sources:
  shop: { type: sqlite, path: shop.db }
pipelines:
  shop_sync:
    source: shop
    streams: { items: { target: s.items, mode: replace } }
    checks:
      s.items:
        - not_null: [id]
        - accepted_values: { column: region, values: [west], severity: warn }
`);
    const db = new Database(join(cwd, 'shop.db'));
    try {
      db.exec(
        "CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, region TEXT); INSERT INTO items VALUES (1, 'a', 'west'), (2, 'b', 'east');",
      );
    } finally {
      db.close();
    }
    await lake(cwd, 'run', 'shop_sync');
  });

  it('shows the lineage of a table from the run events, as text, mermaid and dot', async () => {
    const text = await lake(cwd, 'lineage', 'show', 's.items');
    expect(text).toMatch(/^s\.items\nupstream:\n {2}← \S+\/items {2}\(shop_sync\)\n/);
    expect(text).toMatch(/columns:\n(.*\n)*\s+s\.items\.region ← \S+\/items\.region \(IDENTITY\)/);
    expect(await lake(cwd, 'lineage', 'show', 's.items', '--format', 'mermaid')).toMatch(
      /^flowchart LR\n(.*\n)* {2}n\d+ -->\|"shop_sync"\| n\d+\n/,
    );
    expect(await lake(cwd, 'lineage', 'show', 's.items', '--format', 'dot', '--direction', 'down')).toBe(
      'digraph lineage {\n  rankdir=LR;\n  node [shape=box];\n  "s.items" [style=bold];\n}\n',
    );
    const graph = await lakeJson<{ edges: { to: string; jobs: string[] }[] }>(
      ['lineage', 'show', 's.items'],
      { cwd },
    );
    expect(graph.edges.map((e) => [e.to, e.jobs])).toEqual([['s.items', ['shop_sync']]]);
  });

  it('reports table health from the latest check results', async () => {
    expect(await lake(cwd, 'quality')).toMatch(/\ns\.items\s+warning\s+2\s+accepted_values/);
    const health = await lakeJson<{ status: string; failing: string[] }>(['quality', 's.items'], { cwd });
    expect(health.status).toBe('warning');
    expect(health.failing.length).toBe(1);
    expect((await lake(cwd, 'quality', 's.nothing')).startsWith('s.nothing: unknown')).toBe(true);
  });
});
