/**
 * `lake table alter <table> <action> …`: schema evolution from the command line. Each action is one
 * schema change committed by field id (data files are never rewritten); the new schema is printed,
 * or with `--json` one document `{table, schemaId, columns}`.
 */
import {
  isPrimitive,
  type PrimitiveType,
  parseTableIdentifier,
  typeToString,
  UsageError,
} from '@lakekit/core';
import { type ColumnPosition, parseIcebergType, type SchemaChange, updateSchema } from '@lakekit/iceberg';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';

/** Options of `table alter`. */
export interface AlterOptions {
  first?: boolean;
  after?: string;
  before?: string;
  doc?: string;
}

/** The actions, their arguments, and the options each accepts. */
const ACTIONS: Record<string, { args: string; options: (keyof AlterOptions)[] }> = {
  'add-column': { args: '<name> <type>', options: ['first', 'after', 'before', 'doc'] },
  'rename-column': { args: '<name> <new-name>', options: [] },
  'drop-column': { args: '<name>', options: [] },
  'move-column': { args: '<name>', options: ['first', 'after', 'before'] },
  'widen-column': { args: '<name> <type>', options: [] },
  'make-optional': { args: '<name>', options: [] },
};

function position(opts: AlterOptions, required: boolean, usage: string): ColumnPosition | undefined {
  const given = [opts.first ? 'first' : undefined, opts.after, opts.before].filter((x) => x !== undefined);
  if (given.length > 1) throw new UsageError(`${usage}: give only one of --first, --after, --before`);
  if (opts.first) return { first: true };
  if (opts.after !== undefined) return { after: opts.after };
  if (opts.before !== undefined) return { before: opts.before };
  if (required)
    throw new UsageError(`${usage}: say where with --first, --after <column> or --before <column>`);
  return undefined;
}

function primitive(text: string, usage: string): PrimitiveType {
  const t = parseIcebergType(text);
  if (!isPrimitive(t)) throw new UsageError(`${usage}: only primitive types widen, not ${typeToString(t)}`);
  return t;
}

/** The schema change an action asks for (arguments checked; a type may span several arguments). */
export function alterChange(action: string, args: readonly string[], opts: AlterOptions): SchemaChange {
  const spec = ACTIONS[action];
  if (!spec) {
    throw new UsageError(`unknown action "${action}": expected one of ${Object.keys(ACTIONS).join(', ')}`);
  }
  const usage = `table alter <table> ${action} ${spec.args}`;
  for (const o of ['first', 'after', 'before', 'doc'] as const) {
    if (opts[o] !== undefined && opts[o] !== false && !spec.options.includes(o))
      throw new UsageError(`${usage}: --${o} does not apply to ${action}`);
  }
  const wanted = spec.args.split(' ').length;
  const typed = spec.args.endsWith('<type>');
  if (args.length < wanted || (!typed && args.length > wanted)) {
    throw new UsageError(`${usage}: expected ${wanted} argument(s), got ${args.length}`);
  }
  const name = args[0]!;
  // `decimal(12, 2)` unquoted arrives as two arguments: a type is the rest of the line.
  const typeText = args.slice(1).join(' ');
  switch (action) {
    case 'add-column': {
      const at = position(opts, false, usage);
      return {
        kind: 'add-column',
        path: name,
        type: parseIcebergType(typeText),
        ...(at ? { position: at } : {}),
        ...(opts.doc !== undefined ? { doc: opts.doc } : {}),
      };
    }
    case 'rename-column':
      return { kind: 'rename-column', path: name, newName: args[1]! };
    case 'drop-column':
      return { kind: 'drop-column', path: name };
    case 'move-column':
      return { kind: 'move-column', path: name, position: position(opts, true, usage)! };
    case 'widen-column':
      return { kind: 'widen-column', path: name, type: primitive(typeText, usage) };
    default:
      return { kind: 'make-optional', path: name };
  }
}

/** Applies one schema change to a table and prints the new schema. */
export async function tableAlter(
  ctx: CommandContext,
  name: string,
  action: string,
  args: string[],
  opts: AlterOptions,
): Promise<number> {
  const change = alterChange(action, args, opts);
  const table = await (await ctx.catalog()).loadTable(parseTableIdentifier(name));
  const before = table.schema().schemaId;
  const schema = await updateSchema(table, [change]);
  const columns = schema.fields.map((f) => ({
    id: f.id,
    name: f.name,
    type: typeToString(f.type),
    required: f.required,
  }));
  if (ctx.options.json) {
    printJson({ table: table.name, schemaId: schema.schemaId, columns });
    return 0;
  }
  info(
    schema.schemaId === before
      ? `${table.name}: schema ${schema.schemaId} unchanged (nothing to do)`
      : `${table.name}: ${action} ${args[0]} → schema ${schema.schemaId}`,
  );
  printTable(
    ['id', 'column', 'type', 'required'],
    columns.map((c) => [c.id, c.name, c.type, c.required]),
  );
  return 0;
}
