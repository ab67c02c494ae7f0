/**
 * Applying delete files when reading (merge-on-read), as the spec says:
 * - a **position** delete (file_path, pos) removes row `pos` of that data file when the delete file's
 *   data sequence number is >= the data file's;
 * - an **equality** delete removes the rows whose equality columns equal (null-safe) a delete row's,
 *   in data files with a strictly smaller data sequence number (and, for a partitioned delete file,
 *   in the same partition).
 * Rows are matched with anti-joins in DuckDB; data rows carry their file's index and row number
 * (`file_index`, `file_row_number`) for the position match, in every group of files read together
 * (read-groups.ts).
 */
import { quoteIdent, quoteLiteral, toDuckDBType, UnsupportedError } from '@lakekit/core';
import { FileContent } from './manifest-model.js';
import { groupedPaths, type ReadGroup, readGroupsFrom } from './read-groups.js';
import type { LiveFile } from './scan.js';
import type { Schema } from './schema.js';

/** Field ids of the position delete file columns (spec: reserved ids). */
export const POSITION_DELETE_FILE_PATH_ID = 2147483546;
export const POSITION_DELETE_POS_ID = 2147483545;

const PATH = '__lk_path';
const POS = 'file_row_number';
const FILE_INDEX = 'file_index';

interface DeleteAwareInput {
  schema: Schema;
  /** Quoted, comma-separated output columns (may use `__lk_uri`, the row's file URI, and `file_row_number`). */
  columns: string;
  /** The data files' reads (see read-groups.ts). */
  groups: readonly ReadGroup[];
  data: readonly LiveFile[];
  dataPaths: readonly string[];
  deletes: readonly LiveFile[];
  deletePaths: readonly string[];
  /** A predicate over the data rows (alias `d`), applied before the deletes. */
  dataFilter?: string;
}

function partitionKey(f: LiveFile): string {
  return JSON.stringify([f.dataFile.partition, f.manifest?.partitionSpecId ?? 0], (_k, v) =>
    typeof v === 'bigint' ? v.toString() : v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v,
  );
}

function values(rows: string[][]): string {
  return rows.map((r) => `(${r.join(', ')})`).join(', ');
}

/**
 * The SELECT over data files minus the rows their delete files remove. Every data row carries its
 * file's index (`__lk_fi`) and position; per-file facts (URI, sequence number, partition) are looked
 * up by index in list literals, and position deletes are resolved to (file index, position) first,
 * so the big side is only ever joined on integers.
 */
