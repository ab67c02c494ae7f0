/**
 * Governed queries: SQL from a principal, answered over its secure views only, repeatably, with a
 * receipt.
 *
 * How one query runs:
 * 1. DuckDB's parser turns the SQL into a tree (`json_serialize_sql`); the guard (guard.ts) accepts
 *    one read-only SELECT over `ns.table` names with allowed functions only.
 * 2. Each table reference resolves to one snapshot (current, `AT (VERSION => …)`,
 *    `AT (TIMESTAMP => …)`, or pinned by a receipt) and is replaced by a CTE holding the caller's
 *    secure view of that snapshot (policy-sql.ts).
 * 3. The bound plan is checked: it may read nothing but Parquet files of those snapshots, and it
 *    decides the evaluation: `parallel` when the answer cannot depend on thread scheduling,
 *    otherwise `sequential` (one thread, a fixed order: floating-point sums, order-sensitive
 *    aggregates, window functions and inner LIMITs give the same answer every time).
 * 4. The root query gets a total order (its own ORDER BY, then every output column) and the row
 *    limit; it runs in a DuckDB used only for governed reads: no file access outside the warehouse
 *    and the remote-file cache, no network, extensions off, configuration locked.
 * 5. The answer gets a receipt (receipt.ts), stored in the catalog; every query, allowed or refused,
 *    is audited.
 */
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { DuckDBConnection, DuckDBInstance } from '@duckdb/node-api';
import {
  type Actor,
  type Catalog,
  canonicalJson,
  type EffectiveAccess,
  type GovernanceSnapshot,
  lineageGraph,
  type QualityRecord,
  tableHealth,
} from '@lakekit/catalog';
import {
  ForbiddenError,
  LakeError,
  parseJson,
  QueryCancelledError,
  quoteIdent,
  quoteLiteral,
  stringifyJson,
  type TableIdentifier,
  UnhealthyInputError,
  UsageError,
} from '@lakekit/core';
import {
  ancestorIds,
  type Engine,
  planScan,
  readSql as readSnapshotSql,
  type Schema,
  type SnapshotJson,
  type SnapshotSelector,
  schemaById,
  type Table,
} from '@lakekit/iceberg';
import { selectorOf } from '../admin-query.js';
import { toJsonValue } from '../json-values.js';
import { type ParsedSql, parseSql, type TableRefNode } from '../table-references.js';
import { checkSqlText, guardQuery } from './guard.js';
import { columnPolicies, type SnapshotColumn, secureSelect } from './policy-sql.js';
import { explainReceipt, type Receipt, type ReceiptTable, receiptId, resultHash, sha256 } from './receipt.js';

/** How the governed engine is set up. */
export interface GovernedEngineOptions {
  catalog: Catalog;
  /** Threads of the parallel instance (default: DuckDB's, the number of cores). */
  threads?: number;
  /**
   * Directories the governed DuckDB may read files from (default: the warehouse when local, and the
   * cache of remote files, `os.tmpdir()/lakekit-cache`).
   */
  allowedDirectories?: string[];
  /** Rows returned when the caller gives no limit (default 10,000). */
  defaultLimit?: number;
  /** Most rows a caller may ask for (default 1,000,000). */
  maxLimit?: number;
  /** Time limit when the caller gives none (default 30 s), and the most a caller may ask for (10 min). */
  defaultTimeoutMs?: number;
  maxTimeoutMs?: number;
  /** How long the snapshots a receipt names are kept from expiry (default 30 days). */
  receiptRetentionDays?: number;
  /** An input whose snapshot is older than this is stale (default: only freshness checks decide). */
  maxStalenessSeconds?: number;
  /** DuckDB memory limit of each governed instance, e.g. `4GB` (default DuckDB's). */
  memoryLimit?: string;
  /** Reuse compiled queries (default true; the benchmark turns it off to time compilation). */
  planCache?: boolean;
}

/** Options of one query. */
export interface GovernedQueryOptions {
  limit?: number;
  timeoutMs?: number;
  signal?: AbortSignal;
  /** Refuse the answer when an input failed an `error` check or is stale. */
  requireHealthy?: boolean;
  /**
   * Snapshot (and schema) per table reference, in the order the references appear (what a receipt
   * pins); a null snapshot reads an empty table. The schema defaults to the snapshot's own.
   */
  pins?: readonly Pin[];
  /** Store the receipt and audit the query (default true). */
  record?: boolean;
  /** With `record`, also store the receipt (default true; a verification only audits). */
  storeReceipt?: boolean;
  /** The audit action (default `query.run`). */
  auditAction?: string;
  /**
   * What the SQL answers, recorded in the receipt (e.g. the semantic layer's metric request with
   * the date relative periods were resolved against).
   */
  context?: Record<string, unknown>;
}

/** A compiled query, reusable while governance and the tables' pointers stay the same. */
interface CompiledPlan {
  /** The final SQL (secure views, total order), without the row limit. */
  sql: string;
  normalizedSql: string;
  rootLimit: boolean;
  sequential: boolean;
  governanceSeq: number | undefined;
  refs: {
    receipt: ResolvedRef['receipt'];
    table: Table;
    location: string;
    snapshot: SnapshotJson | undefined;
  }[];
}

/** The plan cache key of a question. */
function planKey(caller: Actor, sql: string, pins: readonly Pin[] | undefined): string {
  return canonicalJson([caller.name, caller.localAdmin === true, sql, pins ?? null]);
}

/** What a receipt pins for one table reference. */
export interface Pin {
  snapshotId: string | null;
  schemaId?: number;
}

/** A governed answer. */
export interface GovernedAnswer {
  columns: { name: string; type: string }[];
  rows: unknown[][];
  truncated: boolean;
  receipt: Receipt;
}

