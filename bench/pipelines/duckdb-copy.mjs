// The second half of the reference side of the pipeline benchmarks: a Node process that opens DuckDB
// and runs its own `COPY (FROM read_csv(…)) TO '….parquet'` on the file a database client exported.
//   node bench/pipelines/duckdb-copy.mjs <input> <output.parquet> csv|tsv
// csv: `psql \copy … csv header` output. tsv: `mariadb --batch` output (tab-separated, a header line,
// NULL printed as NULL, no quoting).
import { DuckDBInstance } from '@duckdb/node-api';

const [input, target, format = 'csv'] = process.argv.slice(2);
if (!input || !target || !['csv', 'tsv'].includes(format)) {
  process.stderr.write('usage: duckdb-copy.mjs <input> <output.parquet> csv|tsv\n');
  process.exit(2);
}
const lit = (s) => `'${s.replaceAll("'", "''")}'`;
const options = format === 'tsv' ? `, delim = '\\t', header = true, nullstr = 'NULL', quote = ''` : '';
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run(`COPY (FROM read_csv(${lit(input)}${options})) TO ${lit(target)} (FORMAT parquet)`);
conn.closeSync();
db.closeSync();