export function deleteAwareSql(input: DeleteAwareInput): string {
  const { schema, columns, groups: reads, data, dataPaths, deletes, deletePaths } = input;
  if (schema.fields.some((f) => f.name === POS || f.name === PATH || f.name === FILE_INDEX)) {
    throw new UnsupportedError(
      `a table with a column named ${POS}, ${FILE_INDEX} or ${PATH} cannot be read with delete files applied`,
    );
  }
  const byPath = new Map(data.map((f, i) => [dataPaths[i]!, f]));
  const ordered = groupedPaths(reads).map((p) => byPath.get(p)!);
  const list = (xs: string[]) => `[${xs.join(', ')}]`;
  const uris = list(ordered.map((f) => quoteLiteral(f.dataFile.filePath)));
  const seqs = list(ordered.map((f) => String(f.sequenceNumber)));
  const parts: string[] = [];
  // Per-file facts are looked up only where needed: the URI in the final projection (after filters
  // above it were pushed down), the sequence number only when equality deletes compare it.
  const filter = input.dataFilter ? ` WHERE ${input.dataFilter}` : '';
  parts.push(`__lk_data AS (SELECT d.* FROM ${readGroupsFrom(reads, true)} d${filter})`);
  const joins: string[] = [];
  const conditions: string[] = [];

  const pos = deletes
    .map((f, i) => ({ f, path: deletePaths[i]! }))
    .filter((x) => x.f.dataFile.content === FileContent.POSITION_DELETES);
  if (pos.length > 0) {
    const files = values(
      ordered.map((f, i) => [String(i), quoteLiteral(f.dataFile.filePath), String(f.sequenceNumber)]),
    );
    parts.push(`__lk_files(__lk_fi, __lk_uri, __lk_seq) AS (VALUES ${files})`);
    const deleteSeqs = values(pos.map((x) => [quoteLiteral(x.path), String(x.f.sequenceNumber)]));
    parts.push(`__lk_pos_files(${PATH}, __lk_seq) AS (VALUES ${deleteSeqs})`);
    // Resolve deletes to (file index, position) where the delete's sequence number is >= the file's.
    parts.push(
      `__lk_pos AS (SELECT DISTINCT f.__lk_fi, p.pos FROM read_parquet([${pos.map((x) => quoteLiteral(x.path)).join(', ')}], filename = '${PATH}', schema = MAP {${POSITION_DELETE_FILE_PATH_ID}: {name: 'file_path', type: 'VARCHAR', default_value: NULL}, ${POSITION_DELETE_POS_ID}: {name: 'pos', type: 'BIGINT', default_value: NULL}}) p JOIN __lk_pos_files s USING (${PATH}) JOIN __lk_files f ON p.file_path = f.__lk_uri AND s.__lk_seq >= f.__lk_seq)`,
    );
    joins.push(`ANTI JOIN __lk_pos __p ON __p.__lk_fi = __lk_data.__lk_fi AND __p.pos = __lk_data.${POS}`);
  }

  const eq = deletes
    .map((f, i) => ({ f, path: deletePaths[i]! }))
    .filter((x) => x.f.dataFile.content === FileContent.EQUALITY_DELETES);
  const groups = new Map<string, typeof eq>();
  for (const x of eq) {
    const ids = x.f.dataFile.equalityIds ?? [];
    if (ids.length === 0)
      throw new UnsupportedError(`equality delete file ${x.f.dataFile.filePath} names no equality columns`);
    const key = [...ids].sort((a, b) => a - b).join(',');
    groups.set(key, [...(groups.get(key) ?? []), x]);
  }
  if (groups.size > 0) {
    const partsList = list(ordered.map((f) => quoteLiteral(partitionKey(f))));
    parts[0] = `__lk_data AS (SELECT d.*, ${seqs}[d.__lk_fi + 1] AS __lk_seq, ${partsList}[d.__lk_fi + 1] AS __lk_part FROM ${readGroupsFrom(reads, true)} d${filter})`;
  }
  let g = 0;
  for (const [key, group] of groups) {
    const ids = key.split(',').map(Number);
    const fields = ids.map((id) => {
      const field = schema.fields.find((f) => f.id === id);
      if (!field) {
        throw new UnsupportedError(
          `equality delete file ${group[0]!.f.dataFile.filePath} matches on column id ${id}, which is not a top-level column of the read schema (dropped, or a nested field: not supported); refusing to read without applying it`,
        );
      }
      return field;
    });
    const name = `__lk_eq${g++}`;
    const eqMap = fields
      .map(
        (f) =>
          `${f.id}: {name: ${quoteLiteral(f.name)}, type: ${quoteLiteral(toDuckDBType(f.type))}, default_value: NULL}`,
      )
      .join(', ');
    const eqSeqs = values(
      group.map((x) => [
        quoteLiteral(x.path),
        String(x.f.sequenceNumber),
        quoteLiteral(Object.keys(x.f.dataFile.partition).length === 0 ? '' : partitionKey(x.f)),
      ]),
    );
    parts.push(`${name}_files(${PATH}, __lk_seq, __lk_part) AS (VALUES ${eqSeqs})`);
    parts.push(
      `${name} AS (SELECT e.*, s.__lk_seq AS __lk_eseq, s.__lk_part AS __lk_epart FROM read_parquet([${group.map((x) => quoteLiteral(x.path)).join(', ')}], filename = '${PATH}', schema = MAP {${eqMap}}) e JOIN ${name}_files s USING (${PATH}))`,
    );
    const match = fields
      .map((f) => `e.${quoteIdent(f.name)} IS NOT DISTINCT FROM __lk_data.${quoteIdent(f.name)}`)
      .join(' AND ');
    conditions.push(
      `NOT EXISTS (SELECT 1 FROM ${name} e WHERE e.__lk_eseq > __lk_data.__lk_seq AND (e.__lk_epart = '' OR e.__lk_epart = __lk_data.__lk_part) AND ${match})`,
    );
  }
  const where = conditions.length > 0 ? ` WHERE ${conditions.join(' AND ')}` : '';
  const select = columns.replaceAll('__lk_uri', `${uris}[__lk_data.__lk_fi + 1]`);
  return `WITH ${parts.join(',\n')}\nSELECT ${select} FROM __lk_data ${joins.join(' ')}${where}`;
}
