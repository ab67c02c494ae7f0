/**
 * What the MCP tools answer with: text an agent reads (a compact Markdown table, a few lines of
 * facts), the same facts as structured JSON, and errors as tool errors whose text gives the reason.
 */
import { isLakeError } from '@lakekit/core';

/** A tool's answer, as the MCP `tools/call` result. */
export interface ToolResult {
  [key: string]: unknown;
  content: { type: 'text'; text: string }[];
  structuredContent?: Record<string, unknown>;
  isError?: boolean;
}

/** The longest cell the text table shows (the structured rows keep every character). */
const MAX_CELL = 200;

function cell(v: unknown): string {
  let s: string;
  if (v === null || v === undefined) s = 'NULL';
  else if (typeof v === 'string') s = v;
  else if (typeof v === 'bigint') s = v.toString();
  else if (typeof v === 'object') s = JSON.stringify(v);
  else s = String(v);
  if (s.length > MAX_CELL) s = `${s.slice(0, MAX_CELL)}…`;
  return s.replaceAll('\\', '\\\\').replaceAll('|', '\\|').replace(/\r?\n/g, '\\n');
}

/** Rows as a Markdown table (`NULL` for nulls; `|` and line breaks escaped; long cells cut). */
export function textTable(columns: readonly { name: string }[], rows: readonly unknown[][]): string {
  const head = `| ${columns.map((c) => cell(c.name)).join(' | ')} |`;
  const rule = `|${columns.map(() => '---').join('|')}|`;
  return [head, rule, ...rows.map((r) => `| ${r.map(cell).join(' | ')} |`)].join('\n');
}

/** A successful answer: the text, and the structured content. */
export function ok(text: string, structured: Record<string, unknown>): ToolResult {
  return { content: [{ type: 'text', text }], structuredContent: structured };
}

/** How an error is reported to the agent. */
export interface ToolErrorInfo {
  /** The error's code (`forbidden`, `usage`, `unhealthy_input`, `timeout`, `receipt_not_found`, …). */
  code: string;
  /** What kind of refusal it is, in words: `denied`, `invalid`, `unhealthy input`, … */
  kind: string;
  message: string;
  /** Not a refusal but a fault (then the message is generic and the details go to the log). */
  unexpected: boolean;
}

/** Classifies an error thrown by a tool. */
export function errorInfo(e: unknown): ToolErrorInfo {
  if (isLakeError(e)) {
    const code = e.code;
    const kind =
      code === 'forbidden' || code === 'unauthorized'
        ? 'denied'
        : code === 'usage' || code === 'config_invalid' || code === 'data_invalid'
          ? 'invalid'
          : code === 'unhealthy_input'
            ? 'unhealthy input'
            : code === 'timeout'
              ? 'timed out'
              : code === 'cancelled'
                ? 'cancelled'
                : code.endsWith('_not_found')
                  ? 'not found'
                  : code.replaceAll('_', ' ');
    return { code, kind, message: e.message, unexpected: false };
  }
  return { code: 'internal', kind: 'internal error', message: 'see the server log', unexpected: true };
}

/** A tool error (`isError: true`) with the reason as its text. */
export function toolError(info: ToolErrorInfo): ToolResult {
  return {
    content: [{ type: 'text', text: `${info.kind}: ${info.message}` }],
    structuredContent: { error: { code: info.code, kind: info.kind, message: info.message } },
    isError: true,
  };
}
