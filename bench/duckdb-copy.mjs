// The reference side of the load benchmark: a Node process running DuckDB's own CSV → Parquet COPY.
import { DuckDBInstance } from '@duckdb/node-api';

const [csv, target] = process.argv.slice(2);
const db = await DuckDBInstance.create(':memory:');
const conn = await db.connect();
await conn.run(
  `COPY (FROM read_csv('${csv.replaceAll("'", "''")}')) TO '${target.replaceAll("'", "''")}' (FORMAT parquet)`,
);
conn.closeSync();
db.closeSync();
