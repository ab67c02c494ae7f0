/**
 * The MCP SDK's own client, for tests: connect over Streamable HTTP with a bearer token, or over
 * stdio to a spawned `lake mcp`; call tools and read what they answered.
 *
 * The test workers run with `--conditions source` (vitest.config.ts resolves workspace packages
 * to their TypeScript sources), and Node then also resolves third-party packages that publish a
 * `source` export to their TypeScript: eventsource-parser (imported by the SDK's HTTP client) does.
 * A resolve hook drops that condition for imports made from inside node_modules before the SDK is
 * loaded.
 */
import { register } from 'node:module';

const HOOK = `export async function resolve(specifier, context, next) {
  if (context.parentURL && context.parentURL.includes('/node_modules/') && context.conditions.includes('source'))
    return next(specifier, { ...context, conditions: context.conditions.filter((c) => c !== 'source') });
  return next(specifier, context);
}`;
register(`data:text/javascript,${encodeURIComponent(HOOK)}`);

const { Client } = await import('@modelcontextprotocol/sdk/client/index.js');
const { StreamableHTTPClientTransport } = await import('@modelcontextprotocol/sdk/client/streamableHttp.js');
const { StdioClientTransport } = await import('@modelcontextprotocol/sdk/client/stdio.js');

export type McpClient = InstanceType<typeof Client>;
export { Client, StdioClientTransport };

/** What a tool answered (the parts the tests look at). */
export interface ToolAnswer {
  isError: boolean;
  text: string;
  structured: Record<string, unknown> | undefined;
}

/** A client connected to `<url>/mcp` with `token` (throws when the server refuses). */
export async function httpClient(url: string, token: string): Promise<McpClient> {
  const client = new Client({ name: 'lakekit-tests', version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL('/mcp', url), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** Calls a tool and returns its text and structured content. */
export async function callTool(
  client: McpClient,
  name: string,
  args: Record<string, unknown> = {},
): Promise<ToolAnswer> {
  const r = await client.callTool({ name, arguments: args });
  const content = (r.content ?? []) as { type: string; text?: string }[];
  return {
    isError: r.isError === true,
    text: content
      .filter((c) => c.type === 'text')
      .map((c) => c.text ?? '')
      .join('\n'),
    structured: r.structuredContent as Record<string, unknown> | undefined,
  };
}

/** The six tools every Lakekit MCP server offers. */
export const TOOLS = [
  'describe_dataset',
  'explain_answer',
  'list_datasets',
  'list_metrics',
  'query_metrics',
  'run_sql',
];
