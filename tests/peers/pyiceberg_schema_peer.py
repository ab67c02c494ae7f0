"""PyIceberg as a test peer for schema evolution (tests/pyiceberg/schema-evolution.test.ts): reports a
table's schema as PyIceberg parsed it, and creates a table with a required column (Lakekit's loads
create optional ones) so that making it optional can be checked.

Usage: python pyiceberg_schema_peer.py <command> <json-args>
  schema           {"catalog": {...}, "table": "ns.t"} -> {"schema_id": n, "fields": [{"id", "name", "type", "required"}]}
  create_required  {"catalog": {...}, "table": "ns.t"} -> a table (id long required, name string) with two rows
"""
import json
import sys

import pyarrow as pa

from pyiceberg_peer import open_catalog


def schema(args):
    table = open_catalog(args["catalog"]).load_table(args["table"])
    s = table.schema()
    return {
        "schema_id": s.schema_id,
        "last_column_id": table.metadata.last_column_id,
        "fields": [
            {"id": f.field_id, "name": f.name, "type": str(f.field_type), "required": f.required} for f in s.fields
        ],
    }


def create_required(args):
    catalog = open_catalog(args["catalog"])
    catalog.create_namespace_if_not_exists(args["table"].rsplit(".", 1)[0])
    arrow_schema = pa.schema([pa.field("id", pa.int64(), nullable=False), pa.field("name", pa.string())])
    table = catalog.create_table(args["table"], schema=arrow_schema)
    table.append(pa.table({"id": [1, 2], "name": ["ann", "bob"]}, schema=arrow_schema))
    return schema(args)


def main():
    command, payload = sys.argv[1], json.loads(sys.argv[2])
    result = {"schema": schema, "create_required": create_required}[command](payload)
    sys.stdout.write(json.dumps(result))


if __name__ == "__main__":
    main()
