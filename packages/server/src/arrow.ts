/**
 * A governed answer as an Arrow IPC stream (`application/vnd.apache.arrow.stream`), built from the
 * answer's JSON rows (the very values its receipt hashes). DuckDB types map to Arrow types:
 *
 * | DuckDB | Arrow |
 * | --- | --- |
 * | BIGINT, INTEGER, SMALLINT, TINYINT (and unsigned) | Int64, Int32, Int16, Int8 (Uint…) |
 * | DOUBLE, FLOAT | Float64, Float32 |
 * | BOOLEAN | Bool |
 * | VARCHAR | Utf8 |
 * | DATE | Date32 (days) |
 * | TIMESTAMP, TIMESTAMP_S/_MS/_NS | Timestamp (microseconds; seconds, milliseconds, nanoseconds), no time zone |
 * | TIMESTAMP WITH TIME ZONE | Timestamp (microseconds, `UTC`) |
 * | DECIMAL(p,s) | Decimal128(p,s) — exact, what Arrow readers (pyarrow, polars, DuckDB) expect |
 * | anything else (HUGEINT, TIME, INTERVAL, UUID, BLOB, lists, structs, maps…) | Utf8: the JSON value (strings as they are) |
 *
 * A DATE or TIMESTAMP column holding a value with no Arrow form (`infinity`) is sent as Utf8. Each
 * field carries its DuckDB type in the metadata `lakekit.duckdb_type`; the schema carries
 * `lakekit.receipt`, `lakekit.result_hash` and `lakekit.truncated`.
 *
 * apache-arrow is loaded on the first Arrow answer only.
 */
import type * as ArrowNs from 'apache-arrow';

type Arrow = typeof ArrowNs;

/** The media type of an Arrow IPC stream. */
export const ARROW_STREAM = 'application/vnd.apache.arrow.stream';

let arrowModule: Promise<Arrow> | undefined;
function loadArrow(): Promise<Arrow> {
  arrowModule ??= import('apache-arrow').catch((e: unknown) => {
    arrowModule = undefined;
    throw e;
  });
  return arrowModule;
}

/** What the stream is built from. */
export interface ArrowAnswer {
  columns: readonly { name: string; type: string }[];
  rows: readonly (readonly unknown[])[];
  truncated: boolean;
  receipt: { id: string; result: { hash: string } };
}

/** The Arrow IPC stream bytes of an answer (one record batch). */
export async function answerToArrowStream(answer: ArrowAnswer): Promise<Uint8Array> {
  const A = await loadArrow();
  const n = answer.rows.length;
  const fields: ArrowNs.Field[] = [];
  const children: ArrowNs.Data[] = [];
  answer.columns.forEach((c, i) => {
    const values = answer.rows.map((r) => r[i] ?? null);
    const data = columnData(A, c.type, values);
    fields.push(new A.Field(c.name, data.type, true, new Map([['lakekit.duckdb_type', c.type]])));
    children.push(data);
  });
  const schema = new A.Schema(
    fields,
    new Map([
      ['lakekit.receipt', answer.receipt.id],
      ['lakekit.result_hash', answer.receipt.result.hash],
      ['lakekit.truncated', String(answer.truncated)],
    ]),
  );
  const struct = A.makeData({ type: new A.Struct(fields), length: n, nullCount: 0, children });
  const batch = new A.RecordBatch(schema, struct);
  return A.tableToIPC(new A.Table(schema, [batch]), 'stream');
}

type NumberArray =
  | Int8Array
  | Int16Array
  | Int32Array
  | Uint8Array
  | Uint16Array
  | Uint32Array
  | Float32Array
  | Float64Array
  | BigInt64Array
  | BigUint64Array;

