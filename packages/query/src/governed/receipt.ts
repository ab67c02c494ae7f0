/**
 * Answer receipts: what an answer was computed from and under which rules, so that it can be
 * rerun (`lake receipt verify`), explained, and followed up when flagged.
 *
 * Snapshot ids are strings (they are 63-bit; JSON readers round bare numbers past 2^53).
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '@lakekit/catalog';

/** A masked column as the receipt reports it. */
export interface ReceiptMask {
  column: string;
  kind: string;
  role: string;
  source: 'column_mask' | 'tag_policy';
  policy?: string;
}

/** One table reference of the query, pinned to a snapshot. */
export interface ReceiptTable {
  /** `ns.table`. */
  table: string;
  /** The snapshot read (null: the table was empty). */
  snapshotId: string | null;
  schemaId: number;
  /** When that snapshot was committed (ISO time). */
  committedAt?: string;
  /** How the reference chose its snapshot: `current`, `AT (VERSION => …)`, `AT (TIMESTAMP => …)`, `pinned`. */
  selectedBy: string;
  policies: {
    maskedColumns: ReceiptMask[];
    /** Columns of the snapshot the caller could not see (count only: their names are not the caller's). */
    hiddenColumns: number;
    /** The combined row filter with the caller's attributes filled in. */
    rowFilter?: string;
  };
  quality: {
    status: 'healthy' | 'warning' | 'failing' | 'unknown';
    failedChecks: { check: string; kind: string; severity: string; message: string; checkedAt: string }[];
    /** The snapshot the latest checks judged (it may differ from the one read). */
    checkedSnapshotId?: string;
    freshness: { committedAt?: string; ageSeconds?: number; maxAgeSeconds?: number; stale: boolean };
  };
  lineage: {
    /** Datasets upstream of the table (sources and tables), from its OpenLineage events. */
    upstream: string[];
    /** Pipeline runs that wrote the snapshot read and its ancestors (newest first, at most 20). */
    runs: { runId: string; pipeline?: string; snapshotId: string; committedAt: string }[];
  };
}

/** The receipt of one answer. */
export interface Receipt {
  version: 1;
  id: string;
  createdAt: string;
  /** The principal that asked (`local-admin` for the local command line). */
  principal: string;
  /** The SQL as written. */
  sql: string;
  /** DuckDB's rendering of the parsed query (what `receipt verify` reruns). */
  normalizedSql: string;
  /** SHA-256 of `normalizedSql`. */
  sqlHash: string;
  tables: ReceiptTable[];
  result: {
    columns: { name: string; type: string }[];
    rowCount: number;
    /** SHA-256 over the canonical JSON of the columns and rows, in the answer's total order. */
    hash: string;
    /** The row limit applied; `truncated` when more rows existed. */
    limit: number;
    truncated: boolean;
  };
  /** How the answer was made repeatable: `parallel` (order-independent plan) or `sequential`. */
  evaluation: 'parallel' | 'sequential';
  /** Why the answer may not be trustworthy (failed `error` checks, stale inputs). */
  warnings: string[];
  healthy: boolean;
  /** What the SQL answers, when it was compiled from a question (the metric request, its as-of date). */
  context?: Record<string, unknown>;
  /** Until when the snapshots named here are kept from expiry. */
  retainUntil: string;
}

/** SHA-256 hex of a text. */
export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

/** The result hash: over the canonical JSON of the column names and types and every row, in order. */
export function resultHash(
  columns: readonly { name: string; type: string }[],
  rows: readonly unknown[][],
): string {
  const h = createHash('sha256');
  h.update(canonicalJson(columns.map((c) => [c.name, c.type])));
  for (const row of rows) {
    h.update('\n');
    h.update(canonicalJson(row));
  }
  return h.digest('hex');
}

/** A receipt id: `rcpt_` and 32 hex characters of the hash of its content. */
export function receiptId(body: Omit<Receipt, 'id'>): string {
  return `rcpt_${sha256(canonicalJson(body)).slice(0, 32)}`;
}

/** A receipt in plain words (for people and for `explain_answer`). */
export function explainReceipt(r: Receipt): string {
  const lines: string[] = [];
  lines.push(
    `Answer ${r.id}: ${r.result.rowCount} row(s)${r.result.truncated ? ` (cut at the limit of ${r.result.limit})` : ''}, asked by ${r.principal} at ${r.createdAt}.`,
  );
  lines.push(`Query: ${r.normalizedSql}`);
  for (const t of r.tables) {
    const at =
      t.snapshotId === null
        ? 'an empty table'
        : `snapshot ${t.snapshotId}${t.committedAt ? ` (committed ${t.committedAt})` : ''}`;
    lines.push(`- ${t.table}: read at ${at}, chosen by ${t.selectedBy}.`);
    const p = t.policies;
    if (p.maskedColumns.length > 0)
      lines.push(
        `  Masked for this caller: ${p.maskedColumns.map((m) => `${m.column} (${m.kind}, ${m.policy ? `tag policy ${m.policy}` : `mask for role ${m.role}`})`).join(', ')}.`,
      );
    if (p.hiddenColumns > 0) lines.push(`  ${p.hiddenColumns} column(s) hidden from this caller.`);
    if (p.rowFilter) lines.push(`  Only rows where ${p.rowFilter}.`);
    const q = t.quality;
    lines.push(
      `  Quality: ${q.status}${q.failedChecks.length > 0 ? `; failed: ${q.failedChecks.map((c) => `${c.check} (${c.severity})`).join(', ')}` : ''}${q.freshness.stale ? '; stale' : ''}.`,
    );
    if (t.lineage.upstream.length > 0) lines.push(`  Comes from: ${t.lineage.upstream.join(', ')}.`);
    if (t.lineage.runs.length > 0)
      lines.push(
        `  Written by run(s): ${t.lineage.runs.map((x) => `${x.runId}${x.pipeline ? ` (${x.pipeline})` : ''}`).join(', ')}.`,
      );
  }
  lines.push(`Result hash: ${r.result.hash} (${r.evaluation} evaluation).`);
  if (r.warnings.length > 0) lines.push(`Warnings: ${r.warnings.join('; ')}`);
  else lines.push('No warnings: every input passed its error checks and is fresh.');
  lines.push(`The snapshots above are kept until ${r.retainUntil}.`);
  return lines.join('\n');
}
