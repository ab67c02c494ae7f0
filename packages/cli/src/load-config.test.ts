// biome-ignore-all lint/suspicious/noTemplateCurlyInString: ${VAR} is the configuration syntax under test
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError } from '@lakekit/core';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from './load-config.js';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'lakekit-config-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function rejection(p: Promise<unknown>): Promise<ConfigError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(ConfigError);
  return e as ConfigError;
}

describe('loadConfig', () => {
  it('uses the defaults under cwd when there is no file', async () => {
    const { config, path } = await loadConfig({ cwd: dir, env: {} });
    expect(path).toBeUndefined();
    expect(config.warehouse).toBe(`file://${dir}/.lakekit/warehouse`);
    expect(config.catalog).toEqual({ uri: `sqlite:${dir}/.lakekit/catalog.db`, name: 'lakekit' });
  });

  it('reads lakekit.yaml (or lakekit.yml) in cwd, substituting variables', async () => {
    await writeFile(
      join(dir, 'lakekit.yml'),
      'warehouse: ./wh\ncatalog:\n  uri: sqlite:./c.db\n  name: ${CAT:-dev}\ns3:\n  force_path_style: true\n',
    );
    const { config, path } = await loadConfig({ cwd: dir, env: {} });
    expect(path).toBe(join(dir, 'lakekit.yml'));
    expect(config).toEqual({
      warehouse: `file://${dir}/wh`,
      catalog: { uri: `sqlite:${dir}/c.db`, name: 'dev' },
      s3: {
        endpoint: undefined,
        region: undefined,
        forcePathStyle: true,
        accessKeyId: undefined,
        secretAccessKey: undefined,
      },
      origin: { source: 'lakekit.yml', baseDir: dir, lineOf: expect.any(Function) },
    });
    expect(config.origin?.lineOf?.(['s3', 'force_path_style'])).toBe(6);
  });

  it('resolves --config relative to cwd and its paths relative to the file', async () => {
    await mkdir(join(dir, 'conf'));
    await writeFile(join(dir, 'conf', 'prod.yaml'), 'warehouse: ../data\n');
    const { config, path } = await loadConfig({ configPath: 'conf/prod.yaml', cwd: dir, env: {} });
    expect(path).toBe(join(dir, 'conf', 'prod.yaml'));
    expect(config.warehouse).toBe(`file://${dir}/data`);
    expect(config.catalog.uri).toBe(`sqlite:${dir}/conf/.lakekit/catalog.db`);
  });

  it('names a missing --config file', async () => {
    const e = await rejection(loadConfig({ configPath: 'nope.yaml', cwd: dir, env: {} }));
    expect(e.message).toBe('config file not found: nope.yaml');
    expect(e.exitCode).toBe(2);
  });

  it('reports YAML syntax errors with file, line and column', async () => {
    await writeFile(join(dir, 'lakekit.yaml'), 'warehouse: ./wh\ncatalog:\n  uri: "sqlite:x\n');
    const e = await rejection(loadConfig({ cwd: dir, env: {} }));
    expect(e.message).toMatch(/^lakekit\.yaml:4:1: invalid YAML: Missing closing "quote$/);
    expect(e.context).toMatchObject({ file: 'lakekit.yaml', line: 4 });
    await writeFile(join(dir, 'lakekit.yaml'), 'warehouse: a\nwarehouse: b\n');
    expect((await rejection(loadConfig({ cwd: dir, env: {} }))).message).toBe(
      'lakekit.yaml:2:1: invalid YAML: Map keys must be unique',
    );
  });

  it('passes schema errors through with the file name', async () => {
    await writeFile(join(dir, 'lakekit.yaml'), 'catalgo:\n  name: x\n');
    const e = await rejection(loadConfig({ cwd: dir, env: {} }));
    expect(e.message).toMatch(/^lakekit\.yaml: unknown key "catalgo" at top level/);
  });

  it('refuses both lakekit.yaml and lakekit.yml', async () => {
    await writeFile(join(dir, 'lakekit.yaml'), '');
    await writeFile(join(dir, 'lakekit.yml'), '');
    expect((await rejection(loadConfig({ cwd: dir, env: {} }))).message).toMatch(/both lakekit\.yaml and/);
  });
});