/** One table reference after resolution. */
interface ResolvedRef {
  node: TableRefNode;
  name: string;
  /** The receipt entry, but for quality and lineage (taken on every answer). */
  receipt: Omit<ReceiptTable, 'quality' | 'lineage'>;
  table: Table;
  snapshot: SnapshotJson | undefined;
  /** The CTE name of the secure view (same table, snapshot and policies: same name) and its SQL. */
  cte: string;
  sql: string;
}

const SEQUENTIAL_AGGREGATES = new Set([
  // Their result depends on the order rows arrive in.
  'any_value',
  'arbitrary',
  'first',
  'last',
  'list',
  'array_agg',
  'string_agg',
  'group_concat',
  'listagg',
  'json_group_array',
  'json_group_object',
  'arg_max',
  'arg_min',
  'argmax',
  'argmin',
  'arg_max_null',
  'arg_min_null',
  'arg_max_nulls_last',
  'arg_min_nulls_last',
  'max_by',
  'min_by',
  'mode',
  'approx_quantile',
  // Floating-point accumulation: the combining order changes the last bits.
  'stddev',
  'stddev_pop',
  'stddev_samp',
  'variance',
  'var_pop',
  'var_samp',
  'corr',
  'covar_pop',
  'covar_samp',
  'regr_avgx',
  'regr_avgy',
  'regr_intercept',
  'regr_r2',
  'regr_slope',
  'regr_sxx',
  'regr_sxy',
  'regr_syy',
  'kurtosis',
  'kurtosis_pop',
  'skewness',
  'sem',
  'favg',
  'fsum',
  'kahan_sum',
  'sumkahan',
  'product',
  'geomean',
  'geometric_mean',
  'wavg',
  'weighted_avg',
  'entropy',
]);
/** Exact for integers and decimals, order-sensitive for FLOAT and DOUBLE arguments. */
const FLOAT_SENSITIVE_AGGREGATES = new Set(['sum', 'avg', 'mean', 'sum_no_overflow']);
const FLOAT_TYPES = new Set(['FLOAT', 'DOUBLE']);
/** What the plan may read: Parquet files (of the snapshots) and generated series. */
const ALLOWED_SCANS = new Set(['read_parquet', 'parquet_scan', 'range', 'generate_series', 'unnest']);

const DAY_MS = 86_400_000;

function nowIso(): string {
  return new Date().toISOString();
}

/** An Engine over one connection of an instance (what parse and planning helpers take). */
function engineOf(instance: DuckDBInstance, conn: DuckDBConnection): Engine {
  return {
    instance,
    conn,
    async all(sql) {
      const reader = await conn.runAndReadAll(sql);
      return reader.getRowObjectsJson() as Record<string, unknown>[];
    },
    async run(sql) {
      await conn.run(sql);
    },
    close() {
      conn.closeSync();
    },
  };
}

/** Governed queries over one catalog. */
export class GovernedQueryEngine {
  private readonly tableCache = new Map<string, { location: string; table: Table }>();
  private readonly readSqlCache = new Map<string, string>();
  private readonly lineageCache = new Map<string, ReceiptTable['lineage']>();
  private readonly qualityCache = new Map<string, { at: number; records: QualityRecord[] }>();
  private secretPromise?: Promise<Buffer>;

  private constructor(
    readonly catalog: Catalog,
    private readonly parallel: DuckDBInstance,
    private readonly sequential: DuckDBInstance,
    private readonly reservedNames: ReadonlySet<string>,
    private readonly options: GovernedEngineOptions,
  ) {}

  /** Opens the two governed DuckDB instances (parallel and sequential), each locked. */
  static async open(options: GovernedEngineOptions): Promise<GovernedQueryEngine> {
    const { DuckDBInstance } = (await import('@duckdb/node-api')).default;
    const dirs = options.allowedDirectories ?? defaultAllowedDirectories(options.catalog.warehouse);
    const open = async (threads: number | undefined) => {
      const settings: Record<string, string> = {
        autoinstall_known_extensions: 'false',
        autoload_known_extensions: 'false',
      };
      if (threads !== undefined) settings['threads'] = String(threads);
      if (options.memoryLimit) settings['memory_limit'] = options.memoryLimit;
      const instance = await DuckDBInstance.create(':memory:', settings);
      const conn = await instance.connect();
      try {
        await conn.run("SET TimeZone = 'UTC'");
        // Footers of the snapshots' files are read once, not on every query.
        await conn.run('SET parquet_metadata_cache = true');
        const list = dirs.map((d) => quoteLiteral(d.endsWith('/') ? d : `${d}/`)).join(', ');
        await conn.run(`SET allowed_directories = [${list}]`);
        await conn.run('SET enable_external_access = false');
        await conn.run('SET lock_configuration = true');
      } finally {
        conn.closeSync();
      }
      return instance;
    };
    const parallel = await open(options.threads);
    const sequential = await open(1);
    // Names a CTE may not take: every table and view DuckDB itself knows (system views included).
    const conn = await parallel.connect();
    const reader = await conn.runAndReadAll(
      'SELECT lower(table_name) AS n FROM duckdb_tables() UNION SELECT lower(view_name) FROM duckdb_views()',
    );
    const reserved = new Set(reader.getRowObjectsJson().map((r) => String(r['n'])));
    conn.closeSync();
    return new GovernedQueryEngine(options.catalog, parallel, sequential, reserved, options);
  }

  close(): void {
    this.parallel.closeSync();
    this.sequential.closeSync();
  }

