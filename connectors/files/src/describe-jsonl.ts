/**
 * JSON Lines: DuckDB detects the columns from a sample of records, then the files are read with
 * those columns fixed, so a malformed line or a value that does not fit fails with its line.
 * A `.json` file holding one array of objects is read as such.
 */
import type { DuckDBConnection } from '@duckdb/node-api';
import { DataError, quoteLiteral } from '@lakekit/core';
import { columnsClause, fileList } from './columns-clause.js';
import {
  DEFAULT_SAMPLE_SIZE,
  type DescribeFileOptions,
  type FileColumn,
  type FileDescription,
} from './file-description.js';
import { query } from './query.js';
import { readError } from './read-error.js';
import { readHead } from './read-head.js';
import { widenType } from './widen-type.js';

type JsonLayout = 'newline_delimited' | 'array';

/** Describes JSON Lines files that share one set of keys. */
export async function describeJsonl(
  conn: DuckDBConnection,
  files: readonly string[],
  opts: DescribeFileOptions,
): Promise<FileDescription> {
  const sampleSize = opts.sampleSize ?? DEFAULT_SAMPLE_SIZE;
  let layout: JsonLayout | undefined;
  let columns: FileColumn[] = [];
  for (const [i, file] of files.entries()) {
    const head = (await readHead(file, 4096)).trimStart();
    const fileLayout: JsonLayout = head.startsWith('[') ? 'array' : 'newline_delimited';
    let found: FileColumn[];
    try {
      const rows = await query(
        conn,
        `DESCRIBE SELECT * FROM read_json(${quoteLiteral(file)}, format='${fileLayout}', records=true, sample_size=${sampleSize})`,
      );
      found = rows.map((r) => ({ name: String(r['column_name']), duckdbType: String(r['column_type']) }));
    } catch (e) {
      throw readError(e, file);
    }
    if (i === 0) {
      layout = fileLayout;
      columns = found;
      continue;
    }
    if (fileLayout !== layout) {
      throw new DataError(
        `${file}: is a JSON ${fileLayout === 'array' ? 'array' : 'Lines file'}, ${files[0]} is not`,
        {
          context: { file },
        },
      );
    }
    const names = (cols: FileColumn[]) =>
      cols
        .map((c) => c.name)
        .sort()
        .join(', ');
    if (names(found) !== names(columns)) {
      throw new DataError(
        `${file}: keys (${names(found)}) differ from those of ${files[0]} (${names(columns)})`,
        {
          context: { file },
        },
      );
    }
    columns = columns.map((c) => ({
      name: c.name,
      duckdbType: widenType(c.duckdbType, found.find((f) => f.name === c.name)!.duckdbType),
    }));
  }
  return {
    format: 'jsonl',
    files,
    columns,
    readSql: `SELECT * FROM read_json(${fileList(files)}, format='${layout}', records=true, auto_detect=false, columns=${columnsClause(columns)})`,
  };
}
