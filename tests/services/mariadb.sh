#!/usr/bin/env bash
# Starts/stops a throwaway MariaDB server on 127.0.0.1 for integration tests (MariaDB itself is
# installed by tests/run-all.sh: Debian's `mariadb-server`, whose own service stays stopped).
#   mariadb.sh start  → prints mysql://root@127.0.0.1:<port>/; datadir, socket, log and port live in
#                       $LAKEKIT_TEST_STATE/mariadb
#   mariadb.sh stop   → stops that server and deletes its files; safe to call twice
# As root the server runs as the `mysql` system user (created by the Debian package; a
# `lakekit-mysql` system user is created if it is missing), else as the current user.
# root has no password (loopback only); the user lakekit_pw_test must give its password
# `pw-secret-123` (tests use it to check how a wrong password is reported).
set -euo pipefail
# The client reads these; the server here is reached by its own socket as root without a password.
unset MYSQL_PWD MYSQL_HOST MYSQL_TCP_PORT MYSQL_UNIX_PORT

root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
state="${LAKEKIT_TEST_STATE:-$root/tests/.work/state}"
meta="$state/mariadb"          # what start leaves for stop: server dir, port, logs
dirfile="$meta/server.dir"     # where the server is (inside $meta unless its path is unusable)

# Prints the path of a MariaDB program; Debian keeps the server in /usr/sbin, off a user's PATH.
maria_bin() {
  local name="$1" d
  if d="$(command -v "$name" 2>/dev/null)"; then echo "$d"; return 0; fi
  for d in /usr/sbin /usr/local/sbin /usr/local/mysql/bin /usr/bin; do
    [[ -x "$d/$name" ]] && { echo "$d/$name"; return 0; }
  done
  echo "mariadb.sh: $name not found; install Debian's mariadb-server" >&2
  return 1
}

# The unprivileged user that runs the server ("" = the current user, when not root).
maria_user() {
  if [[ "$(id -u)" -ne 0 ]]; then echo ""; return 0; fi
  if id -u mysql >/dev/null 2>&1; then echo mysql; return 0; fi
  id -u lakekit-mysql >/dev/null 2>&1 ||
    useradd --system --user-group --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin lakekit-mysql
  echo lakekit-mysql
}

as_user() {
  local user="$1"
  shift
  if [[ -n "$user" ]]; then runuser -u "$user" -- "$@"; else "$@"; fi
}

stop() {
  [[ -f "$dirfile" ]] || return 0
  local dir pid
  dir="$(cat "$dirfile")"
  pid="$(cat "$dir/mariadbd.pid" 2>/dev/null || true)"
  if [[ -n "$pid" ]] && kill -0 "$pid" 2>/dev/null; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 300); do
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    # Not stopping within 30 s: end it.
    kill -0 "$pid" 2>/dev/null && kill -9 "$pid" 2>/dev/null || true
  fi
  rm -rf "$dir" "$dirfile" "$meta/port"
}

free_port() {
  node -e 'const s = require("net").createServer(); s.listen(0, "127.0.0.1", () => { console.log(s.address().port); s.close(); });'
}

start() {
  local t0 mariadbd install_db client user dir
  t0="$(date +%s%N)"
  mkdir -p "$meta"
  stop # a server left behind by an interrupted run
  mariadbd="$(maria_bin mariadbd)"
  install_db="$(maria_bin mariadb-install-db)"
  client="$(maria_bin mariadb)"
  user="$(maria_user)"
  dir="$meta/server"
  # The socket path must stay under the kernel's 107 bytes, and the server's user must reach it.
  mkdir -p "$dir"
  [[ -n "$user" ]] && chown "$user:" "$dir"
  if ((${#dir} > 80)) || ! as_user "$user" test -w "$dir"; then
    rm -rf "$dir"
    dir="$(mktemp -d /tmp/lakekit-mariadb.XXXXXX)"
    [[ -n "$user" ]] && chown "$user:" "$dir"
  fi
  chmod 700 "$dir"
  echo "$dir" >"$dirfile"

  local user_opt=()
  [[ -n "$user" ]] && user_opt=(--user="$user")
  "$install_db" --no-defaults "${user_opt[@]}" --datadir="$dir/data" --auth-root-authentication-method=normal \
    --skip-test-db --skip-name-resolve >"$meta/install-db.log" 2>&1 || {
    echo "mariadb.sh: mariadb-install-db failed; log:" >&2
    cat "$meta/install-db.log" >&2
    return 1
  }

  for attempt in 1 2 3; do
    local port pid=""
    port="$(free_port)"
    # Throwaway server: loopback only, private socket, no durability, no binary log.
    setsid "$mariadbd" --no-defaults "${user_opt[@]}" --datadir="$dir/data" --socket="$dir/mariadbd.sock" \
      --pid-file="$dir/mariadbd.pid" --log-error="$dir/server.log" --bind-address=127.0.0.1 --port="$port" \
      --skip-name-resolve --skip-log-bin --innodb-flush-log-at-trx-commit=0 --sync-binlog=0 \
      --innodb-doublewrite=0 --innodb-buffer-pool-size=256M --max-connections=200 \
      --character-set-server=utf8mb4 --collation-server=utf8mb4_unicode_ci \
      </dev/null >/dev/null 2>&1 &
    pid=$!
    for _ in $(seq 1 300); do
      "$client" --no-defaults --socket="$dir/mariadbd.sock" -uroot -e 'SELECT 1' >/dev/null 2>&1 && break
      kill -0 "$pid" 2>/dev/null || break
      sleep 0.1
    done
    if "$client" --no-defaults --socket="$dir/mariadbd.sock" -uroot >"$meta/setup.log" 2>&1 <<'SQL'; then
CREATE USER IF NOT EXISTS 'root'@'127.0.0.1';
GRANT ALL PRIVILEGES ON *.* TO 'root'@'127.0.0.1' WITH GRANT OPTION;
CREATE USER IF NOT EXISTS 'lakekit_pw_test'@'127.0.0.1' IDENTIFIED BY 'pw-secret-123';
GRANT ALL PRIVILEGES ON *.* TO 'lakekit_pw_test'@'127.0.0.1';
SQL
      echo "$port" >"$meta/port"
      echo "mariadb.sh: MariaDB $("$mariadbd" --version | awk '{print $3}' | cut -d- -f1) on 127.0.0.1:$port, started in $((($(date +%s%N) - t0) / 1000000)) ms" >&2
      echo "mysql://root@127.0.0.1:$port/"
      return 0
    fi
    echo "mariadb.sh: MariaDB did not start on port $port (attempt $attempt); log:" >&2
    cat "$dir/server.log" "$meta/setup.log" >&2 || true
    kill -9 "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  done
  return 1
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  *) echo "usage: mariadb.sh start|stop" >&2; exit 2 ;;
esac
