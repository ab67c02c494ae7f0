/**
 * Where a governed query spends its time, measured on the real path without touching the engine:
 * DuckDB connection methods and the catalog's stores are wrapped while `phases.active` is set, and
 * each outermost call is charged to a phase by what it is (the parse, deparse and plan round trips
 * are recognised by their SQL). What no wrapper sees is JavaScript in the engine itself (the guard,
 * building the secure views, hashing the result, the receipt).
 */
import type { Catalog } from '../../catalog/src/index.js';

export const PHASES = [
  'connect',
  'parse',
  'deparse',
  'plan',
  'prepare',
  'execute',
  'duckdb other',
  'governance reads',
  'table reads',
  'quality + lineage',
  'store receipt',
  'append audit',
] as const;
export type Phase = (typeof PHASES)[number];

export interface PhaseRecorder {
  active: boolean;
  /** Milliseconds per phase since the last reset. */
  times: Map<Phase, number>;
  /** The SQL of the last `execute` (the rewritten query the governed DuckDB ran). */
  lastExecuteSql?: string;
  reset(): void;
}

export const phases: PhaseRecorder = {
  active: false,
  times: new Map(),
  reset() {
    this.times = new Map();
    this.lastExecuteSql = undefined;
  },
};

let depth = 0;

async function timed<T>(phase: Phase | ((r: T) => Phase), f: () => Promise<T>): Promise<T> {
  depth++;
  const t0 = performance.now();
  let result: T | undefined;
  try {
    result = await f();
    return result;
  } finally {
    depth--;
    const ms = performance.now() - t0;
    const name = typeof phase === 'function' ? phase(result as T) : phase;
    phases.times.set(name, (phases.times.get(name) ?? 0) + ms);
  }
}

function sqlPhase(sql: string): Phase {
  const s = sql.trimStart();
  if (s.startsWith('SELECT CAST(json_serialize_sql(')) return 'parse';
  if (s.startsWith('SELECT json_deserialize_sql(')) return 'deparse';
  if (s.startsWith('SELECT CAST(json_serialize_plan(')) return 'plan';
  if (s.includes('__lk_t_')) {
    phases.lastExecuteSql = sql;
    return 'execute';
  }
  return 'duckdb other';
}

type AnyFn = (...args: unknown[]) => Promise<unknown>;

/** Wraps `obj[name]` (an async method) so its calls are charged to `phase`. */
function wrap(obj: object, name: string, phase: Phase | ((...args: unknown[]) => Phase)): void {
  const o = obj as Record<string, AnyFn>;
  const original = o[name];
  if (typeof original !== 'function') throw new Error(`cannot instrument ${name}: not a function`);
  o[name] = function (this: unknown, ...args: unknown[]) {
    if (!phases.active || depth > 0) return original.apply(this, args);
    const p = typeof phase === 'function' ? phase(...args) : phase;
    return timed(p, () => original.apply(this, args));
  };
}

/** Wraps the DuckDB classes (once per process). */
export async function instrumentDuckDB(): Promise<void> {
  const duckdb = (await import('@duckdb/node-api')).default;
  wrap(duckdb.DuckDBInstance.prototype, 'connect', 'connect');
  wrap(duckdb.DuckDBConnection.prototype, 'runAndReadAll', (sql) => sqlPhase(String(sql)));
  wrap(duckdb.DuckDBConnection.prototype, 'run', (sql) => sqlPhase(String(sql)));
  wrap(duckdb.DuckDBConnection.prototype, 'prepare', () => 'prepare');
}

/** Wraps the stores of one catalog the governed engine reads and writes. */
export function instrumentCatalog(catalog: Catalog): void {
  const gov = catalog.governance;
  for (const m of ['snapshot', 'effectiveAccess', 'maskSecret']) wrap(gov, m, 'governance reads');
  wrap(gov, 'appendAudit', 'append audit');
  wrap(catalog, 'listAllTables', 'table reads');
  wrap(catalog, 'loadTable', 'table reads');
  wrap(catalog.store, 'loadPointer', 'table reads');
  wrap(catalog.operations, 'listQuality', 'quality + lineage');
  wrap(catalog.operations, 'listLineage', 'quality + lineage');
  wrap(catalog.answers, 'saveReceipt', 'store receipt');
}
