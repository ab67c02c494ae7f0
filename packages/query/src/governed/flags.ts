/**
 * Flags on answers: a consumer reports that an answer looks wrong. The flag names the owners of the
 * answer's input tables and the lineage to investigate (each input's snapshot, upstream datasets,
 * the pipeline runs that wrote it, the checks it had failed), notifies the owners through a webhook
 * (best effort: a failure is recorded, never thrown), is stored with the receipt, and is audited.
 *
 * @example
 * const flag = await flagAnswer({ catalog, actor: { name: 'alice' }, receiptId, reason: 'totals look doubled',
 *   webhookUrl: 'https://hooks.example/lakekit' });
 * flag.notification; // 'sent' | 'failed: …' | 'not configured'
 */
import { randomBytes } from 'node:crypto';
import type { Actor, AnswerFlag, Catalog, Grantee } from '@lakekit/catalog';
import { ForbiddenError, NotFoundError, UsageError } from '@lakekit/core';
import type { Receipt } from './receipt.js';

/** The most characters a flag's reason may have. */
export const MAX_FLAG_REASON = 2000;
/** How long the webhook may take to answer. */
export const FLAG_WEBHOOK_TIMEOUT_MS = 5000;

/** An owner of one or more of the answer's input tables. */
export interface FlagOwner {
  type: Grantee['type'];
  name: string;
  /** The input tables it owns. */
  tables: string[];
}

/** One input of the answer, as the owners should investigate it. */
export interface FlagLineage {
  table: string;
  /** The snapshot the answer read (null: the table was empty). */
  snapshotId: string | null;
  committedAt?: string;
  /** The table's owner, when it has one. */
  owner?: { type: Grantee['type']; name: string };
  /** Datasets upstream of the table. */
  upstream: string[];
  /** Pipeline runs that wrote the snapshot read and its ancestors (with their status when known). */
  runs: { runId: string; pipeline?: string; snapshotId: string; committedAt: string; status?: string }[];
  /** Quality of the input when the answer was computed, and the checks it had failed. */
  quality: Receipt['tables'][number]['quality']['status'];
  failedChecks: Receipt['tables'][number]['quality']['failedChecks'];
}

/** A flag as callers see it. */
export interface Flag {
  id: string;
  receiptId: string;
  /** Who flagged the answer. */
  principal: string;
  reason: string;
  owners: FlagOwner[];
  lineage: FlagLineage[];
  /** The receipt's warnings (failed error checks, stale inputs) when it was made. */
  warnings: string[];
  /** What happened to the owners' notification: `sent`, `failed: <why>`, `not configured`. */
  notification: string;
  createdAt: string;
}

/** The JSON the webhook receives. */
export interface FlagNotification {
  type: 'lakekit.answer.flagged';
  /** The flag's id. */
  flag: string;
  receiptId: string;
  owners: FlagOwner[];
  lineage: FlagLineage[];
  reason: string;
  flaggedBy: string;
  /** When the answer was flagged (ISO time). */
  at: string;
}

export interface FlagAnswerOptions {
  catalog: Catalog;
  actor: Actor;
  receiptId: string;
  reason: string;
  /** Where to POST the notification (http or https); none: `not configured`. */
  webhookUrl?: string;
  /** The fetch to use (default the global one). */
  fetchImpl?: typeof fetch;
  /** How long the webhook may take (default 5 s). */
  timeoutMs?: number;
}

/** Loads a receipt, or throws `receipt_not_found`. */
export async function loadReceipt(catalog: Catalog, receiptId: string): Promise<Receipt> {
  const receipt = (await catalog.answers.getReceipt(receiptId)) as Receipt | undefined;
  if (!receipt)
    throw new NotFoundError('receipt', `receipt ${receiptId} does not exist`, {
      context: { receipt: receiptId },
    });
  return receipt;
}

/**
 * Whether `actor` may read a receipt: the principal that asked, the local administrator, or a
 * principal holding MANAGE on the catalog.
 */
export async function canReadReceipt(catalog: Catalog, actor: Actor, receipt: Receipt): Promise<boolean> {
  if (actor.localAdmin) return true;
  if (receipt.principal === actor.name) return true;
  return catalog.governance.can(actor, 'MANAGE', { type: 'catalog' });
}

/**
 * Flags an answer: checks that `actor` may read its receipt, collects owners and lineage, notifies
 * the webhook, stores the flag and appends an `answer.flag` audit record. Returns the flag.
 */
