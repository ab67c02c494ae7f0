/**
 * The task guides (docs/data-engineers.md, docs/governance.md, docs/ai-services.md) keep working:
 * every code block marked with an HTML comment on the line before it is run, in the order of the
 * page, in one fresh working folder per page, with the real `lake` binary on PATH.
 *
 *   <!-- test -->                  a ```sh block: run with bash -eu -o pipefail; it must exit 0
 *   <!-- test exit=3 -->           … it must exit 3 (the failing command is the block's last)
 *   <!-- test expect="text" -->    … and its output (stdout and stderr) must contain the text (repeatable;
 *                                  expect='…' for a text with double quotes)
 *   <!-- test file=lakekit.yaml --> a ```yaml (or other) block: written to that path of the folder
 *   <!-- test serve -->            a block that starts `lake serve`: the test starts it instead, on a
 *                                  free port, and the later blocks get its URL in $LAKE_URL
 *
 * Unmarked blocks (other databases, placeholders such as <run-id>) are not run. To refresh the outputs
 * pasted in a guide, run this file with LAKEKIT_DOCS_OUTPUT=<folder>: each page's blocks and what they
 * printed are written to <folder>/<page>.out. Blocks call `sqlite3`
 * to create an example source; where the sqlite3 command is missing, a small stand-in executes the
 * SQL with better-sqlite3 (the same library the SQLite connector reads with).
 */
import { spawn } from 'node:child_process';
import { chmodSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { repoRoot } from '../helpers/cli.js';

const GUIDES = ['docs/data-engineers.md', 'docs/governance.md', 'docs/ai-services.md'];

interface Block {
  line: number;
  lang: string;
  text: string;
  exit: number;
  expect: string[];
  file?: string;
  serve: boolean;
}

/** The marked blocks of a Markdown page, in order. */
export function markedBlocks(markdown: string): Block[] {
  const lines = markdown.split('\n');
  const blocks: Block[] = [];
  for (let i = 0; i < lines.length; i++) {
    if (!lines[i]!.includes('<!-- test')) continue;
    // Blocks may sit in a list item: the marker, the fences and the text share its indentation.
    const marker = /^(\s*)<!-- test(.*)-->\s*$/.exec(lines[i]!);
    if (!marker) throw new Error(`line ${i + 1}: a test marker must stand alone on its line`);
    const indent = marker[1]!;
    const fence = /^(\s*)```(\w*)\s*$/.exec(lines[i + 1] ?? '');
    if (!fence || fence[1] !== indent)
      throw new Error(`line ${i + 1}: a test marker must be followed by a code fence`);
    const end = lines.findIndex((l, j) => j > i + 1 && l === `${indent}\`\`\``);
    if (end < 0) throw new Error(`line ${i + 2}: code block not closed`);
    const attrs = marker[2]!;
    const exit = /\bexit=(\d+)/.exec(attrs);
    const file = /\bfile=(\S+)/.exec(attrs);
    const body = lines.slice(i + 2, end).map((l) => (l.startsWith(indent) ? l.slice(indent.length) : l));
    blocks.push({
      line: i + 2,
      lang: fence[2]!,
      text: `${body.join('\n')}\n`,
      exit: exit ? Number(exit[1]) : 0,
      expect: [...attrs.matchAll(/\bexpect=(?:"([^"]*)"|'([^']*)')/g)].map((m) => m[1] ?? m[2]!),
      ...(file ? { file: file[1]! } : {}),
      serve: /\bserve\b/.test(attrs),
    });
    i = end;
  }
  return blocks;
}

/** Runs a command; resolves with its exit code and combined output. */
function run(
  command: string,
  args: string[],
  options: { cwd: string; env: NodeJS.ProcessEnv; timeoutMs: number },
): Promise<{ code: number; out: string }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(command, args, {
      cwd: options.cwd,
      env: options.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d) => {
      out += d;
    });
    child.stderr.on('data', (d) => {
      out += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), options.timeoutMs);
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      resolvePromise({ code: code ?? (signal ? 128 : -1), out });
    });
  });
}

/** A folder for PATH with `lake` (the built CLI) and, when the system lacks it, a `sqlite3` stand-in. */
async function binFolder(): Promise<string> {
  const bin = mkdtempSync(join(tmpdir(), 'lakekit-docs-bin-'));
  writeFileSync(
    join(bin, 'lake'),
    `#!/bin/sh\nexec "${process.execPath}" "${join(repoRoot, 'packages', 'cli', 'bin', 'lake.js')}" "$@"\n`,
  );
  chmodSync(join(bin, 'lake'), 0o755);
  const hasSqlite = (
    await run('sh', ['-c', 'command -v sqlite3'], { cwd: bin, env: process.env, timeoutMs: 5000 })
  ).code;
  if (hasSqlite !== 0) {
    const betterSqlite = createRequire(join(repoRoot, 'tests', 'package.json')).resolve('better-sqlite3');
    writeFileSync(
      join(bin, 'sqlite3.cjs'),
      [
        `const Database = require(${JSON.stringify(betterSqlite)});`,
        `const [file, sql] = process.argv.slice(2);`,
        `const db = new Database(file);`,
        `db.exec(sql ?? require('node:fs').readFileSync(0, 'utf8'));`,
        `db.close();`,
      ].join('\n'),
    );
    writeFileSync(
      join(bin, 'sqlite3'),
      `#!/bin/sh\nexec "${process.execPath}" "${join(bin, 'sqlite3.cjs')}" "$@"\n`,
    );
    chmodSync(join(bin, 'sqlite3'), 0o755);
  }
  return bin;
}

