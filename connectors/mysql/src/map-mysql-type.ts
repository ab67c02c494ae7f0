/**
 * MySQL/MariaDB column types → Iceberg types, from `information_schema.COLUMNS.COLUMN_TYPE` (the
 * full text: `int(10) unsigned`, `tinyint(1)`, `decimal(12,2)`, `enum('a','b')`). Exhaustive: a
 * type not listed here is unsupported (with a reason) rather than guessed. The table is repeated in
 * the package README; each row has a unit test.
 */
import type { IcebergType } from '@lakekit/core';

/** The Iceberg type of a source column, or why it has none. */
export interface MysqlTypeMapping {
  readonly type?: IcebergType;
  readonly unsupported?: string;
}

/** How the connector reads a column's values (see `column-plan.ts`), decided with its type. */
export type MysqlValueKind =
  | 'boolean' // tinyint(1): `col <> 0`
  | 'bit' // bit(n): CAST(col AS UNSIGNED)
  | 'integer'
  | 'decimal'
  | 'float' // widened to DOUBLE at the source so no digit is lost in the text protocol
  | 'double'
  | 'string'
  | 'binary' // HEX(col)
  | 'date'
  | 'time'
  | 'datetime'
  | 'timestamp'
  | 'uuid'
  | 'unsupported';

/** The mapping plus how values are read. */
export interface MysqlColumnType extends MysqlTypeMapping {
  readonly kind: MysqlValueKind;
}

const t = (kind: 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'binary'): IcebergType => ({
  kind,
});

const SPATIAL = new Set([
  'geometry',
  'point',
  'linestring',
  'polygon',
  'multipoint',
  'multilinestring',
  'multipolygon',
  'geometrycollection',
  'geomcollection',
]);

const TEXT = new Set([
  'char',
  'varchar',
  'tinytext',
  'text',
  'mediumtext',
  'longtext',
  'enum',
  'set',
  'json',
  'inet4',
  'inet6',
]);
const BINARY = new Set(['binary', 'varbinary', 'tinyblob', 'blob', 'mediumblob', 'longblob']);

/**
 * Maps a `COLUMN_TYPE` to its Iceberg type and value kind.
 *
 * @example classifyMysqlType('bigint(20) unsigned') // { kind: 'decimal', type: decimal(20, 0) }
 */
export function classifyMysqlType(columnType: string): MysqlColumnType {
  const text = columnType.trim().toLowerCase();
  const m = /^([a-z0-9_]+)\s*(?:\(([^)]*)\))?(.*)$/.exec(text);
  if (!m) return { kind: 'unsupported', unsupported: `unrecognised column type ${columnType}` };
  const base = m[1]!;
  const args = (m[2] ?? '').split(',').map((a) => a.trim());
  const unsigned = /\bunsigned\b/.test(m[3] ?? '');
  const n = (i: number) => (args[i] === undefined || args[i] === '' ? undefined : Number(args[i]));

  switch (base) {
    case 'tinyint':
      // MySQL has no boolean type: BOOL/BOOLEAN are tinyint(1), and tinyint(1) is read as one (any
      // non-zero value is true). MySQL 8 drops display widths except this one, so it stays visible.
      if (n(0) === 1) return { kind: 'boolean', type: t('boolean') };
      return { kind: 'integer', type: t('int') };
    case 'smallint':
    case 'mediumint':
    case 'year':
      return { kind: 'integer', type: t('int') };
    case 'int':
    case 'integer':
      return { kind: 'integer', type: t(unsigned ? 'long' : 'int') };
    case 'bigint':
      return unsigned
        ? { kind: 'decimal', type: { kind: 'decimal', precision: 20, scale: 0 } }
        : { kind: 'integer', type: t('long') };
    case 'decimal':
    case 'numeric':
    case 'dec':
    case 'fixed': {
      const precision = n(0) ?? 10;
      const scale = n(1) ?? 0;
      if (precision > 38) {
        return {
          kind: 'unsupported',
          unsupported: `${columnType}: Iceberg decimals hold at most 38 digits (cast to text, or to double)`,
        };
      }
      return { kind: 'decimal', type: { kind: 'decimal', precision, scale } };
    }
    case 'float':
      return { kind: 'float', type: t('float') };
    case 'double':
    case 'real':
      return { kind: 'double', type: t('double') };
    case 'bit':
      return (n(0) ?? 1) === 1 ? { kind: 'bit', type: t('boolean') } : { kind: 'bit', type: t('long') };
    case 'date':
      return { kind: 'date', type: { kind: 'date' } };
    case 'time':
      return { kind: 'time', type: { kind: 'time' } };
    case 'datetime':
      return { kind: 'datetime', type: { kind: 'timestamp' } };
    case 'timestamp':
      return { kind: 'timestamp', type: { kind: 'timestamptz' } };
    case 'uuid':
      return { kind: 'uuid', type: { kind: 'uuid' } };
    default:
      if (TEXT.has(base)) return { kind: 'string', type: t('string') };
      if (BINARY.has(base)) return { kind: 'binary', type: t('binary') };
      if (SPATIAL.has(base)) {
        return {
          kind: 'unsupported',
          unsupported: `${columnType}: spatial types have no Iceberg type (cast to text: WKT)`,
        };
      }
      return { kind: 'unsupported', unsupported: `${columnType} has no Iceberg type` };
  }
}

/**
 * The Iceberg type of a MySQL/MariaDB column type (`COLUMN_TYPE` text), or why there is none.
 *
 * @example mapMysqlType('decimal(12,2)') // { type: { kind: 'decimal', precision: 12, scale: 2 } }
 */
export function mapMysqlType(columnType: string): MysqlTypeMapping {
  const { type, unsupported } = classifyMysqlType(columnType);
  return type ? { type } : { unsupported: unsupported! };
}
