#!/usr/bin/env bash
# Creates (once) what tests/rest/spark.test.ts needs to run Apache Spark in local mode, in a cache dir
# outside the checkout keyed by the hash of requirements.txt and jars.txt, and prints that dir on
# stdout (only that; progress goes to stderr):
#   <dir>/venv/bin/python   a venv with pyspark (requirements.txt, from PyPI)
#   <dir>/jars/*.jar        the Iceberg Spark runtime and AWS bundle (jars.txt, from Maven Central,
#                           checked against the published .sha1 and the SHA-1 pinned in jars.txt)
# Spark then needs nothing from the network at run time (spark.jars, not spark.jars.packages); it
# needs a Java 17 (java on PATH or JAVA_HOME). A marker file is written last, so an interrupted
# install is redone; concurrent runs wait for each other (flock).
# `setup.sh --check` only reports: prints the dir and exits 0 when it is ready, else exits 1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
jars="$here/jars.txt"
cache="${LAKEKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakekit}"
hash="$(cat "$req" "$jars" | sha256sum | cut -c1-12)"
dir="$cache/spark-$hash"
marker="$dir/.lakekit-complete"
maven="${LAKEKIT_MAVEN_REPO:-https://repo1.maven.org/maven2}"

ready() {
  [[ -f "$marker" && -x "$dir/venv/bin/python" ]] && "$dir/venv/bin/python" -c '' 2>/dev/null
}

if [[ "${1:-}" == --check ]]; then
  ready && echo "$dir"
  exit
fi

# Lines of jars.txt without comments: "group:artifact:version sha1".
jar_lines() { grep -Ev '^[[:space:]]*(#|$)' "$jars"; }

fetch_jar() {
  local coord="$1" pinned="$2" group artifact version url file published actual
  IFS=: read -r group artifact version <<<"$coord"
  file="$dir/jars/$artifact-$version.jar"
  url="$maven/${group//.//}/$artifact/$version/$artifact-$version.jar"
  echo "setup.sh: downloading $coord" >&2
  curl --fail --silent --show-error --location --retry 3 -o "$file.part" "$url"
  published="$(curl --fail --silent --show-error --location --retry 3 "$url.sha1" | cut -c1-40)"
  actual="$(sha1sum "$file.part" | cut -c1-40)"
  if [[ "$actual" != "$published" || "$actual" != "$pinned" ]]; then
    echo "setup.sh: SHA-1 of $url is $actual; published $published, pinned in jars.txt $pinned" >&2
    rm -f "$file.part"
    exit 1
  fi
  mv "$file.part" "$file"
}

if ! ready; then
  mkdir -p "$cache"
  # Serialize concurrent runs (two checkouts, two shells) on the same dir.
  exec 9>"$cache/spark-$hash.lock"
  flock 9 2>/dev/null || true
  if ! ready; then
    start=$SECONDS
    echo "setup.sh: creating Spark peer $dir (first run downloads ~450 MB and takes a few minutes)" >&2
    command -v java >/dev/null || [[ -x "${JAVA_HOME:-/nonexistent}/bin/java" ]] ||
      echo "setup.sh: warning: no java on PATH nor JAVA_HOME; Spark needs a Java 17 to run" >&2
    rm -rf "$dir"
    mkdir -p "$dir/jars"
    while read -r coord sha1; do fetch_jar "$coord" "$sha1"; done < <(jar_lines)
    "${LAKEKIT_BOOTSTRAP_PYTHON:-python3}" -m venv "$dir/venv" >&2
    "$dir/venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2
    cp "$req" "$jars" "$dir/"
    touch "$marker"
    echo "setup.sh: Spark peer ready in $((SECONDS - start)) s" >&2
  fi
fi

echo "$dir"
