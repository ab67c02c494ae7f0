"""The dlt contender of `pnpm bench:pipelines`: a full load of one PostgreSQL table into a new Iceberg
table, as dlt's documentation sets it up (sql_table with the pyarrow backend, the filesystem
destination on a local folder with table_format="iceberg", which writes through PyIceberg).

    python dlt_load.py <postgres url> <schema.table> <warehouse dir> <work dir>

Everything dlt keeps (pipeline state, load packages) goes under <work dir>, so every run starts afresh.
Prints one JSON line: {"rows": <rows normalised into the table>}. The bench times the whole process.
"""

import json
import os
import sys

url, qualified, warehouse, workdir = sys.argv[1:5]
# SQLAlchemy 2.1 reads postgresql:// with psycopg 3; the pinned driver is psycopg2.
url = "postgresql+psycopg2://" + url.split("://", 1)[1]
schema, table = qualified.split(".", 1)
# dlt reads these at import: no telemetry, no files under ~/.dlt.
os.environ.setdefault("RUNTIME__DLTHUB_TELEMETRY", "false")
os.environ.setdefault("DLT_DATA_DIR", os.path.join(workdir, "data"))

import dlt  # noqa: E402
from dlt.destinations import filesystem  # noqa: E402
from dlt.sources.sql_database import sql_table  # noqa: E402

source = sql_table(
    credentials=url,
    schema=schema,
    table=table,
    backend="pyarrow",
    # Column types with their precision (numeric(12,2) stays a decimal(12,2)), as Lakekit keeps them.
    reflection_level="full_with_precision",
    # Rows per Arrow table (dlt's default is 50,000); BENCH_DLT_CHUNK_SIZE overrides it.
    chunk_size=int(os.environ.get("BENCH_DLT_CHUNK_SIZE", "100000")),
)
pipeline = dlt.pipeline(
    pipeline_name="bench_full_load",
    destination=filesystem(bucket_url=f"file://{os.path.abspath(warehouse)}"),
    dataset_name="bench",
    pipelines_dir=os.path.join(workdir, "pipelines"),
)
pipeline.run(source, table_format="iceberg", write_disposition="append")
rows = pipeline.last_trace.last_normalize_info.row_counts.get(table, 0)
print(json.dumps({"rows": rows}))
