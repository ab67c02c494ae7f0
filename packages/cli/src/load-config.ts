/**
 * Finds and reads the configuration: `--config FILE`, else `lakekit.yaml` / `lakekit.yml` in the
 * working directory, else the defaults. YAML syntax errors name the file, line and column.
 */
import { readFile, stat } from 'node:fs/promises';
import { dirname, isAbsolute, relative, resolve } from 'node:path';
import { ConfigError, defaultConfig, type LakeConfig, parseYamlSource, resolveConfig } from '@lakekit/core';

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
  const { raw, lineOf } = parseYamlSource(text, source);
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

/** The path as the user would write it: relative to cwd when inside it. */
function displayName(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel !== '' && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}