/** The Arrow data of one column. */
function columnData(A: Arrow, duckdbType: string, values: readonly unknown[]): ArrowNs.Data {
  const t = duckdbType.toUpperCase();
  const n = values.length;
  const { nullBitmap, nullCount } = validity(values);
  const fixed = (
    type: ArrowNs.DataType,
    data: NumberArray,
    of: (v: unknown) => number | bigint | undefined,
  ) => {
    for (const [i, v] of values.entries()) {
      if (v === null) continue;
      const x = of(v);
      if (x === undefined) return undefined;
      (data as unknown as (number | bigint)[])[i] = x;
    }
    return A.makeData({ type, length: n, nullCount, nullBitmap, data } as never) as ArrowNs.Data;
  };
  // DuckDB's JSON gives NaN and ±Infinity as strings, and integers past 2^53 too: both read back.
  const num = (v: unknown) => Number(v);
  const big = (v: unknown) => BigInt(String(v));
  let data: ArrowNs.Data | undefined;
  switch (t) {
    case 'BIGINT':
      data = fixed(new A.Int64(), new BigInt64Array(n), big);
      break;
    case 'UBIGINT':
      data = fixed(new A.Uint64(), new BigUint64Array(n), big);
      break;
    case 'INTEGER':
      data = fixed(new A.Int32(), new Int32Array(n), num);
      break;
    case 'UINTEGER':
      data = fixed(new A.Uint32(), new Uint32Array(n), num);
      break;
    case 'SMALLINT':
      data = fixed(new A.Int16(), new Int16Array(n), num);
      break;
    case 'USMALLINT':
      data = fixed(new A.Uint16(), new Uint16Array(n), num);
      break;
    case 'TINYINT':
      data = fixed(new A.Int8(), new Int8Array(n), num);
      break;
    case 'UTINYINT':
      data = fixed(new A.Uint8(), new Uint8Array(n), num);
      break;
    case 'DOUBLE':
      data = fixed(new A.Float64(), new Float64Array(n), num);
      break;
    case 'FLOAT':
      data = fixed(new A.Float32(), new Float32Array(n), num);
      break;
    case 'BOOLEAN':
      data = A.vectorFromArray(
        values.map((v) => (v === null ? null : v === true || v === 'true')),
        new A.Bool(),
      ).data[0];
      break;
    case 'DATE':
      data = fixed(new A.DateDay(), new Int32Array(n), (v) => dateDays(String(v)));
      break;
    default: {
      const ts = /^TIMESTAMP(?:_(S|MS|NS))?( WITH TIME ZONE)?$/.exec(t);
      const dec = /^DECIMAL\((\d+),\s*(\d+)\)$/.exec(t);
      if (ts) {
        const unit = ts[1] === 'S' ? 's' : ts[1] === 'MS' ? 'ms' : ts[1] === 'NS' ? 'ns' : 'us';
        const arrowUnit = {
          s: A.TimeUnit.SECOND,
          ms: A.TimeUnit.MILLISECOND,
          us: A.TimeUnit.MICROSECOND,
          ns: A.TimeUnit.NANOSECOND,
        }[unit];
        data = fixed(new A.Timestamp(arrowUnit, ts[2] ? 'UTC' : null), new BigInt64Array(n), (v) =>
          timestampIn(String(v), unit),
        );
      } else if (dec) {
        data = decimalData(A, Number(dec[1]), Number(dec[2]), values, nullCount, nullBitmap);
      }
    }
  }
  // A value with no Arrow form of its type (an infinite date): the column goes as text.
  return data ?? utf8(A, values);
}

/** DECIMAL(p,s) as Decimal128: four little-endian 32-bit words of the unscaled value per row. */
function decimalData(
  A: Arrow,
  precision: number,
  scale: number,
  values: readonly unknown[],
  nullCount: number,
  nullBitmap: Uint8Array,
): ArrowNs.Data | undefined {
  if (precision < 1 || precision > 38 || scale > precision) return undefined;
  const words = new Uint32Array(values.length * 4);
  for (const [i, v] of values.entries()) {
    if (v === null) continue;
    const unscaled = decimalUnscaled(String(v), scale);
    if (unscaled === undefined) return undefined;
    let u = BigInt.asUintN(128, unscaled);
    for (let k = 0; k < 4; k++) {
      words[i * 4 + k] = Number(u & 0xffff_ffffn);
      u >>= 32n;
    }
  }
  return A.makeData({
    type: new A.Decimal(scale, precision, 128),
    length: values.length,
    nullCount,
    nullBitmap,
    data: words,
  }) as ArrowNs.Data;
}

