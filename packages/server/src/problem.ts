/**
 * Errors as RFC 9457 problem details (`application/problem+json`): a LakeError's `code` decides the
 * HTTP status, its message is the `detail` and its context is spread in. Anything that is not a
 * LakeError is a 500 whose detail says nothing about the server's insides.
 */
import { isLakeError, LakeError } from '@lakekit/core';

/** The problem+json body. */
export interface ProblemBody {
  type: string;
  title: string;
  status: number;
  detail: string;
  code: string;
  [key: string]: unknown;
}

/** An error raised by the HTTP layer itself (bad JSON, wrong content type, body too large, …). */
export class HttpError extends LakeError {
  constructor(
    readonly status: number,
    code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(code, message);
  }
}

const TITLES: Record<number, string> = {
  400: 'Bad Request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not Found',
  405: 'Method Not Allowed',
  406: 'Not Acceptable',
  408: 'Request Timeout',
  409: 'Conflict',
  413: 'Content Too Large',
  415: 'Unsupported Media Type',
  499: 'Client Closed Request',
  500: 'Internal Server Error',
  503: 'Service Unavailable',
};

/** The HTTP status of a LakeError code. */
export function statusOf(code: string): number {
  if (code.endsWith('_not_found')) return 404;
  if (code.endsWith('_already_exists')) return 409;
  if (code === 'forbidden') return 403;
  if (code === 'unauthorized') return 401;
  if (code === 'commit_conflict' || code.endsWith('_conflict')) return 409;
  // A governed query refused because an input failed an error check or is stale (require healthy).
  if (code === 'unhealthy_input') return 409;
  // QueryCancelledError: past its time limit, or cancelled because the client went away.
  if (code === 'timeout') return 408;
  if (code === 'cancelled') return 499;
  if (
    code === 'usage' ||
    code === 'config_invalid' ||
    code === 'invalid_request' ||
    code === 'data_invalid'
  ) {
    return 400;
  }
  // metadata_invalid is a damaged table, not a bad request.
  if (code.endsWith('_invalid') && code !== 'metadata_invalid') return 400;
  return 500;
}

/** A problem body from fields. */
export function problem(
  status: number,
  code: string,
  detail: string,
  extra: Record<string, unknown> = {},
): ProblemBody {
  return {
    type: `urn:lakekit:problem:${code}`,
    title: TITLES[status] ?? 'Error',
    status,
    detail,
    code,
    ...extra,
  };
}

/** The problem body for any thrown value, and whether it was unexpected (to be logged in full). */
export function problemOf(e: unknown): { body: ProblemBody; unexpected: boolean } {
  if (e instanceof HttpError)
    return { body: problem(e.status, e.code, e.message, e.extra), unexpected: false };
  if (isLakeError(e)) {
    const status = statusOf(e.code);
    const context: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(e.context)) {
      if (v !== undefined && !['type', 'title', 'status', 'detail', 'code'].includes(k)) {
        context[k] = typeof v === 'bigint' ? v.toString() : v;
      }
    }
    if (status === 500) {
      return {
        body: problem(500, e.code, e.message, { ...context, retryable: e.retryable }),
        unexpected: true,
      };
    }
    return { body: problem(status, e.code, e.message, context), unexpected: false };
  }
  return { body: problem(500, 'internal', 'internal server error (see the server log)'), unexpected: true };
}

/** A problem+json Response. */
export function problemResponse(body: ProblemBody, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status: body.status,
    headers: { 'content-type': 'application/problem+json', ...headers },
  });
}
