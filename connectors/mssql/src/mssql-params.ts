/**
 * Parameters of incremental reads: the cursor's last value (canonical text of the column's Iceberg
 * type) and keyset positions (the values `keysetExpr` read), typed so that SQL Server converts the
 * parameter to the column's type and not the other way round — which would compare wrongly
 * (binary vs nvarchar) or turn an index seek into a scan (varchar columns vs nvarchar).
 */
import { DataError, UnsupportedError } from '@lakekit/core';
import { classifyMssqlType } from './map-mssql-type.js';

/** A request parameter: its name (without `@`), driver type and value. */
export interface MssqlParam {
  readonly name: string;
  readonly type: 'NVarChar' | 'VarChar' | 'VarBinary';
  readonly value: string | Buffer;
}

const NUMBER = /^-?\d+(\.\d+)?([eE][+-]?\d+)?$/;
const DATE = /^\d{4}-\d{2}-\d{2}$/;
const TIME = /^\d{2}:\d{2}:\d{2}(\.\d{1,7})?$/;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const TIMESTAMP = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2}:\d{2})(\.\d{1,7})?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i;

/** Minutes east of UTC of `Z`, `+02`, `+0530`, `-03:30`. */
function offsetMinutes(off: string | undefined): number | undefined {
  if (off === undefined) return undefined;
  if (off.toUpperCase() === 'Z') return 0;
  const h = Number(off.slice(1, 3));
  const m = off.length > 3 ? Number(off.slice(-2)) : 0;
  return (off[0] === '-' ? -1 : 1) * (h * 60 + m);
}

/** `2026-01-02T03:04:05` shifted by some minutes (seconds and fraction untouched). */
function shift(date: string, time: string, minutes: number): string {
  const d = new Date(`${date}T${time}Z`);
  const s = new Date(d.getTime() - minutes * 60_000).toISOString();
  return s.slice(0, 19);
}

/**
 * The parameter for a cursor's last value. Timestamps go as ISO 8601 text (`T` separator: read the
 * same under any DATEFORMAT or language): zone-less columns get the UTC wall-clock time of an
 * instant given with an offset; datetimeoffset keeps the offset (`+00:00` when none is given).
 */
export function cursorParam(stream: string, column: string, sourceType: string, after: string): MssqlParam {
  const kind = classifyMssqlType(sourceType).kind;
  const text = after.trim();
  const bad = () =>
    new DataError(
      `stream ${stream}, cursor column ${column}: '${after}' is not a valid ${sourceType} value`,
      {
        context: { stream, column, value: after },
      },
    );
  const nvarchar = (value: string): MssqlParam => ({ name: 'after', type: 'NVarChar', value });
  switch (kind) {
    case 'integer':
    case 'decimal':
    case 'money':
    case 'float':
      if (!NUMBER.test(text)) throw bad();
      return nvarchar(text);
    case 'bit':
      if (!/^(t|f|true|false|0|1)$/i.test(text)) throw bad();
      return nvarchar(/^(t|true|1)$/i.test(text) ? '1' : '0');
    case 'date':
      if (!DATE.test(text)) throw bad();
      return nvarchar(text);
    case 'time':
      if (!TIME.test(text)) throw bad();
      return nvarchar(text);
    case 'datetime2':
    case 'datetime':
    case 'smalldatetime':
    case 'datetimeoffset': {
      const m = TIMESTAMP.exec(text);
      if (!m) throw bad();
      const [, date, time, fraction = ''] = m as unknown as [string, string, string, string | undefined];
      const offset = offsetMinutes(m[4]);
      if (kind === 'datetimeoffset') {
        const o = offset ?? 0;
        const sign = o < 0 ? '-' : '+';
        const abs = Math.abs(o);
        const hhmm = `${String(Math.floor(abs / 60)).padStart(2, '0')}:${String(abs % 60).padStart(2, '0')}`;
        return nvarchar(`${date}T${time}${fraction}${sign}${hhmm}`);
      }
      const wall = offset ? shift(date, time, offset) : `${date}T${time}`;
      // datetime parses at most 3 fractional digits, smalldatetime none.
      const digits = kind === 'datetime' ? fraction.slice(0, 4) : kind === 'smalldatetime' ? '' : fraction;
      return nvarchar(wall + digits);
    }
    case 'uuid':
      if (!UUID.test(text)) throw bad();
      return nvarchar(text);
    case 'varchar':
      return { name: 'after', type: 'VarChar', value: after };
    case 'string':
    case 'xml':
      return nvarchar(after);
    case 'binary':
    case 'image':
      if (!/^(0x)?([0-9a-f]{2})*$/i.test(text)) throw bad();
      return { name: 'after', type: 'VarBinary', value: Buffer.from(text.replace(/^0x/i, ''), 'hex') };
    case 'unsupported':
      throw new UnsupportedError(`stream ${stream}: column ${column} (${sourceType}) cannot be a cursor`, {
        context: { stream, column },
      });
  }
}

/** The parameter of a keyset position value as the driver returned it (see `keysetExpr`). */
export function keysetParam(name: string, sourceType: string, raw: unknown): MssqlParam {
  const kind = classifyMssqlType(sourceType).kind;
  if (kind === 'binary' || kind === 'image') {
    return { name, type: 'VarBinary', value: Buffer.isBuffer(raw) ? raw : Buffer.from(String(raw), 'hex') };
  }
  if (kind === 'bit')
    return { name, type: 'NVarChar', value: raw === true || raw === 1 || raw === '1' ? '1' : '0' };
  if (kind === 'varchar') return { name, type: 'VarChar', value: String(raw) };
  return { name, type: 'NVarChar', value: String(raw) };
}
