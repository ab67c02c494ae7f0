/**
 * `lake query "<sql>"`: a governed query (as the local administrator, or `--as <principal>` with
 * that principal's grants, masks and row filters), printed with its receipt; `lake receipt show|verify`
 * and `lake verify consistency` work with receipts.
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { parseDuration, stringifyJsonSafe, UsageError } from '@lakekit/core';
import type { GovernedAnswer, Receipt } from '@lakekit/query';
import { CLI_MAX_ROWS, type CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';
import { governance } from './governance-context.js';

interface QueryOptions {
  limit?: number;
  timeout?: string;
  requireHealthy?: boolean;
  receipt?: string;
}

/** Cancels the query on Ctrl-C (DuckDB is interrupted; nothing is written). */
function interruptSignal(): { signal: AbortSignal; done(): void } {
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.once('SIGINT', onSigint);
  return { signal: controller.signal, done: () => process.off('SIGINT', onSigint) };
}

function summary(r: Receipt): string[] {
  return [
    `receipt ${r.id} · result ${r.result.hash.slice(0, 16)} · ${r.result.rowCount} row(s)${r.result.truncated ? ` (cut at --limit ${r.result.limit})` : ''} · ${r.tables.map((t) => `${t.table}@${t.snapshotId ?? 'empty'}`).join(', ') || 'no tables'}`,
    ...r.warnings.map((w) => `warning: ${w}`),
  ];
}

/** Runs a governed query and prints its rows and receipt. */
export async function queryCommand(ctx: CommandContext, sql: string, opts: QueryOptions): Promise<number> {
  if (opts.limit !== undefined && (!Number.isInteger(opts.limit) || opts.limit < 0))
    throw new UsageError(`--limit ${opts.limit}: expected a whole number ≥ 0`);
  const { actor } = await governance(ctx);
  const engine = await ctx.governedEngine();
  const stop = interruptSignal();
  let answer: GovernedAnswer;
  try {
    answer = await engine.query(actor, sql, {
      limit: opts.limit ?? CLI_MAX_ROWS,
      ...(opts.timeout !== undefined ? { timeoutMs: parseDuration(opts.timeout, '--timeout') } : {}),
      ...(opts.requireHealthy ? { requireHealthy: true } : {}),
      signal: stop.signal,
    });
  } finally {
    stop.done();
  }
  if (opts.receipt !== undefined) writeFileSync(opts.receipt, `${stringifyJsonSafe(answer.receipt, 2)}\n`);
  if (ctx.options.json) {
    printJson({
      columns: answer.columns,
      rows: answer.rows,
      truncated: answer.truncated,
      receipt: answer.receipt,
    });
  } else {
    printTable(
      answer.columns.map((c) => c.name),
      answer.rows,
    );
    for (const line of summary(answer.receipt)) info(line);
  }
  return 0;
}

/** A receipt from a JSON file or, failing that, the catalog by id. */
async function loadReceipt(ctx: CommandContext, ref: string): Promise<Receipt> {
  if (existsSync(ref)) {
    let parsed: unknown;
    try {
      parsed = JSON.parse(readFileSync(ref, 'utf8'));
    } catch (e) {
      throw new UsageError(`${ref}: not a JSON receipt (${(e as Error).message})`, {
        context: { file: ref },
      });
    }
    const r = parsed as Partial<Receipt>;
    if (r.version !== 1 || typeof r.normalizedSql !== 'string' || !Array.isArray(r.tables) || !r.result)
      throw new UsageError(
        `${ref}: not a Lakekit answer receipt (needs version 1, normalizedSql, tables, result)`,
        {
          context: { file: ref },
        },
      );
    return r as Receipt;
  }
  const stored = await (await ctx.catalog()).answers.getReceipt(ref);
  if (!stored) throw new UsageError(`${ref}: no such file, and no receipt with that id in the catalog`);
  return stored as Receipt;
}

/** `lake receipt show <file|id>`: the receipt as JSON, or in plain words with --explain. */
export async function receiptShow(
  ctx: CommandContext,
  ref: string,
  opts: { explain?: boolean },
): Promise<number> {
  const receipt = await loadReceipt(ctx, ref);
  if (opts.explain && !ctx.options.json) {
    const { explainReceipt } = await import('@lakekit/query');
    process.stdout.write(`${explainReceipt(receipt)}\n`);
  } else printJson(receipt);
  return 0;
}

