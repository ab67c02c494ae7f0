#!/usr/bin/env bash
# Creates (once) the Python venv of peer tools used by integration tests (PyIceberg, moto) in a cache
# dir outside the checkout, keyed by the hash of requirements.txt, and prints its path on stdout (only
# that; progress goes to stderr). A marker file is written last, so an interrupted install is redone.
# `setup.sh --check` only reports: prints the path and exits 0 when the venv is ready, else exits 1.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
req="$here/requirements.txt"
cache="${LAKEKIT_CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/lakekit}"
hash="$(sha256sum "$req" | cut -c1-12)"
venv="$cache/peers-$hash"
marker="$venv/.lakekit-complete"

ready() { [[ -f "$marker" && -x "$venv/bin/python" ]] && "$venv/bin/python" -c '' 2>/dev/null; }

if [[ "${1:-}" == --check ]]; then
  ready && echo "$venv"
  exit
fi

if ! ready; then
  mkdir -p "$cache"
  # Serialize concurrent runs (two checkouts, two shells) on the same venv.
  exec 9>"$cache/peers-$hash.lock"
  flock 9 2>/dev/null || true
  if ! ready; then
    start=$SECONDS
    echo "setup.sh: creating peers venv $venv (first run takes a few minutes)" >&2
    rm -rf "$venv"
    "${LAKEKIT_BOOTSTRAP_PYTHON:-python3}" -m venv "$venv" >&2
    "$venv/bin/python" -m pip install --quiet --disable-pip-version-check --no-input -r "$req" >&2
    cp "$req" "$venv/requirements.txt"
    touch "$marker"
    echo "setup.sh: peers venv ready in $((SECONDS - start)) s" >&2
  fi
fi

echo "$venv"
