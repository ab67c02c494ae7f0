/**
 * The Lakekit MCP server on its two transports: stdio (`lake mcp`, one caller for the life of the
 * process) and Streamable HTTP (`/mcp` on `lake serve`), stateless: every POST is authenticated on
 * its own by the server and answered by a fresh server of that caller, with a JSON body.
 */
import type { Readable, Writable } from 'node:stream';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import type { Transport } from '@modelcontextprotocol/sdk/shared/transport.js';
import { buildMcpServer } from './server.js';
import type { LakekitMcpOptions } from './tools.js';

/** How `serveMcpStdio` runs. */
export interface StdioOptions extends LakekitMcpOptions {
  stdin?: Readable;
  stdout?: Writable;
  /** Stop on SIGTERM and SIGINT too (default true). */
  handleSignals?: boolean;
}

/**
 * Serves MCP on stdin/stdout until stdin ends, the transport closes, or SIGTERM/SIGINT arrives; then
 * lets tool calls in flight finish (their answers are still written) and closes. Resolves with what
 * ended it.
 */
export async function serveMcpStdio(options: StdioOptions): Promise<'end' | 'closed' | NodeJS.Signals> {
  const stdin = options.stdin ?? process.stdin;
  const stdout = options.stdout ?? process.stdout;
  const { server, idle } = buildMcpServer(options);
  const transport = new StdioServerTransport(stdin, stdout);
  let finish!: (why: 'end' | 'closed' | NodeJS.Signals) => void;
  const ended = new Promise<'end' | 'closed' | NodeJS.Signals>((resolve) => {
    finish = resolve;
  });
  const onEnd = () => finish('end');
  const onTerm = () => finish('SIGTERM');
  const onInt = () => finish('SIGINT');
  // stdout gone (the client died): nothing more can be answered.
  let broken!: () => void;
  const gone = new Promise<void>((resolve) => {
    broken = resolve;
  });
  const onBroken = () => {
    broken();
    finish('closed');
  };
  stdout.on('error', onBroken);
  stdout.once('close', onBroken);
  stdin.once('end', onEnd);
  stdin.once('close', onEnd);
  if (options.handleSignals ?? true) {
    process.once('SIGTERM', onTerm);
    process.once('SIGINT', onInt);
  }
  transport.onclose = () => finish('closed');
  await server.connect(transport);
  const answered = trackRequests(transport);
  const why = await ended;
  stdin.off('end', onEnd);
  stdin.off('close', onEnd);
  process.off('SIGTERM', onTerm);
  process.off('SIGINT', onInt);
  // Every request read before the end gets its answer (the client may still be reading).
  await Promise.race([answered(), gone]);
  await idle();
  await server.close().catch(() => undefined);
  stdout.off('close', onBroken);
  // Writes may still fail after this (a late EPIPE): they are ignored.
  // Nothing more is read: let the process exit even when stdin is still open (a signal ended it).
  stdin.pause();
  if ('unref' in stdin && typeof stdin.unref === 'function') stdin.unref();
  return why;
}

/**
 * Counts the requests a connected transport delivered and the answers sent back; the function it
 * returns resolves once every request delivered so far has been answered.
 */
function trackRequests(transport: Transport): () => Promise<void> {
  const pending = new Set<string | number>();
  let wake: (() => void) | undefined;
  const deliver = transport.onmessage;
  transport.onmessage = (message, extra) => {
    if ('method' in message && 'id' in message) pending.add(message.id);
    deliver?.(message, extra);
  };
  const send = transport.send.bind(transport);
  transport.send = async (message, options) => {
    try {
      await send(message, options);
    } finally {
      if (!('method' in message) && 'id' in message && message.id !== undefined && pending.delete(message.id))
        wake?.();
    }
  };
  return async () => {
    while (pending.size > 0) await new Promise<void>((resolve) => (wake = resolve));
  };
}

function jsonRpcError(status: number, message: string, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify({ jsonrpc: '2.0', error: { code: -32000, message }, id: null }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}

/**
 * Answers one Streamable HTTP request for an authenticated caller (stateless: no session, no
 * server-initiated stream, so GET and DELETE are 405). The response is complete when it resolves:
 * every tool call of the request has finished.
 */
export async function handleMcpHttp(request: Request, options: LakekitMcpOptions): Promise<Response> {
  if (request.method !== 'POST')
    return jsonRpcError(
      405,
      'Method not allowed: this MCP endpoint is stateless; send JSON-RPC messages with POST',
      { allow: 'POST' },
    );
  const { server, idle } = buildMcpServer({ ...options, signal: options.signal ?? request.signal });
  const transport = new WebStandardStreamableHTTPServerTransport({
    sessionIdGenerator: undefined,
    enableJsonResponse: true,
  });
  await server.connect(transport);
  try {
    return await transport.handleRequest(request);
  } finally {
    await idle();
    await server.close().catch(() => undefined);
  }
}
