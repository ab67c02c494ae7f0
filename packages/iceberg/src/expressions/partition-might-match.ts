/**
 * Whether a partition tuple (of a data file, or the range of a manifest's partition summaries) might
 * hold rows matching a filter: each column predicate is projected through the partition transforms
 * of its column (inclusive projection, as in Iceberg's `Projections.inclusive`), then evaluated on
 * the partition values. Conservative: what cannot be projected is "might".
 */
import type { PrimitiveType } from '@lakekit/core';
import type { ResolvedPartitionField } from '../partition-descriptors.js';
import { applyTransform, parseTransform } from '../partitioning/transforms.js';
import { compareValues } from './compare-values.js';
import {
  type CompareOp,
  type Expression,
  type LeafExpression,
  mightMatch,
  rewriteNot,
} from './expression.js';

/** A partition value range per partition field name: a tuple (lower = upper) or a manifest summary. */
export type PartitionRange = Record<string, { lower: unknown; upper: unknown; containsNull: boolean }>;

const PROJECT: Record<CompareOp, CompareOp | undefined> = {
  eq: 'eq',
  neq: undefined,
  lt: 'lte',
  lte: 'lte',
  gt: 'gte',
  gte: 'gte',
};

function transformed(f: ResolvedPartitionField, value: unknown): unknown {
  try {
    return applyTransform(parseTransform(f.transform), f.sourceType, value);
  } catch {
    return undefined;
  }
}

function compareRange(op: CompareOp, type: PrimitiveType, r: PartitionRange[string], v: unknown): boolean {
  if (r.lower === undefined || r.lower === null || r.upper === undefined || r.upper === null) {
    return r.lower === undefined && !r.containsNull; // unknown range: might; all-null range: no comparison holds
  }
  const lo = compareValues(type, r.lower, v);
  const hi = compareValues(type, r.upper, v);
  switch (op) {
    case 'eq':
      return lo <= 0 && hi >= 0;
    case 'lt':
      return lo < 0;
    case 'lte':
      return lo <= 0;
    case 'gt':
      return hi > 0;
    case 'gte':
      return hi >= 0;
    case 'neq':
      return !(lo === 0 && hi === 0);
  }
}

function leaf(e: LeafExpression, spec: readonly ResolvedPartitionField[], range: PartitionRange): boolean {
  if (!('fieldId' in e)) return true;
  for (const f of spec.filter((p) => p.sourceId === e.fieldId)) {
    const r = range[f.name];
    if (r === undefined) continue;
    const kind = parseTransform(f.transform).kind;
    if (kind === 'void') continue;
    if (e.op === 'isNull') {
      if (!r.containsNull) return false;
      continue;
    }
    if (e.op === 'notNull') {
      if (r.lower === null && r.upper === null && r.containsNull) return false;
      continue;
    }
    if (e.op === 'in') {
      const values = e.values.map((v) => transformed(f, v));
      if (values.some((v) => v === undefined)) continue;
      if (!values.some((v) => compareRange('eq', f.resultType, r, v))) return false;
      continue;
    }
    if (!('value' in e)) continue;
    const projected = kind === 'bucket' ? (e.op === 'eq' ? 'eq' : undefined) : PROJECT[e.op];
    if (projected === undefined || e.value === null || e.value === undefined) continue;
    const v = kind === 'identity' ? e.value : transformed(f, e.value);
    if (v === undefined) continue;
    if (!compareRange(kind === 'identity' ? e.op : projected, f.resultType, r, v)) return false;
  }
  return true;
}

/** Whether rows in a partition range might match `filter`. */
export function partitionMightMatch(
  filter: Expression,
  spec: readonly ResolvedPartitionField[],
  range: PartitionRange,
): boolean {
  if (spec.length === 0) return true;
  return mightMatch(rewriteNot(filter), (e) => leaf(e, spec, range));
}

/** The range of one partition tuple. */
export function tupleRange(partition: Record<string, unknown>): PartitionRange {
  const out: PartitionRange = {};
  for (const [k, v] of Object.entries(partition)) {
    out[k] = { lower: v ?? null, upper: v ?? null, containsNull: v === null || v === undefined };
  }
  return out;
}
