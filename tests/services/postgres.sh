#!/usr/bin/env bash
# Starts/stops a throwaway PostgreSQL cluster on 127.0.0.1 for integration tests (PostgreSQL itself is
# installed by tests/run-all.sh: Debian's `postgresql`).
#   postgres.sh start  → prints postgres://postgres@127.0.0.1:<port>/postgres; cluster, log and port
#                        live in $LAKEKIT_TEST_STATE/pg
#   postgres.sh stop   → stops that cluster (pg_ctl stop -m fast) and deletes it; safe to call twice
# initdb refuses to run as root: as root the cluster belongs to the `postgres` system user (created
# by the Debian package; a `lakekit-pg` system user is created if it is missing).
# Trust authentication on 127.0.0.1 and the private socket, except for the role lakekit_pw_test,
# which must give its password (tests use it to check how a wrong password is reported).
set -euo pipefail

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${LAKEKIT_TEST_STATE:-$root/tests/.work/state}"
meta="$state/pg"             # what start leaves for stop: cluster dir, port, log
dirfile="$meta/cluster.dir"  # where the cluster is (inside $meta unless its path is unusable)

pg_bin() {
  local d
  if d="$(command -v pg_ctl 2>/dev/null)"; then
    d="$(dirname "$(readlink -f "$d")")"
    [[ -x "$d/initdb" && -x "$d/postgres" ]] && { echo "$d"; return 0; }
  fi
  # Debian keeps the server binaries off PATH: /usr/lib/postgresql/<version>/bin. Newest version wins.
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -rV); do
    [[ -x "$d/pg_ctl" && -x "$d/initdb" ]] && { echo "$d"; return 0; }
  done
  echo "postgres.sh: PostgreSQL server binaries not found (pg_ctl, initdb); install Debian's postgresql" >&2
  return 1
}

# The unprivileged user that owns the cluster ("" = the current user, when not root).
pg_user() {
  if [[ "$(id -u)" -ne 0 ]]; then echo ""; return 0; fi
  if id -u postgres >/dev/null 2>&1; then echo postgres; return 0; fi
  id -u lakekit-pg >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lakekit-pg
  echo lakekit-pg
}

as_user() {
  local user="$1"
  shift
  if [[ -n "$user" ]]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

stop() {
  [[ -f "$dirfile" ]] || return 0
  local dir bin user
  dir="$(cat "$dirfile")"
  if [[ -f "$dir/data/postmaster.pid" ]]; then
    bin="$(pg_bin)"
    user="$(stat -c %U "$dir/data")"
    [[ "$user" == "$(id -un)" ]] && user=""
    as_user "$user" "$bin/pg_ctl" -D "$dir/data" -m fast -w -t 30 stop >/dev/null 2>&1 || {
      # Not answering: end the postmaster recorded in its pid file.
      local pid
      pid="$(head -1 "$dir/data/postmaster.pid" 2>/dev/null || true)"
      [[ -n "$pid" ]] && kill -9 "$pid" 2>/dev/null || true
    }
  fi
  rm -rf "$dir" "$dirfile" "$meta/port"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

start() {
  local t0 bin user dir
  t0="$(date +%s%N)"
  mkdir -p "$meta"
  stop # a cluster left behind by an interrupted run
  bin="$(pg_bin)"
  user="$(pg_user)"
  dir="$meta/cluster"
  # The socket path must stay under the kernel's 107 bytes, and the owner must reach the directory.
  mkdir -p "$dir"
  [[ -n "$user" ]] && chown "$user:" "$dir"
  if ((${#dir} > 80)) || ! as_user "$user" test -w "$dir"; then
    rm -rf "$dir"
    dir="$(mktemp -d /tmp/lakekit-pg.XXXXXX)"
    [[ -n "$user" ]] && chown "$user:" "$dir"
  fi
  chmod 700 "$dir"
  echo "$dir" >"$dirfile"

  as_user "$user" "$bin/initdb" -D "$dir/data" -U postgres -A trust -E UTF8 --no-locale --no-sync \
    --no-instructions >"$meta/initdb.log" 2>&1 || {
    echo "postgres.sh: initdb failed; log:" >&2
    cat "$meta/initdb.log" >&2
    return 1
  }
  cat >"$dir/data/pg_hba.conf" <<'HBA'
# TYPE  DATABASE  USER             ADDRESS        METHOD
local   all       all                             trust
host    all       lakekit_pw_test  127.0.0.1/32   scram-sha-256
host    all       all              127.0.0.1/32   trust
HBA
  cat >>"$dir/data/postgresql.conf" <<CONF
# Throwaway test cluster: loopback only, private socket, no durability.
listen_addresses = '127.0.0.1'
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
max_connections = 200
CONF
  [[ -n "$user" ]] && chown "$user:" "$dir/data/pg_hba.conf"

  for attempt in 1 2 3; do
    local port
    port="$(free_port)"
    if as_user "$user" "$bin/pg_ctl" -D "$dir/data" -l "$dir/server.log" -o "-p $port" -w -t 30 start \
      >/dev/null 2>&1 &&
      "$bin/pg_isready" -q -h 127.0.0.1 -p "$port" -t 10; then
      echo "$port" >"$meta/port"
      echo "postgres.sh: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, started in $((($(date +%s%N) - t0) / 1000000)) ms" >&2
      echo "postgres://postgres@127.0.0.1:$port/postgres"
      return 0
    fi
    echo "postgres.sh: PostgreSQL did not start on port $port (attempt $attempt); log:" >&2
    cat "$dir/server.log" >&2 || true
    as_user "$user" "$bin/pg_ctl" -D "$dir/data" -m immediate stop >/dev/null 2>&1 || true
  done
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: postgres.sh start|stop" >&2; exit 2 ;;
esac
