/**
 * How each extracted column is read: its SELECT expression (see `selectExpr`) and the encoder that
 * writes the value to the staged CSV. Columns without an Iceberg type fail here, naming stream and
 * column, unless they are extracted as text.
 */
import {
  type ExtractColumn,
  type IcebergType,
  NotFoundError,
  type SourceColumn,
  type SourceStream,
  UnsupportedError,
} from '@lakekit/core';
import { classifyMssqlType } from './map-mssql-type.js';
import { asTextExpr, quoteMssqlIdent, selectExpr } from './mssql-sql.js';
import type { Encoder } from './staged-csv-writer.js';

/** One column of an extract. */
export interface ColumnPlan {
  readonly name: string;
  /** The SELECT expression (already quoted), without alias. */
  readonly select: string;
  readonly encoder: Encoder;
  /** The Iceberg type the staged text converts to. */
  readonly type: IcebergType;
}

/** The plan of one column (`asText`: the server's text of the value, for types without a mapping). */
export function planColumn(stream: string, column: SourceColumn, asText: boolean): ColumnPlan {
  const ref = quoteMssqlIdent(column.name);
  if (asText) {
    return {
      name: column.name,
      select: asTextExpr(column.sourceType, ref),
      encoder: 'text',
      type: { kind: 'string' },
    };
  }
  const c = classifyMssqlType(column.sourceType);
  const select = selectExpr(column.sourceType, ref);
  if (!c.type || select === undefined) {
    throw new UnsupportedError(
      `stream ${stream}, column ${column.name}: ${c.unsupported} — extract it as text (as_text) or leave it out`,
      { context: { stream, column: column.name, type: column.sourceType } },
    );
  }
  const encoder: Encoder =
    c.kind === 'string' || c.kind === 'varchar' || c.kind === 'xml'
      ? 'text'
      : c.kind === 'binary' || c.kind === 'image'
        ? 'hex'
        : 'plain';
  return { name: column.name, select, encoder, type: c.type };
}

/** Plans the requested columns (default: all) of a stream; an unknown column is a NotFoundError. */
export function planColumns(
  stream: SourceStream,
  columns: readonly ExtractColumn[] | undefined,
): ColumnPlan[] {
  const wanted: readonly ExtractColumn[] = columns ?? stream.columns.map((c) => ({ name: c.name }));
  return wanted.map((w) => {
    const col = stream.columns.find((c) => c.name === w.name);
    if (!col) {
      throw new NotFoundError('column', `stream ${stream.name} has no column ${w.name}`, {
        context: { stream: stream.name, column: w.name },
      });
    }
    return planColumn(stream.name, col, w.asText === true);
  });
}

/** The SELECT list of an extract: each planned column under its own name. */
export function selectList(columns: readonly ColumnPlan[]): string[] {
  return columns.map((c) => `${c.select} AS ${quoteMssqlIdent(c.name)}`);
}
