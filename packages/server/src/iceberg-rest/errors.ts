/**
 * Errors of the Iceberg REST routes: `{"error": {"message", "type", "code"}}` with the types and
 * messages of Iceberg's reference catalog (`Table does not exist: ns.t`, …), which clients match on.
 */
import { formatTableIdentifier, isLakeError, stringifyJson, type TableIdentifier } from '@lakekit/core';
import { InvalidUpdateError, RequirementFailedError } from '@lakekit/iceberg';

/** An error answered in the Iceberg error format. */
export class RestError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

export const nsName = (ns: readonly string[]) => ns.join('.');

export const forbidden = (m: string) => new RestError(403, 'ForbiddenException', m);
export const badRequest = (m: string) => new RestError(400, 'BadRequestException', m);
/** What the reference answers for a precondition that does not hold (Java clients rethrow it). */
export const illegalArgument = (m: string) => new RestError(400, 'IllegalArgumentException', m);
export const noSuchNamespace = (ns: readonly string[]) =>
  new RestError(404, 'NoSuchNamespaceException', `Namespace does not exist: ${nsName(ns)}`);
export const noSuchTable = (id: TableIdentifier) =>
  new RestError(404, 'NoSuchTableException', `Table does not exist: ${formatTableIdentifier(id)}`);
export const noSuchView = (id: TableIdentifier) =>
  new RestError(404, 'NoSuchViewException', `View does not exist: ${formatTableIdentifier(id)}`);
export const alreadyExists = (m: string) => new RestError(409, 'AlreadyExistsException', m);

/** The REST answer of an error: status, type, message, and whether it was unexpected (500, logged). */
export function errorOf(e: unknown): { status: number; type: string; message: string; unexpected: boolean } {
  const known = (status: number, type: string, message: string) => ({
    status,
    type,
    message,
    unexpected: false,
  });
  if (e instanceof RestError) return known(e.status, e.type, e.message);
  if (e instanceof RequirementFailedError) return known(409, 'CommitFailedException', e.message);
  if (e instanceof InvalidUpdateError) return known(400, e.type, e.message);
  if (isLakeError(e)) {
    const c = e.code;
    if (c === 'namespace_not_found') return known(404, 'NoSuchNamespaceException', e.message);
    if (c === 'table_not_found') return known(404, 'NoSuchTableException', e.message);
    if (c.endsWith('_already_exists')) return known(409, 'AlreadyExistsException', e.message);
    if (c === 'namespace_not_empty') return known(409, 'NamespaceNotEmptyException', e.message);
    if (c === 'commit_conflict') return known(409, 'CommitFailedException', e.message);
    if (c === 'forbidden') return known(403, 'ForbiddenException', e.message);
    if (c === 'usage' || (c.endsWith('_invalid') && c !== 'metadata_invalid'))
      return known(400, 'BadRequestException', e.message);
  }
  return {
    status: 500,
    type: 'ServerErrorException',
    message: 'internal server error (see the server log)',
    unexpected: true,
  };
}

export function json(body: unknown, status = 200): Response {
  return new Response(stringifyJson(body), { status, headers: { 'content-type': 'application/json' } });
}

/** An Iceberg error answer (e.g. `errorResponse(401, 'NotAuthorizedException', …, { 'www-authenticate': … })`). */
export function errorResponse(
  status: number,
  type: string,
  message: string,
  headers: Record<string, string> = {},
): Response {
  return new Response(stringifyJson({ error: { message, type, code: status } }), {
    status,
    headers: { 'content-type': 'application/json', ...headers },
  });
}