  private limits(options: GovernedQueryOptions): { limit: number; timeoutMs: number } {
    const maxLimit = this.options.maxLimit ?? 1_000_000;
    const limit = options.limit ?? this.options.defaultLimit ?? 10_000;
    if (!Number.isInteger(limit) || limit < 0 || limit > maxLimit)
      throw new UsageError(`limit must be a whole number from 0 to ${maxLimit} (got ${limit})`);
    const maxTimeout = this.options.maxTimeoutMs ?? 600_000;
    const timeoutMs = options.timeoutMs ?? this.options.defaultTimeoutMs ?? 30_000;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0 || timeoutMs > maxTimeout)
      throw new UsageError(`timeout must be more than 0 and at most ${maxTimeout} ms (got ${timeoutMs})`);
    return { limit, timeoutMs };
  }

  /**
   * Answers `sql` for `caller`. Refusals are ForbiddenError (the reason in the message), bad SQL a
   * UsageError, a time-out or cancellation QueryCancelledError; each is audited with its reason.
   */
  async query(caller: Actor, sql: string, options: GovernedQueryOptions = {}): Promise<GovernedAnswer> {
    const record = options.record ?? true;
    const action = options.auditAction ?? 'query.run';
    const started = performance.now();
    try {
      const answer = await this.answer(caller, sql, options);
      if (record) {
        const audit = {
          actor: caller.name,
          action,
          target: `receipt:${answer.receipt.id}`,
          outcome: 'ok' as const,
          detail: {
            sql: clip(sql),
            sqlHash: answer.receipt.sqlHash,
            tables: answer.receipt.tables.map((t) => ({ table: t.table, snapshotId: t.snapshotId })),
            rows: answer.receipt.result.rowCount,
            resultHash: answer.receipt.result.hash,
            warnings: answer.receipt.warnings,
            ms: Math.round(performance.now() - started),
          },
        };
        // The receipt and its audit record commit together.
        if (options.storeReceipt ?? true)
          await this.catalog.answers.saveReceipt(answer.receipt, answer.receipt.retainUntil, audit);
        else await this.catalog.governance.appendAudit(audit);
      }
      return answer;
    } catch (e) {
      if (record) {
        const denied = e instanceof ForbiddenError || e instanceof UnhealthyInputError;
        await this.catalog.governance
          .appendAudit({
            actor: caller.name,
            action,
            target: `query:${sha256(String(sql)).slice(0, 16)}`,
            outcome: denied ? 'denied' : 'error',
            detail: {
              sql: clip(String(sql)),
              reason: e instanceof Error ? e.message : String(e),
              ...(e instanceof LakeError ? { code: e.code } : {}),
            },
          })
          .catch(() => undefined);
      }
      throw e;
    }
  }

  private async answer(caller: Actor, sql: string, options: GovernedQueryOptions): Promise<GovernedAnswer> {
    checkSqlText(sql);
    const { limit, timeoutMs } = this.limits(options);
    if (options.signal?.aborted) throw new QueryCancelledError('cancelled', 'the query was cancelled');
    const createdAt = nowIso();
    const conn = await this.parallel.connect();
    const planner = engineOf(this.parallel, conn);
    // The time limit covers everything DuckDB does for the query: parsing, AT (…) clauses,
    // planning (constant folding runs there) and execution.
    const deadline = new Deadline(timeoutMs, options.signal);
    deadline.watch(conn);
    try {
      const snap = caller.localAdmin ? undefined : await this.catalog.governance.snapshot();
      if (snap && !snap.principal(caller.name))
        throw new ForbiddenError(`principal ${caller.name} does not exist`);
      const key = planKey(caller, sql, options.pins);
      let plan = await this.cachedPlan(key, snap);
      if (!plan) {
        plan = await this.compile(planner, caller, snap, sql, options.pins, deadline);
        this.remember(key, plan);
      }
      const tables: ReceiptTable[] = [];
      for (const r of plan.refs)
        tables.push({
          ...r.receipt,
          quality: await this.quality(r.table, r.receipt.table, r.snapshot),
          lineage: await this.lineage(r.table, r.snapshot),
        });
      const warnings = tables.flatMap((t) => [
        ...t.quality.failedChecks
          .filter((c) => c.severity === 'error')
          .map((c) => `input ${t.table} failed error check ${c.check}: ${c.message}`),
        ...(t.quality.freshness.stale
          ? [`input ${t.table} is stale (snapshot committed ${t.quality.freshness.committedAt ?? 'unknown'})`]
          : []),
      ]);
      if (options.requireHealthy && warnings.length > 0)
        throw new UnhealthyInputError(`answer refused: unhealthy input (${warnings.join('; ')})`, {
          context: { tables: tables.map((t) => t.table).join(', ') },
        });
      const text = plan.rootLimit
        ? `SELECT * FROM (${plan.sql}) AS __lk_out LIMIT ${limit + 1}`
        : `${plan.sql} LIMIT ${limit + 1}`;
      deadline.check();
      const exec = plan.sequential ? await this.sequential.connect() : conn;
      deadline.watch(exec);
      let rowsJson: unknown[][];
      let columns: { name: string; type: string }[];
      try {
        const result = await run(exec, text);
        const types = result.columnTypes().map((t) => t.toString());
        columns = result.columnNames().map((name, i) => ({ name, type: types[i]! }));
        rowsJson = result.getRowsJson().map((row) => row.map((v, i) => toJsonValue(v, types[i]!)));
      } finally {
        if (exec !== conn) exec.closeSync();
      }
      const truncated = rowsJson.length > limit;
      if (truncated) rowsJson = rowsJson.slice(0, limit);
      const retentionDays = this.options.receiptRetentionDays ?? 30;
      const body: Omit<Receipt, 'id'> = {
        version: 1,
        createdAt,
        principal: caller.name,
        sql,
        normalizedSql: plan.normalizedSql,
        sqlHash: sha256(plan.normalizedSql),
        tables,
        result: { columns, rowCount: rowsJson.length, hash: resultHash(columns, rowsJson), limit, truncated },
        evaluation: plan.sequential ? 'sequential' : 'parallel',
        warnings,
        healthy: warnings.length === 0,
        ...(options.context ? { context: options.context } : {}),
        retainUntil: new Date(Date.parse(createdAt) + retentionDays * DAY_MS).toISOString(),
      };
      return { columns, rows: rowsJson, truncated, receipt: { id: receiptId(body), ...body } };
    } catch (e) {
      throw deadline.explain(e);
    } finally {
      deadline.done();
      conn.closeSync();
    }
  }

  /**
   * Compiled queries by caller, SQL and pins: reused while the governance data (its change stamp)
   * and every table's metadata pointer are what they were, so a repeated question skips parsing,
   * the guard, rewriting and planning.
   */
  private readonly plans = new Map<string, CompiledPlan>();

  private planChars = 0;

  private remember(key: string, plan: CompiledPlan): void {
    if (this.options.planCache === false) return;
    const old = this.plans.get(key);
    if (old) this.planChars -= old.sql.length;
    this.plans.delete(key);
    this.plans.set(key, plan);
    this.planChars += plan.sql.length;
    // At most 512 plans and about 64 MB of SQL text (a big table's file list makes a long text).
    while (this.plans.size > 512 || (this.planChars > 32_000_000 && this.plans.size > 1)) {
      const [oldest, p] = this.plans.entries().next().value!;
      this.plans.delete(oldest);
      this.planChars -= p.sql.length;
    }
  }

  private async cachedPlan(
    key: string,
    snap: GovernanceSnapshot | undefined,
  ): Promise<CompiledPlan | undefined> {
    const plan = this.plans.get(key);
    if (!plan || plan.governanceSeq !== snap?.seq) return undefined;
    for (const r of plan.refs) {
      const location = await this.catalog.store.loadPointer(r.table.id);
      if (location !== r.location) return undefined;
    }
    return plan;
  }

  /** Parses, guards, resolves, rewrites and plans a query. */
  private async compile(
    planner: Engine,
    caller: Actor,
    snap: GovernanceSnapshot | undefined,
    sql: string,
    pins: readonly Pin[] | undefined,
    deadline: Deadline,
  ): Promise<CompiledPlan> {
    const tree = await parseGuarded(planner, sql);
    const { references, root } = guardQuery(tree, this.reservedNames);
    const original = structuredClone(tree);
    const resolved = await this.resolve(planner, caller, snap, references, pins);
    deadline.check();
    qualifyColumnsByAlias(tree, references);
    const ctes = resolved.filter((r, i) => resolved.findIndex((x) => x.cte === r.cte) === i);
    for (const r of resolved) {
      if (!r.node.alias) r.node.alias = r.node.table_name;
      r.node.catalog_name = '';
      r.node.schema_name = '';
      r.node.table_name = r.cte;
      r.node.at_clause = null;
    }
    const withCtes = (text: string) =>
      prependCtes(
        text,
        ctes.map((c) => [c.cte, c.sql]),
      );
    // One round trip renders the query as written (for the receipt) and as rewritten.
    const [normalizedSql, rewritten] = await deparseMany(planner, [original, tree]);
    const unordered = withCtes(rewritten!);
    // The bound plan: what it reads, how wide the answer is, and whether thread scheduling could
    // change it.
    const plan = await boundPlan(planner, unordered);
    checkScans(plan, allowedFiles(ctes.map((c) => c.sql)));
    const sequential = needsSequential(plan, tree, root);
    const width =
      planWidth(plan) ??
      (await planner.conn.prepare(unordered).then(
        (p) => p.columnCount,
        (e: unknown) => {
          throw new UsageError(`invalid query: ${scrub(e instanceof Error ? e.message : String(e))}`);
        },
      ));
    // The total order: a root with no modifiers or only an ORDER BY (DuckDB prints that clause last)
    // takes its tie-breakers as text; any other root is changed in the tree and printed again.
    const mods =
      (root['modifiers'] as { type: string; orders?: { expression?: { class?: string } }[] }[]) ?? [];
    const positions = Array.from({ length: width }, (_, i) => String(i + 1)).join(', ');
    let ordered: string;
    if (width > 0 && mods.length === 0) ordered = `${rewritten!} ORDER BY ${positions}`;
    else if (width > 0 && mods.length === 1 && mods[0]!.type === 'ORDER_MODIFIER')
      ordered = mods[0]!.orders?.some((o) => o.expression?.class === 'STAR')
        ? rewritten!
        : `${rewritten!}, ${positions}`;
    else {
      addTotalOrder(root, width);
      [ordered] = (await deparseMany(planner, [tree])) as [string];
    }
    return {
      sql: withCtes(ordered),
      normalizedSql: normalizedSql!,
      rootLimit: hasLimit(root),
      sequential,
      governanceSeq: snap?.seq,
      refs: resolved.map((r) => ({
        receipt: r.receipt,
        table: r.table,
        location: r.table.metadataLocation,
        snapshot: r.snapshot,
      })),
    };
  }

  private async resolve(
    planner: Engine,
    caller: Actor,
    snap: GovernanceSnapshot | undefined,
    references: readonly { node: TableRefNode; name: string }[],
    pins: readonly Pin[] | undefined,
  ): Promise<ResolvedRef[]> {
    if (pins && pins.length !== references.length)
      throw new UsageError(
        `the receipt pins ${pins.length} table reference(s) but the query has ${references.length}`,
      );
    const out: ResolvedRef[] = [];
    this.secretPromise ??= this.catalog.governance.maskSecret();
    const secret = await this.secretPromise;
    for (const [i, ref] of references.entries()) {
      const unknown = () =>
        new ForbiddenError(
          `query refused: table ${ref.name} does not exist or ${caller.name} may not read it`,
          { context: { table: ref.name, reason: 'not_visible' } },
        );
      const table = await this.findTable(ref.name);
      if (!table) throw unknown();
      const name = table.name;
      const access = snap
        ? await this.catalog.governance.effectiveAccess(caller.name, name, snap)
        : undefined;
      if (access && !access.canSelect) throw unknown();
      const pin = pins?.[i];
      let selector: SnapshotSelector;
      let selectedBy: string;
      if (pin !== undefined) {
        selector = pin.snapshotId === null ? { ref: 'main' } : { snapshotId: BigInt(pin.snapshotId) };
        selectedBy = 'pinned';
      } else {
        selector = await selectorOf(planner, ref.node, table).catch((e: unknown) => {
          if (e instanceof LakeError) throw e;
          throw new UsageError(
            `table ${name}: invalid AT (${ref.node.at_clause?.unit ?? ''} => …) clause: ${scrub(e instanceof Error ? e.message : String(e))}`,
            { context: { table: name } },
          );
        });
        selectedBy = ref.node.at_clause ? `AT (${ref.node.at_clause.unit.toUpperCase()} => …)` : 'current';
      }
      if (pin?.snapshotId === null && table.currentSnapshot() !== undefined)
        throw new UsageError(`table ${name}: the receipt read it empty, and it has snapshots now`);
      const snapshot = pin?.snapshotId === null ? undefined : table.snapshot(selector);
      // A pin reads with the schema the answer used (a column renamed since keeps its old name).
      const schema =
        pin?.schemaId !== undefined
          ? schemaById(table.metadata, pin.schemaId)
          : table.schemaFor(snapshot, selector);
      const current = table.schema();
      const columns: SnapshotColumn[] = schema.fields.map((f) => {
        const now = current.fields.find((c) => c.id === f.id);
        return { name: f.name, type: f.type, ...(now ? { currentName: now.name } : {}) };
      });
      const policies = access
        ? columnPolicies(access, columns)
        : columns.map((c) => ({ name: c.name, access: 'visible' as const }));
      if (!policies.some((p) => p.access !== 'hidden')) throw unknown();
      const rowFilter = access?.rowFilter?.predicate;
      const readSql = await this.readSql(planner, table, snapshot, schema, selector);
      const secure = secureSelect({
        readSql,
        columns,
        policies,
        ...(rowFilter ? { rowFilter } : {}),
        secret,
      });
      const cte = `__lk_t_${sha256(secure).slice(0, 16)}`;
      out.push({
        node: ref.node,
        name,
        cte,
        sql: secure,
        receipt: {
          table: name,
          snapshotId: snapshot ? String(snapshot['snapshot-id']) : null,
          schemaId: schema.schemaId,
          ...(snapshot ? { committedAt: new Date(snapshot['timestamp-ms']).toISOString() } : {}),
          selectedBy,
          policies: policiesOf(access, policies),
        },
        table,
        snapshot,
      });
    }
    return out;
  }

  /**
   * The table a reference names: exactly as written first, else matched without regard to case.
   * Reloaded only when its metadata pointer moved.
   */
  private async findTable(written: string): Promise<Table | undefined> {
    const parts = written.split('.');
    let id: TableIdentifier | undefined = { namespace: parts.slice(0, -1), name: parts[parts.length - 1]! };
    let location = await this.catalog.store.loadPointer(id);
    if (location === undefined) {
      const all = await this.catalog.listAllTables();
      id = all.find((t) => [...t.namespace, t.name].join('.').toLowerCase() === written.toLowerCase());
      if (!id) return undefined;
      location = await this.catalog.store.loadPointer(id);
      if (location === undefined) return undefined;
    }
    const name = [...id.namespace, id.name].join('.');
    const cached = this.tableCache.get(name);
    if (cached && cached.location === location) return cached.table;
    const table = await this.catalog.loadTable(id);
    this.tableCache.set(name, { location: table.metadataLocation, table });
    return table;
  }

  /** The read SQL of a snapshot (a pure function of the table's files: cached). */
  private async readSql(
    planner: Engine,
    table: Table,
    snapshot: SnapshotJson | undefined,
    schema: Schema,
    selector: SnapshotSelector,
  ): Promise<string> {
    const key = `${String(table.metadata['table-uuid'])}@${snapshot ? String(snapshot['snapshot-id']) : 'empty'}@${schema.schemaId}`;
    let sql = this.readSqlCache.get(key);
    if (sql === undefined) {
      sql =
        schema.schemaId === table.schemaFor(snapshot, selector).schemaId
          ? await table.readSql(planner, selector)
          : await readSnapshotSql(planner, table.io, schema, await planScan(table.io, snapshot));
      if (this.readSqlCache.size > 2048) this.readSqlCache.clear();
      this.readSqlCache.set(key, sql);
    }
    return sql;
  }

  private async quality(
    read: Table,
    table: string,
    snapshot: SnapshotJson | undefined,
  ): Promise<ReceiptTable['quality']> {
    let cached = this.qualityCache.get(table);
    if (!cached || Date.now() - cached.at > 2000) {
      cached = { at: Date.now(), records: await this.catalog.operations.listQuality({ table, limit: 1000 }) };
      this.qualityCache.set(table, cached);
    }
    // The health of the data read: checks that judged the snapshot read or one of its ancestors (a
    // blocked run's results judged a snapshot that was never published).
    const readIds = new Set(
      [...ancestorIds(read.metadata, snapshot?.['snapshot-id'])].map((id) => String(id)),
    );
    const health = tableHealth(table, cached.records, readIds);
    const failed = health.checks.filter((c) => c.latest.status === 'failed');
    const committedMs = snapshot?.['timestamp-ms'];
    const ageSeconds =
      committedMs === undefined ? undefined : Math.max(0, Math.round((Date.now() - committedMs) / 1000));
    const maxAge = this.options.maxStalenessSeconds;
    const stale =
      failed.some((c) => c.kind === 'freshness') ||
      (maxAge !== undefined && ageSeconds !== undefined && ageSeconds > maxAge);
    return {
      status: health.status,
      failedChecks: failed.map((c) => ({
        check: c.check,
        kind: c.kind,
        severity: c.severity,
        message: c.latest.message,
        checkedAt: c.latest.checkedAt,
      })),
      ...(health.snapshotId ? { checkedSnapshotId: health.snapshotId } : {}),
      freshness: {
        ...(committedMs !== undefined ? { committedAt: new Date(committedMs).toISOString() } : {}),
        ...(ageSeconds !== undefined ? { ageSeconds } : {}),
        ...(maxAge !== undefined ? { maxAgeSeconds: maxAge } : {}),
        stale,
      },
    };
  }

  /** Upstream datasets and the runs behind a snapshot (fixed once written: cached per snapshot). */
  private async lineage(table: Table, snapshot: SnapshotJson | undefined): Promise<ReceiptTable['lineage']> {
    const key = `${table.name}@${snapshot ? String(snapshot['snapshot-id']) : 'empty'}`;
    const cached = this.lineageCache.get(key);
    if (cached) return cached;
    const runs: ReceiptTable['lineage']['runs'] = [];
    const seen = new Set<string>();
    let s = snapshot;
    for (let hops = 0; s && hops < 1000 && runs.length < 20; hops++) {
      const runId = s.summary['lakekit.run-id'];
      if (runId && !seen.has(runId)) {
        seen.add(runId);
        runs.push({
          runId,
          ...(s.summary['lakekit.pipeline'] ? { pipeline: s.summary['lakekit.pipeline'] } : {}),
          snapshotId: String(s['snapshot-id']),
          committedAt: new Date(s['timestamp-ms']).toISOString(),
        });
      }
      const parent = s['parent-snapshot-id'];
      s =
        parent === undefined ? undefined : table.metadata.snapshots.find((x) => x['snapshot-id'] === parent);
    }
    let upstream: string[] = [];
    try {
      const events = await this.catalog.operations.listLineage({ limit: 5000 });
      const g = await lineageGraph(events, table.name, {
        direction: 'up',
        depth: 5,
        warehouse: this.catalog.warehouse,
      });
      upstream = g.nodes.filter((n) => n.id !== table.name).map((n) => n.id);
    } catch {
      upstream = [];
    }
    const out = { upstream, runs };
    if (this.lineageCache.size > 4096) this.lineageCache.clear();
    this.lineageCache.set(key, out);
    return out;
  }

  /**
   * Reruns a receipt's query at its pinned snapshots as its principal and compares the result hash.
   * `policiesChanged` lists tables whose masks or row filter for that principal differ now.
   */
  async verifyReceipt(
    receipt: Receipt,
  ): Promise<{ ok: boolean; expected: string; actual: string; rows: number; policiesChanged: string[] }> {
    const caller: Actor =
      receipt.principal === 'local-admin'
        ? { name: 'local-admin', localAdmin: true }
        : { name: receipt.principal };
    const answer = await this.query(caller, receipt.normalizedSql, {
      pins: receipt.tables.map((t) => ({ snapshotId: t.snapshotId, schemaId: t.schemaId })),
      limit: receipt.result.limit,
      auditAction: 'receipt.verify',
      storeReceipt: false,
    });
    const policiesChanged = receipt.tables
      .filter((t, i) => canonicalJson(t.policies) !== canonicalJson(answer.receipt.tables[i]?.policies))
      .map((t) => t.table);
    return {
      ok: answer.receipt.result.hash === receipt.result.hash,
      expected: receipt.result.hash,
      actual: answer.receipt.result.hash,
      rows: answer.receipt.result.rowCount,
      policiesChanged,
    };
  }

  /** Asks the same question `runs` times at the snapshots of the first answer; reports the distinct hashes. */
  async consistency(
    caller: Actor,
    sql: string,
    runs: number,
    options: Omit<GovernedQueryOptions, 'pins'> = {},
  ): Promise<{
    runs: number;
    identical: boolean;
    hashes: { hash: string; count: number }[];
    receipt: Receipt;
  }> {
    if (!Number.isInteger(runs) || runs < 1 || runs > 1000)
      throw new UsageError(`runs must be from 1 to 1000 (got ${runs})`);
    const first = await this.query(caller, sql, options);
    const counts = new Map<string, number>([[first.receipt.result.hash, 1]]);
    const pins = first.receipt.tables.map((t) => ({ snapshotId: t.snapshotId, schemaId: t.schemaId }));
    for (let i = 1; i < runs; i++) {
      const a = await this.query(caller, first.receipt.normalizedSql, { ...options, pins, record: false });
      counts.set(a.receipt.result.hash, (counts.get(a.receipt.result.hash) ?? 0) + 1);
    }
    return {
      runs,
      identical: counts.size === 1,
      hashes: [...counts].map(([hash, count]) => ({ hash, count })),
      receipt: first.receipt,
    };
  }
}

