/**
 * SQL Server column types → Iceberg types. The source type is the text `formatMssqlType` builds
 * from INFORMATION_SCHEMA.COLUMNS (`decimal(12,2)`, `nvarchar(max)`, `datetime2(7)`, `float(53)`).
 * Exhaustive: a type not listed is unsupported (with a reason) rather than guessed. The table is
 * repeated in the package README; each row has a unit test.
 */
import type { IcebergType } from '@lakekit/core';

/** The Iceberg type of a source column, or why it has none. */
export interface MssqlTypeMapping {
  readonly type?: IcebergType;
  readonly unsupported?: string;
}

/** How values of a type are read (see `select-expr.ts`). */
export type MssqlValueKind =
  | 'bit'
  | 'integer' // tinyint … int: JS numbers; bigint: the driver's exact string
  | 'decimal' // decimal/numeric: CONVERT to text (the driver would round to a JS number)
  | 'money' // money/smallmoney: CONVERT style 2 (four decimals)
  | 'float' // float/real: JS numbers, exact
  | 'date'
  | 'time'
  | 'datetime2'
  | 'datetime'
  | 'smalldatetime'
  | 'datetimeoffset'
  | 'string' // char … ntext: JS strings
  | 'varchar' // char/varchar/text: non-Unicode (parameters must be varchar to keep index seeks)
  | 'uuid'
  | 'binary' // binary/varbinary/rowversion: CONVERT style 2 (hex)
  | 'image'
  | 'xml'
  | 'unsupported';

/** The mapping plus how values are read. */
export interface MssqlColumnType extends MssqlTypeMapping {
  readonly kind: MssqlValueKind;
}

const t = (
  kind: 'boolean' | 'int' | 'long' | 'float' | 'double' | 'string' | 'binary' | 'uuid',
): IcebergType => ({
  kind,
});

/** What to do instead, per type without a mapping. */
const UNSUPPORTED: Record<string, string> = {
  sql_variant: 'sql_variant holds values of any type (cast to text)',
  hierarchyid: 'hierarchyid has no Iceberg type (cast to text: its path, /1/2/)',
  geography: 'spatial types have no Iceberg type (cast to text: WKT)',
  geometry: 'spatial types have no Iceberg type (cast to text: WKT)',
  cursor: 'cursor is not a column type',
  table: 'table is not a column type',
};

/**
 * Maps a SQL Server type to its Iceberg type and value kind.
 *
 * @example classifyMssqlType('money') // { kind: 'money', type: decimal(19, 4) }
 */
export function classifyMssqlType(sourceType: string): MssqlColumnType {
  const text = sourceType.trim().toLowerCase();
  const m = /^([a-z0-9_]+)\s*(?:\(([^)]*)\))?$/.exec(text);
  if (!m) return { kind: 'unsupported', unsupported: `unrecognised column type ${sourceType}` };
  const base = m[1]!;
  const args = (m[2] ?? '').split(',').map((a) => a.trim());
  const n = (i: number) =>
    args[i] === undefined || args[i] === '' || args[i] === 'max' ? undefined : Number(args[i]);

  switch (base) {
    case 'bit':
      return { kind: 'bit', type: t('boolean') };
    case 'tinyint': // 0..255
    case 'smallint':
    case 'int':
      return { kind: 'integer', type: t('int') };
    case 'bigint':
      return { kind: 'integer', type: t('long') };
    case 'decimal':
    case 'numeric':
      // SQL Server's precision is at most 38, like Iceberg's.
      return { kind: 'decimal', type: { kind: 'decimal', precision: n(0) ?? 18, scale: n(1) ?? 0 } };
    case 'money':
      return { kind: 'money', type: { kind: 'decimal', precision: 19, scale: 4 } };
    case 'smallmoney':
      return { kind: 'money', type: { kind: 'decimal', precision: 10, scale: 4 } };
    case 'real':
      return { kind: 'float', type: t('float') };
    case 'float':
      // float(1..24) is stored as real (4 bytes), float(25..53) and float as double.
      return (n(0) ?? 53) <= 24 ? { kind: 'float', type: t('float') } : { kind: 'float', type: t('double') };
    case 'date':
      return { kind: 'date', type: { kind: 'date' } };
    case 'time':
      return { kind: 'time', type: { kind: 'time' } };
    case 'datetime2':
      return { kind: 'datetime2', type: { kind: 'timestamp' } };
    case 'datetime':
      return { kind: 'datetime', type: { kind: 'timestamp' } };
    case 'smalldatetime':
      return { kind: 'smalldatetime', type: { kind: 'timestamp' } };
    case 'datetimeoffset':
      return { kind: 'datetimeoffset', type: { kind: 'timestamptz' } };
    case 'char':
    case 'varchar':
    case 'text':
      return { kind: 'varchar', type: t('string') };
    case 'nchar':
    case 'nvarchar':
    case 'ntext':
      return { kind: 'string', type: t('string') };
    case 'xml':
      return { kind: 'xml', type: t('string') };
    case 'uniqueidentifier':
      return { kind: 'uuid', type: t('uuid') };
    case 'binary':
    case 'varbinary':
    case 'rowversion':
    case 'timestamp': // INFORMATION_SCHEMA's name for rowversion
      return { kind: 'binary', type: t('binary') };
    case 'image':
      return { kind: 'image', type: t('binary') };
    default:
      return {
        kind: 'unsupported',
        unsupported: `${sourceType}: ${UNSUPPORTED[base] ?? 'has no Iceberg type (a CLR or unknown type; cast to text)'}`,
      };
  }
}

/**
 * The Iceberg type of a SQL Server column type, or why there is none.
 *
 * @example mapMssqlType('datetimeoffset(7)') // { type: { kind: 'timestamptz' } }
 */
export function mapMssqlType(sourceType: string): MssqlTypeMapping {
  const { type, unsupported } = classifyMssqlType(sourceType);
  return type ? { type } : { unsupported: unsupported! };
}