/** Starts `lake serve --port 0` in `cwd`; resolves with its URL and a function that stops it. */
function serve(cwd: string, env: NodeJS.ProcessEnv): Promise<{ url: string; stop: () => Promise<void> }> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('lake', ['serve', '--port', '0'], { cwd, env, stdio: ['ignore', 'ignore', 'pipe'] });
    let err = '';
    const closed = new Promise<void>((r) => child.on('close', () => r()));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`lake serve did not start within 30 s:\n${err}`));
    }, 30_000);
    child.stderr.on('data', (d) => {
      err += d;
      const m = /listening on (http:\/\/\S+?) /.exec(err);
      if (m) {
        clearTimeout(timer);
        resolvePromise({
          url: m[1]!,
          stop: async () => {
            child.kill('SIGTERM');
            await closed;
          },
        });
      }
    });
    child.on('error', reject);
  });
}

describe('the marker parser', () => {
  it('reads exit codes, expectations, files and serve markers', () => {
    const md = [
      'text',
      '<!-- test exit=3 expect="blocked" expect=\'"q": 1\' -->',
      '```sh',
      'lake run p',
      '```',
      '```sh',
      'not marked',
      '```',
      '<!-- test file=conf/lakekit.yaml -->',
      '```yaml',
      'a: 1',
      '```',
      '<!-- test serve -->',
      '```sh',
      'lake serve',
      '```',
      '- a list item:',
      '  <!-- test expect="x" -->',
      '  ```sh',
      '  lake a',
      '    indented more',
      '  ```',
    ].join('\n');
    expect(markedBlocks(md)).toEqual([
      { line: 3, lang: 'sh', text: 'lake run p\n', exit: 3, expect: ['blocked', '"q": 1'], serve: false },
      {
        line: 10,
        lang: 'yaml',
        text: 'a: 1\n',
        exit: 0,
        expect: [],
        file: 'conf/lakekit.yaml',
        serve: false,
      },
      { line: 14, lang: 'sh', text: 'lake serve\n', exit: 0, expect: [], serve: true },
      { line: 19, lang: 'sh', text: 'lake a\n  indented more\n', exit: 0, expect: ['x'], serve: false },
    ]);
    expect(() => markedBlocks('<!-- test -->\nno fence')).toThrow(/must be followed by a code fence/);
    expect(() => markedBlocks('text <!-- test -->\n```sh\nx\n```')).toThrow(/must stand alone/);
  });
});

describe.each(GUIDES)('%s', (guide) => {
  it('runs every marked example as documented', { timeout: 240_000 }, async () => {
    const blocks = markedBlocks(readFileSync(join(repoRoot, guide), 'utf8'));
    // The guides are built around runnable examples: markers must not silently disappear.
    expect(blocks.filter((b) => !b.file && !b.serve).length).toBeGreaterThanOrEqual(8);

    const bin = await binFolder();
    const work = mkdtempSync(join(tmpdir(), 'lakekit-docs-'));
    const env: NodeJS.ProcessEnv = { ...process.env, PATH: `${bin}:${process.env['PATH'] ?? ''}` };
    for (const v of ['LAKEKIT_TOKEN', 'LAKEKIT_LOG_LEVEL', 'LAKEKIT_TIMING', 'LAKE_URL']) delete env[v];
    let server: { url: string; stop: () => Promise<void> } | undefined;
    const transcript: string[] = [];
    try {
      for (const block of blocks) {
        const where = `${guide}:${block.line}`;
        if (block.file) {
          mkdirSync(dirname(join(work, block.file)), { recursive: true });
          writeFileSync(join(work, block.file), block.text);
          continue;
        }
        if (block.serve) {
          expect(server, `${where}: a second server`).toBeUndefined();
          server = await serve(work, env);
          env['LAKE_URL'] = server.url;
          continue;
        }
        expect(block.lang, `${where}: only sh blocks are run`).toBe('sh');
        const r = await run('bash', ['-eu', '-o', 'pipefail', '-c', block.text], {
          cwd: work,
          env,
          timeoutMs: 90_000,
        });
        const report = `${where} exited ${r.code}:\n${block.text}--- output ---\n${r.out}`;
        transcript.push(report);
        expect(r.code, report).toBe(block.exit);
        for (const text of block.expect) expect(r.out, report).toContain(text);
      }
    } finally {
      await server?.stop();
      const dump = process.env['LAKEKIT_DOCS_OUTPUT'];
      if (dump) {
        mkdirSync(dump, { recursive: true });
        writeFileSync(join(dump, `${guide.replace(/^.*\//, '')}.out`), transcript.join('\n'));
      } else {
        rmSync(work, { recursive: true, force: true });
      }
      rmSync(bin, { recursive: true, force: true });
    }
  });
});