/** A receipt in plain words. */
export { explainReceipt };

function clip(s: string): string {
  return s.length > 2000 ? `${s.slice(0, 2000)}…` : s;
}

function defaultAllowedDirectories(warehouse: string): string[] {
  const dirs = [join(tmpdir(), 'lakekit-cache')];
  if (warehouse.startsWith('file://')) dirs.unshift(fileURLToPath(warehouse));
  else if (warehouse.startsWith('/')) dirs.unshift(warehouse);
  return dirs;
}

function policiesOf(
  access: EffectiveAccess | undefined,
  policies: ReturnType<typeof columnPolicies>,
): ReceiptTable['policies'] {
  return {
    maskedColumns: policies
      .filter((p) => p.access === 'masked' && p.mask)
      .map((p) => ({
        column: p.name,
        kind: p.mask!.kind,
        role: p.mask!.role,
        source: p.mask!.source,
        ...(p.mask!.policy ? { policy: p.mask!.policy } : {}),
      })),
    hiddenColumns: policies.filter((p) => p.access === 'hidden').length,
    ...(access?.rowFilter ? { rowFilter: access.rowFilter.predicate } : {}),
  };
}

/** Renders several parse trees back to SQL in one round trip. */
async function deparseMany(planner: Engine, trees: readonly unknown[]): Promise<string[]> {
  const cols = trees.map(
    (t, i) =>
      `json_deserialize_sql(json(${quoteLiteral(stringifyJson({ error: false, ...(t as object) }))})) AS s${i}`,
  );
  const rows = await planner.all(`SELECT ${cols.join(', ')}`);
  return trees.map((_, i) => String(rows[0]![`s${i}`]));
}

