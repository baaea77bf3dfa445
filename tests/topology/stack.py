"""The production topology as OS processes on 127.0.0.1: PostgreSQL + Redis, Reflex apps, taskiq workers.

Apps are started two ways, the two ways Paygate ships:
- `reflex_run_app`: `reflex run --env prod --single-port` (what `make run` / scripts/run.sh runs);
- `served_app`: `scripts/topology.sh app` (what the Docker image runs: serve a frontend built
  earlier by `scripts/topology.sh build`, no build at start).
Each gets its own REFLEX_WEB_WORKDIR (`.web-topo*`) so builds never collide with other test runs.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import redis

from paygate_app.core.merchants import TEST_MERCHANT
from tests.support.databases import create_pg_database, drop_pg_database, migrate
from tests.support.live_app import ROOT, VENV_BIN, app_env, free_port

TOPOLOGY_SH = str(ROOT / "scripts" / "topology.sh")
AUTH = {"X-Api-Key": TEST_MERCHANT["api_key"], "X-Api-Secret": TEST_MERCHANT["api_secret"]}


@dataclass
class Proc:
    name: str
    popen: subprocess.Popen
    log: Path
    url: str = ""

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def kill9(self) -> None:
        os.killpg(self.pid, signal.SIGKILL)
        self.popen.wait(timeout=10)

    def sigterm(self, timeout: float = 40) -> tuple[int, float]:
        """SIGTERM to the main process only (what Docker and systemd do); (exit code, seconds)."""
        started = time.monotonic()
        if self.popen.poll() is None:
            os.kill(self.pid, signal.SIGTERM)
        try:
            rc = self.popen.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            os.killpg(self.pid, signal.SIGKILL)
            self.popen.wait(timeout=10)
            rc = -9
        return rc, time.monotonic() - started

    def cleanup(self) -> None:
        """Whatever is left of the process group goes (never fails)."""
        try:
            os.killpg(self.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        try:
            self.popen.wait(timeout=10)
        except subprocess.TimeoutExpired:
            pass

    def tail(self, n: int = 4000) -> str:
        return self.log.read_text(errors="replace")[-n:] if self.log.exists() else ""


class Stack:
    """Processes of one test; everything still running is killed at teardown."""

    def __init__(self, env: dict[str, str], log_dir: Path) -> None:
        self.env, self.log_dir, self.procs = env, log_dir, []

    def spawn(self, name: str, args: list[str], **env: str) -> Proc:
        log = self.log_dir / f"{name}.log"
        out = log.open("a")
        popen = subprocess.Popen(
            args, cwd=ROOT, env={**self.env, **env}, stdout=out, stderr=subprocess.STDOUT, start_new_session=True
        )
        proc = Proc(name, popen, log)
        self.procs.append(proc)
        return proc

    def app_env(self, port: int, web_dir: str, workers: int) -> dict[str, str]:
        return {
            "PAYGATE_PORT": str(port),
            "PAYGATE_PUBLIC_URL": f"http://127.0.0.1:{port}",
            "PAYGATE_HOST": "127.0.0.1",
            "REFLEX_WEB_WORKDIR": web_dir,
            "GRANIAN_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(self.log_dir / f"metrics-{port}"),
        }

    def reflex_run_app(self, name: str, web_dir: str, *, port: int | None = None, workers: int = 2) -> Proc:
        port = port or free_port()
        args = [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port", "--backend-host", "127.0.0.1"]
        env = self.app_env(port, web_dir, workers)
        Path(env["PROMETHEUS_MULTIPROC_DIR"]).mkdir(exist_ok=True)
        proc = self.spawn(name, args, **env)
        proc.url = f"http://127.0.0.1:{port}"
        return proc

    def build(self, web_dir: str, port: int) -> None:
        """`scripts/topology.sh build` (the Docker build step) for pages served on `port`."""
        env = {**self.env, **self.app_env(port, web_dir, 1)}
        with (self.log_dir / f"build-{web_dir}.log").open("a") as out:
            subprocess.run([TOPOLOGY_SH, "build"], cwd=ROOT, env=env, stdout=out, stderr=subprocess.STDOUT, check=True)

    def served_app(self, name: str, web_dir: str, *, port: int | None = None, workers: int = 2) -> Proc:
        port = port or free_port()
        proc = self.spawn(name, [TOPOLOGY_SH, "app"], **self.app_env(port, web_dir, workers))
        proc.url = f"http://127.0.0.1:{port}"
        return proc

    def worker(self, name: str) -> Proc:
        return self.spawn(name, [TOPOLOGY_SH, "worker"], PROMETHEUS_MULTIPROC_DIR=str(self.log_dir / "metrics-w"))

    def __enter__(self) -> Stack:
        return self

    def __exit__(self, *exc: object) -> None:
        for proc in self.procs:
            proc.cleanup()


def wait_app(proc: Proc, timeout: float = 400) -> None:
    """Healthy /health and a page (the built frontend is mounted) — or fail with the log."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if not proc.alive():
            raise AssertionError(f"{proc.name} exited with {proc.popen.returncode}:\n{proc.tail()}")
        try:
            if (
                httpx.get(proc.url + "/health", timeout=3).status_code == 200
                and httpx.get(proc.url + "/login/", timeout=5).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise AssertionError(f"{proc.name} not healthy after {timeout}s:\n{proc.tail()}")


def wait_for(predicate, timeout: float, what: str, interval: float = 0.3):
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {what}")
        time.sleep(interval)


def topology_services(redis_db: int, prefix: str) -> Iterator[dict[str, str]]:
    """A fresh migrated PostgreSQL database and an empty Redis database; dropped afterwards."""
    pg_url = create_pg_database(prefix)
    migrate(pg_url)
    redis_url = f"redis://127.0.0.1:6379/{redis_db}"
    redis.Redis.from_url(redis_url).flushdb()
    env = app_env(
        DATABASE_URL=pg_url,
        REDIS_URL=redis_url,
        REFLEX_REDIS_URL=redis_url,
        TEST_MODE="true",
        TEST_PROCESSING_DELAY="1500",
        RATE_LIMIT_ENABLED="false",
        SWEEPER_INTERVAL="0.5",
        WEBHOOK_RETRY_INTERVALS_TEST="true",
        PAYGATE_LOG_FORMAT="json",
    )
    try:
        yield env
    finally:
        redis.Redis.from_url(redis_url).flushdb()
        drop_pg_database(pg_url)
