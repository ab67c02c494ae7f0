/** Prints an error for people (or as JSON) on stderr and returns the exit code it calls for. */
import { isLakeError } from '@lakekit/core';

/** Reports an error; returns 2 for usage/config errors, 1 otherwise. */
export function reportError(e: unknown, json: boolean): number {
  const lake = isLakeError(e) ? e : undefined;
  const code = lake?.code ?? 'internal';
  const message = e instanceof Error ? e.message : String(e);
  const exit = lake?.exitCode ?? 1;
  if (json) {
    const context = lake && Object.keys(lake.context).length > 0 ? { context: lake.context } : {};
    process.stderr.write(
      `${JSON.stringify({ error: { code, message, ...context } }, (_k, v) => (typeof v === 'bigint' ? v.toString() : v))}\n`,
    );
  } else {
    process.stderr.write(`lake: error: ${message}\n`);
    if (!lake && e instanceof Error && process.env['LAKEKIT_DEBUG']) process.stderr.write(`${e.stack}\n`);
  }
  return exit;
}
