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

alembic upgrade head
python -m paygate_app.core.cli seed
# Metrics of every process on this host are summed from one directory (see api/routes/metrics.py).
PROMETHEUS_MULTIPROC_DIR="$(scripts/topology.sh metrics-dir)"
export PROMETHEUS_MULTIPROC_DIR PAYGATE_SUPERVISED=1
scripts/topology.sh build-if-changed

declare -A role=()  # pid -> app | worker
stopping=""
status=0

start_app() {
  scripts/topology.sh app &  # exec: the pid is Granian's main process
  role[$!]=app
}
start_worker() {
  scripts/topology.sh worker &  # exec: the pid is taskiq's manager; its worker child dies with it
  role[$!]=worker
}
stop_all() {
  stopping=1
  for pid in "${!role[@]}"; do kill -TERM "$pid" 2>/dev/null || true; done
}
trap stop_all INT TERM

if [ -n "${REDIS_URL:-}" ]; then
  export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-$REDIS_URL}"
  export GRANIAN_WORKERS="${GRANIAN_WORKERS:-$(nproc)}"
  for _ in $(seq 1 "${PAYGATE_WORKERS:-2}"); do start_worker; done
fi
start_app

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
exit "$status"
