import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createFileIO } from '@lakekit/storage';
import { describe, expect, it } from 'vitest';
import { Catalog } from '../catalog.js';

describe('appendAuditBatched', () => {
  it('appends concurrent records in arrival order, one chain, each caller getting its own record', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'lakekit-audit-batch-'));
    const catalog = await Catalog.open({
      uri: `sqlite:${join(dir, 'c.db')}`,
      name: 'lakekit',
      warehouse: `file://${dir}/wh`,
      io: createFileIO(),
    });
    try {
      const gov = catalog.governance;
      await gov.appendAudit({ actor: 'a', action: 'x.first', target: 't', outcome: 'ok' });
      const records = await Promise.all(
        Array.from({ length: 60 }, (_, i) =>
          gov.appendAuditBatched({ actor: `p${i}`, action: 'x.load', target: `t${i}`, outcome: 'ok' }),
        ),
      );
      expect(records.map((r) => r.actor)).toEqual(Array.from({ length: 60 }, (_, i) => `p${i}`));
      expect(records.map((r) => r.seq)).toEqual(Array.from({ length: 60 }, (_, i) => i + 2));
      const later = await gov.appendAuditBatched({
        actor: 'z',
        action: 'x.last',
        target: 't',
        outcome: 'ok',
      });
      expect(later.seq).toBe(62);
      const v = await gov.verifyAudit();
      expect(v).toMatchObject({ records: 62, lastSeq: 62, problems: [] });
    } finally {
      await catalog.close();
    }
  });
});
