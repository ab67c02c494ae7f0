/**
 * Filter pushdown for scan planning: the conjuncts of a single-table query's WHERE clause of the form
 * `column <op> constant`, `column IN (constants)` and `column IS [NOT] NULL` become an Expression that
 * lets planning skip data files whose statistics rule them out. Constants are evaluated by DuckDB and
 * kept only when the cast to the column's type is exact (`id > 5.5` on a BIGINT is not pushed down).
 * Anything else is left to DuckDB: pushdown only ever removes files that cannot match.
 */
import { isPrimitive, type NestedField, toDuckDBType } from '@lakekit/core';
import {
  type CompareOp,
  type Engine,
  type Expression,
  parseParquetStat,
  type Schema,
} from '@lakekit/iceberg';
import { deparseSql, parseSql, type TableRefNode } from './table-references.js';

type Node = Record<string, unknown>;

const COMPARE: Record<string, [CompareOp, CompareOp]> = {
  COMPARE_EQUAL: ['eq', 'eq'],
  COMPARE_NOTEQUAL: ['neq', 'neq'],
  COMPARE_LESSTHAN: ['lt', 'gt'],
  COMPARE_GREATERTHAN: ['gt', 'lt'],
  COMPARE_LESSTHANOREQUALTO: ['lte', 'gte'],
  COMPARE_GREATERTHANOREQUALTO: ['gte', 'lte'],
};

function isConstant(n: unknown): n is Node {
  if (n === null || typeof n !== 'object') return false;
  const o = n as Node;
  if (o['class'] === 'CONSTANT') return true;
  return o['class'] === 'CAST' && isConstant(o['child']);
}

function conjuncts(where: unknown): Node[] {
  if (where === null || typeof where !== 'object') return [];
  const o = where as Node;
  if (o['class'] === 'CONJUNCTION' && o['type'] === 'CONJUNCTION_AND')
    return (o['children'] as Node[]).flatMap(conjuncts);
  return [o];
}

interface Pending {
  field: NestedField;
  constants: Node[];
  build: (values: unknown[]) => Expression;
}

/** The pushed-down filter for `ref` when `root` is a single-table SELECT over it; else undefined. */
export async function pushdownFilter(
  engine: Engine,
  root: Node,
  ref: TableRefNode,
  schema: Schema,
): Promise<Expression | undefined> {
  if (root['type'] !== 'SELECT_NODE' || root['from_table'] !== ref) return undefined;
  const names = new Set([ref.alias, ref.table_name].filter((x) => x !== ''));
  const column = (n: unknown): NestedField | undefined => {
    if (n === null || typeof n !== 'object' || (n as Node)['class'] !== 'COLUMN_REF') return undefined;
    const parts = (n as Node)['column_names'] as string[];
    if (parts.length === 2 && !names.has(parts[0]!)) return undefined;
    if (parts.length > 2) return undefined;
    const f = schema.fields.find((x) => x.name === parts[parts.length - 1]);
    return f && isPrimitive(f.type) ? f : undefined;
  };
  const pending: Pending[] = [];
  const direct: Expression[] = [];
  for (const c of conjuncts(root['where_clause'])) {
    const type = String(c['type']);
    if (c['class'] === 'COMPARISON' && COMPARE[type]) {
      const [op, flipped] = COMPARE[type]!;
      const l = column(c['left']);
      const r = column(c['right']);
      if (l && isConstant(c['right']))
        pending.push({
          field: l,
          constants: [c['right'] as Node],
          build: ([v]) => ({ op, fieldId: l.id, value: v }),
        });
      else if (r && isConstant(c['left']))
        pending.push({
          field: r,
          constants: [c['left'] as Node],
          build: ([v]) => ({ op: flipped, fieldId: r.id, value: v }),
        });
    } else if (type === 'COMPARE_IN') {
      const [col, ...rest] = c['children'] as Node[];
      const f = column(col);
      if (f && rest.length > 0 && rest.every(isConstant))
        pending.push({ field: f, constants: rest, build: (values) => ({ op: 'in', fieldId: f.id, values }) });
    } else if (type === 'OPERATOR_IS_NULL' || type === 'OPERATOR_IS_NOT_NULL') {
      const f = column((c['children'] as Node[])[0]);
      if (f) direct.push({ op: type === 'OPERATOR_IS_NULL' ? 'isNull' : 'notNull', fieldId: f.id });
    }
  }
  const out = [...direct];
  for (const p of pending) {
    const values = await evaluateExactly(engine, p.field, p.constants);
    if (values !== undefined) out.push(p.build(values));
  }
  if (out.length === 0) return undefined;
  return out.length === 1 ? out[0]! : { op: 'and', args: out };
}

/** Casts constants to the column's type in DuckDB; undefined unless every cast is exact. */
async function evaluateExactly(
  engine: Engine,
  field: NestedField,
  constants: Node[],
): Promise<unknown[] | undefined> {
  if (!isPrimitive(field.type)) return undefined;
  const type = toDuckDBType(field.type);
  const probe = await parseSql(engine, 'SELECT 1');
  (probe.statements[0]!.node as { select_list: unknown[] }).select_list = constants.map((c, i) => ({
    ...c,
    alias: `c${i}`,
  }));
  const select = await deparseSql(engine, probe);
  const cols = constants.map(
    (_c, i) =>
      `CAST(TRY_CAST(c${i} AS ${type}) AS VARCHAR) AS v${i}, (TRY_CAST(c${i} AS ${type}) = c${i}) IS TRUE AS x${i}`,
  );
  try {
    const row = (await engine.all(`SELECT ${cols.join(', ')} FROM (${select})`))[0]!;
    const values: unknown[] = [];
    for (let i = 0; i < constants.length; i++) {
      const text = row[`v${i}`];
      if (text === null || row[`x${i}`] !== true) return undefined;
      const v = parseParquetStat(field.type, String(text));
      if (v === undefined) return undefined;
      values.push(v);
    }
    return values;
  } catch {
    return undefined; // e.g. a comparison DuckDB cannot evaluate this way: no pushdown
  }
}
