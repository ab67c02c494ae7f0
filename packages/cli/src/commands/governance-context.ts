/**
 * Who a governance command acts as, and the store it works on. Without `--as` a command acts as the
 * local administrator (anyone who can open the catalog database is one); `--as <principal>` runs it
 * as that principal, so the store's authorisation applies (to try out what a person may do).
 */
import { type Actor, type GovernanceStore, LOCAL_ADMIN } from '@lakekit/catalog';
import { NotFoundError, UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';

/** The governance store and the acting principal of a command. */
export async function governance(ctx: CommandContext): Promise<{ gov: GovernanceStore; actor: Actor }> {
  const gov = (await ctx.catalog()).governance;
  const as = (ctx.options as { as?: string }).as;
  if (as === undefined) return { gov, actor: LOCAL_ADMIN };
  const principal = await gov.getPrincipal(as);
  if (!principal) {
    throw new NotFoundError('principal', `--as ${as}: no principal named ${as} (see lake principal list)`, {
      context: { principal: as },
    });
  }
  if (principal.disabled) throw new UsageError(`--as ${as}: principal ${as} is disabled`);
  return { gov, actor: { name: principal.name } };
}

/** `key=value` options collected into a record (`--attr region=west --attr team=sales`). */
export function keyValues(pairs: readonly string[] = [], option = '--attr'): Record<string, string> {
  const out: Record<string, string> = {};
  for (const p of pairs) {
    const eq = p.indexOf('=');
    if (eq <= 0) throw new UsageError(`${option} ${p}: expected key=value`);
    out[p.slice(0, eq)] = p.slice(eq + 1);
  }
  return out;
}

/** A whole number option (`--limit 10`), or undefined when absent. */
export function wholeNumber(value: string | undefined, option: string, min = 0): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n < min)
    throw new UsageError(`${option} ${value}: expected a whole number ≥ ${min}`);
  return n;
}

/** A duration like `30d`, `12h`, `15m`, `90s` in seconds. */
export function durationSeconds(value: string | undefined, option: string): number | undefined {
  if (value === undefined) return undefined;
  const m = /^(\d+)([smhd])$/.exec(value);
  if (!m) throw new UsageError(`${option} ${value}: expected a duration such as 90s, 15m, 12h or 30d`);
  return Number(m[1]) * { s: 1, m: 60, h: 3600, d: 86400 }[m[2] as 's' | 'm' | 'h' | 'd'];
}
