#!/usr/bin/env node
/**
 * Writes docs/reference.md from the code: every `lake` command with its arguments and options (the
 * commander program of packages/cli/src/main.ts), and every key of `lakekit.yaml`, of governance
 * files and of semantic model files with type, default, allowed values and description (the zod
 * schemas the code validates them with; descriptions come from their `.describe()` texts).
 *
 *   node scripts/gen-reference.mjs                 write docs/reference.md
 *   node scripts/gen-reference.mjs --check         exit 1 when docs/reference.md is stale
 *   node scripts/gen-reference.mjs --out <file>    write (or with --check, compare) another file
 *
 * The TypeScript sources are bundled with esbuild (as scripts/build.mjs does) into a temporary file
 * under packages/cli/node_modules/.cache, whose externals (native and large packages) resolve from
 * @lakekit/cli's dependencies, and imported from there. main.ts ends by running the CLI; the bundle
 * leaves that last statement out so that only `buildProgram` is used.
 */
import { mkdirSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const DEFAULT_OUT = join(root, 'docs', 'reference.md');
const COMMAND = 'node scripts/gen-reference.mjs';

// ---------------------------------------------------------------------------------------------
// Loading the program and the schemas.

/** What the reference is made from, loaded from the TypeScript sources. */
export async function loadSources() {
  const { build } = await import('esbuild');
  const cliPackage = JSON.parse(readFileSync(join(root, 'packages/cli/package.json'), 'utf8'));
  // Registry dependencies of the CLI stay external (they resolve from packages/cli/node_modules);
  // everything else (workspace packages, zod) is bundled.
  const external = Object.keys(cliPackage.dependencies ?? {})
    .filter((d) => !d.startsWith('@lakekit/'))
    .flatMap((d) => [d, `${d}/*`]);
  const mainTs = join(root, 'packages/cli/src/main.ts');
  const outdir = join(root, 'packages/cli/node_modules/.cache', `gen-reference-${process.pid}`);
  const entry = `
export { buildProgram } from './packages/cli/src/main.ts';
export { CONNECTOR_KINDS, loadFactories } from './packages/cli/src/connectors.ts';
export { configFileShape } from './packages/core/src/config.ts';
export { pipelineSchema } from './pipelines/src/definition.ts';
export { checkListSchema } from './pipelines/src/checks/check-spec.ts';
export { governanceDocumentSchema } from './catalog/src/governance/as-code.ts';
export { fileSchema as semanticFileSchema } from './packages/query/src/semantic/load.ts';
`;
  mkdirSync(outdir, { recursive: true });
  try {
    await build({
      stdin: { contents: entry, resolveDir: root, loader: 'ts', sourcefile: 'gen-reference-entry.ts' },
      absWorkingDir: root,
      outfile: join(outdir, 'entry.mjs'),
      bundle: true,
      format: 'esm',
      platform: 'node',
      target: 'node20',
      conditions: ['source'],
      external,
      banner: {
        js: "import { createRequire as __lakeCreateRequire } from 'node:module'; const require = __lakeCreateRequire(import.meta.url);",
      },
      logLevel: 'error',
      plugins: [
        {
          name: 'gen-reference',
          setup(b) {
            // knex's optional drivers (mysql, oracledb, …) are required only when used: left out.
            b.onResolve({ filter: /^[^./]/ }, async (args) => {
              if (args.kind !== 'require-call' || args.pluginData === 'probe') return undefined;
              const found = await b.resolve(args.path, {
                kind: args.kind,
                resolveDir: args.resolveDir,
                importer: args.importer,
                pluginData: 'probe',
              });
              return found.errors.length > 0 ? { path: args.path, external: true } : undefined;
            });
            // The command modules are loaded lazily by actions, which never run here.
            b.onResolve({ filter: /^\.\/commands\// }, (args) =>
              args.importer === mainTs ? { path: args.path, external: true } : undefined,
            );
          },
        },
      ],
    });
    const m = await import(pathToFileURL(join(outdir, 'entry.mjs')).href);
    // The CLI's own mapping of `sources.<name>.type` to connectors (and their config schemas).
    const factories = await m.loadFactories({
      sources: Object.fromEntries(m.CONNECTOR_KINDS.map((k) => [k, { type: k }])),
    });
    return {
      program: m.buildProgram(),
      connectorSchemas: Object.fromEntries(m.CONNECTOR_KINDS.map((k) => [k, factories[k].configSchema])),
      configFileShape: m.configFileShape,
      pipelineSchema: m.pipelineSchema,
      checkListSchema: m.checkListSchema,
      governanceDocumentSchema: m.governanceDocumentSchema,
      semanticFileSchema: m.semanticFileSchema,
    };
  } finally {
    rmSync(outdir, { recursive: true, force: true });
    try {
      rmdirSync(dirname(outdir)); // the cache folder, when nothing else is in it
    } catch {}
  }
}

// ---------------------------------------------------------------------------------------------
// Markdown helpers.

/** Inline code, safe for text holding backticks. */
function code(text) {
  const s = String(text);
  if (!s.includes('`')) return `\`${s}\``;
  return `\`\` ${s} \`\``;
}

/** A table cell: one line, `|` escaped. */
function cell(text) {
  return String(text ?? '')
    .replace(/\s*\n\s*/g, ' ')
    .replace(/\|/g, '\\|');
}

function table(header, rows) {
  const out = [`| ${header.join(' | ')} |`, `|${header.map(() => '---').join('|')}|`];
  for (const r of rows) out.push(`| ${r.map(cell).join(' | ')} |`);
  return out.join('\n');
}

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens, repeats numbered. */
function slugger() {
  const seen = new Map();
  return (heading) => {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{M}\p{N}\p{Pc} -]/gu, '')
      .replace(/ /g, '-');
    const n = seen.get(base) ?? 0;
    seen.set(base, n + 1);
    return n === 0 ? base : `${base}-${n}`;
  };
}

