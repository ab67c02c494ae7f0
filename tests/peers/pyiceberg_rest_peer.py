"""PyIceberg's RestCatalog against `lake serve`'s Iceberg REST endpoint (tests/rest/pyiceberg-rest.test.ts).

Usage: python pyiceberg_rest_peer.py <command> <json-args>; every command takes {"uri", "token"}.
  scenario  {"ns"} -> create namespace, table, append, add a column, append again, scan back
  read      {"table"} -> {"columns", "rows"} (rows sorted, values as JSON)
  append    {"table", "rows": [{...}]} -> {"snapshot": id}
  stale     {"table"} -> commits with a stale requirement; {"error": type name, "message"}
  try_load  {"table"} -> {"error": type name, "message"} or {"ok": true}
"""
import json
import sys

import pyarrow as pa
from pyiceberg.catalog.rest import RestCatalog
from pyiceberg.types import StringType


def catalog(a):
    return RestCatalog("lakekit", uri=a["uri"], token=a["token"])


def rows_of(table):
    arrow = table.scan().to_arrow()
    cols = arrow.column_names
    rows = [[r[c] for c in cols] for r in arrow.to_pylist()]
    rows.sort(key=lambda r: json.dumps(r, default=str))
    return cols, rows


def scenario(a):
    c = catalog(a)
    ns = a["ns"]
    c.create_namespace(ns, {"owner": "py"})
    out = {"namespaces": [list(n) for n in c.list_namespaces()], "ns_props": c.load_namespace_properties(ns)}
    schema = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string())])
    t = c.create_table(f"{ns}.people", schema=schema)
    t.append(pa.table({"id": [1, 2], "name": ["ann", "bob"]}, schema=schema))
    with t.update_schema() as u:
        u.add_column("city", StringType())
    t = c.load_table(f"{ns}.people")
    schema2 = pa.schema([pa.field("id", pa.int64()), pa.field("name", pa.string()), pa.field("city", pa.string())])
    t.append(pa.table({"id": [3], "name": ["cy"], "city": ["Oslo"]}, schema=schema2))
    t = c.load_table(f"{ns}.people")
    cols, rows = rows_of(t)
    out.update(
        {
            "tables": [".".join(i) for i in c.list_tables(ns)],
            "columns": cols,
            "rows": rows,
            "snapshots": len(t.metadata.snapshots),
            "schema_id": t.schema().schema_id,
            "table_exists": c.table_exists(f"{ns}.people"),
            "metadata_location": t.metadata_location,
        }
    )
    return out


def read(a):
    cols, rows = rows_of(catalog(a).load_table(a["table"]))
    return {"columns": cols, "rows": rows}


def append(a):
    t = catalog(a).load_table(a["table"])
    t.append(pa.Table.from_pylist(a["rows"], schema=t.schema().as_arrow()))
    t = catalog(a).load_table(a["table"])
    return {"snapshot": str(t.metadata.current_snapshot_id)}


def stale(a):
    from pyiceberg.table.update import AssertCurrentSchemaId, SetPropertiesUpdate

    c = catalog(a)
    t = c.load_table(a["table"])
    try:
        c.commit_table(t, (AssertCurrentSchemaId(current_schema_id=t.schema().schema_id + 7),), (SetPropertiesUpdate(updates={"k": "v"}),))
        return {"ok": True}
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__, "message": str(e)}


def try_load(a):
    try:
        catalog(a).load_table(a["table"])
        return {"ok": True}
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__, "message": str(e)}


def try_append(a):
    try:
        return append(a)
    except Exception as e:  # noqa: BLE001
        return {"error": type(e).__name__, "message": str(e)}


def main():
    command, payload = sys.argv[1], json.loads(sys.argv[2])
    fn = {"scenario": scenario, "read": read, "append": append, "stale": stale, "try_load": try_load, "try_append": try_append}[command]
    sys.stdout.write(json.dumps(fn(payload), default=str))


if __name__ == "__main__":
    main()
