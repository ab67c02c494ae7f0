/**
 * `lake`: the Lakekit command line. Commands load their modules lazily, so `lake --help` and light
 * commands start without DuckDB, the AWS SDK or database drivers. Exit codes: 0 success, 1 failure,
 * 2 usage or configuration error; `--json` failures print `{"error":{…}}` to stderr.
 */
import { timing, UsageError } from '@lakekit/core';
import { Command, CommanderError, Option } from 'commander';
import { CommandContext, type GlobalOptions } from './context.js';
import { reportError } from './report-error.js';

type Action = (ctx: CommandContext, ...args: unknown[]) => Promise<number | undefined>;

/**
 * Wraps a lazily imported command action with context creation, error reporting and exit codes.
 * Only governance commands (`actsAs`) honour `--as`; the others refuse it rather than ignore it.
 */
function action(load: () => Promise<Action>, options: { actsAs?: boolean } = {}) {
  return async (...args: unknown[]) => {
    const command = args[args.length - 1] as Command;
    const globals = command.optsWithGlobals() as GlobalOptions & { as?: string };
    let ctx: CommandContext | undefined;
    let code = 0;
    try {
      if (globals.as !== undefined && !options.actsAs) {
        throw new UsageError(
          `--as ${globals.as}: lake ${command.parent?.name() === 'lake' ? '' : `${command.parent?.name()} `}${command.name()} runs as the local administrator (--as applies to governance commands)`,
        );
      }
      ctx = await CommandContext.create(globals);
      code = (await (await load())(ctx, ...args.slice(0, -1))) ?? 0;
    } catch (e) {
      code = reportError(e, globals.json === true);
    } finally {
      await ctx?.close().catch(() => undefined);
    }
    timing('closed');
    process.exitCode = code;
  };
}

