/**
 * zod schemas of the governance model as the HTTP API shows and accepts it: names, securables,
 * grantees, masks, and the records the store returns. Inputs are `.strict()` (an unknown field is a
 * 400); the same schemas generate the OpenAPI document.
 */
import * as z from 'zod';

/** Principal and role names. */
export const Name = z
  .string()
  .max(128)
  .regex(
    /^[a-z0-9][a-z0-9_.@-]*$/,
    'expected lower-case letters, digits and _ . @ - (starting with a letter or digit)',
  );

/** `ns.table` (namespaces may have several levels). */
export const TableName = z
  .string()
  .max(512)
  .regex(/^[A-Za-z_][A-Za-z0-9_$-]*(\.[A-Za-z_][A-Za-z0-9_$-]*)+$/, 'expected <namespace>.<table>');

export const ColumnName = z.string().min(1).max(256);
export const TagName = z
  .string()
  .max(256)
  .regex(/^[a-z0-9_]+(\.[a-z0-9_]+)*$/, 'expected dotted lower-case words, e.g. pii.email');

export const Privilege = z.enum(['USAGE', 'SELECT', 'MODIFY', 'MANAGE']);

export const Securable = z.discriminatedUnion('type', [
  z.object({ type: z.literal('catalog') }).strict(),
  z.object({ type: z.literal('namespace'), name: z.string().min(1).max(512) }).strict(),
  z.object({ type: z.literal('table'), name: TableName }).strict(),
  z.object({ type: z.literal('column'), table: TableName, column: ColumnName }).strict(),
]);

export const Grantee = z.object({ type: z.enum(['principal', 'role']), name: Name }).strict();

export const MaskSpec = z
  .object({
    kind: z.enum(['redact', 'hash', 'partial', 'null', 'sql']),
    keepLast: z.number().int().min(0).max(64).optional(),
    keepFirst: z.number().int().min(0).max(64).optional(),
    expression: z.string().min(1).max(4096).optional(),
  })
  .strict();

export const Attributes = z.record(z.string().max(128), z.string().max(1024));

export const Principal = z.object({
  name: z.string(),
  kind: z.enum(['user', 'service']),
  attributes: z.record(z.string(), z.string()),
  roles: z.array(z.string()),
  createdAt: z.string(),
  disabled: z.boolean(),
});

export const TokenInfo = z.object({
  id: z.string(),
  principal: z.string(),
  name: z.string().optional(),
  createdAt: z.string(),
  expiresAt: z.string().optional(),
  revokedAt: z.string().optional(),
  lastUsedAt: z.string().optional(),
});

export const IssuedToken = TokenInfo.extend({ token: z.string() });

export const Role = z.object({
  name: z.string(),
  description: z.string().optional(),
  members: z.array(z.string()),
  createdAt: z.string(),
});

const GranteeOut = z.object({ type: z.enum(['principal', 'role']), name: z.string() });
const SecurableOut = z.discriminatedUnion('type', [
  z.object({ type: z.literal('catalog') }),
  z.object({ type: z.literal('namespace'), name: z.string() }),
  z.object({ type: z.literal('table'), name: z.string() }),
  z.object({ type: z.literal('column'), table: z.string(), column: z.string() }),
]);

export const Grant = z.object({
  id: z.string(),
  privilege: Privilege,
  securable: SecurableOut,
  grantee: GranteeOut,
  grantedBy: z.string(),
  grantedAt: z.string(),
});

const MaskSpecOut = z.object({
  kind: z.enum(['redact', 'hash', 'partial', 'null', 'sql']),
  keepLast: z.number().optional(),
  keepFirst: z.number().optional(),
  expression: z.string().optional(),
});

