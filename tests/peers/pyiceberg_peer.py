"""PyIceberg as a test peer of Lakekit: opens a Lakekit catalog with PyIceberg's own SqlCatalog and
reads or writes tables, printing canonical JSON so the TypeScript tests can compare values exactly.

Usage: python pyiceberg_peer.py <command> <json-args>
  read      {"catalog": {...}, "table": "ns.t", "snapshot_id": "…"?, "ref": "…"?}
                                    -> {"columns": [...], "rows": [[…]], "snapshots": [...], "refs": {...}}
  create    {"catalog": {...}, "table": "ns.t"}                          -> PyIceberg creates, appends, evolves a table
  append    {"catalog": {...}, "table": "ns.t", "rows": [{…}], "branch": "…"?}  -> {"snapshot_id": "…"}
  tag       {"catalog": {...}, "table": "ns.t", "name": "…", "snapshot_id": "…"} -> {"refs": {...}}
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
    # Nested values: structs as objects, lists as arrays, maps (lists of key/value pairs) as [[k, v], …].
    if isinstance(v, dict):
        return {k: canonical(x) for k, x in v.items()}
    if isinstance(v, (list, tuple)):
        return [canonical(x) for x in v]
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
    if args.get("ref"):
        snapshot = table.snapshot_by_name(args["ref"])
        if snapshot is None:
            raise SystemExit(f"table {args['table']} has no branch or tag {args['ref']}")
        snapshot_id = snapshot.snapshot_id
    scan_args = {}
    if snapshot_id:
        scan_args["snapshot_id"] = snapshot_id
    if args.get("filter"):
        # PyIceberg's own string filter syntax; it prunes by our partition values and bounds.
        scan_args["row_filter"] = args["filter"]
    scan = table.scan(**scan_args)
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
        "refs": refs_of(table),
    }


def refs_of(table):
    """Branches and tags as PyIceberg parsed them (ids as strings)."""
    return {
        name: {
            "snapshot_id": str(r.snapshot_id),
            "type": str(r.snapshot_ref_type),
            "max_ref_age_ms": r.max_ref_age_ms,
            "max_snapshot_age_ms": r.max_snapshot_age_ms,
            "min_snapshots_to_keep": r.min_snapshots_to_keep,
        }
        for name, r in table.refs().items()
    }


def append(args):
    """PyIceberg appends rows (dicts by column name) to main or to a branch."""
    catalog = open_catalog(args["catalog"])
    table = catalog.load_table(args["table"])
    data = pa.Table.from_pylist(args["rows"], schema=table.schema().as_arrow())
    table.append(data, branch=args.get("branch") or "main")
    table = catalog.load_table(args["table"])
    snapshot = table.snapshot_by_name(args.get("branch") or "main")
    return {"snapshot_id": str(snapshot.snapshot_id)}


def tag(args):
    """PyIceberg tags a snapshot."""
    catalog = open_catalog(args["catalog"])
    table = catalog.load_table(args["table"])
    table.manage_snapshots().create_tag(int(args["snapshot_id"]), args["name"]).commit()
    return {"refs": refs_of(catalog.load_table(args["table"]))}


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
    result = {"read": read, "create": create, "append": append, "tag": tag}[command](payload)
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
