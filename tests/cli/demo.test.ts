/**
 * `pnpm demo` (the README's first command) end to end: it must finish on its own with exit 0 — no
 * helper process left holding it open — and show each part it promises.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

describe('pnpm demo', () => {
  it('runs every step and exits 0 by itself', { timeout: 300_000 }, async () => {
    const { code, out } = await new Promise<{ code: number | null; out: string }>((resolve, reject) => {
      const child = spawn(process.execPath, [join(repoRoot, 'examples', 'demo.mjs')], {
        cwd: repoRoot,
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout.on('data', (d) => {
        out += d;
      });
      child.stderr.on('data', (d) => {
        out += d;
      });
      const timer = setTimeout(() => {
        child.kill('SIGKILL');
        reject(new Error(`the demo did not exit within 240 s; last output:\n${out.slice(-2000)}`));
      }, 240_000);
      child.on('close', (c) => {
        clearTimeout(timer);
        resolve({ code: c, out });
      });
    });
    expect(code, out.slice(-3000)).toBe(0);
    for (const expected of [
      // Part 1, Acme: every pipeline, one blocked by its gate, governance as code, answers as
      // principals with receipts, lineage back to the sources.
      'Lakekit demo, part 1 of 2',
      '$ lake run crm_sync',
      'rows copied to erp.order_lines__quarantine',
      'lake governance apply governance.yaml',
      '"top selling product in the midwest last quarter" as ana',
      '$ lake receipt verify receipts/',
      '$ lake lineage show erp.order_lines --direction up',
      // Part 2, under the hood.
      'Lakekit demo, part 2 of 2',
      '$ lake run erp_sync',
      'customers     erp.customers     merge  succeeded',
      'inventory.products  merge  succeeded',
      'blocked',
      'erp.sales_orders__quarantine',
      'nothing due',
      // Governance: a tag policy masks the e-mail for the AI service, a row filter from ana's
      // attribute, an escaping predicate refused, an intact audit chain.
      'masked   hash (policy pii-hash-analyst)',
      "rows: only where (region = 'midwest')",
      'rejected: not valid SQL',
      'audit log intact',
      // Governed answers: a receipt, a refused file read, a verified receipt, consistent answers.
      "Only rows where (region = 'midwest')",
      'read_csv() is not allowed',
      'verified:',
      'consistent: 20 runs gave identical answers',
      // The semantic layer: metrics listed, a fan-out-safe ratio, business words as a principal.
      'contacts_per_account',
      'read as:',
      // The Iceberg REST catalog: an engine loads a table; a masked principal is refused.
      '200: format v2',
      '403 ForbiddenException: loading table crm.contacts hands out its file paths',
      'Done in',
    ]) {
      expect(out).toContain(expected);
    }
  });
});
