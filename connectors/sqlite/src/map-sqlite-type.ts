/**
 * SQLite column types → Iceberg types. SQLite keeps a *declared* type per column but stores any value
 * in any column (a column's affinity only nudges conversions), so the mapping follows SQLite's
 * affinity rules (https://sqlite.org/datatype3.html §3.1) and uses the declared name where it says
 * more than the affinity: `BOOLEAN`, `DATE`, `DATETIME`, `DECIMAL(12,2)`, `UUID`, `JSON`.
 *
 * Every declared type maps (a column without a type, or with a name SQLite knows nothing of, becomes
 * a string: its values are written as their text). A stored value that does not fit the column's
 * type (text `'abc'` in an `INTEGER` column) is written as text and fails in the runner's converter,
 * naming the column.
 */
import type { IcebergType } from '@lakekit/core';

/** What `mapSqliteType` returns: the Iceberg type (SQLite types always have one). */
export interface SqliteTypeMapping {
  readonly type?: IcebergType;
  readonly unsupported?: string;
}

const LONG: IcebergType = { kind: 'long' };
const DOUBLE: IcebergType = { kind: 'double' };
const STRING: IcebergType = { kind: 'string' };

/** Names that say more than their affinity, matched on the whole (normalised) declared name. */
const NAMED: Readonly<Record<string, IcebergType>> = {
  BOOLEAN: { kind: 'boolean' },
  BOOL: { kind: 'boolean' },
  DATE: { kind: 'date' },
  TIME: { kind: 'time' },
  DATETIME: { kind: 'timestamp' },
  TIMESTAMP: { kind: 'timestamp' },
  'TIMESTAMP WITHOUT TIME ZONE': { kind: 'timestamp' },
  TIMESTAMPTZ: { kind: 'timestamptz' },
  'TIMESTAMP WITH TIME ZONE': { kind: 'timestamptz' },
  UUID: { kind: 'uuid' },
  JSON: STRING,
  // `STRING` has NUMERIC affinity in SQLite (a famous trap), but whoever wrote it meant text.
  STRING: STRING,
  // Exact numerics without precision: SQLite stores them as INTEGER or REAL (8-byte float), never
  // as exact decimals, so a double holds everything such a column can hold.
  NUMERIC: DOUBLE,
  DECIMAL: DOUBLE,
  NUMBER: DOUBLE,
};

/**
 * The Iceberg type of a column declared as `declared` (`INTEGER`, `varchar(40)`, `DECIMAL(12,2)`,
 * `` for none). See the table in the package README.
 */
export function mapSqliteType(declared: string): SqliteTypeMapping {
  const name = declared.trim().toUpperCase().replace(/\s+/g, ' ');
  if (name === '') return { type: STRING };
  const exact = /^(?:DECIMAL|NUMERIC|NUMBER)\s*\(\s*(\d+)\s*(?:,\s*(\d+)\s*)?\)$/.exec(name);
  if (exact) {
    const precision = Number(exact[1]);
    const scale = Number(exact[2] ?? 0);
    // Beyond Iceberg's 38 digits (or nonsense like scale > precision) SQLite still stores a double.
    if (precision >= 1 && precision <= 38 && scale <= precision) {
      return { type: { kind: 'decimal', precision, scale } };
    }
    return { type: DOUBLE };
  }
  // `TIMESTAMP(3)`, `DATETIME(6)`: the name without its arguments.
  const named = NAMED[name] ?? NAMED[name.replace(/\s*\(.*\)$/, '')];
  if (named) return { type: named };

  // SQLite's affinity rules, in SQLite's order.
  if (name.includes('INT')) return { type: LONG };
  if (name.includes('CHAR') || name.includes('CLOB') || name.includes('TEXT')) return { type: STRING };
  if (name.includes('BLOB')) return { type: { kind: 'binary' } };
  if (name.includes('REAL') || name.includes('FLOA') || name.includes('DOUB')) return { type: DOUBLE };
  // NUMERIC affinity under a name SQLite does not know (`MONEY`, `ENUM(...)`, `YEAR`): such a
  // column holds numbers where the text looks numeric and text otherwise, which only a string fits.
  return { type: STRING };
}

/** Declared types whose columns can serve as incremental cursors (besides an INTEGER PRIMARY KEY). */
export function isCursorType(declared: string): boolean {
  const t = mapSqliteType(declared).type;
  return t?.kind === 'date' || t?.kind === 'timestamp' || t?.kind === 'timestamptz';
}