export async function flagAnswer(o: FlagAnswerOptions): Promise<Flag> {
  const { catalog, actor } = o;
  const reason = o.reason.trim();
  if (reason === '' || o.reason.length > MAX_FLAG_REASON)
    throw new UsageError(`the reason must have 1 to ${MAX_FLAG_REASON} characters`);
  const receipt = await loadReceipt(catalog, o.receiptId);
  if (!(await canReadReceipt(catalog, actor, receipt))) {
    const message = `principal ${actor.name} may not read receipt ${receipt.id} (only the principal that asked, or MANAGE on the catalog)`;
    await catalog.governance.appendAudit({
      actor: actor.name,
      action: 'answer.flag',
      target: `receipt:${receipt.id}`,
      outcome: 'denied',
      detail: { reason: message },
    });
    throw new ForbiddenError(message, { context: { receipt: receipt.id } });
  }
  const { owners, lineage } = await investigation(catalog, receipt);
  const id = `flag_${randomBytes(12).toString('hex')}`;
  const createdAt = new Date().toISOString();
  const notification = await notify(o, {
    type: 'lakekit.answer.flagged',
    flag: id,
    receiptId: receipt.id,
    owners,
    lineage,
    reason,
    flaggedBy: actor.name,
    at: createdAt,
  });
  const flag: Flag = {
    id,
    receiptId: receipt.id,
    principal: actor.name,
    reason,
    owners,
    lineage,
    warnings: receipt.warnings,
    notification,
    createdAt,
  };
  const stored: AnswerFlag = {
    id,
    receiptId: receipt.id,
    principal: actor.name,
    reason,
    createdAt,
    notification,
    detail: { owners, lineage, warnings: receipt.warnings },
  };
  await catalog.answers.saveFlag(stored);
  await catalog.governance.appendAudit({
    actor: actor.name,
    action: 'answer.flag',
    target: `receipt:${receipt.id}`,
    outcome: 'ok',
    detail: { flag: id, reason, owners: owners.map((w) => `${w.type}:${w.name}`), notification },
  });
  return flag;
}

/** The flags of one receipt, newest first, as callers see them. */
export async function listAnswerFlags(catalog: Catalog, receiptId: string): Promise<Flag[]> {
  return (await catalog.answers.listFlags(receiptId)).map(flagOf);
}

/** A stored flag as callers see it. */
export function flagOf(f: AnswerFlag): Flag {
  const detail = (f.detail ?? {}) as Partial<Pick<Flag, 'owners' | 'lineage' | 'warnings'>>;
  return {
    id: f.id,
    receiptId: f.receiptId,
    principal: f.principal,
    reason: f.reason,
    owners: detail.owners ?? [],
    lineage: detail.lineage ?? [],
    warnings: detail.warnings ?? [],
    notification: f.notification ?? 'not configured',
    createdAt: f.createdAt,
  };
}

/** Owners of the receipt's input tables and what to investigate in each. */
async function investigation(
  catalog: Catalog,
  receipt: Receipt,
): Promise<{ owners: FlagOwner[]; lineage: FlagLineage[] }> {
  const owners = new Map<string, FlagOwner>();
  const lineage: FlagLineage[] = [];
  const seen = new Set<string>();
  const runStatus = new Map<string, Promise<string | undefined>>();
  const statusOf = (runId: string) => {
    let s = runStatus.get(runId);
    if (!s) {
      s = catalog.operations.getRun(runId).then(
        (r) => r?.status,
        () => undefined,
      );
      runStatus.set(runId, s);
    }
    return s;
  };
  for (const t of receipt.tables) {
    // A table read twice at the same snapshot (a self-join) is one thing to investigate.
    const key = `${t.table}@${t.snapshotId ?? 'empty'}`;
    if (seen.has(key)) continue;
    seen.add(key);
    const owner = (await catalog.governance.listAnnotations(t.table)).find(
      (a) => a.column === undefined && a.owner,
    )?.owner;
    if (owner) {
      const k = `${owner.type}:${owner.name}`;
      const o = owners.get(k) ?? { type: owner.type, name: owner.name, tables: [] };
      if (!o.tables.includes(t.table)) o.tables.push(t.table);
      owners.set(k, o);
    }
    const runs = await Promise.all(
      t.lineage.runs.map(async (r) => {
        const status = await statusOf(r.runId);
        return { ...r, ...(status ? { status } : {}) };
      }),
    );
    lineage.push({
      table: t.table,
      snapshotId: t.snapshotId,
      ...(t.committedAt ? { committedAt: t.committedAt } : {}),
      ...(owner ? { owner: { type: owner.type, name: owner.name } } : {}),
      upstream: t.lineage.upstream,
      runs,
      quality: t.quality.status,
      failedChecks: t.quality.failedChecks,
    });
  }
  return { owners: [...owners.values()], lineage };
}

/** POSTs the notification; returns `sent`, `failed: <why>` or `not configured`. Never throws. */
async function notify(o: FlagAnswerOptions, body: FlagNotification): Promise<string> {
  if (!o.webhookUrl) return 'not configured';
  let url: URL;
  try {
    url = new URL(o.webhookUrl);
  } catch {
    return 'failed: the webhook URL is not a valid URL';
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:')
    return `failed: the webhook URL must be http or https (got ${url.protocol})`;
  const timeoutMs = o.timeoutMs ?? FLAG_WEBHOOK_TIMEOUT_MS;
  const f = o.fetchImpl ?? fetch;
  try {
    const res = await f(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'user-agent': 'lakekit' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
    // The answer's body is not needed; reading it frees the connection (the timeout still applies).
    await res.arrayBuffer().catch(() => undefined);
    return res.ok ? 'sent' : `failed: the webhook answered HTTP ${res.status}`;
  } catch (e) {
    return `failed: ${whyFailed(e, timeoutMs)}`;
  }
}

function whyFailed(e: unknown, timeoutMs: number): string {
  if (e instanceof Error && (e.name === 'TimeoutError' || e.name === 'AbortError'))
    return `no answer within ${timeoutMs} ms`;
  const cause = e instanceof Error ? (e.cause as { code?: string; message?: string } | undefined) : undefined;
  const text = cause?.code ?? cause?.message ?? (e instanceof Error ? e.message : String(e));
  return text.slice(0, 500);
}