export function buildProgram(): Command {
  const program = new Command('lake')
    .description('Lakekit: load sources into Apache Iceberg tables, and query them.')
    .version('0.1.0')
    .option(
      '-c, --config <file>',
      'configuration file (default: ./lakekit.yaml, else embedded defaults under ./.lakekit/)',
    )
    .option('--json', 'print exactly one JSON document on stdout')
    .option(
      '--as <principal>',
      'governance commands: act as this principal instead of the local administrator (to try what it may do)',
    )
    .showHelpAfterError()
    .exitOverride();

  program
    .command('load')
    .description('load CSV, JSONL or Parquet files into a table (created with its namespace when missing)')
    .argument('<files...>', 'files, globs or s3:// URIs')
    .requiredOption('-t, --table <ns.table>', 'target table')
    .addOption(
      new Option(
        '-m, --mode <mode>',
        'append rows; replace all rows atomically; merge (upsert) by --key; overwrite the rows matching --where; delete the rows whose --key is in the file',
      )
        .choices(['append', 'replace', 'merge', 'overwrite', 'delete'])
        .default('append'),
    )
    .option(
      '-p, --partition-by <spec>',
      'partition spec, e.g. "day(created_at), bucket(16, id)" (evolves an existing table)',
    )
    .option(
      '-w, --where <predicate>',
      'for --mode overwrite: SQL predicate selecting the rows the file replaces',
    )
    .option('-k, --key <columns>', 'key columns for --mode merge (comma-separated)', (v) =>
      v
        .split(',')
        .map((c) => c.trim())
        .filter((c) => c !== ''),
    )
    .addOption(
      new Option('--format <format>', 'file format (default: by extension)').choices([
        'csv',
        'jsonl',
        'parquet',
      ]),
    )
    .option('--delimiter <char>', 'CSV delimiter (default: detected)')
    .option('-b, --branch <name>', 'commit to this branch of the table instead of main (it must exist)')
    .option('--evolve', 'add file columns the table lacks as new optional columns')
    .action(action(() => import('./commands/load.js').then((m) => m.loadCommand as Action)));

  const collect = (v: string, prev: string[] = []) => [...prev, v];
  program
    .command('run')
    .description(
      'run a pipeline: extract its streams, write them, check them and publish (exit 3: a quality gate blocked publishing)',
    )
    .argument('<pipeline>', 'pipeline name (pipelines: in the config file)')
    .option('--full-refresh', 'ignore stored cursors and rebuild the tables from the whole source')
    .option('-s, --stream <name>', 'only this stream (repeatable)', collect)
    .option(
      '--log-level <level>',
      'JSON log lines on stderr from this level (default warn; LAKEKIT_LOG_LEVEL)',
    )
    .action(action(() => import('./commands/pipelines.js').then((m) => m.runCommand as Action)));
  const runs = program
    .command('runs')
    .description('list pipeline runs, newest first')
    .argument('[pipeline]', 'only runs of this pipeline')
    .option('-n, --limit <n>', 'how many (default 20)')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.runsList as Action)));
  runs
    .command('show')
    .description('one run: streams, rows, snapshots, cursors, checks')
    .argument('<id>', 'run id (or a unique prefix)')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.runsShow as Action)));
  program
    .command('schedule')
    .description('run pipelines on their cron schedules until SIGTERM (--once: run what is due and exit)')
    .option(
      '--once',
      'run the pipelines that are due now, then exit (for cron, Kubernetes CronJobs, Airflow)',
    )
    .option('--concurrency <n>', 'pipelines run at once (default 2)')
    .option('--log-level <level>', 'JSON log lines on stderr from this level (default info; --once: warn)')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.scheduleCommand as Action)));
  const pipeline = program.command('pipeline').description('declared pipelines');
  pipeline
    .command('list')
    .description('pipelines with their schedules and next run times')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.pipelineList as Action)));
  const source = program.command('source').description('configured sources');
  source
    .command('list')
    .description('sources of the config file (credentials hidden)')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.sourceList as Action)));
  source
    .command('test')
    .description('connect to a source and report its version')
    .argument('<name>', 'source name')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.sourceTest as Action)));
  source
    .command('discover')
    .description('list the streams of a source and print (or --write) a pipeline skeleton')
    .argument('<name>', 'source name')
    .option('-w, --write <file>', 'write the skeleton to this new file')
    .action(action(() => import('./commands/pipelines.js').then((m) => m.sourceDiscover as Action)));

  const table = program.command('table').description('inspect and manage tables');
  table
    .command('list')
    .argument('[namespace]', 'namespace (default: all)')
    .description('list tables')
    .action(action(() => import('./commands/table.js').then((m) => m.tableList as Action)));
  table
    .command('delete')
    .argument('<table>', 'ns.table')
    .requiredOption(
      '-w, --where <predicate>',
      'SQL predicate over the table columns selecting the rows to delete',
    )
    .description('delete rows (marked with position delete files; files that lose most rows are rewritten)')
    .action(action(() => import('./commands/table-delete.js').then((m) => m.tableDelete as Action)));
  table
    .command('alter')
    .argument('<table>', 'ns.table')
    .argument('<action>', 'add-column, rename-column, drop-column, move-column, widen-column, make-optional')
    .argument('[args...]', "the action's column name(s) and type")
    .option('--first', 'add-column/move-column: put the column first')
    .option('--after <column>', 'add-column/move-column: put the column after this sibling')
    .option('--before <column>', 'add-column/move-column: put the column before this sibling')
    .option('--doc <text>', 'add-column: documentation of the new column')
    .description('evolve the schema by field id (data files are not rewritten)')
    .addHelpText(
      'after',
      `
Actions (nested fields by dotted path, e.g. address.zip; types as Iceberg writes them):
  add-column <name> <type> [--first|--after col|--before col] [--doc text]   (added as optional)
  rename-column <name> <new-name>
  drop-column <name>
  move-column <name> --first|--after col|--before col
  widen-column <name> <type>     int → long, float → double, decimal(P, S) → decimal(P2, S)
  make-optional <name>
`,
    )
    .action(action(() => import('./commands/table-alter.js').then((m) => m.tableAlter as Action)));
  table
    .command('show')
    .argument('<table>', 'ns.table')
    .description('schema, location and current snapshot of a table')
    .action(action(() => import('./commands/table.js').then((m) => m.tableShow as Action)));
  table
    .command('history')
    .argument('<table>', 'ns.table')
    .option('-b, --branch <name>', 'mark the history of this branch instead of main')
    .description('snapshots of a table, oldest first')
    .action(action(() => import('./commands/table.js').then((m) => m.tableHistory as Action)));
  table
    .command('rollback')
    .argument('<table>', 'ns.table')
    .requiredOption('--to <snapshot-id>', 'snapshot to make current')
    .description('point the table back at an earlier snapshot')
    .action(action(() => import('./commands/table.js').then((m) => m.tableRollback as Action)));
  const refs = () => import('./commands/table-refs.js');
  table
    .command('branch')
    .argument('<table>', 'ns.table')
    .argument('<name>', 'branch name (letters, digits, _ - .)')
    .option('--from <snapshot-id>', "snapshot to start at (default: main's current snapshot)")
    .option('--max-ref-age-ms <ms>', 'retention: how long the branch itself is kept')
    .option('--max-snapshot-age-ms <ms>', 'retention: how long snapshots of the branch are kept')
    .option('--min-snapshots-to-keep <n>', 'retention: snapshots of the branch always kept')
    .description('create a branch (commit to it with lake load --branch)')
    .action(action(() => refs().then((m) => m.tableBranch as Action)));
  table
    .command('tag')
    .argument('<table>', 'ns.table')
    .argument('<name>', 'tag name (letters, digits, _ - .)')
    .option('--snapshot <snapshot-id>', "snapshot to tag (default: main's current snapshot)")
    .option('--max-ref-age-ms <ms>', 'retention: how long the tag is kept')
    .description('create a tag: a name for one snapshot')
    .action(action(() => refs().then((m) => m.tableTag as Action)));
  table
    .command('refs')
    .argument('<table>', 'ns.table')
    .description('list the branches and tags of a table')
    .action(action(() => refs().then((m) => m.tableRefs as Action)));
  table
    .command('drop-ref')
    .argument('<table>', 'ns.table')
    .argument('<name>', 'branch or tag (not main)')
    .description('drop a branch or tag')
    .action(action(() => refs().then((m) => m.tableDropRef as Action)));
  table
    .command('fast-forward')
    .argument('<table>', 'ns.table')
    .requiredOption('--to <ref>', 'branch (or tag) whose head to move to')
    .option('--branch <name>', 'branch to move', 'main')
    .description("move a branch to another ref's head when that is a fast-forward (publish an audit branch)")
    .action(action(() => refs().then((m) => m.tableFastForward as Action)));
  const maintenance = () => import('./commands/table-maintenance.js');
  table
    .command('expire')
    .argument('<table>', 'ns.table')
    .option('--older-than <age>', 'expire snapshots older than this (7d, 12h, 30m; default: policy, else 5d)')
    .option('--retain-last <n>', "always keep this many of each branch's newest snapshots (default 1)")
    .option('--dry-run', 'list what would be expired and deleted, change nothing')
    .description('expire old snapshots (never what a branch or tag keeps); delete the files only they used')
    .action(action(() => maintenance().then((m) => m.tableExpire as Action)));
  table
    .command('remove-orphans')
    .argument('<table>', 'ns.table')
    .option('--older-than <age>', 'only files older than this (default: policy, else 3d)')
    .option('--dry-run', 'list the orphan files, delete nothing')
    .description('delete files under the table location that no snapshot or metadata file references')
    .action(action(() => maintenance().then((m) => m.tableRemoveOrphans as Action)));
  table
    .command('rewrite-manifests')
    .argument('<table>', 'ns.table')
    .description("merge the current snapshot's small manifests into fewer (no data change)")
    .action(action(() => maintenance().then((m) => m.tableRewriteManifests as Action)));
  table
    .command('compact')
    .argument('<table>', 'ns.table')
    .option('--target-file-size <size>', 'size to pack data files up to (default: policy, else 128MB)')
    .description('rewrite small data files, and files thinned out by deletes, into fewer larger ones')
    .action(action(() => maintenance().then((m) => m.tableCompact as Action)));
  table
    .command('maintain')
    .argument('<table>', 'ns.table')
    .description("run the table's maintenance policy (lakekit.yaml maintenance:, else the defaults)")
    .action(action(() => maintenance().then((m) => m.tableMaintain as Action)));
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
      "a SELECT over ns.table names; time travel with AT (VERSION => id), AT (VERSION => 'branch-or-tag') or AT (TIMESTAMP => ...)",
    )
    .option('--limit <n>', 'at most this many rows', (v) => Number.parseInt(v, 10))
    .option('--timeout <duration>', 'stop the query after this long (default 30s; query.timeout)')
    .option('--require-healthy', 'refuse the answer when an input failed an error check or is stale')
    .option('--receipt <file>', 'also write the answer receipt to this file (JSON)')
    .description(
      'run a governed query (with --as, as that principal: its grants, masks and row filters) and print it with its receipt',
    )
    .action(
      action(() => import('./commands/query.js').then((m) => m.queryCommand as Action), { actsAs: true }),
    );

  const receipt = program.command('receipt').description('answer receipts: show, explain and verify them');
  receipt
    .command('show')
    .argument('<receipt>', 'a receipt file (JSON) or a receipt id')
    .option('--explain', 'in plain words')
    .description('print a receipt')
    .action(action(() => import('./commands/query.js').then((m) => m.receiptShow as Action)));
  receipt
    .command('verify')
    .argument('<receipt>', 'a receipt file (JSON) or a receipt id')
    .description(
      "rerun the receipt's query at its pinned snapshots and confirm the result hash (exit 1 if not)",
    )
    .action(action(() => import('./commands/query.js').then((m) => m.receiptVerify as Action)));

  const verify = program.command('verify').description('checks on answers');
  verify
    .command('consistency')
    .argument('<sql>', 'a governed query')
    .option('--runs <n>', 'how many times to ask (default 20)')
    .description(
      'ask the same question repeatedly at the same snapshots; exit 1 unless all answers are identical',
    )
    .action(
      action(() => import('./commands/query.js').then((m) => m.verifyConsistency as Action), {
        actsAs: true,
      }),
    );

  registerGovernance(program, collect);
  return program;
}