/**
 * The number of columns a plan returns, read from its root (through LIMIT, ORDER BY, DISTINCT and
 * filters down to the projection or set operation); undefined when the shape is not one of those.
 */
function planWidth(plan: unknown): number | undefined {
  let node = (plan as { plans?: Record<string, unknown>[] }).plans?.[0];
  for (let hops = 0; node && hops < 64; hops++) {
    const type = String(node['type']);
    if (type === 'LOGICAL_PROJECTION') return (node['expressions'] as unknown[]).length;
    if (type === 'LOGICAL_UNION' || type === 'LOGICAL_EXCEPT' || type === 'LOGICAL_INTERSECT') {
      const n = Number(node['column_count']);
      return Number.isInteger(n) && n > 0 ? n : undefined;
    }
    const children = node['children'] as Record<string, unknown>[] | undefined;
    // A WITH clause (inlined only by the optimizer): its last child is the query itself.
    if (type === 'LOGICAL_MATERIALIZED_CTE' || type === 'LOGICAL_CTE') {
      node = children?.[children.length - 1];
      continue;
    }
    if (
      !['LOGICAL_LIMIT', 'LOGICAL_ORDER_BY', 'LOGICAL_DISTINCT', 'LOGICAL_FILTER', 'LOGICAL_TOP_N'].includes(
        type,
      )
    )
      return undefined;
    node = children?.[0];
  }
  return undefined;
}

