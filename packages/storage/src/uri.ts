/**
 * Location strings. Iceberg stores locations verbatim and other engines (PyIceberg, Spark) do not
 * percent-decode them, so neither do we: `file://` + the absolute path, as is.
 */
import { resolve } from 'node:path';
import { ConfigError } from '@lakekit/core';

const SCHEME = /^([a-zA-Z][a-zA-Z0-9+.-]+):/;

/** The lower-case URI scheme of a location, or undefined for a plain path (`C:` is not a scheme). */
export function uriScheme(location: string): string | undefined {
  return SCHEME.exec(location)?.[1]?.toLowerCase();
}

/** Turns a plain path into a `file:///abs` URI; URIs are returned unchanged. */
export function toUri(pathOrUri: string): string {
  if (uriScheme(pathOrUri) !== undefined) return pathOrUri;
  return `file://${resolve(pathOrUri)}`;
}

/** Joins a base location and path parts with exactly one `/` between them (empty parts are skipped). */
export function joinUri(base: string, ...parts: string[]): string {
  let out = base.replace(/\/+$/, '');
  for (const part of parts) {
    const p = part.replace(/^\/+|\/+$/g, '');
    if (p !== '') out = `${out}/${p}`;
  }
  return out;
}

/** The local path of a `file:` URI (`file:///a`, `file:/a`, `file://localhost/a`) or plain path. */
export function fileUriToPath(location: string): string {
  const scheme = uriScheme(location);
  if (scheme === undefined) return resolve(location);
  if (scheme !== 'file') {
    throw new ConfigError(`not a local file location: ${location}`, { context: { location } });
  }
  const rest = location.slice('file:'.length);
  if (rest.startsWith('///')) return resolve(rest.slice(2));
  if (rest.startsWith('//localhost/')) return resolve(rest.slice('//localhost'.length));
  if (rest.startsWith('/') && !rest.startsWith('//')) return resolve(rest);
  throw new ConfigError(`file URI must name an absolute local path (file:///…): ${location}`, {
    context: { location },
  });
}
