"""PyIceberg as a test peer of Lakekit: opens a Lakekit catalog with PyIceberg's own SqlCatalog and
reads or writes tables, printing canonical JSON so the TypeScript tests can compare values exactly.

Usage: python pyiceberg_peer.py <command> <json-args>
  read      {"catalog": {...}, "table": "ns.t", "snapshot_id": "…"?}   -> {"columns": [...], "rows": [[…]], "snapshots": [...]}
  create    {"catalog": {...}, "table": "ns.t"}                          -> PyIceberg creates, appends, evolves a table
"""
import datetime
import decimal
import json
import sys
import uuid

import pyarrow as pa
from pyiceberg.catalog.sql import SqlCatalog
from pyiceberg.types import StringType

EPOCH = datetime.datetime(1970, 1, 1)
EPOCH_TZ = datetime.datetime(1970, 1, 1, tzinfo=datetime.timezone.utc)


def canonical(v):
    """Values in a form both sides can print exactly (see tests/pyiceberg/roundtrip.test.ts)."""
    if v is None or isinstance(v, bool):
        return v
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        return v
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, datetime.datetime):
        base = EPOCH_TZ if v.tzinfo is not None else EPOCH
        return str((v - base) // datetime.timedelta(microseconds=1))
    if isinstance(v, datetime.date):
        return v.isoformat()
    if isinstance(v, datetime.time):
        return str(((v.hour * 60 + v.minute) * 60 + v.second) * 1_000_000 + v.microsecond)
    if isinstance(v, uuid.UUID):
        return str(v)
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return str(v)


def open_catalog(c):
    props = {"uri": c["uri"], "warehouse": c["warehouse"]}
    for k, v in (c.get("properties") or {}).items():
        props[k] = v
    return SqlCatalog(c["name"], **props)


def read(args):
    catalog = open_catalog(args["catalog"])
    table = catalog.load_table(args["table"])
    snapshot_id = int(args["snapshot_id"]) if args.get("snapshot_id") else None
    scan = table.scan(snapshot_id=snapshot_id) if snapshot_id else table.scan()
    arrow = scan.to_arrow()
    uuid_cols = {f.name for f in table.schema().fields if str(f.field_type) == "uuid"}
    rows = []
    for rec in arrow.to_pylist():
        row = []
        for name in arrow.column_names:
            v = rec[name]
            if name in uuid_cols and isinstance(v, (bytes, bytearray)):
                v = uuid.UUID(bytes=bytes(v))
            row.append(canonical(v))
        rows.append(row)
    return {
        "columns": arrow.column_names,
        "types": [str(f.field_type) for f in table.schema().fields],
        "rows": rows,
        "snapshots": [str(s.snapshot_id) for s in table.snapshots()],
        "current": str(table.current_snapshot().snapshot_id) if table.current_snapshot() else None,
    }


def create(args):
    """PyIceberg creates a table, appends twice, adds a column and renames one."""
    catalog = open_catalog(args["catalog"])
    ns = args["table"].rsplit(".", 1)[0]
    catalog.create_namespace_if_not_exists(ns)
    schema = pa.schema([("order_id", pa.int64()), ("customer", pa.string()), ("amount", pa.float64())])
    table = catalog.create_table(args["table"], schema=schema)
    table.append(pa.table({"order_id": [1, 2], "customer": ["ann", "bob"], "amount": [10.5, 20.25]}, schema=schema))
    table.append(pa.table({"order_id": [3], "customer": ["cy"], "amount": [7.0]}, schema=schema))
    with table.update_schema() as update:
        update.add_column("channel", StringType())
        update.rename_column("customer", "customer_name")
    table = catalog.load_table(args["table"])
    new_schema = table.schema().as_arrow()
    table.append(
        pa.table(
            {"order_id": [4], "customer_name": ["dee"], "amount": [1.25], "channel": ["web"]},
            schema=new_schema,
        )
    )
    return {"snapshots": [str(s.snapshot_id) for s in table.snapshots()]}


def main():
    command, payload = sys.argv[1], json.loads(sys.argv[2])
    result = {"read": read, "create": create}[command](payload)
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
