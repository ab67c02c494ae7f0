/**
 * Answer receipts and flags kept in the catalog database. A receipt is stored as JSON with the
 * snapshots it names, each kept from expiry (`protectedSnapshots`) until the receipt's retention ends.
 * A flag is a consumer's report that an answer looks wrong, with what was done about it.
 */

import { parseJson, stringifyJson } from '@lakekit/core';
import type { Knex } from 'knex';
import { appendAuditRecord } from './governance/audit.js';
import type { AuditEntry } from './governance/types.js';

/** What the store needs of a receipt. */
export interface StoredReceipt {
  id: string;
  createdAt: string;
  principal: string;
  sqlHash: string;
  result: { hash: string };
  tables: { table: string; snapshotId: string | null }[];
}

/** A flag raised on an answer. */
export interface AnswerFlag {
  id: string;
  receiptId: string;
  principal: string;
  reason: string;
  createdAt: string;
  /** What happened to the owners' notification (`sent`, `failed: …`, `not configured`). */
  notification?: string;
  /** Owners notified, lineage to investigate, the receipt's warnings. */
  detail: unknown;
}

/** Receipts and flags of one catalog. */
export class AnswersStore {
  constructor(
    private readonly knex: Knex,
    private readonly catalogName: string,
  ) {}

  /**
   * Stores a receipt and the snapshots it protects until `retainUntil` (ISO time), and appends
   * `audit` (the answer's audit record) in the same transaction.
   */
  async saveReceipt(receipt: StoredReceipt, retainUntil: string, audit?: AuditEntry): Promise<void> {
    await this.knex.transaction(async (trx) => {
      // The audit head first: the transaction takes the write lock before anything else.
      if (audit) await appendAuditRecord(trx, this.catalogName, audit);
      await trx('lakekit_receipts').insert({
        catalog_name: this.catalogName,
        id: receipt.id,
        created_at: receipt.createdAt,
        principal: receipt.principal,
        sql_hash: receipt.sqlHash,
        result_hash: receipt.result.hash,
        retain_until: retainUntil,
        body: stringifyJson(receipt),
      });
      const pinned = new Map<string, { table: string; snapshotId: string }>();
      for (const t of receipt.tables) {
        if (t.snapshotId !== null)
          pinned.set(`${t.table}@${t.snapshotId}`, { table: t.table, snapshotId: t.snapshotId });
      }
      if (pinned.size > 0) {
        await trx('lakekit_receipt_snapshots').insert(
          [...pinned.values()].map((p) => ({
            catalog_name: this.catalogName,
            receipt_id: receipt.id,
            table_name: p.table,
            snapshot_id: p.snapshotId,
            retain_until: retainUntil,
          })),
        );
      }
    });
  }

  /** A stored receipt (as saved), or undefined. */
  async getReceipt(id: string): Promise<unknown> {
    const row = await this.knex('lakekit_receipts').where({ catalog_name: this.catalogName, id }).first();
    return row ? parseJson(String(row.body)) : undefined;
  }

  /** Snapshot ids of `table` named by receipts still within their retention at `now`. */
  async protectedSnapshots(table: string, now = new Date().toISOString()): Promise<Set<bigint>> {
    const rows = await this.knex('lakekit_receipt_snapshots')
      .distinct('snapshot_id')
      .where({ catalog_name: this.catalogName, table_name: table })
      .andWhere('retain_until', '>', now);
    return new Set(rows.map((r) => BigInt(String(r.snapshot_id))));
  }

  /** Forgets receipts whose retention ended before `now`; returns how many. */
  async pruneReceipts(now = new Date().toISOString()): Promise<number> {
    return this.knex.transaction(async (trx) => {
      await trx('lakekit_receipt_snapshots')
        .where({ catalog_name: this.catalogName })
        .andWhere('retain_until', '<=', now)
        .delete();
      const n = await trx('lakekit_receipts')
        .where({ catalog_name: this.catalogName })
        .andWhere('retain_until', '<=', now)
        .delete();
      return Number(n);
    });
  }

  async saveFlag(flag: AnswerFlag): Promise<void> {
    await this.knex('lakekit_answer_flags').insert({
      catalog_name: this.catalogName,
      id: flag.id,
      receipt_id: flag.receiptId,
      principal: flag.principal,
      reason: flag.reason,
      created_at: flag.createdAt,
      notification: flag.notification ?? null,
      body: stringifyJson(flag.detail ?? null),
    });
  }

  /** Flags, newest first (of one receipt when given). */
  async listFlags(receiptId?: string): Promise<AnswerFlag[]> {
    const q = this.knex('lakekit_answer_flags').where({ catalog_name: this.catalogName });
    if (receiptId !== undefined) q.andWhere({ receipt_id: receiptId });
    const rows = await q.orderBy([
      { column: 'created_at', order: 'desc' },
      { column: 'id', order: 'desc' },
    ]);
    return rows.map((r) => ({
      id: String(r.id),
      receiptId: String(r.receipt_id),
      principal: String(r.principal),
      reason: String(r.reason),
      createdAt: String(r.created_at),
      ...(r.notification !== null && r.notification !== undefined
        ? { notification: String(r.notification) }
        : {}),
      detail: parseJson(String(r.body)),
    }));
  }
}
