/**
 * Bad input through the real CLI: each gets a clear error naming the thing at fault, the right exit
 * code, and leaves the table as it was.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { lakeJson, runLake, workspace } from '../helpers/cli.js';

const CONFIG = 'warehouse: ./warehouse\ncatalog:\n  uri: sqlite:./catalog.db\n  name: lakekit\n';

describe('bad input', () => {
  let cwd: string;
  let before: unknown[][];
  let history: { snapshots: unknown[] };

  beforeAll(async () => {
    cwd = workspace(CONFIG);
    const rows = ['id,name,score'];
    for (let i = 1; i <= 3000; i++) rows.push(`${i},name ${i},${i * 2}`);
    writeFileSync(join(cwd, 'good.csv'), `${rows.join('\n')}\n`);
    await lakeJson(['load', 'good.csv', '--table', 'crm.people'], { cwd });
    before = (
      await lakeJson<{ rows: unknown[][] }>(['query', 'select count(*), sum(score) from crm.people'], { cwd })
    ).rows;
    history = await lakeJson(['table', 'history', 'crm.people'], { cwd });
  });

  async function expectUnchanged() {
    expect(
      (
        await lakeJson<{ rows: unknown[][] }>(['query', 'select count(*), sum(score) from crm.people'], {
          cwd,
        })
      ).rows,
    ).toEqual(before);
    expect(await lakeJson(['table', 'history', 'crm.people'], { cwd })).toEqual(history);
  }

  it('a malformed CSV row names file and line, exits 1, and leaves the table unchanged', async () => {
    const lines = ['id,name,score', '1,a,1', '2,b,2', '3,c,3', '4,d,4', '5,e,5', '6,"f,6,6,7', '7,g,7'];
    writeFileSync(join(cwd, 'broken.csv'), `${lines.join('\n')}\n`);
    const r = await runLake(['load', 'broken.csv', '--table', 'crm.people'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/broken\.csv/);
    expect(r.stderr).toMatch(/line 7\b/i);
    expect(r.stdout).toBe('');
    await expectUnchanged();
  });

  it('a row with too many columns names its line', async () => {
    const lines = ['id,name,score', '1,a,1', '2,b,2,extra', '3,c,3'];
    writeFileSync(join(cwd, 'wide.csv'), `${lines.join('\n')}\n`);
    const r = await runLake(['--json', 'load', 'wide.csv', '--table', 'crm.people'], { cwd });
    expect(r.code).toBe(1);
    const err = JSON.parse(r.stderr) as { error: { code: string; message: string } };
    expect(err.error.message).toMatch(/wide\.csv/);
    expect(err.error.message).toMatch(/line 3\b/i);
    await expectUnchanged();
  });

  it('a value that does not fit its column names the column (beyond the sniffer sample too)', async () => {
    const rows = ['id,name,score'];
    for (let i = 1; i <= 30000; i++) rows.push(`${i},n${i},${i === 29000 ? 'lots' : i}`);
    writeFileSync(join(cwd, 'late-bad.csv'), `${rows.join('\n')}\n`);
    const r = await runLake(['load', 'late-bad.csv', '--table', 'crm.people'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/late-bad\.csv/);
    expect(r.stderr).toMatch(/score/);
    expect(r.stderr).toMatch(/29001|lots/);
    await expectUnchanged();
  });

  it('a value too large for the existing column type names table and column', async () => {
    writeFileSync(join(cwd, 'big.csv'), 'id,name,score\n1,x,99999999999999999999999\n');
    const r = await runLake(['load', 'big.csv', '--table', 'crm.people'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/crm\.people|big\.csv/);
    expect(r.stderr).toMatch(/score/);
    await expectUnchanged();
  });

  it('a file column the table lacks is named', async () => {
    writeFileSync(join(cwd, 'extra.csv'), 'id,name,score,nickname\n1,x,1,y\n');
    const r = await runLake(['load', 'extra.csv', '--table', 'crm.people'], { cwd });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/nickname/);
    await expectUnchanged();
  });

  it('a missing table or namespace is named, exit 1', async () => {
    const t = await runLake(['table', 'show', 'crm.nope'], { cwd });
    expect(t.code).toBe(1);
    expect(t.stderr).toMatch(/crm\.nope/);
    const n = await runLake(['--json', 'table', 'list', 'nowhere'], { cwd });
    expect(n.code).toBe(1);
    expect(JSON.parse(n.stderr).error.code).toBe('namespace_not_found');
    const q = await runLake(['query', 'select * from sales.orders'], { cwd });
    expect(q.code).toBe(1);
    expect(q.stderr).toMatch(/sales\.orders/);
    const f = await runLake(['load', 'no-such-file.csv', '--table', 'crm.people'], { cwd });
    expect(f.code).toBe(1);
    expect(f.stderr).toMatch(/no-such-file\.csv/);
    await expectUnchanged();
  });

  it('an unknown config key is a configuration error naming the key, exit 2', async () => {
    const dir = workspace(`${CONFIG}catalgo: x\n`);
    const r = await runLake(['table', 'list'], { cwd: dir });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/catalgo/);
    expect(r.stderr).toMatch(/lakekit\.yaml/);
  });

  it('an unset ${VAR} is a configuration error naming the variable, exit 2', async () => {
    const dir = workspace('warehouse: ${LAKEKIT_TEST_UNSET_WAREHOUSE}\n');
    const r = await runLake(['table', 'list'], {
      cwd: dir,
      env: { LAKEKIT_TEST_UNSET_WAREHOUSE: undefined },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/LAKEKIT_TEST_UNSET_WAREHOUSE/);
  });

  it("a source's unset ${VAR} fails only the commands that use that source", async () => {
    const dir = workspace(
      'sources:\n  crm: { type: postgres, url: "postgres://u:${LAKEKIT_TEST_UNSET_PW}@127.0.0.1:1/db" }\n' +
        'pipelines:\n  p: { source: crm, streams: { a: { target: crm.a } } }\n',
    );
    const env = { LAKEKIT_TEST_UNSET_PW: undefined };
    expect((await runLake(['table', 'list'], { cwd: dir, env })).code).toBe(0);
    const r = await runLake(['run', 'p'], { cwd: dir, env });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/sources\.crm\.url: environment variable LAKEKIT_TEST_UNSET_PW is not set/);
  });

  it('usage errors exit 2 (commander would exit 1)', async () => {
    const r = await runLake(['load', 'good.csv'], { cwd });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/--table/);
    const u = await runLake(['--json', 'table', 'show', 'crm.people', '--bogus'], { cwd });
    expect(u.code).toBe(2);
    expect(JSON.parse(u.stderr).error.code).toBe('usage');
  });

  it('an unreachable S3 endpoint fails fast with an error naming the endpoint, exit 1', async () => {
    const dir = workspace(
      'warehouse: s3://nowhere/wh\ncatalog:\n  uri: sqlite:./catalog.db\ns3:\n  endpoint: http://127.0.0.1:9\n  region: us-east-1\n  force_path_style: true\n',
    );
    writeFileSync(join(dir, 'a.csv'), 'id\n1\n');
    const started = Date.now();
    const r = await runLake(['load', 'a.csv', '--table', 'x.y'], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
    });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/127\.0\.0\.1:9/);
    expect(Date.now() - started).toBeLessThan(60_000);
    const list = await lakeJson<{ tables: string[] }>(['table', 'list'], {
      cwd: dir,
      env: { AWS_ACCESS_KEY_ID: 'k', AWS_SECRET_ACCESS_KEY: 's' },
    });
    expect(list.tables).toEqual([]);
  });
});
