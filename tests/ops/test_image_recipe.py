"""The Docker image's recipe, run natively (there is no Docker engine here).

The build context is copied the way `docker build` sends it (only what .dockerignore lets
through), the build stage's step runs in it (`scripts/topology.sh build`, then node_modules are
dropped), and the runtime stage's commands run from it with no bun on PATH, a fresh REFLEX_DIR and
PAYGATE_ENV=production: `migrate`, `app`, `worker`, `worker-health`. Catches a context that
misses a file, a runtime that still needs the JS toolchain, and entrypoint subcommands that rot.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.ops.promtext import parse_metrics
from tests.ops.test_compose import _ignored, dockerignore_patterns
from tests.support.live_app import ROOT, free_port
from tests.topology.stack import AUTH, Proc, Stack, topology_services, wait_app, wait_for

pytestmark = [pytest.mark.pg, pytest.mark.redis, pytest.mark.slow]
REDIS_DB = 10


@pytest.fixture
def services():
    yield from topology_services(REDIS_DB, "paygate_image")


def copy_build_context(dest: Path) -> int:
    """Files git knows (tracked or new, not .gitignored) that .dockerignore lets into the context."""
    listed = (
        subprocess.run(
            ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"],
            cwd=ROOT,
            capture_output=True,
            check=True,
        )
        .stdout.decode()
        .split("\0")
    )
    patterns = dockerignore_patterns()
    copied = 0
    for rel in filter(None, listed):
        src = ROOT / rel
        if not src.is_file() or _ignored(rel, patterns):
            continue
        target = dest / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, target)
        copied += 1
    return copied


def _run(args: list[str], cwd: Path, env: dict[str, str], log: Path) -> None:
    with log.open("a") as out:
        done = subprocess.run(args, cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT)
    assert done.returncode == 0, log.read_text()[-4000:]


def test_image_recipe_builds_from_the_context_and_runs_without_the_js_toolchain(services, tmp_path: Path):
    app_dir = tmp_path / "app"
    assert copy_build_context(app_dir) > 50
    assert not (app_dir / "tests").exists() and not (app_dir / ".venv").exists()
    port = free_port()
    venv_bin = str(Path(sys.executable).parent)
    base = {k: v for k, v in services.items() if k != "PATH"} | {
        "PAYGATE_PORT": str(port),
        "PAYGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
        "REFLEX_TELEMETRY_ENABLED": "false",
    }

    # Build stage: bun from the toolchain, as `npm install bun` puts it on PATH in the image.
    t = time.monotonic()
    build_env = base | {
        "PATH": f"{ROOT / '.tools' / 'node_modules' / '.bin'}:{venv_bin}:/usr/bin:/bin",
        "REFLEX_DIR": str(ROOT / ".tools" / "reflex"),
    }
    _run(["scripts/topology.sh", "build"], app_dir, build_env, tmp_path / "build.log")
    assert (app_dir / ".web" / "build" / "client" / "index.html").exists()
    shutil.rmtree(app_dir / ".web" / "node_modules", ignore_errors=True)
    build_seconds = time.monotonic() - t

    # Runtime stage: no bun, an empty REFLEX_DIR, production settings, metrics directory.
    run_env = base | {
        "PATH": f"{venv_bin}:/usr/bin:/bin",
        "REFLEX_DIR": str(tmp_path / "home" / ".reflex"),
        "HOME": str(tmp_path / "home"),
        "PAYGATE_ENV": "production",
        "PAYGATE_SERVER_KEY": "k" * 64,
        "PAYGATE_HOST": "127.0.0.1",
        "SEED_TEST_MERCHANT": "true",  # production seeds the published test merchant only when asked
        "PAYGATE_METRICS_TOKEN": "m" * 32,  # production serves /metrics only with a token
        "GRANIAN_WORKERS": "2",
        "PROMETHEUS_MULTIPROC_DIR": str(tmp_path / "metrics"),
    }
    (tmp_path / "home").mkdir()
    _run(["scripts/topology.sh", "migrate"], app_dir, run_env, tmp_path / "migrate.log")
    health = subprocess.run(["scripts/topology.sh", "worker-health"], cwd=app_dir, env=run_env, capture_output=True)
    assert health.returncode == 1  # no worker yet

    def start(name: str, command: str) -> Proc:
        log = tmp_path / f"{name}.log"
        popen = subprocess.Popen(
            ["scripts/topology.sh", command],
            cwd=app_dir,
            env=run_env,
            stdout=log.open("w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        return Proc(name, popen, log, f"http://127.0.0.1:{port}")

    t = time.monotonic()
    with Stack(run_env, tmp_path) as stack:
        app, worker = start("app", "app"), start("worker", "worker")
        stack.procs += [app, worker]
        wait_app(app, timeout=120)
        start_seconds = time.monotonic() - t
        assert "Creating Production Build" not in app.tail(100_000)  # served the image's build
        wait_for(
            lambda: subprocess.run(["scripts/topology.sh", "worker-health"], cwd=app_dir, env=run_env).returncode == 0,
            30,
            "worker-health",
        )
        with httpx.Client(base_url=app.url, headers=AUTH, timeout=20) as client:
            body = client.get("/health").json()
            assert (body["database"], body["redis"], body["worker"]) == ("connected", "connected", "running")
            page = client.get("/checkout", params={"order_id": "order_x"}, follow_redirects=True)
            assert page.status_code == 200 and "<html" in page.text.lower()
            assert client.get("/checkout.js").status_code == 200
            order = client.post("/api/v1/orders", json={"amount": 1000}).json()
            pay = client.post("/api/v1/payments", json={"order_id": order["id"], "method": "upi", "vpa": "a@upi"})
            pid = pay.json()["id"]
            wait_for(lambda: client.get(f"/api/v1/payments/{pid}").json()["status"] == "success", 30, "settlement")
            metrics = parse_metrics(client.get("/metrics", headers={"Authorization": "Bearer " + "m" * 32}).text)
            assert any(name == "paygate_http_requests_total" for name, _ in metrics)
        for proc in (app, worker):
            rc, seconds = proc.sigterm()
            assert rc == 0 and seconds < 30, proc.tail()
    print(f"image recipe: build {build_seconds:.0f}s, app ready {start_seconds:.0f}s after start (no build)")
    assert os.listdir(tmp_path / "metrics")
