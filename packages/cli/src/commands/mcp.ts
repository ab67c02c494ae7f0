/**
 * `lake mcp`: the Model Context Protocol on stdio, for an AI agent that starts Lakekit as a local
 * process. It acts as one principal: `--as <principal>` (whoever can open the catalog is its local
 * administrator and may act as anyone, as with the other commands), or the principal of the Lakekit
 * token in `LAKEKIT_TOKEN` (or the variable `--token-env` names). Without either it refuses (exit 2).
 *
 * stdout carries nothing but protocol messages; messages for people go to stderr. It stops when
 * stdin ends (the agent went away) or on SIGTERM/SIGINT, after the tool calls in flight.
 */
import type { Actor } from '@lakekit/catalog';
import { UnauthorizedError, UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info } from '../output.js';
import { governance } from './governance-context.js';

const DEFAULT_TOKEN_ENV = 'LAKEKIT_TOKEN';

/** The token was refused: a usage error of the command (exit 2), as a missing one is. */
class TokenRefusedError extends UnauthorizedError {
  override readonly exitCode = 2;
}

const HOW =
  'run it as a principal: --as <principal> (local use: whoever can open the catalog may act as anyone), ' +
  `or a Lakekit token of the principal in ${DEFAULT_TOKEN_ENV} (or in the variable named by --token-env <variable>)`;

/** Who the agent acts as. */
async function actorOf(ctx: CommandContext, opts: { tokenEnv?: string }): Promise<Actor> {
  const as = (ctx.options as { as?: string }).as;
  if (as !== undefined) {
    if (opts.tokenEnv !== undefined)
      throw new UsageError('lake mcp: give either --as <principal> or --token-env <variable>, not both');
    return (await governance(ctx)).actor;
  }
  const variable = opts.tokenEnv ?? DEFAULT_TOKEN_ENV;
  if (!/^[A-Za-z_][A-Za-z0-9_]*$/.test(variable))
    throw new UsageError(`--token-env ${variable}: expected the name of an environment variable`);
  const token = process.env[variable]?.trim();
  if (!token)
    throw new UsageError(
      `lake mcp: no principal to act as (${variable} is ${process.env[variable] === undefined ? 'not set' : 'empty'}): ${HOW}`,
    );
  const result = await (await ctx.catalog()).governance.authenticate(token);
  if (!result.ok)
    throw new TokenRefusedError(
      `lake mcp: the token in ${variable} was refused (${result.reason === 'unknown' ? 'unknown token' : result.reason}): ${HOW}`,
      { context: { reason: result.reason } },
    );
  return { name: result.principal.name };
}

/** `lake mcp [--token-env <variable>]` (with the global `--as <principal>`). */
export async function mcpCommand(ctx: CommandContext, opts: { tokenEnv?: string } = {}): Promise<number> {
  // Whatever prints with console.log from here on must not corrupt the protocol on stdout.
  console.log = console.error;
  console.info = console.error;
  console.debug = console.error;
  const actor = await actorOf(ctx, opts);
  const catalog = await ctx.catalog();
  const { serveMcpStdio, semanticModelsFrom } = await import('@lakekit/query');
  info(`lake mcp: serving catalog ${catalog.name} on stdio as ${actor.name}`);
  const why = await serveMcpStdio({
    catalog,
    actor,
    engine: () => ctx.governedEngine(),
    semantic: semanticModelsFrom(ctx.semanticDir(), catalog),
    onError: (e, tool) =>
      info(`lake mcp: ${tool} failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`),
  });
  info(`lake mcp: ${why === 'end' || why === 'closed' ? 'the client closed the connection' : why}, stopped`);
  return 0;
}
