#!/usr/bin/env bash
# Serve Paygate: migrate, seed, then Reflex in production mode on one port, bound to 127.0.0.1
# unless PAYGATE_HOST says otherwise (0.0.0.0: every interface).
# With REDIS_URL: also start PAYGATE_WORKERS taskiq worker processes (default 2).
# Each process is supervised on its own: one that dies is restarted, the others keep serving.
# The frontend is built once, before anything starts, and only when its sources changed since the
# last build (scripts/topology.sh build-if-changed): restarting the app never rebuilds it. Inside the
# app Granian replaces a dead HTTP worker while the other workers keep serving. A taskiq worker's
# child process dies with its manager (the pid tracked here), so a killed manager leaves no orphan.
# SIGTERM / SIGINT: every process finishes its in-flight work (requests; tasks, up to 30 s) and the
# script exits 0 once all of them exited 0.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PWD/.venv/bin:$PATH"
export REFLEX_DIR="${REFLEX_DIR:-$PWD/.tools/reflex}" REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
export PAYGATE_PORT="${PAYGATE_PORT:-8000}"

LOG_DIR="$PWD/.tools/logs"
mkdir -p "$LOG_DIR"
# Setup steps print nothing unless they fail (then their whole output, and where it is kept).
quietly() {
  local name=$1
  shift
  if ! "$@" >"$LOG_DIR/$name.log" 2>&1; then
    cat "$LOG_DIR/$name.log" >&2
    echo "run.sh: $name failed (log: .tools/logs/$name.log)" >&2
    exit 1
  fi
}
quietly migrate alembic upgrade head
quietly seed python -m paygate_app.core.cli seed
# Metrics of every process on this host are summed from one directory (see api/routes/metrics.py).
PROMETHEUS_MULTIPROC_DIR="$(scripts/topology.sh metrics-dir)"
export PROMETHEUS_MULTIPROC_DIR PAYGATE_SUPERVISED=1
echo "Preparing the pages (the first run builds them: a few minutes)..."
quietly build scripts/topology.sh build-if-changed

declare -A role=()  # pid -> app | worker
stopping=""
status=0

# Reflex's build chatter names its own URL and commands and nags about versions, which misleads
# here; those lines are dropped from the screen (everything is kept in .tools/logs/app.log).
REFLEX_NOISE='^[─ ]*(Starting Reflex App|App Running)[─ ]*$|^Compiling:|^Creating Production Build|App running at|reflex run` to start|of Node\.js is out of date|^npm (ERR|WARN|warn|error)|registry\.npmjs|ECONNREFUSED|ETIMEDOUT|ECONNRESET|^Installing frontend packages'
reflex_output() {
  trap '' INT TERM  # Ctrl-C reaches the whole group: the filter lives on until the app has said its last line
  tee -a "$LOG_DIR/app.log" | grep --line-buffered -v -E "$REFLEX_NOISE" || true
}
start_app() {
  scripts/topology.sh app >&"$app_out" 2>&1 &  # exec: the pid is Granian's main process
  role[$!]=app
}
# One line once the app answers: the URL to open and, when seeded, the test login.
announce_ready() {
  local url="${PAYGATE_PUBLIC_URL:-http://localhost:$PAYGATE_PORT}" login=""
  grep -q "^test merchant" "$LOG_DIR/seed.log" && login=" and sign in as test@example.com / test123"
  until python -c "import sys, urllib.request; urllib.request.urlopen(sys.argv[1], timeout=2)" \
    "http://127.0.0.1:$PAYGATE_PORT/health" 2>/dev/null; do
    sleep 1
  done
  echo "Paygate is ready: open ${url%/}/login$login (Ctrl-C stops it)"
}
start_worker() {
  scripts/topology.sh worker &  # exec: the pid is taskiq's manager; its worker child dies with it
  role[$!]=worker
}
stop_all() {
  stopping=1
  [ -z "${announcer:-}" ] || kill "$announcer" 2>/dev/null || true
  for pid in "${!role[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
trap stop_all INT TERM

if [ -n "${REDIS_URL:-}" ]; then
  export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-$REDIS_URL}"
  export GRANIAN_WORKERS="${GRANIAN_WORKERS:-$(nproc)}"
  for _ in $(seq 1 "${PAYGATE_WORKERS:-2}"); do start_worker; done
fi
: >"$LOG_DIR/app.log"
# One output filter for the app's whole life (restarts included); waited for before exiting, so
# run.sh leaves no process behind.
exec {app_out}> >(reflex_output)
app_filter=$!
start_app
announce_ready &
announcer=$!

while [ "${#role[@]}" -gt 0 ]; do
  done_pid=""
  rc=0
  wait -n -p done_pid "${!role[@]}" || rc=$?
  [ -n "${done_pid:-}" ] || continue  # a signal interrupted wait (it unsets done_pid): keep waiting
  what="${role[$done_pid]}"
  unset "role[$done_pid]"
  if [ -n "$stopping" ]; then
    [ "$rc" -eq 0 ] || { echo "run.sh: $what (pid $done_pid) exited with $rc" >&2; status=1; }
    continue
  fi
  echo "run.sh: $what (pid $done_pid) exited with $rc; restarting it in 2 s" >&2
  sleep 2
  [ -n "$stopping" ] || "start_$what"
done
exec {app_out}>&-
wait "$app_filter" 2>/dev/null || true
exit "$status"
