/**
 * Governed queries through the real `lake` binary: `lake query --as`, receipts written and verified,
 * `lake verify consistency`, receipts keeping their snapshots from expiry, `--require-healthy`, and
 * refusals audited with their reason.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Catalog } from '@lakekit/catalog';
import { createFileIO } from '@lakekit/storage';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

interface Answer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  receipt: {
    id: string;
    principal: string;
    sqlHash: string;
    tables: {
      table: string;
      snapshotId: string;
      policies: { maskedColumns: { column: string }[]; rowFilter?: string };
    }[];
    result: { hash: string; rowCount: number };
    warnings: string[];
    evaluation: string;
  };
}

describe('lake query (governed) and receipts', () => {
  let cwd: string;
  const lake = (args: string[]) => runLake(args, { cwd });
  const json = <T>(args: string[]) => lakeJson<T>(args, { cwd });

  // The webhook that owners of flagged answers are notified through: a real local HTTP server.
  let hook: Server;
  const received: unknown[] = [];

  afterAll(() => {
    hook?.close();
  });

  beforeAll(async () => {
    hook = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => {
        body += d;
      });
      req.on('end', () => {
        received.push(JSON.parse(body));
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => hook.listen(0, '127.0.0.1', r));
    const port = (hook.address() as AddressInfo).port;
    cwd = workspace(
      `warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\nnotifications:\n  webhook: http://127.0.0.1:${port}/hook\n`,
    );
    const rows = ['id,name,email,region,score'];
    for (let i = 1; i <= 40; i++)
      rows.push(`${i},name ${i},user${i}@example.com,${['west', 'east'][i % 2]},${(i * 0.1).toFixed(1)}`);
    writeFileSync(join(cwd, 'people.csv'), `${rows.join('\n')}\n`);
    await json(['load', 'people.csv', '--table', 'crm.people']);
    for (const args of [
      ['principal', 'create', 'ana', '--attr', 'region=west'],
      ['role', 'create', 'analyst'],
      ['role', 'add-member', 'analyst', 'ana'],
      ['grant', 'USAGE', 'catalog', 'role:analyst'],
      ['grant', 'USAGE', 'namespace:crm', 'role:analyst'],
      ['grant', 'SELECT', 'table:crm.people', 'role:analyst'],
      ['mask', 'set', 'crm.people', 'email', '--role', 'analyst', '--kind', 'redact'],
      ['row-filter', 'set', 'crm.people', 'region = principal.region', '--role', 'analyst'],
      ['principal', 'create', 'zed'],
    ]) {
      const r = await lake(args);
      if (r.code !== 0) throw new Error(`lake ${args.join(' ')}: ${r.stderr}`);
    }
  });

  it('answers as the principal: masked, filtered, with a receipt naming the policies and snapshot', async () => {
    const a = await json<Answer>([
      '--as',
      'ana',
      'query',
      'select id, email, region from crm.people order by id',
    ]);
    expect(a.rows).toHaveLength(20);
    expect(a.rows.every((r) => r[1] === '[REDACTED]' && r[2] === 'west')).toBe(true);
    expect(a.receipt.principal).toBe('ana');
    expect(a.receipt.tables[0]).toMatchObject({ table: 'crm.people' });
    expect(a.receipt.tables[0]!.policies.maskedColumns.map((m) => m.column)).toEqual(['email']);
    expect(a.receipt.tables[0]!.policies.rowFilter).toBe("(region = 'west')");
    expect(a.receipt.result.rowCount).toBe(20);
    // The local administrator sees every row and the real values.
    const all = await json<Answer>(['query', 'select count(*), count(distinct email) from crm.people']);
    expect(all.rows).toEqual([[40, 40]]);
  });

  it('prints the receipt line on stderr in text mode, rows on stdout', async () => {
    const r = await lake(['--as', 'ana', 'query', 'select count(*) as n from crm.people']);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/\bn\b[\s\S]*\b20\b/);
    expect(r.stderr).toMatch(
      /^receipt rcpt_[0-9a-f]{32} · result [0-9a-f]{16} · 1 row\(s\) · crm\.people@\d+/m,
    );
  });

  it('refuses what the principal may not read, exit 1, and audits the refusal with its reason', async () => {
    const r = await lake(['--as', 'zed', 'query', 'select * from crm.people']);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/crm\.people does not exist or zed may not read it/);
    const f = await lake(['--as', 'ana', 'query', "select * from read_csv('people.csv')"]);
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/read_csv\(\) is not allowed/);
    const audit = await json<{ records: { actor: string; outcome: string; detail: { reason: string } }[] }>([
      'audit',
      '--action',
      'query.run',
      '--outcome',
      'denied',
    ]);
    const reasons = audit.records.map((x) => `${x.actor}: ${x.detail.reason}`);
    expect(reasons).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^zed: .*may not read/),
        expect.stringMatching(/^ana: .*read_csv/),
      ]),
    );
  });

  it('a receipt file verifies; after new data it still verifies at its snapshot while the answer moves on', async () => {
    const file = join(cwd, 'receipt.json');
    const sql = 'select region, sum(score) as s, avg(score) as a from crm.people group by region';
    const a = await json<Answer>(['--as', 'ana', 'query', sql, '--receipt', file]);
    expect(a.receipt.evaluation).toBe('sequential');
    expect(JSON.parse(readFileSync(file, 'utf8')).id).toBe(a.receipt.id);
    const v = await lake(['receipt', 'verify', file]);
    expect(v.code).toBe(0);
    expect(v.stdout).toMatch(
      new RegExp(
        `receipt ${a.receipt.id} verified: 1 row\\(s\\), result hash ${a.receipt.result.hash} matches`,
      ),
    );
    writeFileSync(join(cwd, 'more.csv'), 'id,name,email,region,score\n100,x,x@example.com,west,100.5\n');
    await json(['load', 'more.csv', '--table', 'crm.people']);
    const b = await json<Answer>(['--as', 'ana', 'query', sql]);
    expect(b.receipt.result.hash).not.toBe(a.receipt.result.hash);
    expect((await lake(['receipt', 'verify', a.receipt.id])).code).toBe(0);
    // A receipt whose result was tampered with does not verify: exit 1, naming both hashes.
    const forged = JSON.parse(readFileSync(file, 'utf8'));
    forged.result.hash = '0'.repeat(64);
    writeFileSync(join(cwd, 'forged.json'), JSON.stringify(forged));
    const bad = await lake(['receipt', 'verify', 'forged.json']);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/does NOT verify: expected result hash 0{64}, got [0-9a-f]{64}/);
    const explained = await lake(['receipt', 'show', a.receipt.id, '--explain']);
    expect(explained.stdout).toMatch(/Masked for this caller: email \(redact/);
    expect(explained.stdout).toMatch(/Only rows where \(region = 'west'\)/);
  });

  it('verify consistency: 20 runs of a floating-point aggregate give one answer', async () => {
    const c = await json<{ runs: number; identical: boolean; hashes: unknown[] }>([
      '--as',
      'ana',
      'verify',
      'consistency',
      '--runs',
      '20',
      'select sum(score * 1.1) as s, avg(score) as a from crm.people',
    ]);
    expect(c).toMatchObject({ runs: 20, identical: true });
    expect(c.hashes).toHaveLength(1);
  });

  it('expiry keeps the snapshots receipts name until their retention ends', async () => {
    const first = await json<Answer>(['query', 'select count(*) from crm.people']);
    const pinned = first.receipt.tables[0]!.snapshotId;
    for (const i of [1, 2]) {
      writeFileSync(
        join(cwd, `x${i}.csv`),
        `id,name,email,region,score\n${200 + i},y,y@example.com,east,1\n`,
      );
      await json(['load', `x${i}.csv`, '--table', 'crm.people']);
    }
    const before = await json<{ snapshots: { snapshotId: string }[] }>(['table', 'history', 'crm.people']);
    expect(before.snapshots.map((s) => s.snapshotId)).toContain(pinned);
    const expired = await json<{ removedSnapshots: string[] }>([
      'table',
      'expire',
      'crm.people',
      '--older-than',
      '0m',
    ]);
    expect(expired.removedSnapshots.length).toBeGreaterThan(0);
    expect(expired.removedSnapshots).not.toContain(pinned);
    const after = await json<{ snapshots: { snapshotId: string }[] }>(['table', 'history', 'crm.people']);
    expect(after.snapshots.map((s) => s.snapshotId)).toContain(pinned);
    // The receipt still verifies (its snapshot is there to read).
    expect((await lake(['receipt', 'verify', first.receipt.id])).code).toBe(0);
    // Once the retention has ended, expiry may take it.
    const catalog = await Catalog.open({
      uri: `sqlite:${join(cwd, 'catalog.db')}`,
      name: 'lakekit',
      warehouse: pathToFileURL(join(cwd, 'warehouse')).href,
      io: createFileIO({}),
    });
    try {
      const later = new Date(Date.now() + 31 * 86_400_000).toISOString();
      expect(await catalog.answers.protectedSnapshots('crm.people', later)).toEqual(new Set());
      expect((await catalog.answers.protectedSnapshots('crm.people')).has(BigInt(pinned))).toBe(true);
    } finally {
      await catalog.close();
    }
  });

  it('--require-healthy refuses an answer whose input failed an error check; without it, a warning', async () => {
    const catalog = await Catalog.open({
      uri: `sqlite:${join(cwd, 'catalog.db')}`,
      name: 'lakekit',
      warehouse: pathToFileURL(join(cwd, 'warehouse')).href,
      io: createFileIO({}),
    });
    try {
      await catalog.operations.recordQuality([
        {
          table: 'crm.people',
          check: 'score_range',
          kind: 'range',
          severity: 'error',
          status: 'failed',
          failingRows: 3,
          message: '3 rows outside [0, 3]',
          checkedAt: new Date().toISOString(),
        },
      ]);
    } finally {
      await catalog.close();
    }
    const warned = await json<Answer>(['--as', 'ana', 'query', 'select count(*) from crm.people']);
    expect(warned.receipt.warnings).toEqual([
      'input crm.people failed error check score_range: 3 rows outside [0, 3]',
    ]);
    const refused = await lake([
      '--as',
      'ana',
      'query',
      'select count(*) from crm.people',
      '--require-healthy',
    ]);
    expect(refused.code).toBe(1);
    expect(refused.stderr).toMatch(/unhealthy input.*score_range/);
  });

  it('lake answer flag: audited, the webhook told with the lineage to investigate; others may not flag it', async () => {
    const a = await json<Answer>([
      '--as',
      'ana',
      'query',
      'select region, count(*) from crm.people group by region',
    ]);
    const flag = await json<{
      id: string;
      receiptId: string;
      notification: string;
      lineage: { table: string }[];
    }>(['--as', 'ana', 'answer', 'flag', a.receipt.id, '--reason', 'west should have more people']);
    expect(flag).toMatchObject({ receiptId: a.receipt.id, notification: 'sent' });
    expect(flag.lineage.map((l) => l.table)).toEqual(['crm.people']);
    expect(received).toEqual([
      expect.objectContaining({
        type: 'lakekit.answer.flagged',
        receiptId: a.receipt.id,
        reason: 'west should have more people',
        flaggedBy: 'ana',
      }),
    ]);
    const listed = await json<{ flags: { id: string }[] }>(['answer', 'flags', a.receipt.id]);
    expect(listed.flags.map((f) => f.id)).toEqual([flag.id]);
    const other = await lake(['--as', 'zed', 'answer', 'flag', a.receipt.id, '--reason', 'x']);
    expect(other.code).toBe(1);
    expect(other.stderr).toMatch(/zed may not read receipt/);
    const audit = await json<{ records: { actor: string; outcome: string }[] }>([
      'audit',
      '--action',
      'answer.flag',
    ]);
    expect(audit.records.map((r) => `${r.actor}:${r.outcome}`)).toEqual(['ana:ok', 'zed:denied']);
  });
});
