#!/usr/bin/env bash
# Serve Paygate: migrate, seed, then Reflex in production mode on one port, bound to 127.0.0.1
# unless PAYGATE_HOST says otherwise (0.0.0.0: every interface).
# With REDIS_URL: also start PAYGATE_WORKERS taskiq worker processes (default 2).
# Each process is supervised on its own: one that dies is restarted, the others keep serving.
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
export PROMETHEUS_MULTIPROC_DIR

declare -A role=()  # pid -> app | worker
stopping=""
status=0

start_app() {
  reflex run --env prod --single-port --backend-host "${PAYGATE_HOST:-127.0.0.1}" &
  role[$!]=app
}
start_worker() {
  taskiq worker tasks.broker:broker --workers 1 --max-async-tasks 1000 --shutdown-timeout 30 &
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
