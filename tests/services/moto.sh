#!/usr/bin/env bash
# Starts/stops a moto S3 server (from the peers venv) on 127.0.0.1 for integration tests.
#   moto.sh start  → prints the endpoint URL; pid, port and log go to $LAKEKIT_TEST_STATE
#   moto.sh stop   → kills the server recorded in $LAKEKIT_TEST_STATE
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${LAKEKIT_TEST_STATE:-$root/tests/.work/state}"
pidfile="$state/moto.pid"
portfile="$state/moto.port"
log="$state/moto.log"

stop() {
  [[ -f "$pidfile" ]] || return 0
  local pid
  pid="$(cat "$pidfile")"
  if kill -0 "$pid" 2>/dev/null; then
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
    kill -9 "$pid" 2>/dev/null || true
  fi
  rm -f "$pidfile" "$portfile"
}

start() {
  mkdir -p "$state"
  stop # a server left behind by an interrupted run
  local venv py
  venv="$(bash "$root/tests/peers/setup.sh")"
  py="$venv/bin/python"
  for attempt in 1 2 3; do
    local port pid
    port="$("$py" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
    # stdin/stdout/stderr detached so `$(moto.sh start)` returns while the server keeps running.
    "$venv/bin/moto_server" -H 127.0.0.1 -p "$port" </dev/null >"$log" 2>&1 &
    pid=$!
    echo "$pid" >"$pidfile"
    echo "$port" >"$portfile"
    # Wait until it answers HTTP (ListBuckets), or it died (e.g. the port was taken meanwhile).
    if "$py" - "$port" "$pid" <<'PY'
import os, sys, time, urllib.request
port, pid = sys.argv[1], int(sys.argv[2])
deadline = time.monotonic() + 30
while time.monotonic() < deadline:
    try:
        os.kill(pid, 0)
    except OSError:
        sys.exit(1)
    try:
        urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=1).read()
        sys.exit(0)
    except Exception:
        time.sleep(0.05)
sys.exit(1)
PY
    then
      echo "http://127.0.0.1:$port"
      return 0
    fi
    echo "moto.sh: moto did not start on port $port (attempt $attempt); log:" >&2
    cat "$log" >&2 || true
    stop
  done
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: moto.sh start|stop" >&2; exit 2 ;;
esac