/** `lake receipt verify <file|id>`: reruns the query at the pinned snapshots; exit 1 when the hash differs. */
export async function receiptVerify(ctx: CommandContext, ref: string): Promise<number> {
  const receipt = await loadReceipt(ctx, ref);
  const engine = await ctx.governedEngine();
  const v = await engine.verifyReceipt(receipt);
  if (ctx.options.json) {
    printJson({ receipt: receipt.id, ...v });
  } else if (v.ok) {
    process.stdout.write(
      `receipt ${receipt.id} verified: ${v.rows} row(s), result hash ${v.actual} matches, at ${receipt.tables.map((t) => `${t.table}@${t.snapshotId ?? 'empty'}`).join(', ') || 'no tables'}\n`,
    );
  } else {
    process.stdout.write(
      `receipt ${receipt.id} does NOT verify: expected result hash ${v.expected}, got ${v.actual} (${v.rows} row(s))${v.policiesChanged.length > 0 ? `; the policies of ${receipt.principal} changed since on ${v.policiesChanged.join(', ')}` : ''}\n`,
    );
  }
  return v.ok ? 0 : 1;
}

/** `lake verify consistency --runs N "<sql>"`: asks N times; exit 1 unless every answer was identical. */
export async function verifyConsistency(
  ctx: CommandContext,
  sql: string,
  opts: { runs?: string },
): Promise<number> {
  const runs = opts.runs === undefined ? 20 : Number(opts.runs);
  if (!Number.isInteger(runs) || runs < 1)
    throw new UsageError(`--runs ${opts.runs}: expected a whole number ≥ 1`);
  const { actor } = await governance(ctx);
  const engine = await ctx.governedEngine();
  const c = await engine.consistency(actor, sql, runs);
  if (ctx.options.json) {
    printJson({
      runs: c.runs,
      identical: c.identical,
      hashes: c.hashes,
      receipt: c.receipt.id,
      evaluation: c.receipt.evaluation,
    });
  } else {
    process.stdout.write(
      c.identical
        ? `consistent: ${c.runs} runs gave identical answers (result hash ${c.hashes[0]!.hash}, ${c.receipt.evaluation} evaluation, receipt ${c.receipt.id})\n`
        : `INCONSISTENT: ${c.runs} runs gave ${c.hashes.length} different answers: ${c.hashes.map((h) => `${h.hash.slice(0, 16)}×${h.count}`).join(', ')}\n`,
    );
  }
  return c.identical ? 0 : 1;
}

/** `lake answer flag <receipt> --reason "…"`: reports a wrong answer; owners are notified (notifications.webhook). */
export async function answerFlag(
  ctx: CommandContext,
  receiptId: string,
  opts: { reason: string },
): Promise<number> {
  const { actor } = await governance(ctx);
  const { flagAnswer } = await import('@lakekit/query');
  const webhookUrl = ctx.config.notifications?.webhook;
  const flag = await flagAnswer({
    catalog: await ctx.catalog(),
    actor,
    receiptId,
    reason: opts.reason,
    ...(webhookUrl ? { webhookUrl } : {}),
  });
  if (ctx.options.json) {
    printJson(flag);
    return 0;
  }
  const lines = [
    `flagged answer ${flag.receiptId} as ${flag.id} (by ${flag.principal}): ${flag.reason}`,
    `owners: ${flag.owners.map((o) => `${o.type} ${o.name} (${o.tables.join(', ')})`).join('; ') || 'none recorded'}`,
    `notification: ${flag.notification}`,
    'to investigate:',
    ...flag.lineage.map(
      (l) =>
        `  ${l.table}@${l.snapshotId ?? 'empty'}: quality ${l.quality}${l.failedChecks.length > 0 ? ` (failed: ${l.failedChecks.map((c) => c.check).join(', ')})` : ''}; from ${l.upstream.join(', ') || 'no recorded source'}; runs ${l.runs.map((r) => r.runId).join(', ') || 'none recorded'}`,
    ),
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  return 0;
}

/** `lake answer flags [receipt]`: flags raised on answers, newest first. */
export async function answerFlags(ctx: CommandContext, receiptId: string | undefined): Promise<number> {
  const flags = await (await ctx.catalog()).answers.listFlags(receiptId);
  if (ctx.options.json) printJson({ flags });
  else
    printTable(
      ['id', 'receipt', 'by', 'created', 'notification', 'reason'],
      flags.map((f) => [f.id, f.receiptId, f.principal, f.createdAt, f.notification ?? '', f.reason]),
    );
  return 0;
}
