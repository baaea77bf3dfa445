#!/usr/bin/env bash
# One process of the production topology per call; the Docker image's entrypoint and the tests use it.
#
#   scripts/topology.sh build         compile the pages and build the frontend into $REFLEX_WEB_WORKDIR
#   scripts/topology.sh migrate       alembic upgrade head + seed the test merchant (unless SEED_TEST_MERCHANT=false;
#                                     production: only with SEED_TEST_MERCHANT=true); refuses unsafe production settings
#   scripts/topology.sh app           serve the built frontend, the event socket and the API with Granian
#                                     ($GRANIAN_WORKERS processes; builds first if there is no build yet)
#   scripts/topology.sh worker        one taskiq worker process (tasks, sweeper, heartbeat)
#   scripts/topology.sh worker-health exit 0 if a worker on this host sent a heartbeat in the last 10 s
#   scripts/topology.sh metrics-dir   create PROMETHEUS_MULTIPROC_DIR, delete its *.db files, print it (run.sh)
#
# app and worker replace this shell (exec), so SIGTERM reaches Granian / taskiq directly: both finish
# in-flight work (requests; tasks up to --shutdown-timeout 30 s) and exit 0.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$PWD/.tools/node_modules/.bin:$PWD/.venv/bin:$PATH"
export REFLEX_DIR="${REFLEX_DIR:-$PWD/.tools/reflex}" REFLEX_TELEMETRY_ENABLED=false REFLEX_CHECK_LATEST_VERSION=false
export PAYGATE_PORT="${PAYGATE_PORT:-8000}"
export REFLEX_WEB_WORKDIR="${REFLEX_WEB_WORKDIR:-.web}"
if [ -n "${REDIS_URL:-}" ]; then export REFLEX_REDIS_URL="${REFLEX_REDIS_URL:-$REDIS_URL}"; fi

# Files of processes that ran before on this host (same host name) are stale: drop them. Files of
# other hosts sharing the volume (other containers) are theirs; run.sh empties the whole directory.
metrics_dir() {
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/paygate-metrics-$PAYGATE_PORT}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  local host
  host="$(python -c 'import socket; print(socket.gethostname().replace("_", "-")[:48] or "host")')"
  find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name "*_${host}-*.db" -delete
}

case "${1:-}" in
  build)
    exec reflex export --frontend-only --no-zip --env prod
    ;;
  migrate)
    alembic upgrade head
    exec python -m paygate_app.core.cli seed
    ;;
  app)
    metrics_dir
    if [ -n "${REDIS_URL:-}" ]; then export GRANIAN_WORKERS="${GRANIAN_WORKERS:-$(nproc)}"; fi
    if [ ! -f "$REFLEX_WEB_WORKDIR/build/client/index.html" ]; then
      reflex export --frontend-only --no-zip --env prod
    fi
    # What `reflex run --env prod --single-port` does after its build step, without rebuilding:
    # prod mode, no compile in the Granian workers (they only evaluate pages), the build mounted.
    exec python -c '
import os
from reflex_base import constants
from reflex_base.environment import environment
from reflex.utils import exec as rx_exec
environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
environment.REFLEX_SKIP_COMPILE.set(True)
level = constants.LogLevel(os.environ.get("PAYGATE_REFLEX_LOGLEVEL", "warning"))
rx_exec.run_backend_prod(os.environ.get("PAYGATE_HOST", "127.0.0.1"), int(os.environ["PAYGATE_PORT"]), level, True)
'
    ;;
  worker)
    metrics_dir
    exec taskiq worker tasks.broker:broker --workers 1 --max-async-tasks "${PAYGATE_WORKER_CONCURRENCY:-1000}" \
      --shutdown-timeout 30
    ;;
  worker-health)
    exec python - <<'PY'
import asyncio, socket, sys
from datetime import timedelta

from paygate_app.core.db import close_db, get_db, utcnow


async def main() -> int:
    db = await get_db()
    row = await db.fetch_one(
        "SELECT COUNT(*) AS n FROM worker_heartbeats WHERE name LIKE :host AND beat_at > :t",
        {"host": socket.gethostname() + ":%", "t": utcnow() - timedelta(seconds=10)},
    )
    await close_db()
    return 0 if row and row["n"] else 1


sys.exit(asyncio.run(main()))
PY
    ;;
  metrics-dir)
    dir="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/paygate-metrics-$PAYGATE_PORT}"
    mkdir -p "$dir" && find "$dir" -maxdepth 1 -name '*.db' -delete && echo "$dir"
    ;;
  *)
    sed -n '2,12p' "$0" >&2
    exit 2
    ;;
esac