/** Governance, lineage, quality, audit and the server: `lake principal|role|grant|…|serve`. */
function registerGovernance(program: Command, collect: (v: string, prev?: string[]) => string[]): void {
  const acting = (load: () => Promise<Action>) => action(load, { actsAs: true });
  const answer = program.command('answer').description('flag answers that look wrong; list the flags');
  answer
    .command('flag')
    .argument('<receipt>', 'the receipt id of the answer')
    .requiredOption('--reason <text>', 'what looks wrong')
    .description(
      "flag an answer: audited, the inputs' owners notified (notifications.webhook), lineage listed",
    )
    .action(
      action(() => import('./commands/query.js').then((m) => m.answerFlag as Action), { actsAs: true }),
    );
  answer
    .command('flags')
    .argument('[receipt]', 'only the flags of this answer')
    .description('flags raised on answers, newest first')
    .action(action(() => import('./commands/query.js').then((m) => m.answerFlags as Action)));

  const metrics = program.command('metrics').description('the semantic layer: metrics in business words');
  metrics
    .command('list')
    .description('metrics of the semantic models (semantic/*.yaml next to the configuration)')
    .action(action(() => import('./commands/metrics.js').then((m) => m.metricsList as Action)));
  metrics
    .command('query')
    .argument('<metric...>', 'metric names or business words')
    .option(
      '--by <dimension...>',
      'break down by these dimensions (entity.dimension, or time_dimension.grain)',
    )
    .option(
      '--where <filter>',
      'a filter in the documented grammar (docs/semantic.md); synonyms and relative periods allowed',
    )
    .option('--grain <grain>', 'grain of time dimensions without one: day, week, month, quarter or year')
    .option(
      '--as-of <date>',
      'the date relative periods ("last quarter") resolve against (default today, UTC)',
    )
    .option('--order-by <field...>', 'metric or dimension, optionally with :desc or :asc')
    .option('--limit <n>', 'at most this many rows', (v) => Number.parseInt(v, 10))
    .option('--sql', 'print the compiled SQL instead of running it')
    .option('--receipt <file>', 'also write the answer receipt to this file (JSON)')
    .description('answer a metric question through the governed query layer (with --as, as that principal)')
    .action(
      action(() => import('./commands/metrics.js').then((m) => m.metricsQuery as Action), { actsAs: true }),
    );

  program
    .command('mcp')
    .option(
      '--token-env <variable>',
      'authenticate with the Lakekit token in this environment variable (default LAKEKIT_TOKEN)',
    )
    .description(
      'serve the Model Context Protocol on stdio for an AI agent, as a principal (--as, or a token)',
    )
    .action(action(() => import('./commands/mcp.js').then((m) => m.mcpCommand as Action), { actsAs: true }));

  const principals = () => import('./commands/principals.js');
  const gov = () => import('./commands/governance.js');
  const principal = program.command('principal').description('users and service accounts, and their tokens');
  principal
    .command('create')
    .argument('<name>', 'lowercase name: letters, digits, _ . @ -')
    .option('--kind <kind>', 'user or service', 'user')
    .option('--attr <key=value>', 'attribute for row filters (repeatable)', collect)
    .description('create a principal')
    .action(acting(() => principals().then((m) => m.principalCreate as Action)));
  principal
    .command('list')
    .description('principals with their roles and attributes')
    .action(acting(() => principals().then((m) => m.principalList as Action)));
  principal
    .command('show')
    .argument('<name>')
    .description('a principal with its tokens and direct grants')
    .action(acting(() => principals().then((m) => m.principalShow as Action)));
  principal
    .command('update')
    .argument('<name>')
    .option('--attr <key=value>', 'set an attribute (repeatable)', collect)
    .option('--unset-attr <key>', 'remove an attribute (repeatable)', collect)
    .option('--disable', 'refuse its tokens')
    .option('--enable', 'accept its tokens again')
    .description("change a principal's attributes or disable it")
    .action(acting(() => principals().then((m) => m.principalUpdate as Action)));
  principal
    .command('delete')
    .argument('<name>')
    .description('delete a principal with its tokens, memberships and direct grants')
    .action(acting(() => principals().then((m) => m.principalDelete as Action)));
  const token = principal.command('token').description('API tokens (shown once; only hashes are stored)');
  token
    .command('issue')
    .argument('<principal>')
    .option('--name <name>', 'what the token is for')
    .option('--ttl <duration>', 'expires after this long (90s, 15m, 12h, 30d)')
    .option('--expires-at <time>', 'expires at this ISO-8601 time')
    .description('issue a token and print it (once)')
    .action(acting(() => principals().then((m) => m.tokenIssue as Action)));
  token
    .command('list')
    .argument('<principal>')
    .description("a principal's tokens (ids, never secrets)")
    .action(acting(() => principals().then((m) => m.tokenList as Action)));
  token
    .command('revoke')
    .argument('<id>', 'token id')
    .description('revoke a token')
    .action(acting(() => principals().then((m) => m.tokenRevoke as Action)));
  token
    .command('rotate')
    .argument('<id>', 'token id')
    .option('--grace <duration>', 'the old token keeps working this long (default 0)')
    .description('issue a replacement token; the old one expires after the grace period')
    .action(acting(() => principals().then((m) => m.tokenRotate as Action)));

  const role = program
    .command('role')
    .description('roles: grants, masks and row filters apply to their members');
  role
    .command('create')
    .argument('<name>')
    .option('--description <text>')
    .description('create a role')
    .action(acting(() => principals().then((m) => m.roleCreate as Action)));
  role
    .command('list')
    .description('roles and their members')
    .action(acting(() => principals().then((m) => m.roleList as Action)));
  role
    .command('delete')
    .argument('<name>')
    .description('delete a role with its memberships, grants, masks, row filters and tag policies')
    .action(acting(() => principals().then((m) => m.roleDelete as Action)));
  role
    .command('add-member')
    .argument('<role>')
    .argument('<principal>')
    .description('make a principal a member of a role')
    .action(acting(() => principals().then((m) => m.roleAddMember as Action)));
  role
    .command('remove-member')
    .argument('<role>')
    .argument('<principal>')
    .description('remove a principal from a role')
    .action(acting(() => principals().then((m) => m.roleRemoveMember as Action)));

  const securableHelp = 'catalog, namespace:<ns>, table:<ns.table> or column:<ns.table.column>';
  program
    .command('grant')
    .argument('<privilege>', 'USAGE, SELECT, MODIFY or MANAGE')
    .argument('<securable>', securableHelp)
    .argument('<grantee>', 'principal:<name> or role:<name>')
    .description('grant a privilege (it covers everything below the securable, present and future)')
    .action(acting(() => gov().then((m) => m.grantCommand as Action)));
  program
    .command('revoke')
    .argument('<privilege>', 'USAGE, SELECT, MODIFY or MANAGE')
    .argument('<securable>', securableHelp)
    .argument('<grantee>', 'principal:<name> or role:<name>')
    .description('revoke a grant')
    .action(acting(() => gov().then((m) => m.revokeCommand as Action)));
  program
    .command('grants')
    .option('--on <securable>', `only grants on this securable (${securableHelp})`)
    .option('--to <grantee>', 'only grants to this principal:<name> or role:<name>')
    .description('list grants')
    .action(acting(() => gov().then((m) => m.grantsList as Action)));

  const maskOptions = (c: Command) =>
    c
      .requiredOption('--kind <kind>', 'redact, hash, partial, null or sql')
      .option('--keep-last <n>', 'partial: characters kept at the end (default 4)')
      .option('--keep-first <n>', 'partial: characters kept at the start (default 0)')
      .option('--expression <sql>', "sql: a DuckDB expression over the table's columns");
  const mask = program.command('mask').description('column masks per role');
  maskOptions(
    mask
      .command('set')
      .argument('<table>', 'ns.table')
      .argument('<column>')
      .requiredOption('--role <role>', 'members of this role see the masked value'),
  )
    .description('mask a column for a role')
    .action(acting(() => gov().then((m) => m.maskSet as Action)));
  mask
    .command('drop')
    .argument('<table>', 'ns.table')
    .argument('<column>')
    .requiredOption('--role <role>')
    .description('drop a mask')
    .action(acting(() => gov().then((m) => m.maskDrop as Action)));
  mask
    .command('list')
    .argument('[table]', 'ns.table (default: all)')
    .description('list masks')
    .action(acting(() => gov().then((m) => m.maskList as Action)));

  const rowFilter = program.command('row-filter').description('row filters per role');
  rowFilter
    .command('set')
    .argument('<table>', 'ns.table')
    .argument(
      '<predicate>',
      'SQL over the table\'s columns and principal.<attribute>, e.g. "region = principal.region"',
    )
    .requiredOption('--role <role>', 'members of this role see only the rows it allows')
    .description('set the row filter of a role on a table')
    .action(acting(() => gov().then((m) => m.rowFilterSet as Action)));
  rowFilter
    .command('drop')
    .argument('<table>', 'ns.table')
    .requiredOption('--role <role>')
    .description('drop a row filter')
    .action(acting(() => gov().then((m) => m.rowFilterDrop as Action)));
  rowFilter
    .command('list')
    .argument('[table]', 'ns.table (default: all)')
    .description('list row filters')
    .action(acting(() => gov().then((m) => m.rowFilterList as Action)));

  const tag = program.command('tag').description('tags on tables and columns (dotted names: pii.email)');
  tag
    .command('add')
    .argument('<target>', 'ns.table or ns.table.column')
    .argument('<tag>')
    .description('tag a table or column')
    .action(acting(() => gov().then((m) => m.tagAdd as Action)));
  tag
    .command('remove')
    .argument('<target>', 'ns.table or ns.table.column')
    .argument('<tag>')
    .description('remove a tag')
    .action(acting(() => gov().then((m) => m.tagRemove as Action)));
  tag
    .command('list')
    .argument('[table]', 'ns.table (default: all)')
    .description('list tags')
    .action(acting(() => gov().then((m) => m.tagList as Action)));

  const policy = program.command('policy').description('tag policies: a mask for every column with a tag');
  maskOptions(
    policy
      .command('set')
      .argument('<name>', 'policy name, e.g. pii-hash-analyst')
      .requiredOption('--tag <tag>', 'columns tagged this (or below it: pii covers pii.email)')
      .requiredOption('--role <role>', 'members of this role see the masked value'),
  )
    .description('create or replace a tag policy')
    .action(acting(() => gov().then((m) => m.policySet as Action)));
  policy
    .command('drop')
    .argument('<name>')
    .description('drop a tag policy')
    .action(acting(() => gov().then((m) => m.policyDrop as Action)));
  policy
    .command('list')
    .description('list tag policies')
    .action(acting(() => gov().then((m) => m.policyList as Action)));

  const access = program.command('access').description('what principals may see, and access requests');
  access
    .command('explain')
    .argument('<table>', 'ns.table')
    .requiredOption('--principal <name>')
    .description('columns visible, masked or hidden and the rows a principal sees, with the reasons')
    .action(acting(() => gov().then((m) => m.accessExplain as Action)));
  access
    .command('request')
    .argument('<table>', 'ns.table')
    .requiredOption('--reason <text>')
    .description('ask for SELECT on a table (as --as <principal>)')
    .action(acting(() => gov().then((m) => m.accessRequest as Action)));
  access
    .command('approve')
    .argument('<id>', 'request id')
    .option('--comment <text>')
    .description('approve a request: grants SELECT on the table to the requester')
    .action(acting(() => gov().then((m) => m.accessApprove as Action)));
  access
    .command('deny')
    .argument('<id>', 'request id')
    .option('--comment <text>')
    .description('deny a request')
    .action(acting(() => gov().then((m) => m.accessDeny as Action)));
  access
    .command('requests')
    .option('--status <status>', 'pending, approved or denied')
    .option('--table <ns.table>')
    .option('--principal <name>')
    .description('list access requests')
    .action(acting(() => gov().then((m) => m.accessRequests as Action)));

  program
    .command('describe')
    .argument('<table>', 'ns.table')
    .option('--column <name>', 'describe this column instead of the table')
    .option('--description <text>', "set the description ('' clears it)")
    .option('--owner <grantee>', "set the table's owner: principal:<name> or role:<name> ('' clears it)")
    .option('--term <term>', 'glossary term (repeatable; replaces the terms)', collect)
    .description('show or set the description, owner and glossary terms of a table or column')
    .action(acting(() => gov().then((m) => m.describeCommand as Action)));

  const lineage = program.command('lineage').description('lineage recorded by pipeline runs (OpenLineage)');
  lineage
    .command('show')
    .argument('<table>', 'ns.table')
    .option('--depth <n>', 'hops to follow (default 3)')
    .addOption(
      new Option('--direction <dir>', 'upstream, downstream or both').choices(['up', 'down', 'both']),
    )
    .addOption(new Option('--format <format>', 'output (default text)').choices(['text', 'mermaid', 'dot']))
    .description("a table's upstream sources and downstream tables, with column-level edges")
    .action(action(() => import('./commands/lineage.js').then((m) => m.lineageShow as Action)));
  program
    .command('quality')
    .argument('[table]', 'ns.table (default: every checked table)')
    .option('--history <n>', 'earlier results shown per check (default 5)')
    .description('table health from the latest result of each quality check')
    .action(action(() => import('./commands/lineage.js').then((m) => m.qualityCommand as Action)));

  const audit = program
    .command('audit')
    .option('--actor <name>')
    .option('--action <action>', 'e.g. grant.create')
    .option('--target <prefix>', 'e.g. table:crm.')
    .option('--outcome <outcome>', 'ok, denied or error')
    .option('--since <time>', 'ISO-8601 time or an age (30m, 12h, 7d)')
    .option('--until <time>', 'ISO-8601 time or an age')
    .option('--limit <n>')
    .option('--jsonl', 'one JSON record per line')
    .description('the audit log, oldest first')
    .action(acting(() => import('./commands/audit.js').then((m) => m.auditList as Action)));
  audit
    .command('verify')
    .description('check the hash chain of the audit log (exit 1 naming edited or deleted records)')
    .action(acting(() => import('./commands/audit.js').then((m) => m.auditVerify as Action)));

  const governanceCmd = program
    .command('governance')
    .description('governance as code: one YAML file is the whole truth');
  governanceCmd
    .command('plan')
    .argument('<file>')
    .option(
      '--exit-code',
      'exit 4 when the catalog differs from the file (drift checks in CI), 0 when it matches',
    )
    .description('what apply would change')
    .action(acting(() => gov().then((m) => m.governancePlan as Action)));
  governanceCmd
    .command('apply')
    .argument('<file>')
    .description('make the catalog match the file (also removes what the file lacks)')
    .action(acting(() => gov().then((m) => m.governanceApply as Action)));
  governanceCmd
    .command('export')
    .argument('<file>', "file to write ('-': stdout)")
    .description("write the catalog's governance as a file")
    .action(acting(() => gov().then((m) => m.governanceExport as Action)));

  program
    .command('serve')
    .option('--port <port>', 'port to listen on', '8181')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .description('serve the governance API over HTTP (bearer tokens; OpenAPI 3.1 at /api/openapi.json)')
    .action(action(() => import('./commands/serve.js').then((m) => m.serveCommand as Action)));

  program
    .command('init')
    .description(
      'create (or migrate) the catalog and its bootstrap administrator `admin`; its first token is shown once and saved to .lakekit/admin-token',
    )
    .action(action(() => import('./commands/serve.js').then((m) => m.initCommand as Action)));
}

/** Runs the `lake` command line on `argv` (as process.argv: node, script, arguments). */
export async function main(argv: string[]): Promise<void> {
  timing('cli loaded');
  const program = buildProgram();
  const json = argv.includes('--json');
  const all = (c: Command): Command[] => [c, ...c.commands.flatMap(all)];
  for (const c of all(program)) {
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