/** Strings as they are; other JSON values as JSON text. */
function utf8(A: Arrow, values: readonly unknown[]): ArrowNs.Data {
  return A.vectorFromArray(
    values.map((v) => (v === null ? null : typeof v === 'string' ? v : JSON.stringify(v))),
    new A.Utf8(),
  ).data[0]!;
}

/** The validity bitmap (bit set: a value) and the number of nulls. */
function validity(values: readonly unknown[]): { nullBitmap: Uint8Array; nullCount: number } {
  const nullBitmap = new Uint8Array(Math.ceil(values.length / 8));
  let nullCount = 0;
  values.forEach((v, i) => {
    if (v === null) nullCount++;
    else nullBitmap[i >> 3]! |= 1 << (i & 7);
  });
  return { nullBitmap, nullCount };
}

/** Days since 1970-01-01 of a proleptic Gregorian civil date (H. Hinnant's days_from_civil). */
function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const doy = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

const DATE = /^(\d{4,})-(\d{2})-(\d{2})( \(BC\))?$/;

/** Days of DuckDB's DATE text (`2026-01-02`, `0044-03-15 (BC)`); undefined when it has none. */
export function dateDays(text: string): number | undefined {
  const m = DATE.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  // 1 BC is year 0 of the proleptic calendar.
  const days = daysFromCivil(m[4] ? 1 - y : y, Number(m[2]), Number(m[3]));
  return days >= -2147483648 && days <= 2147483647 ? days : undefined;
}

const TIMESTAMP =
  /^(\d{4,})-(\d{2})-(\d{2})( \(BC\))? (\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?(?:([+-])(\d{2})(?::?(\d{2}))?(?::?(\d{2}))?)?$/;
const PER_SECOND = { s: 1n, ms: 1000n, us: 1_000_000n, ns: 1_000_000_000n } as const;

/**
 * DuckDB's TIMESTAMP text (`2026-01-02 03:04:05.123456`, with `+00` or `+05:30` for WITH TIME ZONE)
 * as an instant in `unit` since the epoch (UTC); undefined for `infinity` and unknown forms.
 */
export function timestampIn(text: string, unit: keyof typeof PER_SECOND): bigint | undefined {
  const m = TIMESTAMP.exec(text);
  if (!m) return undefined;
  const y = Number(m[1]);
  const days = daysFromCivil(m[4] ? 1 - y : y, Number(m[2]), Number(m[3]));
  let seconds = BigInt(days) * 86_400n + BigInt(Number(m[5]) * 3600 + Number(m[6]) * 60 + Number(m[7]));
  if (m[9]) {
    const offset = Number(m[10]) * 3600 + Number(m[11] ?? 0) * 60 + Number(m[12] ?? 0);
    seconds -= BigInt(m[9] === '-' ? -offset : offset);
  }
  const per = PER_SECOND[unit];
  const digits = unit === 's' ? 0 : unit === 'ms' ? 3 : unit === 'us' ? 6 : 9;
  const fraction = BigInt((m[8] ?? '').padEnd(9, '0').slice(0, digits) || '0');
  const value = seconds * per + fraction;
  return value >= -(2n ** 63n) && value < 2n ** 63n ? value : undefined;
}

/** The unscaled integer of a decimal text at `scale` (`-12.50`, scale 2 → -1250n). */
export function decimalUnscaled(text: string, scale: number): bigint | undefined {
  const m = /^(-?)(\d+)(?:\.(\d+))?$/.exec(text);
  if (!m) return undefined;
  const fraction = m[3] ?? '';
  if (fraction.length > scale && /[1-9]/.test(fraction.slice(scale))) return undefined;
  const digits = BigInt(m[2]! + fraction.padEnd(scale, '0').slice(0, scale));
  return m[1] ? -digits : digits;
}
