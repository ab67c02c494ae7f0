/** `lake namespace list|create|drop` */
import { parseNamespace } from '@lakekit/core';
import type { CommandContext } from '../context.js';
import { info, printJson, printTable } from '../output.js';

/** Lists namespaces. */
export async function namespaceList(ctx: CommandContext): Promise<number> {
  const namespaces = (await (await ctx.catalog()).listNamespaces()).map((n) => n.join('.'));
  if (ctx.options.json) printJson({ namespaces });
  else
    printTable(
      ['namespace'],
      namespaces.map((n) => [n]),
    );
  return 0;
}

/** Creates a namespace. */
export async function namespaceCreate(ctx: CommandContext, name: string): Promise<number> {
  await (await ctx.catalog()).createNamespace(parseNamespace(name));
  if (ctx.options.json) printJson({ namespace: name, created: true });
  else info(`created namespace ${name}`);
  return 0;
}

/** Drops an empty namespace. */
export async function namespaceDrop(ctx: CommandContext, name: string): Promise<number> {
  await (await ctx.catalog()).dropNamespace(parseNamespace(name));
  if (ctx.options.json) printJson({ namespace: name, dropped: true });
  else info(`dropped namespace ${name}`);
  return 0;
}
