/** SQL fragments shared by the readers: explicit column lists and file lists. */
import { quoteLiteral } from '@lakekit/core';
import type { FileColumn } from './file-description.js';

/** `{'a': 'BIGINT', 'b': 'VARCHAR'}` for `columns=` of read_csv/read_json. */
export function columnsClause(columns: readonly FileColumn[]): string {
  return `{${columns.map((c) => `${quoteLiteral(c.name)}: ${quoteLiteral(c.duckdbType)}`).join(', ')}}`;
}

/** `'a.csv'` or `['a.csv', 'b.csv']`. */
export function fileList(files: readonly string[]): string {
  return files.length === 1 ? quoteLiteral(files[0]!) : `[${files.map(quoteLiteral).join(', ')}]`;
}