/** Parses with DuckDB; statements DuckDB cannot serialize (anything but SELECT) are refused. */
async function parseGuarded(planner: Engine, sql: string): Promise<ParsedSql> {
  try {
    return await parseSql(planner, sql);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    if (/Only SELECT statements/i.test(message))
      throw new ForbiddenError('query refused: only SELECT queries can run here', {
        context: { reason: 'not_select' },
      });
    throw e;
  }
}

/**
 * Column references written with the table's full name (`crm.accounts.id`) refer to the table by
 * its last part once the reference is rewritten (`accounts.id`), as DuckDB resolves them today.
 */
function qualifyColumnsByAlias(
  tree: unknown,
  references: readonly { node: TableRefNode; name: string }[],
): void {
  const unaliased = new Map<string, string>();
  for (const r of references) if (!r.node.alias) unaliased.set(r.name.toLowerCase(), r.node.table_name);
  if (unaliased.size === 0) return;
  walk(tree, (o) => {
    if (o['class'] !== 'COLUMN_REF' || !Array.isArray(o['column_names'])) return;
    const names = o['column_names'] as string[];
    for (const k of [3, 2]) {
      if (names.length <= k) continue;
      const table = unaliased.get(names.slice(0, k).join('.').toLowerCase());
      if (table !== undefined) {
        o['column_names'] = [table, ...names.slice(k)];
        return;
      }
    }
  });
}

