#!/usr/bin/env bash
# Runs the Apache Iceberg REST Compatibility Kit (RESTCompatibilityKitCatalogTests and
# RESTCompatibilityKitViewCatalogTests) with the JUnit console launcher against a running REST
# catalog, writing the JUnit XML report into REPORTS_DIR. The catalog is given the kit's way, by
# environment: CATALOG_URI (e.g. http://127.0.0.1:8181/iceberg), CATALOG_WAREHOUSE, CATALOG_TOKEN.
#   run.sh REPORTS_DIR [console launcher options, e.g. --select-method CLASS#METHOD instead of the classes]
# The kit comes from LAKEKIT_COMPAT_KIT_HOME when set, else from setup.sh (downloaded on first use).
# Needs Java >= 17 (JAVA, else java on PATH). Exits non-zero when a test fails.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
[[ $# -ge 1 ]] || { echo "usage: run.sh REPORTS_DIR [launcher options]" >&2; exit 2; }
reports="$1"
shift
: "${CATALOG_URI:?CATALOG_URI is not set}"
kit="${LAKEKIT_COMPAT_KIT_HOME:-$(bash "$here/setup.sh")}"
[[ -f "$kit/.lakekit-complete" ]] || { echo "run.sh: $kit is not a complete kit (setup.sh)" >&2; exit 2; }
java="${JAVA:-java}"

launcher="$(ls "$kit"/lib/junit-platform-console-standalone-*.jar)"
cp="$(find "$kit/lib" -name '*.jar' ! -name 'junit-platform-console-standalone-*' | sort | paste -sd:)"

select=(--select-class org.apache.iceberg.rest.RESTCompatibilityKitCatalogTests
  --select-class org.apache.iceberg.rest.RESTCompatibilityKitViewCatalogTests)
for a in "$@"; do [[ "$a" == --select* ]] && select=(); done

# rck.local=false: test the server at CATALOG_URI, not the kit's own in-process one.
exec "$java" -Dorg.slf4j.simpleLogger.defaultLogLevel=warn -jar "$launcher" execute \
  --class-path "$cp" "${select[@]}" \
  --config rck.local=false \
  --reports-dir "$reports" \
  --disable-banner --details=summary --disable-ansi-colors "$@"
