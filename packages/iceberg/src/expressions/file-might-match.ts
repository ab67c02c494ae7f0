/**
 * Whether a data file might hold rows matching a filter, judged from its column statistics (lower
 * and upper bounds, null and value counts). Conservative: a missing statistic means "might".
 */
import { isPrimitive, type PrimitiveType } from '@lakekit/core';
import { fromBinary } from '../conversions.js';
import type { DataFile } from '../manifest-model.js';
import type { Schema } from '../schema.js';
import { compareValues } from './compare-values.js';
import { type Expression, type LeafExpression, mightMatch, rewriteNot } from './expression.js';

function typeOf(schema: Schema, fieldId: number): PrimitiveType | undefined {
  const f = schema.fields.find((x) => x.id === fieldId);
  return f && isPrimitive(f.type) ? f.type : undefined;
}

function bound(file: DataFile, which: 'lower' | 'upper', fieldId: number, type: PrimitiveType): unknown {
  const bytes = (which === 'lower' ? file.lowerBounds : file.upperBounds)?.get(fieldId);
  if (bytes === undefined) return undefined;
  try {
    return fromBinary(type, bytes);
  } catch {
    return undefined;
  }
}

function allNull(file: DataFile, fieldId: number): boolean {
  const nulls = file.nullValueCounts?.get(fieldId);
  const values = file.valueCounts?.get(fieldId);
  return nulls !== undefined && values !== undefined && nulls === values;
}

function leaf(e: LeafExpression, schema: Schema, file: DataFile): boolean {
  switch (e.op) {
    case 'isNull': {
      const nulls = file.nullValueCounts?.get(e.fieldId);
      return nulls === undefined || nulls > 0;
    }
    case 'notNull':
      return !allNull(file, e.fieldId);
    case 'in':
      return e.values.some((v) => leaf({ op: 'eq', fieldId: e.fieldId, value: v }, schema, file));
    default: {
      if (e.value === null || e.value === undefined) return true;
      if (allNull(file, e.fieldId)) return false; // comparisons with NULL are never true
      const type = typeOf(schema, e.fieldId);
      if (!type || type.kind === 'float' || type.kind === 'double') return true;
      const lo = bound(file, 'lower', e.fieldId, type);
      const hi = bound(file, 'upper', e.fieldId, type);
      const cmp = (a: unknown) => compareValues(type, a, e.value);
      switch (e.op) {
        case 'eq':
          return (lo === undefined || cmp(lo) <= 0) && (hi === undefined || cmp(hi) >= 0);
        case 'neq':
          return !(
            lo !== undefined &&
            hi !== undefined &&
            cmp(lo) === 0 &&
            cmp(hi) === 0 &&
            type.kind !== 'string'
          );
        case 'lt':
          return lo === undefined || cmp(lo) < 0;
        case 'lte':
          return lo === undefined || cmp(lo) <= 0;
        case 'gt':
          return hi === undefined || cmp(hi) > 0;
        case 'gte':
          return hi === undefined || cmp(hi) >= 0;
      }
    }
  }
}

/** Whether `file` might contain rows for which `filter` holds. */
export function fileMightMatch(filter: Expression, schema: Schema, file: DataFile): boolean {
  return mightMatch(rewriteNot(filter), (e) => leaf(e, schema, file));
}