/** Puts the secure-view CTEs in front of the (deparsed) query, merging with its own WITH. */
function prependCtes(sql: string, ctes: [string, string][]): string {
  if (ctes.length === 0) return sql;
  const defs = ctes.map(([name, body]) => `${quoteIdent(name)} AS NOT MATERIALIZED (${body})`).join(', ');
  const m = /^\s*WITH\s+(RECURSIVE\s+)?/i.exec(sql);
  if (m) return `WITH ${m[1] ?? ''}${defs}, ${sql.slice(m[0].length)}`;
  return `WITH ${defs} ${sql}`;
}

/** The unoptimized bound plan (types of every aggregate's arguments; every scan). */
async function boundPlan(planner: Engine, sql: string): Promise<unknown> {
  const rows = await planner.all(
    `SELECT CAST(json_serialize_plan(${quoteLiteral(sql)}, optimize := false) AS VARCHAR) AS p`,
  );
  const plan = parseJson(String(rows[0]!['p'])) as { error?: boolean; error_message?: string };
  if (plan.error) throw new UsageError(`invalid query: ${scrub(plan.error_message ?? 'it does not bind')}`);
  return plan;
}

function walk(v: unknown, f: (o: Record<string, unknown>) => void): void {
  if (Array.isArray(v)) for (const x of v) walk(x, f);
  else if (v !== null && typeof v === 'object') {
    f(v as Record<string, unknown>);
    for (const x of Object.values(v)) walk(x, f);
  }
}

/**
 * Refuses a plan that reads anything but the Parquet files of the resolved snapshots and generated
 * series (defence in depth: the guard already refuses every other way to name a file).
 */
