/**
 * `lake audit` lists the catalog's audit log (append-only, hash-chained) with filters, as a table,
 * JSON or JSON lines; `lake audit verify` recomputes the chain and exits 1 naming every record that
 * was edited or deleted.
 */
import type { AuditOutcome } from '@lakekit/catalog';
import { stringifyJsonSafe, UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { governance, wholeNumber } from './governance-context.js';

/** A time option: an ISO-8601 time, or an age like `7d` / `12h` / `30m` before now. */
function timeOption(value: string | undefined, option: string): string | undefined {
  if (value === undefined) return undefined;
  const age = /^(\d+)([mhd])$/.exec(value);
  if (age) {
    const ms = Number(age[1]) * { m: 60_000, h: 3_600_000, d: 86_400_000 }[age[2] as 'm' | 'h' | 'd'];
    return new Date(Date.now() - ms).toISOString();
  }
  const t = Date.parse(value);
  if (Number.isNaN(t))
    throw new UsageError(`${option} ${value}: expected an ISO-8601 time or an age (30m, 12h, 7d)`);
  return new Date(t).toISOString();
}

/** `lake audit [--actor a] [--action x] [--target prefix] [--outcome o] [--since t] [--until t] [--limit n] [--jsonl]` */
export async function auditList(
  ctx: CommandContext,
  opts: {
    actor?: string;
    action?: string;
    target?: string;
    outcome?: string;
    since?: string;
    until?: string;
    limit?: string;
    jsonl?: boolean;
  },
): Promise<number> {
  const outcomes: AuditOutcome[] = ['ok', 'denied', 'error'];
  if (opts.outcome !== undefined && !outcomes.includes(opts.outcome as AuditOutcome)) {
    throw new UsageError(`--outcome ${opts.outcome}: expected one of ${outcomes.join(', ')}`);
  }
  const limit = wholeNumber(opts.limit, '--limit', 1);
  const since = timeOption(opts.since, '--since');
  const until = timeOption(opts.until, '--until');
  const { gov } = await governance(ctx);
  const records = await gov.listAudit({
    ...(opts.actor !== undefined ? { actor: opts.actor } : {}),
    ...(opts.action !== undefined ? { action: opts.action } : {}),
    ...(opts.target !== undefined ? { target: opts.target } : {}),
    ...(opts.outcome !== undefined ? { outcome: opts.outcome as AuditOutcome } : {}),
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
    ...(limit !== undefined ? { limit } : {}),
  });
  if (opts.jsonl) for (const r of records) process.stdout.write(`${stringifyJsonSafe(r)}\n`);
  else if (ctx.options.json) printJson({ records });
  else
    printTable(
      ['seq', 'time', 'actor', 'action', 'target', 'outcome', 'detail'],
      records.map((r) => [
        r.seq,
        r.time,
        r.actor,
        r.action,
        r.target,
        r.outcome,
        r.detail === undefined ? '' : stringifyJsonSafe(r.detail).slice(0, 100),
      ]),
    );
  return 0;
}

/** `lake audit verify`: exit 0 when the chain is intact, 1 naming the broken records otherwise. */
export async function auditVerify(ctx: CommandContext): Promise<number> {
  const { gov } = await governance(ctx);
  const v = await gov.verifyAudit();
  const ok = v.problems.length === 0;
  if (ctx.options.json) printJson({ ok, ...v });
  else if (ok) info(`audit log intact: ${v.records} records, last seq ${v.lastSeq}`);
  else {
    printTable(
      ['seq', 'problem', 'message'],
      v.problems.map((p) => [p.seq, p.problem, p.message]),
    );
    info(
      `audit log BROKEN: ${v.problems.length} problems in ${v.records} records (seqs ${[...new Set(v.problems.map((p) => p.seq))].join(', ')})`,
    );
  }
  return ok ? 0 : 1;
}
