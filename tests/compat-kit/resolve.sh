#!/usr/bin/env bash
# Maintainer tool (not needed to run the kit): resolves the class path in pom.xml with Maven and
# rewrites jars.txt, the pinned list setup.sh downloads: one jar per line, `group:artifact:version
# [:classifier] sha256`. Run after changing a version in pom.xml and commit both files.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

mvn -q -f "$here/pom.xml" dependency:list -DincludeScope=runtime -DoutputAbsoluteArtifactFilename=true \
  -DoutputFile="$tmp/list.txt" >&2

{
  echo "# Class path of the Apache Iceberg REST Compatibility Kit, from pom.xml by resolve.sh: do not edit."
  # Lines look like `   group:artifact:jar[:classifier]:version:scope:/abs/path.jar` (with
  # -DoutputAbsoluteArtifactFilename); a classifier makes six fields before the path.
  grep -E '^ +[^ ]+:jar:' "$tmp/list.txt" | sed -E 's/^ +//; s/ .*$//' | while IFS= read -r line; do
    path="/${line#*:/}"
    IFS=: read -r -a f <<<"${line%%:/*}"
    if ((${#f[@]} == 6)); then coord="${f[0]}:${f[1]}:${f[4]}:${f[3]}"; else coord="${f[0]}:${f[1]}:${f[3]}"; fi
    echo "$coord $(sha256sum "$path" | cut -d' ' -f1)"
  done | sort
} >"$here/jars.txt"
echo "resolve.sh: $(grep -vc '^#' "$here/jars.txt") jars in $here/jars.txt" >&2