function checkScans(plan: unknown, files: ReadonlySet<string>): void {
  walk(plan, (o) => {
    if (o['type'] !== 'LOGICAL_GET') return;
    const name = String(o['name'] ?? '');
    if (!ALLOWED_SCANS.has(name))
      throw new ForbiddenError(`query refused: it would read ${name || 'an unknown source'}`, {
        context: { reason: 'scan', scan: name },
      });
    if (name === 'read_parquet' || name === 'parquet_scan') {
      const read = ((o['function_data'] as { files?: unknown[] } | undefined)?.files ?? []).map(String);
      if (read.length === 0 || read.some((f) => !files.has(f)))
        throw new ForbiddenError('query refused: it would read files outside the snapshots it names', {
          context: { reason: 'scan' },
        });
    }
  });
}

/** Whether thread scheduling could change the answer (then it runs on one thread). */
function needsSequential(plan: unknown, tree: unknown, root: Record<string, unknown>): boolean {
  let sequential = false;
  let limits = 0;
  walk(plan, (o) => {
    const cls = o['expression_class'];
    if (cls === 'BOUND_WINDOW') sequential = true;
    if (cls === 'BOUND_AGGREGATE') {
      const name = String(o['name'] ?? '').toLowerCase();
      if (SEQUENTIAL_AGGREGATES.has(name)) sequential = true;
      if (FLOAT_SENSITIVE_AGGREGATES.has(name)) {
        const args = (o['arguments'] as { id?: string }[] | undefined) ?? [];
        if (args.some((a) => FLOAT_TYPES.has(String(a.id)))) sequential = true;
      }
    }
    if (o['type'] === 'LOGICAL_LIMIT' || o['type'] === 'LOGICAL_SAMPLE') limits++;
  });
  // A LIMIT below the root picks rows in whatever order they arrive.
  if (limits > (hasLimit(root) ? 1 : 0)) sequential = true;
  walk(tree, (o) => {
    if (
      o['type'] === 'DISTINCT_MODIFIER' &&
      Array.isArray(o['distinct_on_targets']) &&
      o['distinct_on_targets'].length > 0
    )
      sequential = true;
  });
  return sequential;
}

function hasLimit(root: Record<string, unknown>): boolean {
  const mods = (root['modifiers'] as { type: string }[] | undefined) ?? [];
  return mods.some((m) => m.type === 'LIMIT_MODIFIER' || m.type === 'LIMIT_PERCENT_MODIFIER');
}

/** Orders the root by its own ORDER BY, then by every output column: a total order. */
function addTotalOrder(root: Record<string, unknown>, width: number): void {
  if (!Array.isArray(root['modifiers'])) root['modifiers'] = [];
  const mods = root['modifiers'] as Record<string, unknown>[];
  const positional = Array.from({ length: width }, (_, i) => ({
    type: 'ORDER_DEFAULT',
    null_order: 'ORDER_DEFAULT',
    expression: {
      class: 'CONSTANT',
      type: 'VALUE_CONSTANT',
      alias: '',
      query_location: 18446744073709551615n,
      value: { type: { id: 'INTEGER', type_info: null }, is_null: false, value: i + 1 },
    },
  }));
  const order = mods.find((m) => m['type'] === 'ORDER_MODIFIER');
  if (order) {
    const orders = order['orders'] as { expression?: { class?: string } }[];
    // ORDER BY ALL already orders by every column.
    if (orders.some((o) => o.expression?.class === 'STAR')) return;
    orders.push(...positional);
  } else if (width > 0) {
    mods.unshift({ type: 'ORDER_MODIFIER', orders: positional });
  }
}

/**
 * The time limit and cancellation of one query: every DuckDB connection it uses is interrupted when
 * the limit passes or the caller aborts, and the error it then gets is reported as such.
 */
class Deadline {
  reason: 'timeout' | 'cancelled' | undefined;
  private readonly conns = new Set<DuckDBConnection>();
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.fire('cancelled');

  constructor(
    private readonly timeoutMs: number,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.timer = setTimeout(() => this.fire('timeout'), timeoutMs);
    signal?.addEventListener('abort', this.onAbort, { once: true });
  }

  watch(conn: DuckDBConnection): void {
    this.conns.add(conn);
    if (this.reason) conn.interrupt();
  }

  private fire(reason: 'timeout' | 'cancelled'): void {
    this.reason ??= reason;
    for (const c of this.conns) c.interrupt();
  }

  /** Throws when the limit passed or the caller aborted (between steps that are not DuckDB's). */
  check(): void {
    if (this.reason) throw this.explain(undefined);
  }

  /** The error to report for `e`: the time-out or cancellation when one happened. */
  explain(e: unknown): unknown {
    if (this.reason === 'timeout')
      return new QueryCancelledError(
        'timeout',
        `the query ran past its time limit of ${this.timeoutMs} ms and was stopped`,
      );
    if (this.reason === 'cancelled') return new QueryCancelledError('cancelled', 'the query was cancelled');
    return e;
  }

  done(): void {
    clearTimeout(this.timer);
    this.signal?.removeEventListener('abort', this.onAbort);
  }
}

/** Runs the final SQL; DuckDB's errors become UsageErrors without internal names. */
async function run(
  conn: DuckDBConnection,
  sql: string,
): Promise<Awaited<ReturnType<DuckDBConnection['runAndReadAll']>>> {
  try {
    return await conn.runAndReadAll(sql);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    throw new UsageError(`query failed: ${scrub(message)}`);
  }
}

/** Local paths of the Parquet files the secure views read (what the plan may scan). */
function allowedFiles(sqls: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const sql of sqls)
    for (const m of sql.matchAll(/'((?:[^']|'')*\.parquet)'/g)) out.add(m[1]!.replaceAll("''", "'"));
  return out;
}

/** Keeps internal names out of error messages shown to callers. */
function scrub(message: string): string {
  return message
    .replace(/__lk_t_[0-9a-f]+/g, '<view>')
    .replace(/read_parquet\([^)]*\)/g, 'read_parquet(…)')
    .replace(/'\/[^']*\.parquet'/g, "'…'")
    .split('\nLINE ')[0]!;
}
