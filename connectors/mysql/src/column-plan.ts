/**
 * How each extracted column is read: the SELECT expression that gives its canonical text (see
 * `@lakekit/core`'s connector module) and the encoder that writes it to the staged CSV. Conversions
 * happen at the source where the server does them exactly (HEX for binaries, CAST for bits, floats
 * widened to DOUBLE so the text protocol keeps every digit), checks that need the value in the
 * encoder (zero dates, TIME beyond a day).
 */
import {
  type ExtractColumn,
  type IcebergType,
  NotFoundError,
  type SourceColumn,
  type SourceStream,
  UnsupportedError,
} from '@lakekit/core';
import { classifyMysqlType } from './map-mysql-type.js';
import { isUtcZone } from './zone-offset.js';

/**
 * How the CSV writer turns a driver value into a field:
 * - `plain`: numbers and server-formatted text that never needs quoting (decimals, uuids)
 * - `text`: any text; quoted when it holds `,` `"` CR or LF, the empty string as `""`
 * - `hex`: HEX() output; the empty binary as `""`
 * - `date`: DATE/DATETIME/TIMESTAMP text; a zero month or day is an error or NULL
 * - `zoned`: DATETIME text plus the source zone's offset at that time
 * - `time`: TIME text; negative or 24 hours and more is an error
 */
export type Encoder = 'plain' | 'text' | 'hex' | 'date' | 'zoned' | 'time';

/** One column of an extract. */
export interface ColumnPlan {
  readonly name: string;
  /** The SELECT expression (already quoted). */
  readonly select: string;
  readonly encoder: Encoder;
  /** The Iceberg type the staged text converts to. */
  readonly type: IcebergType;
}

/** Quotes a MySQL identifier: `a``b`. */
export function quoteMysqlIdent(name: string): string {
  return `\`${name.replaceAll('`', '``')}\``;
}

/**
 * The Iceberg type of a column as this source reads it: DATETIME becomes `timestamptz` when the
 * source declares a zone other than UTC (see `timezone` in the config).
 */
export function columnType(
  sourceType: string,
  timezone: string,
): { type?: IcebergType; unsupported?: string } {
  const c = classifyMysqlType(sourceType);
  if (c.kind === 'datetime' && !isUtcZone(timezone)) return { type: { kind: 'timestamptz' } };
  return c.type ? { type: c.type } : { unsupported: c.unsupported! };
}

const SPATIAL_TEXT =
  /^(geometry|point|linestring|polygon|multipoint|multilinestring|multipolygon|geometrycollection|geomcollection)\b/i;

/** The plan of one column (`asText`: the text the server gives, for types without a mapping). */
export function planColumn(
  stream: string,
  column: SourceColumn,
  asText: boolean,
  timezone: string,
): ColumnPlan {
  const ref = quoteMysqlIdent(column.name);
  if (asText) {
    const select = SPATIAL_TEXT.test(column.sourceType) ? `ST_AsText(${ref})` : `CAST(${ref} AS CHAR)`;
    return { name: column.name, select, encoder: 'text', type: { kind: 'string' } };
  }
  const c = classifyMysqlType(column.sourceType);
  if (!c.type) {
    throw new UnsupportedError(
      `stream ${stream}, column ${column.name}: ${c.unsupported} — extract it as text (as_text) or leave it out`,
      { context: { stream, column: column.name, type: column.sourceType } },
    );
  }
  const plan = (select: string, encoder: Encoder, type: IcebergType = c.type!): ColumnPlan => ({
    name: column.name,
    select,
    encoder,
    type,
  });
  switch (c.kind) {
    case 'boolean':
      return plan(`(${ref} <> 0)`, 'plain');
    case 'bit':
      return plan(`CAST(${ref} AS UNSIGNED)`, 'plain');
    case 'float':
      // The text protocol prints FLOAT with 6 significant digits; as DOUBLE every bit survives.
      return plan(`(${ref} + 0E0)`, 'plain');
    case 'integer':
    case 'decimal':
    case 'double':
    case 'uuid':
      return plan(ref, 'plain');
    case 'string':
      return plan(ref, 'text');
    case 'binary':
      return plan(`HEX(${ref})`, 'hex');
    case 'date':
    case 'timestamp':
      return plan(ref, 'date');
    case 'datetime':
      return isUtcZone(timezone) ? plan(ref, 'date') : plan(ref, 'zoned', { kind: 'timestamptz' });
    case 'time':
      return plan(ref, 'time');
    case 'unsupported':
      throw new Error('unreachable: unsupported types have no Iceberg type');
  }
}

/** Plans the requested columns (default: all) of a stream; an unknown column is a NotFoundError. */
export function planColumns(
  stream: SourceStream,
  columns: readonly ExtractColumn[] | undefined,
  timezone: string,
): ColumnPlan[] {
  const wanted: readonly ExtractColumn[] = columns ?? stream.columns.map((c) => ({ name: c.name }));
  return wanted.map((w) => {
    const col = stream.columns.find((c) => c.name === w.name);
    if (!col) {
      throw new NotFoundError('column', `stream ${stream.name} has no column ${w.name}`, {
        context: { stream: stream.name, column: w.name },
      });
    }
    return planColumn(stream.name, col, w.asText === true, timezone);
  });
}
