/**
 * `lake serve [--port 8181] [--host 127.0.0.1]`: the governance HTTP API of the configured catalog.
 * On the first start it bootstraps the `admin` principal and prints its token once (stderr), also
 * writing it to `<config dir>/.lakekit/admin-token` (mode 0600). Runs until SIGINT or SIGTERM, then
 * stops accepting connections, lets in-flight requests finish and returns 0 (the caller closes the
 * catalog). Request logs are JSON lines on stderr at LAKEKIT_LOG_LEVEL (default info).
 */
import { chmod, mkdir, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { UsageError } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson } from '../output.js';

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

function parsePort(text: string): number {
  const port = Number(text);
  if (!/^\d+$/.test(text) || port > 65535) {
    throw new UsageError(`--port ${text}: expected a port number 0-65535 (0 picks a free one)`);
  }
  return port;
}

/** A pino logger on stderr (JSON lines). */
function serverLogger() {
  const level = process.env['LAKEKIT_LOG_LEVEL'] ?? 'info';
  if (!LEVELS.includes(level)) {
    throw new UsageError(`unknown log level ${level} (one of ${LEVELS.join(', ')})`);
  }
  const { pino } = createRequire(import.meta.url)('pino') as typeof import('pino');
  return pino({ level, base: { pid: process.pid } }, pino.destination(2));
}

/** Writes the bootstrap token where only the owner can read it; returns the path. */
async function saveAdminToken(ctx: CommandContext, token: string): Promise<string> {
  const dir = join(ctx.config.origin?.baseDir ?? process.cwd(), '.lakekit');
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'admin-token');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  // An existing file keeps its old mode through writeFile.
  await chmod(path, 0o600);
  return path;
}

/**
 * `lake init`: opens (creating or migrating) the configured catalog and bootstraps `admin`, as the
 * first `lake serve` would; a token is issued only when `admin` has no live one.
 */
export async function initCommand(ctx: CommandContext): Promise<number> {
  const catalog = await ctx.catalog();
  const boot = await catalog.governance.bootstrap();
  const tokenFile = boot.token ? await saveAdminToken(ctx, boot.token.token) : undefined;
  if (boot.token) {
    info(`principal admin (MANAGE on the catalog); its token, shown once, also saved to ${tokenFile}:`);
    info(`  ${boot.token.token}`);
  }
  if (ctx.options.json) {
    printJson({
      catalog: catalog.name,
      admin: boot.created ? 'created' : 'exists',
      ...(tokenFile ? { tokenFile } : {}),
    });
  } else {
    process.stdout.write(
      `catalog ${catalog.name} ready; admin ${boot.created ? 'created' : 'already there'}${tokenFile ? `, token in ${tokenFile}` : ' (it has a live token: no new one issued)'}\n`,
    );
  }
  return 0;
}

/** `lake serve` */
export async function serveCommand(
  ctx: CommandContext,
  opts: { port?: string; host?: string },
): Promise<number> {
  const port = parsePort(opts.port ?? '8181');
  const host = opts.host ?? '127.0.0.1';
  const log = serverLogger();
  const [catalog, { createServer }, { semanticModelsFrom }] = await Promise.all([
    ctx.catalog(),
    import('@lakekit/server'),
    import('@lakekit/query'),
  ]);
  const boot = await catalog.governance.bootstrap();
  if (boot.token) {
    const path = await saveAdminToken(ctx, boot.token.token);
    info(`created principal admin (MANAGE on the catalog); its token, shown once, also saved to ${path}:`);
    info(`  ${boot.token.token}`);
  }
  // Governed queries use their own locked DuckDB instances, set up from `query:` (opened by the
  // server on the first query, closed with it); flags on answers go to `notifications.webhook`.
  const webhookUrl = ctx.config.notifications?.webhook;
  const handle = await createServer({
    catalog,
    log,
    query: { engineOptions: ctx.config.query ?? {}, ...(webhookUrl ? { webhookUrl } : {}) },
    // The MCP endpoint's metrics: semantic/*.yaml next to the configuration, reloaded when edited.
    semantic: semanticModelsFrom(ctx.semanticDir(), catalog),
  })
    .listen({ port, host })
    .catch((e: NodeJS.ErrnoException) => {
      if (e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL') {
        throw new UsageError(`cannot listen on ${host}:${port} (${e.code}): choose another --port or --host`);
      }
      throw e;
    });
  info(
    `lake serve: listening on ${handle.url} (catalog ${catalog.name}); OpenAPI at ${handle.url}/api/openapi.json; MCP at ${handle.url}/mcp`,
  );
  const signal = await new Promise<string>((resolve) => {
    const on = (s: string) => () => {
      process.off('SIGINT', onInt);
      process.off('SIGTERM', onTerm);
      resolve(s);
    };
    const onInt = on('SIGINT');
    const onTerm = on('SIGTERM');
    process.once('SIGINT', onInt);
    process.once('SIGTERM', onTerm);
  });
  info(`lake serve: ${signal}, finishing in-flight requests`);
  await handle.close();
  log.flush();
  info('lake serve: stopped');
  return 0;
}
