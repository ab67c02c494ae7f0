/**
 * `lake`: the Lakekit command line. Commands load their modules lazily, so `lake --help` and light
 * commands start without DuckDB, the AWS SDK or database drivers. Exit codes: 0 success, 1 failure,
 * 2 usage or configuration error; `--json` failures print `{"error":{…}}` to stderr.
 */
import { Command, CommanderError, Option } from 'commander';
import { CommandContext, type GlobalOptions } from './context.js';
import { reportError } from './report-error.js';

type Action = (ctx: CommandContext, ...args: unknown[]) => Promise<number | undefined>;

/** Wraps a lazily imported command action with context creation, error reporting and exit codes. */
function action(load: () => Promise<Action>) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions;
    let ctx: CommandContext | undefined;
    let code = 0;
    try {
      ctx = await CommandContext.create(globals);
      code = (await (await load())(ctx, ...args.slice(0, -1))) ?? 0;
    } catch (e) {
      code = reportError(e, globals.json === true);
    } finally {
      await ctx?.close().catch(() => undefined);
    }
    process.exitCode = code;
  };
}

function buildProgram(): Command {
  const program = new Command('lake')
    .description('Lakekit: load sources into Apache Iceberg tables, and query them.')
    .version('0.1.0')
    .option(
      '-c, --config <file>',
      'configuration file (default: ./lakekit.yaml, else embedded defaults under ./.lakekit/)',
    )
    .option('--json', 'print exactly one JSON document on stdout')
    .showHelpAfterError()
    .exitOverride();

  program
    .command('load')
    .description('load CSV, JSONL or Parquet files into a table (created with its namespace when missing)')
    .argument('<files...>', 'files, globs or s3:// URIs')
    .requiredOption('-t, --table <ns.table>', 'target table')
    .addOption(
      new Option('-m, --mode <mode>', 'append rows, or replace all rows atomically')
        .choices(['append', 'replace'])
        .default('append'),
    )
    .addOption(
      new Option('--format <format>', 'file format (default: by extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .action(action(() => import('./commands/load.js').then((m) => m.loadCommand as Action)));

  const table = program.command('table').description('inspect and manage tables');
  table
    .command('list')
    .argument('[namespace]', 'namespace (default: all)')
    .description('list tables')
    .action(action(() => import('./commands/table.js').then((m) => m.tableList as Action)));
  table
    .command('show')
    .argument('<table>', 'ns.table')
    .description('schema, location and current snapshot of a table')
    .action(action(() => import('./commands/table.js').then((m) => m.tableShow as Action)));
  table
    .command('history')
    .argument('<table>', 'ns.table')
    .description('snapshots of a table, oldest first')
    .action(action(() => import('./commands/table.js').then((m) => m.tableHistory as Action)));
  table
    .command('rollback')
    .argument('<table>', 'ns.table')
    .requiredOption('--to <snapshot-id>', 'snapshot to make current')
    .description('point the table back at an earlier snapshot')
    .action(action(() => import('./commands/table.js').then((m) => m.tableRollback as Action)));
  table
    .command('drop')
    .argument('<table>', 'ns.table')
    .option('--purge', 'also delete the table files')
    .description('drop a table from the catalog')
    .action(action(() => import('./commands/table.js').then((m) => m.tableDrop as Action)));

  const ns = program.command('namespace').description('manage namespaces');
  ns.command('list')
    .description('list namespaces')
    .action(action(() => import('./commands/namespace.js').then((m) => m.namespaceList as Action)));
  ns.command('create')
    .argument('<namespace>')
    .description('create a namespace')
    .action(action(() => import('./commands/namespace.js').then((m) => m.namespaceCreate as Action)));
  ns.command('drop')
    .argument('<namespace>')
    .description('drop an empty namespace')
    .action(action(() => import('./commands/namespace.js').then((m) => m.namespaceDrop as Action)));

  program
    .command('query')
    .argument(
      '<sql>',
      'a SELECT over ns.table names; time travel with AT (VERSION => id) or AT (TIMESTAMP => ...)',
    )
    .option('--limit <n>', 'at most this many rows', (v) => Number.parseInt(v, 10))
    .description('run SQL over tables as the local administrator')
    .action(action(() => import('./commands/query.js').then((m) => m.queryCommand as Action)));

  return program;
}

async function main(argv: string[]): Promise<void> {
  const program = buildProgram();
  const json = argv.includes('--json');
  for (const c of [program, ...program.commands, ...program.commands.flatMap((c) => c.commands)]) {
    c.exitOverride();
    // With --json, usage errors are reported once, as the JSON error document below.
    if (json) c.configureOutput({ writeErr: () => undefined });
  }
  try {
    await program.parseAsync(argv);
  } catch (e) {
    if (e instanceof CommanderError) {
      // Help and version are successes; every other commander error is a usage error (exit 2).
      process.exitCode =
        e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help'
          ? 0
          : 2;
      if (json && process.exitCode === 2) {
        process.stderr.write(
          `${JSON.stringify({ error: { code: 'usage', message: e.message.replace(/^error: /, '') } })}\n`,
        );
      }
      return;
    }
    process.exitCode = reportError(e, json);
  }
}

await main(process.argv);
