#!/usr/bin/env bash
# The test command of Lakekit (CI runs it through .ci/run): installs what is missing, prepares the
# peer tools (PyIceberg, moto; Spark; the Iceberg REST compatibility kit) and the services
# integration tests talk to (S3 via moto, PostgreSQL, MariaDB), then runs `pnpm check` and every
# vitest project. Works from any directory; exits non-zero if the check or any test fails.
#   LAKEKIT_SKIP_INSTALL=1  skip apt/corepack/pnpm install (a checkout shared with others, offline)
# Arguments are passed to vitest (`bash tests/run-all.sh tests/cli/` runs only those files).
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
root="$PWD"
started=$SECONDS

step() { printf '\n==> [%3ds] %s\n' "$((SECONDS - started))" "$*"; }

python_venv_works() {
  # Cached peers venv: nothing to check. Else try one (Debian lacks ensurepip without python3-venv).
  bash tests/peers/setup.sh --check >/dev/null && return 0
  local tmp rc=0
  tmp="$(mktemp -d)"
  python3 -m venv "$tmp/venv" >/dev/null 2>&1 || rc=$?
  rm -rf "$tmp"
  return "$rc"
}

postgres_server_installed() {
  # Debian keeps initdb/pg_ctl in /usr/lib/postgresql/<version>/bin, off PATH.
  command -v pg_ctl >/dev/null && command -v initdb >/dev/null && return 0
  compgen -G '/usr/lib/postgresql/*/bin/initdb' >/dev/null
}

mariadb_server_installed() {
  # Debian keeps mariadbd in /usr/sbin, off a normal user's PATH.
  command -v mariadbd >/dev/null || [[ -x /usr/sbin/mariadbd ]]
}

# Debian packages the run needs, installed only when missing.
ensure_apt_packages() {
  local missing=()
  command -v python3 >/dev/null || missing+=(python3)
  if command -v python3 >/dev/null && ! python_venv_works; then missing+=(python3-venv); fi
  command -v flock >/dev/null || missing+=(util-linux)
  # Spark and the Iceberg REST compatibility kit (test peers on the JVM; jars fetched with curl).
  command -v java >/dev/null || missing+=(default-jre-headless)
  command -v curl >/dev/null || missing+=(curl ca-certificates)
  postgres_server_installed || missing+=(postgresql)
  mariadb_server_installed || missing+=(mariadb-server)
  ((${#missing[@]} == 0)) && return 0
  step "apt-get install ${missing[*]}"
  local sudo=()
  [[ "$(id -u)" -eq 0 ]] || sudo=(sudo)
  "${sudo[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
  if [[ " ${missing[*]} " == *" mariadb-server "* ]]; then
    # The package starts and enables its own server where it can; tests run their own instance.
    "${sudo[@]}" service mariadb stop >/dev/null 2>&1 || true
    if command -v systemctl >/dev/null; then "${sudo[@]}" systemctl disable mariadb >/dev/null 2>&1 || true; fi
  fi
}

if [[ "${LAKEKIT_SKIP_INSTALL:-}" != 1 ]]; then
  step "system packages"
  command -v node >/dev/null || { echo "run-all.sh: Node.js >= 20.10 is required" >&2; exit 1; }
  ensure_apt_packages
  step "pnpm install --frozen-lockfile"
  export COREPACK_ENABLE_DOWNLOAD_PROMPT=0
  corepack enable || echo "run-all.sh: corepack enable failed; using the pnpm on PATH" >&2
  pnpm install --frozen-lockfile
fi

step "peers venv (tests/peers/setup.sh)"
venv="$(bash tests/peers/setup.sh)"
export LAKEKIT_PYTHON="$venv/bin/python"
echo "$venv"

step "Spark peer (tests/peers/spark/setup.sh: pyspark venv and Iceberg jars, cached)"
LAKEKIT_SPARK_HOME="$(bash tests/peers/spark/setup.sh)"
export LAKEKIT_SPARK_HOME
echo "$LAKEKIT_SPARK_HOME"

step "Iceberg REST compatibility kit (tests/compat-kit/setup.sh, cached)"
LAKEKIT_COMPAT_KIT_HOME="$(bash tests/compat-kit/setup.sh)"
export LAKEKIT_COMPAT_KIT_HOME
echo "$LAKEKIT_COMPAT_KIT_HOME"

# A state dir per run, so concurrent runs in one checkout do not stop each other's servers.
export LAKEKIT_TEST_STATE="${LAKEKIT_TEST_STATE:-$root/tests/.work/run-$$}"
cleanup() {
  bash tests/services/mariadb.sh stop || true
  bash tests/services/postgres.sh stop || true
  bash tests/services/moto.sh stop || true
  [[ "$LAKEKIT_TEST_STATE" == "$root/tests/.work/run-$$" ]] && rm -rf "$LAKEKIT_TEST_STATE"
  return 0
}
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

step "moto S3 server"
LAKEKIT_TEST_S3_ENDPOINT="$(bash tests/services/moto.sh start)"
export LAKEKIT_TEST_S3_ENDPOINT
echo "$LAKEKIT_TEST_S3_ENDPOINT"

step "PostgreSQL server"
LAKEKIT_TEST_POSTGRES_URL="$(bash tests/services/postgres.sh start)"
export LAKEKIT_TEST_POSTGRES_URL
echo "$LAKEKIT_TEST_POSTGRES_URL"

step "MariaDB server"
LAKEKIT_TEST_MARIADB_URL="$(bash tests/services/mariadb.sh start)"
export LAKEKIT_TEST_MARIADB_URL
echo "$LAKEKIT_TEST_MARIADB_URL"

# Tests talk to moto only: fixed fake credentials, no profile, no endpoint from the caller's shell.
unset AWS_PROFILE AWS_SESSION_TOKEN AWS_ENDPOINT_URL AWS_ENDPOINT_URL_S3 AWS_CONFIG_FILE AWS_SHARED_CREDENTIALS_FILE
export AWS_ACCESS_KEY_ID=testing AWS_SECRET_ACCESS_KEY=testing AWS_REGION=us-east-1 AWS_DEFAULT_REGION=us-east-1
export AWS_EC2_METADATA_DISABLED=true
# …and to the PostgreSQL server above only: no libpq defaults (password, SSL mode …) from the shell.
unset PGHOST PGHOSTADDR PGPORT PGUSER PGPASSWORD PGPASSFILE PGDATABASE PGSERVICE PGSSLMODE PGOPTIONS

step "pnpm check"
check=0
pnpm check || check=$?

step "vitest run (unit + integration)"
tests=0
report="$LAKEKIT_TEST_STATE/vitest.json"
mkdir -p "$LAKEKIT_TEST_STATE"
pnpm exec vitest run --reporter=default --reporter=json --outputFile.json="$report" "$@" || tests=$?

step "done: pnpm check exit $check, vitest exit $tests"
# The plain closing line CI reads: counts from vitest's JSON report.
if [[ -f "$report" ]]; then
  node -e 'const r = require(process.argv[1]); console.log(`${r.numPassedTests} passed, ${r.numFailedTests} failed` + (r.numPendingTests + r.numTodoTests ? `, ${r.numPendingTests + r.numTodoTests} skipped` : ""))' "$report"
fi
if ((tests != 0)); then exit "$tests"; fi
exit "$check"