/** A description as a sentence: with a final full stop. */
function sentence(text) {
  const t = String(text ?? '').trim();
  if (t === '') return '';
  return /[.!?:]$/.test(t) ? t : `${t}.`;
}

// ---------------------------------------------------------------------------------------------
// The command line.

function commandPath(cmd) {
  const names = [];
  for (let c = cmd; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

function allCommands(cmd) {
  return [cmd, ...cmd.commands.flatMap(allCommands)];
}

function argumentText(a) {
  const name = `${a.name()}${a.variadic ? '...' : ''}`;
  return a.required ? `<${name}>` : `[${name}]`;
}

function valueText(v) {
  if (Array.isArray(v)) return v.map((x) => code(x)).join(', ');
  return code(typeof v === 'string' ? v : JSON.stringify(v));
}

/** The help text a command adds before or after its options (`addHelpText`). */
function addedHelp(cmd, event) {
  let text = '';
  const context = { error: false, command: cmd, write: (s) => (text += s) };
  for (const listener of cmd.listeners(event)) listener(context);
  return text.replace(/^\n+/, '').replace(/\s+$/, '');
}

function renderCommand(cmd, anchors) {
  const path = commandPath(cmd);
  const out = [`### ${code(path)}`, ''];
  if (cmd.description()) out.push(cmd.description(), '');
  out.push('```', `${path} ${cmd.usage()}`.trimEnd(), '```', '');
  if (cmd.aliases().length > 0) out.push(`Aliases: ${cmd.aliases().map(code).join(', ')}.`, '');
  const before = addedHelp(cmd, 'beforeHelp');
  if (before) out.push('```text', before, '```', '');
  const args = cmd.registeredArguments;
  if (args.length > 0) {
    out.push(
      table(
        ['Argument', 'Required', 'Description'],
        args.map((a) => [
          code(argumentText(a)),
          a.required ? 'yes' : '',
          [
            a.description,
            a.argChoices ? `(one of ${valueText(a.argChoices)})` : '',
            a.defaultValue !== undefined ? `(default ${valueText(a.defaultValue)})` : '',
          ]
            .filter(Boolean)
            .join(' '),
        ]),
      ),
      '',
    );
  }
  const options = cmd.options.filter((o) => !o.hidden);
  if (options.length > 0) out.push(optionTable(options), '');
  const after = addedHelp(cmd, 'afterHelp');
  if (after) out.push('```text', after, '```', '');
  if (cmd.commands.length > 0) {
    out.push('Subcommands:', '');
    for (const sub of cmd.commands) {
      out.push(
        `- [${code(commandPath(sub))}](#${anchors.get(sub)})${sub.description() ? `: ${sub.description()}` : ''}`,
      );
    }
    out.push('');
  }
  return out.join('\n');
}

function optionTable(options) {
  return table(
    ['Option', 'Default', 'Description'],
    options.map((o) => [
      code(o.flags),
      o.defaultValueDescription
        ? o.defaultValueDescription
        : o.defaultValue !== undefined && !(o.negate && o.defaultValue === true)
          ? valueText(o.defaultValue)
          : '',
      [
        o.mandatory ? '**required**:' : '',
        o.description,
        o.argChoices ? `(one of ${valueText(o.argChoices)})` : '',
        o.envVar ? `(environment: ${code(o.envVar)})` : '',
      ]
        .filter(Boolean)
        .join(' '),
    ]),
  );
}

function renderCli(program, slug) {
  const commands = allCommands(program).filter((c) => c !== program);
  const out = ['## Command line', ''];
  slug('Command line');
  out.push(
    `${program.description()} Usage: ${code(`${program.name()} ${program.usage()}`)}; every command also takes ${code('-h, --help')}.`,
    '',
  );
  out.push('### Global options', '');
  slug('Global options');
  out.push(
    'Every command takes them, before or after its name (`lake --json table list`, `lake table list --json`).',
    '',
  );
  out.push(optionTable(program.options.filter((o) => !o.hidden)), '');
  out.push('### Commands', '');
  slug('Commands');
  // Anchors in heading order, known before rendering so that links can point forward.
  const anchors = new Map(commands.map((c) => [c, slug(code(commandPath(c)))]));
  const tree = (cmd, depth) =>
    cmd.commands.flatMap((c) => [
      `${'  '.repeat(depth)}- [${code(commandPath(c))}](#${anchors.get(c)})`,
      ...tree(c, depth + 1),
    ]);
  out.push(...tree(program, 0), '');
  for (const c of commands) out.push(renderCommand(c, anchors));
  return out.join('\n');
}

// ---------------------------------------------------------------------------------------------
// Schemas (zod 4, read through `_zod.def`).

const WRAPPERS = new Set(['optional', 'nullable', 'default', 'prefault', 'readonly', 'catch', 'nonoptional']);

/** The schema that says what a value is: wrappers, preprocessing and transforms removed. */
function core(schema) {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (WRAPPERS.has(def.type)) s = def.innerType;
    else if (def.type === 'pipe') s = def.out._zod.def.type === 'transform' ? def.in : def.out;
    else if (def.type === 'lazy') s = def.getter();
    else return s;
  }
}

/** Every schema from `schema` down to its core, outermost first. */
function layers(schema) {
  const out = [];
  let s = schema;
  for (;;) {
    out.push(s);
    const def = s._zod.def;
    if (WRAPPERS.has(def.type)) s = def.innerType;
    else if (def.type === 'pipe') s = def.out._zod.def.type === 'transform' ? def.in : def.out;
    else if (def.type === 'lazy') s = def.getter();
    else return out;
  }
}

function describe(schema) {
  for (const s of layers(schema)) if (s.description) return s.description;
  return '';
}

function defaultOf(schema) {
  for (const s of layers(schema)) {
    const def = s._zod.def;
    if (def.type === 'default' || def.type === 'prefault') {
      return typeof def.defaultValue === 'function' ? def.defaultValue() : def.defaultValue;
    }
  }
  return undefined;
}

function nullable(schema) {
  return layers(schema).some((s) => s._zod.def.type === 'nullable');
}

/** Whether the key may be left out: an optional or defaulted value somewhere above the core. */
function optional(schema) {
  let s = schema;
  for (;;) {
    const def = s._zod.def;
    if (def.type === 'optional' || def.type === 'default' || def.type === 'prefault') return true;
    if (WRAPPERS.has(def.type)) s = def.innerType;
    else if (def.type === 'pipe') s = def.in._zod.def.type === 'transform' ? def.out : def.in;
    else return false;
  }
}

/** A value as YAML flow text (`[]`, `{ type: none }`, `UTC`). */
function flow(v) {
  if (Array.isArray(v)) return `[${v.map(flow).join(', ')}]`;
  if (v !== null && typeof v === 'object') {
    const entries = Object.entries(v);
    return entries.length === 0 ? '{}' : `{ ${entries.map(([k, x]) => `${k}: ${flow(x)}`).join(', ')} }`;
  }
  return String(v);
}

function numberText(def) {
  let int = false;
  const bounds = [];
  for (const c of def.checks ?? []) {
    const d = c._zod.def;
    if (d.check === 'number_format' && /int/.test(d.format)) int = true;
    else if (d.check === 'greater_than') bounds.push(`${d.inclusive ? '≥' : '>'} ${d.value}`);
    else if (d.check === 'less_than') bounds.push(`${d.inclusive ? '≤' : '<'} ${d.value}`);
  }
  if (def.format && /int/.test(def.format)) int = true;
  return `${int ? 'integer' : 'number'}${bounds.length > 0 ? ` ${bounds.join(', ')}` : ''}`;
}

/** Discriminated union of objects: the key and each option's literal value. */
function discriminated(def) {
  if (def.type !== 'union' || !def.discriminator) return undefined;
  const options = def.options.map((o) => core(o));
  if (!options.every((o) => o._zod.def.type === 'object')) return undefined;
  return {
    key: def.discriminator,
    options: options.map((o, i) => ({
      schema: o,
      described: def.options[i],
      value: core(o._zod.def.shape[def.discriminator])._zod.def.values[0],
    })),
  };
}

/** Placeholders for the keys of mappings, by the mapping's key name. */
const PLACEHOLDERS = {
  sources: '<name>',
  pipelines: '<pipeline>',
  tables: '<ns.table>',
  streams: '<stream>',
  checks: '<table>',
  casts: '<column>',
  columns: '<column>',
  resources: '<resource>',
  params: '<parameter>',
  headers: '<header>',
  attributes: '<attribute>',
  on: '<from_column>',
};

function placeholder(path) {
  const last = path.split('.').pop().replace(/\[\]$/, '');
  return PLACEHOLDERS[last] ?? '<key>';
}

/** What a value is, in words (`list of string`, one of `a`, `b`). */
function typeText(schema, path) {
  const c = core(schema);
  const def = c._zod.def;
  const orNull = nullable(schema) ? ' or null' : '';
  switch (def.type) {
    case 'string':
      return (def.format === 'url' ? 'URL' : 'string') + orNull;
    case 'number':
      return numberText(def) + orNull;
    case 'boolean':
      return `boolean${orNull}`;
    case 'literal':
      return def.values.map((v) => code(v)).join(', ') + orNull;
    case 'enum':
      return `one of ${Object.values(def.entries)
        .map((v) => code(v))
        .join(', ')}${orNull}`;
    case 'unknown':
    case 'any':
      return 'any';
    case 'array':
      return `list of ${typeText(def.element, `${path}[]`)}${orNull}`;
    case 'record':
      return `mapping of ${code(placeholder(path))} → ${typeText(def.valueType, `${path}.${placeholder(path)}`)}${orNull}`;
    case 'object':
      return `mapping${orNull}`;
    case 'union': {
      const d = discriminated(def);
      if (d) return `mapping (by ${code(d.key)})${orNull}`;
      return def.options.map((o) => typeText(o, path)).join(' or ') + orNull;
    }
    default:
      return def.type + orNull;
  }
}

/** Does the value hold further keys (rows of its own)? */
function nested(schema) {
  const def = core(schema)._zod.def;
  if (def.type === 'object') return true;
  if (def.type === 'union') return discriminated(def) !== undefined;
  if (def.type === 'array' || def.type === 'record') {
    return nested(def.type === 'array' ? def.element : def.valueType);
  }
  return false;
}

/**
 * Rows for a key and everything below it. `stops` maps schemas documented in a section of their
 * own to that section's title and anchor; `when` qualifies keys of one option of a union.
 */
function fieldRows(path, schema, ctx, when = '') {
  const rows = [];
  const c = core(schema);
  const def = c._zod.def;
  let description = describe(schema);
  const dflt = defaultOf(schema);
  let dfltText = dflt === undefined ? '' : code(flow(dflt));
  // "Default: …" at the end of a description is the code's default: it goes to its own column.
  const m = /(?:^|[.;]\s+|\s)Default: (.+?)\.?$/s.exec(description);
  if (m) {
    if (dfltText === '') dfltText = m[1];
    description = description.slice(0, m.index).trim();
  }
  const stop = ctx.stops.get(c) ?? (def.type === 'record' ? ctx.stops.get(core(def.valueType)) : undefined);
  if (stop) description = `${sentence(description)} See ${ctx.link(stop)}.`;
  rows.push({
    key: path,
    when,
    type: typeText(schema, path),
    required: !optional(schema),
    dflt: dfltText,
    description: stop ? description : sentence(description),
  });
  if (stop || (ctx.depth !== undefined && path.split('.').length >= ctx.depth)) return rows;
  if (def.type === 'object') rows.push(...objectRows(path, c, ctx, when));
  else if (def.type === 'record' && nested(def.valueType)) {
    rows.push(
      ...fieldRows(`${path}.${placeholder(path)}`, def.valueType, ctx, when).slice(nestedSkip(def.valueType)),
    );
  } else if (def.type === 'array' && nested(def.element)) {
    rows.push(...fieldRows(`${path}[]`, def.element, ctx, when).slice(nestedSkip(def.element)));
  } else if (def.type === 'union') {
    const d = discriminated(def);
    if (d) rows.push(...unionRows(path, d, ctx, when));
  }
  return rows;
}

/** The row of a list item or mapping value itself is left out unless it says something. */
function nestedSkip(schema) {
  return describe(schema) ? 0 : 1;
}

function objectRows(prefix, object, ctx, when) {
  const rows = [];
  for (const [key, value] of Object.entries(object._zod.def.shape)) {
    rows.push(...fieldRows(prefix ? `${prefix}.${key}` : key, value, ctx, when));
  }
  return rows;
}

function unionRows(path, d, ctx, when) {
  const at = (k) => (path ? `${path}.${k}` : k);
  const rows = [
    {
      key: at(d.key),
      when,
      type: `one of ${d.options.map((o) => code(o.value)).join(', ')}`,
      required: true,
      dflt: '',
      description: d.options
        .map((o) => (describe(o.described) ? `${code(o.value)}: ${describe(o.described)}.` : ''))
        .filter(Boolean)
        .join(' '),
    },
  ];
  for (const o of d.options) {
    const w = `${when ? `${when}, ` : ''}${d.key}: ${o.value}`;
    for (const [key, value] of Object.entries(o.schema._zod.def.shape)) {
      if (key !== d.key) rows.push(...fieldRows(at(key), value, ctx, w));
    }
  }
  return rows;
}

function keyTable(rows) {
  return table(
    ['Key', 'Type', 'Required', 'Default', 'Description'],
    rows.map((r) => [
      `${code(r.key)}${r.when ? ` (${code(r.when)})` : ''}`,
      r.type,
      r.required ? 'yes' : '',
      r.dflt,
      r.description,
    ]),
  );
}

// ---------------------------------------------------------------------------------------------
// The whole reference.

/** The reference as Markdown (deterministic: the same code gives the same text). */
export function renderReference(src) {
  const slug = slugger();
  const out = [];
  out.push(
    '# Reference',
    '',
    `<!-- Generated by \`${COMMAND}\` from the code; do not edit: change the code and run it again. -->`,
    '',
    `Generated by ${code(COMMAND)} from the code: the commands from the \`lake\` program`,
    '(packages/cli/src/main.ts), the keys from the zod schemas that validate them. A test',
    `(tests/cli/reference.test.ts) fails when this file is stale: run ${code(COMMAND)}.`,
    '',
  );
  slug('Reference');
  out.push('## Contents', '');
  slug('Contents');
  const contentsAt = out.length;
  out.push('');

  out.push(renderCli(src.program, slug), '');

  // Sections of the files, titled and anchored before rendering so keys can link to them.
  const sections = [];
  const section = (level, title, intro) => {
    const entry = { level, title, intro, rows: [], anchor: '' };
    sections.push(entry);
    return entry;
  };
  const shape = src.configFileShape;
  const kinds = Object.keys(src.connectorSchemas);
  const top = section(2, 'Configuration file (`lakekit.yaml`)', [
    'Keys are snake_case; an unknown key is an error. `${VAR}` and `${VAR:-default}` in any value are',
    'replaced from the environment (`$${` is a literal `${`). Relative paths resolve against the folder of',
    'the file. Without a file, every default applies (everything under `./.lakekit/`).',
  ]);
  const bySection = {};
  const kindSections = {};
  let checks;
  for (const key of Object.keys(shape)) {
    if (!nested(shape[key]) && key !== 'pipelines') continue;
    bySection[key] = section(3, code(key), [sentence(describe(shape[key]))]);
    if (key === 'sources') {
      for (const k of kinds)
        kindSections[k] = section(4, `${code('sources.<name>')} with ${code(`type: ${k}`)}`, []);
    }
    if (key === 'pipelines') checks = section(4, 'Checks', []);
  }
  const governance = section(2, 'Governance file', []);
  const semantic = section(2, 'Semantic model files', []);

  // Anchors, in the order the headings appear after the command line.
  for (const s of sections) s.anchor = slug(s.title);
  const link = (s) => `[${s.title}](#${s.anchor})`;
  const stops = new Map([[core(src.checkListSchema), checks]]);
  const rows = (path, schema, options = {}) => fieldRows(path, schema, { stops, link, ...options });

  // Top level: one row per key, linking to its section. A section leaves out the row of its key.
  top.rows = Object.entries(shape).map(([key, schema]) => {
    let r = rows(key, schema, { depth: 1 })[0];
    // `pipelines:` is checked as a whole later (by @lakekit/pipelines), not by the file's schema.
    if (key === 'pipelines') r = { ...r, type: `mapping of ${code('<pipeline>')} → mapping` };
    const s = bySection[key];
    return s ? { ...r, description: `${r.description} See ${link(s)}.` } : r;
  });
  for (const [key, s] of Object.entries(bySection)) {
    if (key === 'sources') {
      s.intro.push(
        '',
        `${code('type')} picks the connector, which validates the other keys (one section per type below).`,
      );
      s.rows = rows(key, shape[key])
        .slice(1)
        .map((r) =>
          r.key === 'sources.<name>.type'
            ? { ...r, type: `one of ${kinds.map((k) => code(k)).join(', ')}` }
            : r,
        );
    } else if (key === 'pipelines') {
      s.intro.push(
        '',
        'A pipeline is validated when a command uses it; errors name the file, the line and the key path.',
      );
      s.rows = rows('pipelines.<pipeline>', src.pipelineSchema).slice(1);
    } else {
      s.rows = rows(key, shape[key]).slice(1);
    }
  }
  for (const k of kinds) {
    kindSections[k].rows = [
      { key: 'sources.<name>.type', when: '', type: code(k), required: true, dflt: '', description: '' },
      ...objectRows('sources.<name>', core(src.connectorSchemas[k]), { stops, link }, ''),
    ];
  }
  const checkItem = core(src.checkListSchema)._zod.def.element;
  checks.intro.push(
    `The list under ${code('pipelines.<pipeline>.checks.<table>')}: each item has exactly one key, the check's kind. Row checks judge the rows a run writes (failing rows go to a quarantine table); table checks judge the table as it would be published. Keys are relative to one item.`,
  );
  checks.rows = objectRows('', core(checkItem), { stops, link }, '');
  governance.intro.push(
    `The file of ${code('lake governance plan|apply|export')}: the whole governance of a catalog (tokens excepted). Applying it removes whatever the catalog has and the file lacks.`,
  );
  governance.rows = objectRows('', core(src.governanceDocumentSchema), { stops, link }, '');
  semantic.intro.push(
    `The files ${code('semantic/*.yaml')} (and ${code('*.yml')}) next to the configuration file, read in name order as one model. Names are lower-case letters, digits and ${code('_')}, starting with a letter.`,
  );
  semantic.rows = objectRows('', core(src.semanticFileSchema), { stops, link }, '');

  for (const s of sections) {
    out.push(`${'#'.repeat(s.level)} ${s.title}`, '');
    const intro = s.intro.join('\n').trim();
    if (intro) out.push(intro, '');
    if (s.rows.length > 0) out.push(keyTable(s.rows), '');
  }

  // Contents: the command line and the sections of the files.
  const contents = [
    '- [Command line](#command-line)',
    '  - [Global options](#global-options)',
    '  - [Commands](#commands)',
    ...sections.map((s) => `${'  '.repeat(s.level - 2)}- [${s.title}](#${s.anchor})`),
  ];
  out.splice(contentsAt, 0, ...contents);
  return `${out
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trimEnd()}\n`;
}

// ---------------------------------------------------------------------------------------------

/** Lines that differ, for the stale message (at most `max` of them). */
function diffHint(expected, actual, max = 20) {
  const a = expected.split('\n');
  const b = actual.split('\n');
  const out = [];
  let i = 0;
  while (i < a.length && i < b.length && a[i] === b[i]) i++;
  if (i === a.length && i === b.length) return '';
  out.push(`first difference at line ${i + 1}:`);
  for (let k = i; k < Math.min(i + max, Math.max(a.length, b.length)); k++) {
    if (a[k] === b[k]) continue;
    if (k < b.length) out.push(`- ${b[k]}`);
    if (k < a.length) out.push(`+ ${a[k]}`);
  }
  return out.join('\n');
}

async function main(argv) {
  let check = false;
  let out = DEFAULT_OUT;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--check') check = true;
    else if (argv[i] === '--out' && argv[i + 1]) out = resolve(argv[++i]);
    else {
      process.stderr.write(`usage: ${COMMAND} [--check] [--out <file>]\n`);
      return 2;
    }
  }
  const text = renderReference(await loadSources());
  const shown = relative(process.cwd(), out) || out;
  if (check) {
    let current = '';
    try {
      current = readFileSync(out, 'utf8');
    } catch {}
    if (current === text) return 0;
    process.stderr.write(
      `${shown} is stale: run \`${COMMAND}\` and commit the result.\n${diffHint(text, current)}\n`,
    );
    return 1;
  }
  writeFileSync(out, text);
  process.stdout.write(`wrote ${shown} (${text.split('\n').length - 1} lines)\n`);
  return 0;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = await main(process.argv.slice(2));
}
