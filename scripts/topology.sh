#!/usr/bin/env bash
# One process of the production topology per call; the Docker image's entrypoint and the tests use it.
#
#   scripts/topology.sh build         compile the pages and build the frontend into $REFLEX_WEB_WORKDIR
#   scripts/topology.sh build-if-changed  build only if the sources or the public URL (rxconfig.py) changed since
#                                     the last build (a stamp in $REFLEX_WEB_WORKDIR; run.sh, so restarts never rebuild)
#   scripts/topology.sh migrate       alembic upgrade head + seed the test merchant (unless SEED_TEST_MERCHANT=false;
#                                     production: only with SEED_TEST_MERCHANT=true); refuses unsafe production settings
#   scripts/topology.sh app           serve the built frontend, the event socket and the API with Granian
#                                     ($GRANIAN_WORKERS processes; builds first if there is no build yet). A worker
#                                     that dies is replaced at once while the others keep serving; one that dies
#                                     again within 5.5 s makes Granian exit (a crash loop: the supervisor restarts
#                                     it). GRANIAN_RESPAWN_FAILED_WORKERS=false: Granian's default, no replacement
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

# What the frontend build depends on: the pages' sources and the public URL baked into it.
source_stamp() {
  python - <<'PY'
import hashlib, os, pathlib
h = hashlib.sha256()
url = os.environ.get("PAYGATE_PUBLIC_URL") or f"http://localhost:{os.environ['PAYGATE_PORT']}"  # as rxconfig.py
h.update(f"{url}\n".encode())
files = [pathlib.Path(p) for p in ("rxconfig.py", "reflex.lock", "pyproject.toml")]
for top in ("paygate_app", "assets"):
    files += sorted(p for p in pathlib.Path(top).rglob("*") if p.is_file() and "__pycache__" not in p.parts)
for p in files:
    if p.is_file():
        h.update(str(p).encode() + b"\0" + p.read_bytes())
print(h.hexdigest())
PY
}
STAMP="$REFLEX_WEB_WORKDIR/paygate-build.stamp"
build() {
  reflex export --frontend-only --no-zip --env prod
  source_stamp >"$STAMP"
}

# Files of processes that ran before on this host (same host name) are stale: drop them. Files of
# other hosts sharing the volume (other containers) are theirs; run.sh empties the whole directory.
# Under run.sh (PAYGATE_SUPERVISED=1) the directory was emptied once at its start: a process it
# restarts must not delete the files of the processes still running.
metrics_dir() {
  export PROMETHEUS_MULTIPROC_DIR="${PROMETHEUS_MULTIPROC_DIR:-${TMPDIR:-/tmp}/paygate-metrics-$PAYGATE_PORT}"
  mkdir -p "$PROMETHEUS_MULTIPROC_DIR"
  [ -z "${PAYGATE_SUPERVISED:-}" ] || return 0
  local host
  host="$(python -c 'import socket; print(socket.gethostname().replace("_", "-")[:48] or "host")')"
  find "$PROMETHEUS_MULTIPROC_DIR" -maxdepth 1 -name "*_${host}-*.db" -delete
}

case "${1:-}" in
  build)
    build
    ;;
  build-if-changed)
    if [ -f "$REFLEX_WEB_WORKDIR/build/client/index.html" ] && [ "$(cat "$STAMP" 2>/dev/null)" = "$(source_stamp)" ]; then
      echo "topology.sh: frontend unchanged since the last build, not rebuilding" >&2
    else
      build
    fi
    ;;
  migrate)
    alembic upgrade head
    exec python -m paygate_app.core.cli seed
    ;;
  app)
    metrics_dir
    if [ -n "${REDIS_URL:-}" ]; then export GRANIAN_WORKERS="${GRANIAN_WORKERS:-$(nproc)}"; fi
    if [ ! -f "$REFLEX_WEB_WORKDIR/build/client/index.html" ]; then
      build
    fi
    # What `reflex run --env prod --single-port` does after its build step, without rebuilding:
    # prod mode, no compile in the Granian workers (they only evaluate pages), the build mounted.
    # Reflex builds Granian's Server without its respawn option (it reads only GRANIAN_WORKERS and
    # GRANIAN_LOG_LEVEL): without it one dead worker makes Granian exit and take the others along.
    # The subclass below adds the option; Reflex imports granian.server.Server when it serves.
    exec python -c '
import os
import granian.server
from paygate_app.core.supervision import forked_children_die_with_this_process
from reflex_base import constants
from reflex_base.environment import environment
from reflex.utils import exec as rx_exec
environment.REFLEX_ENV_MODE.set(constants.Env.PROD)
environment.REFLEX_SKIP_COMPILE.set(True)


class RespawningServer(granian.server.Server):
    def __init__(self, *args, **kwargs):
        kwargs.setdefault("respawn_failed_workers", os.environ.get("GRANIAN_RESPAWN_FAILED_WORKERS", "true") != "false")
        super().__init__(*args, **kwargs)


granian.server.Server = RespawningServer
forked_children_die_with_this_process()  # a killed main process leaves no HTTP worker serving on
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
    sed -n '2,19p' "$0" >&2
    exit 2
    ;;
esac
