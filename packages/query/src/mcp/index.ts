/**
 * The MCP server of Lakekit (Model Context Protocol, for AI agents): tools over the governed query
 * layer and the semantic layer, as one principal, on stdio (`lake mcp`) or Streamable HTTP (`/mcp`
 * on `lake serve`). See docs/mcp.md.
 *
 * The MCP SDK is loaded only when one of these is called (it costs ~150 ms to load, which no other
 * command of the CLI should pay).
 */
import type { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import type { LakekitMcpOptions } from './tools.js';
import type { StdioOptions } from './transports.js';

export type { ToolErrorInfo, ToolResult } from './format.js';
export { semanticModelsFrom } from './semantic-source.js';
export type { LakekitMcpOptions, QueryMetricsArgs } from './tools.js';
export { MCP_DEFAULT_ROWS, MCP_MAX_ROWS } from './tools.js';
export type { StdioOptions } from './transports.js';

/** The SDK `McpServer` of one caller, with its tools and resources (connect it to a transport). */
export async function createMcpServer(options: LakekitMcpOptions): Promise<McpServer> {
  const { buildMcpServer } = await import('./server.js');
  return buildMcpServer(options).server;
}

/** Serves MCP on stdio until stdin ends or SIGTERM/SIGINT (see transports.ts). */
export async function serveMcpStdio(options: StdioOptions): Promise<'end' | 'closed' | NodeJS.Signals> {
  const m = await import('./transports.js');
  return m.serveMcpStdio(options);
}

/** Answers one Streamable HTTP request of an authenticated caller (stateless; see transports.ts). */
export async function handleMcpHttp(request: Request, options: LakekitMcpOptions): Promise<Response> {
  const m = await import('./transports.js');
  return m.handleMcpHttp(request, options);
}