export const ColumnMask = MaskSpecOut.extend({
  table: z.string(),
  column: z.string(),
  role: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const RowFilter = z.object({
  table: z.string(),
  role: z.string(),
  predicate: z.string(),
  createdBy: z.string(),
  createdAt: z.string(),
});

export const TagAssignment = z.object({ table: z.string(), column: z.string().optional(), tag: z.string() });

export const TagPolicy = z.object({
  name: z.string(),
  tag: z.string(),
  role: z.string(),
  mask: MaskSpecOut,
  createdBy: z.string(),
  createdAt: z.string(),
});

export const Annotation = z.object({
  table: z.string(),
  column: z.string().optional(),
  description: z.string().optional(),
  owner: GranteeOut.optional(),
  terms: z.array(z.string()),
});

export const AccessRequest = z.object({
  id: z.string(),
  principal: z.string(),
  table: z.string(),
  privilege: z.literal('SELECT'),
  reason: z.string(),
  status: z.enum(['pending', 'approved', 'denied']),
  createdAt: z.string(),
  decidedBy: z.string().optional(),
  decidedAt: z.string().optional(),
  comment: z.string().optional(),
});

export const AuditRecord = z.object({
  seq: z.number(),
  time: z.string(),
  actor: z.string(),
  action: z.string(),
  target: z.string(),
  outcome: z.enum(['ok', 'denied', 'error']),
  detail: z.unknown().optional(),
  prevHash: z.string(),
  hash: z.string(),
});

export const AuditVerification = z.object({
  records: z.number(),
  lastSeq: z.number(),
  problems: z.array(
    z.object({
      seq: z.number(),
      problem: z.enum(['edited', 'deleted', 'reordered', 'head_mismatch']),
      message: z.string(),
    }),
  ),
});

const Because = z.object({
  kind: z.enum(['grant', 'owner', 'mask', 'tag_policy', 'row_filter', 'missing_grant', 'admin']),
  text: z.string(),
});

export const EffectiveAccess = z.object({
  principal: z.string(),
  table: z.string(),
  canSelect: z.boolean(),
  canModify: z.boolean(),
  canManage: z.boolean(),
  columns: z.array(
    z.object({
      name: z.string(),
      type: z.string(),
      access: z.enum(['visible', 'masked', 'hidden']),
      mask: MaskSpecOut.extend({
        resultType: z.string(),
        role: z.string(),
        source: z.enum(['column_mask', 'tag_policy']),
        policy: z.string().optional(),
      }).optional(),
      because: z.array(Because),
    }),
  ),
  rowFilter: z
    .object({
      predicate: z.string(),
      filters: z.array(z.object({ role: z.string(), predicate: z.string() })),
    })
    .optional(),
  because: z.array(Because),
});

export const QualityRecord = z.object({
  runId: z.string().optional(),
  table: z.string(),
  snapshotId: z.string().optional(),
  check: z.string(),
  kind: z.string(),
  severity: z.string(),
  status: z.string(),
  failingRows: z.number(),
  message: z.string(),
  sample: z.unknown().optional(),
  checkedAt: z.string(),
});

export const Health = z.enum(['healthy', 'warning', 'failing', 'unknown']);

export const RunRecord = z.object({
  id: z.string(),
  pipeline: z.string(),
  status: z.enum(['running', 'succeeded', 'warned', 'blocked', 'failed']),
  trigger: z.string(),
  startedAt: z.string(),
  endedAt: z.string().optional(),
  host: z.string(),
  pid: z.number(),
  detail: z.unknown().optional(),
  error: z.string().optional(),
});

/** RFC 9457 problem details. */
export const Problem = z
  .object({
    type: z.string(),
    title: z.string(),
    status: z.number().int(),
    detail: z.string(),
    code: z.string(),
  })
  .catchall(z.unknown());

/** A column of a query answer: its name and DuckDB type. */
export const QueryColumn = z.object({ name: z.string(), type: z.string() });

const ReceiptTable = z.object({
  table: z.string(),
  snapshotId: z.string().nullable(),
  schemaId: z.number(),
  committedAt: z.string().optional(),
  selectedBy: z.string(),
  policies: z.object({
    maskedColumns: z.array(
      z.object({
        column: z.string(),
        kind: z.string(),
        role: z.string(),
        source: z.enum(['column_mask', 'tag_policy']),
        policy: z.string().optional(),
      }),
    ),
    hiddenColumns: z.number(),
    rowFilter: z.string().optional(),
  }),
  quality: z.object({
    status: Health,
    failedChecks: z.array(
      z.object({
        check: z.string(),
        kind: z.string(),
        severity: z.string(),
        message: z.string(),
        checkedAt: z.string(),
      }),
    ),
    checkedSnapshotId: z.string().optional(),
    freshness: z.object({
      committedAt: z.string().optional(),
      ageSeconds: z.number().optional(),
      maxAgeSeconds: z.number().optional(),
      stale: z.boolean(),
    }),
  }),
  lineage: z.object({
    upstream: z.array(z.string()),
    runs: z.array(
      z.object({
        runId: z.string(),
        pipeline: z.string().optional(),
        snapshotId: z.string(),
        committedAt: z.string(),
      }),
    ),
  }),
});

/** The receipt of a governed answer (see packages/query/src/governed/receipt.ts). */
export const Receipt = z.object({
  version: z.literal(1),
  id: z.string(),
  createdAt: z.string(),
  principal: z.string(),
  sql: z.string(),
  normalizedSql: z.string(),
  sqlHash: z.string(),
  tables: z.array(ReceiptTable),
  result: z.object({
    columns: z.array(QueryColumn),
    rowCount: z.number(),
    hash: z.string(),
    limit: z.number(),
    truncated: z.boolean(),
  }),
  evaluation: z.enum(['parallel', 'sequential']),
  warnings: z.array(z.string()),
  healthy: z.boolean(),
  context: z.record(z.string(), z.unknown()).optional().meta({
    description:
      'what the SQL answers when it was compiled from a question (semantic: the metric request and how it was read)',
  }),
  retainUntil: z.string(),
});

/** A flag raised on an answer, with the owners notified and the lineage to investigate. */
export const AnswerFlag = z.object({
  id: z.string(),
  receiptId: z.string(),
  principal: z.string(),
  reason: z.string(),
  owners: z.array(
    z.object({ type: z.enum(['principal', 'role']), name: z.string(), tables: z.array(z.string()) }),
  ),
  lineage: z.array(
    z.object({
      table: z.string(),
      snapshotId: z.string().nullable(),
      committedAt: z.string().optional(),
      owner: GranteeOut.optional(),
      upstream: z.array(z.string()),
      runs: z.array(
        z.object({
          runId: z.string(),
          pipeline: z.string().optional(),
          snapshotId: z.string(),
          committedAt: z.string(),
          status: z.string().optional(),
        }),
      ),
      quality: Health,
      failedChecks: ReceiptTable.shape.quality.shape.failedChecks,
    }),
  ),
  warnings: z.array(z.string()),
  notification: z.string(),
  createdAt: z.string(),
});
