/**
 * The Lakekit MCP server of one caller, built with the SDK's `McpServer`: six tools (list_datasets,
 * describe_dataset, list_metrics, query_metrics, run_sql, explain_answer) and resources (the
 * semantic model files, the dataset listing). Every failure of a tool, a refusal above all, comes
 * back as a tool result with `isError: true` and the reason as its text, never as a protocol error.
 */
import { basename } from 'node:path';
import { McpServer, ResourceTemplate } from '@modelcontextprotocol/sdk/server/mcp.js';
import * as z from 'zod';
import { errorInfo, type ToolResult, toolError } from './format.js';
import { type LakekitMcpOptions, LakekitTools, MCP_DEFAULT_ROWS, MCP_MAX_ROWS } from './tools.js';

/** The version the server reports. */
export const LAKEKIT_MCP_VERSION = '0.1.0';

const INSTRUCTIONS = `Lakekit answers questions over a governed data lakehouse, as one principal: you see only the datasets, columns and rows it may see (masked columns show masked values).
Start with list_metrics: business questions ("revenue by region last quarter") are best answered by query_metrics, which uses the curated semantic models. Use list_datasets and describe_dataset to learn the tables, and run_sql (one read-only SELECT over ns.table names, DuckDB dialect) for anything the metrics do not cover.
Every answer has a receipt id; explain_answer tells where it came from (snapshots, masks, row filters, data quality). Mention warnings about unhealthy or stale inputs to the user. A refusal ("denied: …") means the principal lacks access: do not try to work around it.`;

/** A running tools server: the SDK server, and a way to wait for tool calls in flight. */
export interface LakekitMcpServer {
  server: McpServer;
  /** Resolves when every tool call started so far has finished. */
  idle(): Promise<void>;
}

function combine(a: AbortSignal | undefined, b: AbortSignal | undefined): AbortSignal | undefined {
  if (!a) return b;
  if (!b) return a;
  return AbortSignal.any([a, b]);
}

/** The file name a model file is served under. */
function resourceName(file: string): string {
  return basename(file);
}

