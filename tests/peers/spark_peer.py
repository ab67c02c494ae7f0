"""Apache Spark (local mode) against `lake serve`'s Iceberg REST catalog (tests/rest/spark.test.ts).

Run with the python of the venv tests/peers/spark/setup.sh makes:
  <dir>/venv/bin/python spark_peer.py '<json>'
The JSON: {"uri": REST base (http://127.0.0.1:PORT/iceberg), "catalogs": {name: Lakekit bearer
  token} (each a Spark catalog on the same endpoint, e.g. {"lake": admin, "lake_ro": reader}),
  "warehouse": optional, "jars": [local jar paths] (default: <dir>/jars/*.jar),
  "s3": optional {"endpoint", "access_key_id", "secret_access_key", "region"},
  "steps": [{"name", "sql", "expect_error": optional bool}], "keep_going": optional bool}.
One Spark session runs the steps in order; a step's rows are collected. Prints on
stdout one JSON document, {"spark", "iceberg", "steps": [{"name", "columns", "rows"} or
{"name", "error": {"class", "message"}}]}; Spark's own output goes to stderr. A step that fails
without "expect_error" stops the run (exit code 2, the document names it), unless "keep_going".
"""
import datetime
import decimal
import glob
import json
import os
import sys


def spark_session(a):
    from pyspark.sql import SparkSession

    jars = a.get("jars") or sorted(glob.glob(os.path.join(os.path.dirname(sys.prefix), "jars", "*.jar")))
    if not jars:
        raise SystemExit("spark_peer.py: no jars (run tests/peers/spark/setup.sh)")
    conf = {
        "spark.master": "local[2]",
        "spark.app.name": "lakekit-spark-peer",
        # Everything from the local cache: no Ivy/Maven resolution at run time.
        "spark.jars": ",".join(jars),
        "spark.driver.host": "127.0.0.1",
        "spark.driver.bindAddress": "127.0.0.1",
        "spark.ui.enabled": "false",
        "spark.ui.showConsoleProgress": "false",
        "spark.driver.memory": "1g",
        "spark.sql.shuffle.partitions": "2",
        "spark.sql.session.timeZone": "UTC",
        "spark.sql.extensions": "org.apache.iceberg.spark.extensions.IcebergSparkSessionExtensions",
    }
    s3 = a.get("s3")
    for name, token in a["catalogs"].items():
        cat = f"spark.sql.catalog.{name}"
        conf.update(
            {
                cat: "org.apache.iceberg.spark.SparkCatalog",
                f"{cat}.type": "rest",
                f"{cat}.uri": a["uri"],
                f"{cat}.token": token,
            }
        )
        if a.get("warehouse"):
            conf[f"{cat}.warehouse"] = a["warehouse"]
        if s3:
            conf.update(
                {
                    f"{cat}.io-impl": "org.apache.iceberg.aws.s3.S3FileIO",
                    f"{cat}.s3.endpoint": s3["endpoint"],
                    f"{cat}.s3.path-style-access": "true",
                    f"{cat}.s3.access-key-id": s3["access_key_id"],
                    f"{cat}.s3.secret-access-key": s3["secret_access_key"],
                    f"{cat}.client.region": s3.get("region", "us-east-1"),
                }
            )
    b = SparkSession.builder
    for k, v in conf.items():
        b = b.config(k, v)
    spark = b.getOrCreate()
    spark.sparkContext.setLogLevel("WARN")
    return spark


def value(v):
    if isinstance(v, decimal.Decimal):
        return str(v)
    if isinstance(v, (datetime.date, datetime.datetime)):
        return v.isoformat()
    if isinstance(v, (bytes, bytearray)):
        return v.hex()
    return v


def error_of(e):
    """The Java exception's class and message when Spark raised one, else Python's."""
    java = getattr(e, "java_exception", None)
    if java is not None:
        return {"class": java.getClass().getName(), "message": str(java.getMessage())}
    return {"class": type(e).__name__, "message": str(e)}


def main():
    a = json.loads(sys.argv[1])
    # The JVM inherits our stdout: send fd 1 to stderr and keep the real stdout for the answer.
    out = os.fdopen(os.dup(1), "w")
    os.dup2(2, 1)
    # Loopback only (else Spark binds to the host's address), and no instance metadata lookups.
    os.environ["SPARK_LOCAL_IP"] = "127.0.0.1"
    os.environ["AWS_EC2_METADATA_DISABLED"] = "true"
    spark = spark_session(a)
    doc = {"spark": spark.version, "steps": []}
    try:
        doc["iceberg"] = str(spark._jvm.org.apache.iceberg.IcebergBuild.version())
    except Exception:  # noqa: BLE001 - informative only
        doc["iceberg"] = None
    code = 0
    for step in a["steps"]:
        entry = {"name": step["name"]}
        doc["steps"].append(entry)
        try:
            df = spark.sql(step["sql"])
            entry["columns"] = df.columns
            entry["rows"] = [[value(v) for v in r] for r in df.collect()]
        except Exception as e:  # noqa: BLE001 - reported to the test
            entry["error"] = error_of(e)
            print(f"spark_peer.py: step {step['name']} failed: {e}", file=sys.stderr)
            if not step.get("expect_error"):
                code = 2
                if not a.get("keep_going"):
                    break
    out.write(json.dumps(doc))
    out.flush()
    spark.stop()
    sys.exit(code)


if __name__ == "__main__":
    main()
