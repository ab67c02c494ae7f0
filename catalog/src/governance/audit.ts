/**
 * The audit log: append-only and hash-chained. Each record's hash is sha256 over the previous hash and
 * the canonical JSON of its fields, so an edited, deleted or reordered record breaks the chain; a head
 * row (last seq and hash) is updated in the same transaction as each append and catches truncation.
 * Appends are serialised by locking the head row (PostgreSQL) or by SQLite's single connection.
 */
import { createHash } from 'node:crypto';
import { parseJson } from '@lakekit/core';
import type { Knex } from 'knex';
import type { AuditEntry, AuditFilter, AuditRecord, AuditVerification } from './types.js';

/**
 * JSON with object keys sorted and no whitespace; `bigint` prints as a bare number, `undefined`
 * members are left out (as JSON.stringify does), values with `toJSON` (Date) use it.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (typeof value === 'bigint') return value.toString();
  if (typeof value === 'number') return Number.isFinite(value) ? JSON.stringify(value) : 'null';
  if (typeof value === 'string' || typeof value === 'boolean') return JSON.stringify(value);
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') {
    return canonicalJson((value as { toJSON(): unknown }).toJSON());
  }
  if (Array.isArray(value))
    return `[${value.map((v) => (v === undefined ? 'null' : canonicalJson(v))).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, v]) => v !== undefined && typeof v !== 'function')
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
}

/** The hash of a record: sha256 hex over prevHash and the canonical JSON of its other fields. */
export function auditHash(r: Omit<AuditRecord, 'hash'>): string {
  const body = canonicalJson({
    seq: r.seq,
    time: r.time,
    actor: r.actor,
    action: r.action,
    target: r.target,
    outcome: r.outcome,
    detail: r.detail ?? null,
  });
  return createHash('sha256').update(r.prevHash).update(body).digest('hex');
}

/** Whether a knex instance (or transaction) talks to PostgreSQL. */
export function isPostgres(knex: Knex): boolean {
  const client = (knex.client as { config?: { client?: unknown } }).config?.client;
  return client === 'pg' || client === 'postgres' || client === 'postgresql';
}

/**
 * Locks the chain's head for the rest of `trx` and returns it: `FOR UPDATE` on PostgreSQL; on SQLite
 * the insert takes the database's write lock at once, so a transaction that starts with this never
 * fails later on upgrading a read snapshot another process has moved past.
 */
export async function lockAuditHead(
  trx: Knex.Transaction,
  catalogName: string,
): Promise<{ lastSeq: number; lastHash: string }> {
  await trx('lakekit_audit_head')
    .insert({ catalog_name: catalogName, last_seq: 0, last_hash: '' })
    .onConflict('catalog_name')
    .ignore();
  const query = trx('lakekit_audit_head').where({ catalog_name: catalogName }).first();
  if (isPostgres(trx)) query.forUpdate();
  const head = (await query) as { last_seq: number | string; last_hash: string };
  return { lastSeq: Number(head.last_seq), lastHash: head.last_hash };
}

/** Appends one record inside `trx` (the caller's transaction, so it commits with the change it records). */
export async function appendAuditRecord(
  trx: Knex.Transaction,
  catalogName: string,
  entry: AuditEntry,
  options: { change?: boolean } = {},
): Promise<AuditRecord> {
  const [record] = await appendAuditRecords(trx, catalogName, [entry], options);
  return record!;
}

/**
 * Appends several records inside `trx` in order: one head lock, one insert, one head update (what a
 * batch of concurrent requests costs: a few round trips, not a few per record).
 */
export async function appendAuditRecords(
  trx: Knex.Transaction,
  catalogName: string,
  entries: readonly AuditEntry[],
  options: { change?: boolean } = {},
): Promise<AuditRecord[]> {
  if (entries.length === 0) return [];
  const head = await lockAuditHead(trx, catalogName);
  let prevHash = head.lastHash;
  let seq = head.lastSeq;
  const records: AuditRecord[] = [];
  for (const entry of entries) {
    // Detail is stored as canonical JSON; verification parses it and canonicalises again (idempotent).
    const detail = entry.detail === undefined ? undefined : parseJson(canonicalJson(entry.detail));
    const base = {
      seq: ++seq,
      time: new Date().toISOString(),
      actor: entry.actor,
      action: entry.action,
      target: entry.target,
      outcome: entry.outcome,
      ...(detail !== undefined ? { detail } : {}),
      prevHash,
    };
    const record: AuditRecord = { ...base, hash: auditHash(base) };
    records.push(record);
    prevHash = record.hash;
  }
  // In chunks: SQLite allows a limited number of bound values per statement.
  for (let i = 0; i < records.length; i += 50) {
    await trx('lakekit_audit_log').insert(
      records.slice(i, i + 50).map((r) => ({
        catalog_name: catalogName,
        seq: r.seq,
        time: r.time,
        actor: r.actor,
        action: r.action,
        target: r.target,
        outcome: r.outcome,
        detail: r.detail === undefined ? null : canonicalJson(r.detail),
        prev_hash: r.prevHash,
        hash: r.hash,
      })),
    );
  }
  const last = records[records.length - 1]!;
  await trx('lakekit_audit_head')
    .where({ catalog_name: catalogName })
    .update({
      last_seq: last.seq,
      last_hash: last.hash,
      // A governance change also moves the governance data's version stamp (see snapshot-cache.ts).
      ...(options.change ? { change_seq: last.seq } : {}),
    });
  return records;
}

