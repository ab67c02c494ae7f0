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
      'Done.',
    ]) {
      expect(out).toContain(expected);
    }
  });
});
