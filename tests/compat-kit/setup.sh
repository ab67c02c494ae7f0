#!/usr/bin/env bash
# Downloads (once) the Apache Iceberg REST Compatibility Kit and its class path — the jars pinned in
# jars.txt, from Maven Central, each checked against its sha256 — into a cache dir outside the
# checkout keyed by the hash of jars.txt, and prints that dir on stdout (only that; progress goes to
# stderr). A marker file is written last, so an interrupted download is redone. No Maven needed; the
# kit runs on Java >= 17 (run.sh).
# `setup.sh --check` only reports: prints the dir and exits 0 when it is ready, else exits 1.
#   LAKEKIT_MAVEN_REPO  a Maven Central mirror (default https://repo1.maven.org/maven2)
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
list="$here/jars.txt"
cache="${LAKEKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakekit}"
hash="$(sha256sum "$list" | cut -c1-12)"
dir="$cache/compat-kit-$hash"
marker="$dir/.lakekit-complete"
repo="${LAKEKIT_MAVEN_REPO:-https://repo1.maven.org/maven2}"

ready() { [[ -f "$marker" ]]; }

if [[ "${1:-}" == --check ]]; then
  ready && echo "$dir"
  exit
fi

if ! ready; then
  mkdir -p "$cache"
  # Serialize concurrent runs (two checkouts, two shells) on the same dir.
  exec 9>"$cache/compat-kit-$hash.lock"
  flock 9 2>/dev/null || true
  if ! ready; then
    start=$SECONDS
    echo "setup.sh: downloading the Iceberg REST Compatibility Kit into $dir" >&2
    rm -rf "$dir"
    mkdir -p "$dir/lib"
    grep -v '^#' "$list" | while read -r coord sha; do
      IFS=: read -r group artifact version classifier <<<"$coord"
      file="$artifact-$version${classifier:+-$classifier}.jar"
      url="$repo/${group//.//}/$artifact/$version/$file"
      curl -fsSL --retry 3 -o "$dir/lib/$file" "$url" || { echo "setup.sh: cannot download $url" >&2; exit 1; }
      if [[ "$(sha256sum "$dir/lib/$file" | cut -d' ' -f1)" != "$sha" ]]; then
        echo "setup.sh: $file does not have the sha256 pinned in jars.txt" >&2
        exit 1
      fi
    done
    cp "$list" "$dir/jars.txt"
    touch "$marker"
    echo "setup.sh: compatibility kit ready in $((SECONDS - start)) s" >&2
  fi
fi

echo "$dir"
