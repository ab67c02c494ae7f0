/**
 * Finds and reads the configuration: `--config FILE`, else `lakekit.yaml` / `lakekit.yml` in the
 * working directory, else the defaults. YAML syntax errors name the file, line and column.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, defaultConfig, type LakeConfig, resolveConfig } from '@lakekit/core';
import { isNode, LineCounter, parseDocument } from 'yaml';

/** Where to look for the configuration. */
export interface LoadConfigOptions {
  /** `--config FILE` (relative to `cwd`). */
  configPath?: string;
  cwd: string;
  env: Record<string, string | undefined>;
}

/** The resolved configuration and the absolute path of the file it came from (none: defaults). */
export interface LoadedConfig {
  config: LakeConfig;
  path?: string;
}

const FILE_NAMES = ['lakekit.yaml', 'lakekit.yml'];

/** Loads and resolves the configuration; relative paths resolve against the file's folder. */
export async function loadConfig(opts: LoadConfigOptions): Promise<LoadedConfig> {
  const path =
    opts.configPath !== undefined ? resolve(opts.cwd, opts.configPath) : await findConfig(opts.cwd);
  if (path === undefined) return { config: defaultConfig(opts.cwd) };
  const source = displayName(path, opts.cwd);
  const text = await readConfigText(path, source, opts.configPath !== undefined);
  const { raw, lineOf } = parseYaml(text, source);
  return { config: resolveConfig(raw, { baseDir: dirname(path), env: opts.env, source, lineOf }), path };
}

async function findConfig(cwd: string): Promise<string | undefined> {
  const found: string[] = [];
  for (const name of FILE_NAMES) {
    const path = resolve(cwd, name);
    const isFile = await stat(path).then(
      (s) => s.isFile(),
      () => false,
    );
    if (isFile) found.push(path);
  }
  if (found.length > 1) {
    throw new ConfigError(`both lakekit.yaml and lakekit.yml exist in ${cwd}; keep one`, {
      context: { file: found[0] },
    });
  }
  return found[0];
}

async function readConfigText(path: string, source: string, explicit: boolean): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const problem =
      code === 'ENOENT' && explicit
        ? `config file not found: ${source}`
        : `cannot read config file ${source}`;
    throw new ConfigError(code === 'ENOENT' ? problem : `${problem}: ${(e as Error).message}`, {
      context: { file: source },
      cause: e,
    });
  }
}

/** Parses YAML; the first syntax error becomes `file:line:column: invalid YAML: …`. */
function parseYaml(
  text: string,
  source: string,
): { raw: unknown; lineOf: (path: readonly (string | number)[]) => number | undefined } {
  const lineCounter = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter });
  const err = doc.errors[0];
  if (err) {
    const pos = err.linePos?.[0];
    const where = pos ? `${source}:${pos.line}:${pos.col}` : source;
    const reason = (err.message.split('\n')[0] ?? err.message).replace(/ at line \d+, column \d+:?$/, '');
    throw new ConfigError(`${where}: invalid YAML: ${reason}`, {
      context: { file: source, line: pos?.line, column: pos?.col },
      cause: err,
    });
  }
  const lineOf = (path: readonly (string | number)[]) => {
    // The key's own line, else its value's; a missing key is reported at its deepest parent.
    for (let n = path.length; n > 0; n--) {
      const parent = doc.getIn(path.slice(0, n - 1), true) as { items?: unknown[] } | undefined;
      const last = path[n - 1];
      if (typeof last === 'number') {
        const item = parent?.items?.[last];
        if (isNode(item) && item.range) return lineCounter.linePos(item.range[0]).line;
        continue;
      }
      const pair = (parent?.items as { key?: unknown }[] | undefined)?.find(
        (p) => isNode(p?.key) && String((p.key as { value?: unknown }).value) === last,
      );
      if (pair && isNode(pair.key) && pair.key.range) return lineCounter.linePos(pair.key.range[0]).line;
    }
    return undefined;
  };
  return { raw: doc.toJS(), lineOf };
}

/** The path as the user would write it: relative to cwd when inside it. */
function displayName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