/** Builds the MCP server of one caller (not yet connected to a transport). */
export function buildMcpServer(options: LakekitMcpOptions): LakekitMcpServer {
  const tools = new LakekitTools(options);
  const onError =
    options.onError ??
    ((e: unknown, tool: string) =>
      process.stderr.write(
        `lakekit mcp: ${tool} failed unexpectedly: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`,
      ));
  const running = new Set<Promise<unknown>>();
  const guarded = async (tool: string, f: () => Promise<ToolResult>): Promise<ToolResult> => {
    const p = f().catch((e: unknown) => {
      const info = errorInfo(e);
      if (info.unexpected) onError(e, tool);
      return toolError(info);
    });
    running.add(p);
    try {
      return await p;
    } finally {
      running.delete(p);
    }
  };

  const server = new McpServer(
    { name: 'lakekit', title: 'Lakekit', version: LAKEKIT_MCP_VERSION },
    { instructions: INSTRUCTIONS },
  );
  const readOnly = { readOnlyHint: true, openWorldHint: false } as const;
  const limit = z
    .number()
    .int()
    .min(0)
    .max(MCP_MAX_ROWS)
    .optional()
    .describe(
      `most rows returned (default ${options.defaultLimit ?? MCP_DEFAULT_ROWS}, at most ${MCP_MAX_ROWS})`,
    );

  const requireHealthy = z
    .boolean()
    .optional()
    .describe('refuse to answer when an input failed an error-severity quality check or is stale');

  server.registerTool(
    'list_datasets',
    {
      title: 'List datasets',
      description:
        'The tables (ns.table) this principal may read, with their description, tags and data-quality status (healthy, warning, failing, unknown).',
      annotations: readOnly,
    },
    () => guarded('list_datasets', () => tools.listDatasets()),
  );

  server.registerTool(
    'describe_dataset',
    {
      title: 'Describe a dataset',
      description:
        'One table as this principal sees it: the columns it may read with types, descriptions and tags (masked columns say how they are masked; hidden columns are only counted), the row filter that applies to it, data-quality status with failed checks, and freshness (when the current snapshot was committed).',
      inputSchema: { table: z.string().min(1).max(512).describe('the table, ns.table (from list_datasets)') },
      annotations: readOnly,
    },
    ({ table }) => guarded('describe_dataset', () => tools.describeDataset(table)),
  );

  server.registerTool(
    'list_metrics',
    {
      title: 'List metrics',
      description:
        'The business metrics of the semantic models, with the dimensions each can be broken down by and the business words (synonyms) understood. Empty, with a note, when there are no models.',
      annotations: readOnly,
    },
    () => guarded('list_metrics', () => tools.listMetrics()),
  );

  server.registerTool(
    'query_metrics',
    {
      title: 'Query metrics',
      description:
        'Answers a metric question through the semantic layer, as this principal (its masks and row filters apply): metrics broken down by dimensions, filtered, at a time grain. Business words from list_metrics work in metrics, by, where and order_by; relative periods such as "last quarter" resolve against as_of (default today, UTC). Returns the rows, the receipt id, warnings, and how the request was read.',
      inputSchema: {
        metrics: z.array(z.string().min(1)).min(1).max(50).describe('metric names or business words'),
        by: z
          .array(z.string().min(1))
          .max(20)
          .optional()
          .describe(
            'dimensions: entity.dimension, dimension, or time_dimension.grain (e.g. order_date.quarter)',
          ),
        where: z
          .string()
          .max(10_000)
          .optional()
          .describe(
            'a filter, e.g. "region = \'west\' and order_date in last quarter" (see docs/semantic.md)',
          ),
        grain: z
          .enum(['day', 'week', 'month', 'quarter', 'year'])
          .optional()
          .describe('grain of time dimensions in `by` that name none (default month)'),
        as_of: z
          .string()
          .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date YYYY-MM-DD')
          .optional()
          .describe('the date relative periods resolve against (YYYY-MM-DD; default today, UTC)'),
        order_by: z
          .array(
            z.union([
              z.string().min(1),
              z.object({ field: z.string().min(1), direction: z.enum(['asc', 'desc']).optional() }),
            ]),
          )
          .max(20)
          .optional()
          .describe(
            'orderings: a metric or dimension, "field desc", or a business word such as "top selling"',
          ),
        limit,
        require_healthy: requireHealthy,
      },
      annotations: readOnly,
    },
    (args, extra) =>
      guarded('query_metrics', () => tools.queryMetrics(args, combine(extra.signal, options.signal))),
  );

  server.registerTool(
    'run_sql',
    {
      title: 'Run SQL',
      description:
        "Answers one read-only SELECT (DuckDB dialect) over ns.table names, as this principal: only the columns and rows it may see, masked values where masked. Tables can be read at a snapshot with AT (VERSION => <snapshot-id>). Returns the rows in a fixed order, the receipt id and warnings about the inputs' quality.",
      inputSchema: {
        sql: z.string().min(1).max(100_000).describe('one SELECT over ns.table names'),
        limit,
        require_healthy: requireHealthy,
      },
      annotations: readOnly,
    },
    (args, extra) => guarded('run_sql', () => tools.runSql(args, combine(extra.signal, options.signal))),
  );

  server.registerTool(
    'explain_answer',
    {
      title: 'Explain an answer',
      description:
        'An answer receipt in plain words: the query, the snapshot of every table read, the masks and row filters that applied, data quality and lineage of the inputs. Only receipts of this principal (or any, with MANAGE on the catalog).',
      inputSchema: {
        receipt: z
          .string()
          .regex(/^rcpt_[0-9a-f]{32}$/, 'expected a receipt id (rcpt_ and 32 hex digits)')
          .describe('the receipt id of an answer'),
      },
      annotations: readOnly,
    },
    ({ receipt }) => guarded('explain_answer', () => tools.explainAnswer(receipt)),
  );

  server.registerResource(
    'semantic-models',
    new ResourceTemplate('lakekit://semantic/{file}', {
      list: async () => {
        const model = await options.semantic().catch(() => undefined);
        return {
          resources: (model?.sources ?? []).map((s) => ({
            uri: `lakekit://semantic/${encodeURIComponent(resourceName(s.file))}`,
            name: resourceName(s.file),
            title: `Semantic model ${resourceName(s.file)}`,
            mimeType: 'text/yaml',
          })),
        };
      },
    }),
    {
      title: 'Semantic models',
      description: 'The YAML files defining entities, dimensions, measures, metrics and synonyms',
      mimeType: 'text/yaml',
    },
    async (uri, variables) => {
      const file = decodeURIComponent(String(variables['file'] ?? ''));
      const model = await options.semantic();
      const source = model?.sources.find((s) => resourceName(s.file) === file);
      if (!source) throw new Error(`no semantic model file ${file}`);
      return { contents: [{ uri: uri.href, mimeType: 'text/yaml', text: source.text }] };
    },
  );

  server.registerResource(
    'datasets',
    'lakekit://datasets',
    {
      title: 'Datasets',
      description: 'The datasets this principal may read (as list_datasets answers), JSON',
      mimeType: 'application/json',
    },
    async (uri) => {
      const result = await tools.listDatasets();
      return {
        contents: [
          { uri: uri.href, mimeType: 'application/json', text: JSON.stringify(result.structuredContent) },
        ],
      };
    },
  );

  return {
    server,
    idle: async () => {
      while (running.size > 0) await Promise.allSettled([...running]);
    },
  };
}
