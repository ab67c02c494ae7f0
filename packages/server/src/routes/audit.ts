/** The audit log (MANAGE on the catalog only): filtered listing, JSONL export, chain verification. */
import * as z from 'zod';
import { route } from '../route.js';
import { AuditRecord, AuditVerification } from '../schemas.js';

const tags = ['audit'];
const NDJSON = 'application/x-ndjson';

export const auditRoutes = [
  route({
    method: 'get',
    path: '/api/v1/audit',
    summary: `Audit records in ascending order (Accept: ${NDJSON} exports JSON lines)`,
    tags,
    query: z
      .object({
        actor: z.string().max(256).optional(),
        action: z.string().max(256).optional(),
        target: z.string().max(600).optional().meta({ description: 'prefix, e.g. table:crm.' }),
        outcome: z.enum(['ok', 'denied', 'error']).optional(),
        since: z.iso.datetime().optional(),
        until: z.iso.datetime().optional(),
        afterSeq: z.coerce.number().int().min(0).optional(),
        limit: z.coerce.number().int().min(1).max(100_000).optional(),
      })
      .strict(),
    response: z.array(AuditRecord),
    alsoProduces: [NDJSON],
    handler: async ({ gov, access, query, request }) => {
      await access.requireAdmin('reading the audit log', 'audit');
      const ndjson = (request.headers.get('accept') ?? '').includes(NDJSON);
      const records = await gov.listAudit({ ...query, limit: query.limit ?? (ndjson ? 100_000 : 1000) });
      if (!ndjson) return records;
      const body = records.map((r) => JSON.stringify(r)).join('\n');
      return new Response(body === '' ? '' : `${body}\n`, { headers: { 'content-type': NDJSON } });
    },
  }),
  route({
    method: 'get',
    path: '/api/v1/audit/verify',
    summary: 'Check the hash chain of the audit log',
    tags,
    response: AuditVerification,
    handler: async ({ gov, access }) => {
      await access.requireAdmin('verifying the audit log', 'audit');
      return gov.verifyAudit();
    },
  }),
];