function toRecord(r: Record<string, unknown>): AuditRecord {
  return {
    seq: Number(r['seq']),
    time: String(r['time']),
    actor: String(r['actor']),
    action: String(r['action']),
    target: String(r['target']),
    outcome: String(r['outcome']) as AuditRecord['outcome'],
    ...(r['detail'] !== null && r['detail'] !== undefined ? { detail: parseJson(String(r['detail'])) } : {}),
    prevHash: String(r['prev_hash']),
    hash: String(r['hash']),
  };
}

/** Records matching `f`, ascending seq. */
export async function listAuditRecords(
  knex: Knex,
  catalogName: string,
  f: AuditFilter = {},
): Promise<AuditRecord[]> {
  const q = knex('lakekit_audit_log').where({ catalog_name: catalogName });
  if (f.actor !== undefined) q.andWhere({ actor: f.actor });
  if (f.action !== undefined) q.andWhere({ action: f.action });
  if (f.outcome !== undefined) q.andWhere({ outcome: f.outcome });
  if (f.target !== undefined) {
    const like = `${f.target.replaceAll('!', '!!').replaceAll('_', '!_').replaceAll('%', '!%')}%`;
    q.andWhereRaw("target LIKE ? ESCAPE '!'", [like]);
  }
  if (f.since !== undefined) q.andWhere('time', '>=', f.since);
  if (f.until !== undefined) q.andWhere('time', '<', f.until);
  if (f.afterSeq !== undefined) q.andWhere('seq', '>', f.afterSeq);
  q.orderBy('seq', 'asc');
  if (f.limit !== undefined) q.limit(f.limit);
  return (await q).map(toRecord);
}

/** Page size of the verification scan (keeps memory flat on long logs). */
const VERIFY_PAGE = 5000;

/**
 * Recomputes every hash in seq order. A record whose hash does not match its content is `edited`; a
 * seq gap or a prev_hash that is not the previous record's hash means records were `deleted` (named
 * by the first missing seq, or by the record whose predecessor is gone); a head that is not the last
 * record is `head_mismatch` (records deleted from the end, or appended around the store).
 */
export async function verifyAuditChain(knex: Knex, catalogName: string): Promise<AuditVerification> {
  const problems: AuditVerification['problems'] = [];
  let records = 0;
  let expectedSeq = 1;
  let prevHash = '';
  let lastSeq = 0;
  for (;;) {
    const page = await listAuditRecords(knex, catalogName, { afterSeq: lastSeq, limit: VERIFY_PAGE });
    for (const r of page) {
      records++;
      if (r.seq !== expectedSeq) {
        const missing = r.seq - expectedSeq;
        problems.push({
          seq: expectedSeq,
          problem: 'deleted',
          message:
            missing === 1
              ? `audit record ${expectedSeq} is missing (deleted)`
              : `audit records ${expectedSeq}..${r.seq - 1} are missing (deleted)`,
        });
      } else if (r.prevHash !== prevHash) {
        problems.push({
          seq: r.seq,
          problem: 'deleted',
          message: `audit record ${r.seq} does not follow record ${r.seq - 1} (prev_hash differs): the record before it was deleted or replaced`,
        });
      }
      if (auditHash(r) !== r.hash) {
        problems.push({
          seq: r.seq,
          problem: 'edited',
          message: `audit record ${r.seq} was edited (its hash does not match its content)`,
        });
      }
      expectedSeq = r.seq + 1;
      prevHash = r.hash;
      lastSeq = r.seq;
    }
    if (page.length < VERIFY_PAGE) break;
  }
  const head = (await knex('lakekit_audit_head').where({ catalog_name: catalogName }).first()) as
    | { last_seq: number | string; last_hash: string }
    | undefined;
  const headSeq = head ? Number(head.last_seq) : 0;
  const headHash = head ? head.last_hash : '';
  if (headSeq !== lastSeq || headHash !== prevHash) {
    problems.push({
      seq: headSeq,
      problem: 'head_mismatch',
      message:
        headSeq > lastSeq
          ? `the audit head is at record ${headSeq} but the log ends at ${lastSeq}: records ${lastSeq + 1}..${headSeq} were deleted`
          : `the audit head (record ${headSeq}) does not match the last record ${lastSeq}`,
    });
  }
  return { records, lastSeq, problems };
}
