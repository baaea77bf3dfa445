"""Run the API server and taskiq workers as real OS processes (production topology on 127.0.0.1)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx

from tests.support.live_app import ROOT, free_port

BIN = Path(sys.executable).parent


def spawn(args: list[str], env: dict[str, str], log_path: Path) -> subprocess.Popen:
    log = log_path.open("a")
    return subprocess.Popen(args, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)


def start_api(env: dict[str, str], log_dir: Path, workers: int = 1) -> tuple[subprocess.Popen, str]:
    port = free_port()
    proc = spawn(
        [
            str(BIN / "granian"),
            "--interface",
            "asgi",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(workers),
            "--loop",
            "uvloop",
            "api.asgi:app",
        ],
        env,
        log_dir / f"api-{port}.log",
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError((log_dir / f"api-{port}.log").read_text()[-3000:])
        try:
            if httpx.get(url + "/health", timeout=2).status_code in (200, 503):
                return proc, url
        except httpx.HTTPError:
            pass
        time.sleep(0.2)
    raise RuntimeError("API did not start")


def start_worker(env: dict[str, str], log_dir: Path, name: str = "worker") -> subprocess.Popen:
    return spawn(
        [
            str(BIN / "taskiq"),
            "worker",
            "tasks.broker:broker",
            "--workers",
            "1",
            "--max-async-tasks",
            "1000",
            "--shutdown-timeout",
            "30",
        ],
        env,
        log_dir / f"{name}.log",
    )


def kill9(proc: subprocess.Popen) -> None:
    os.killpg(proc.pid, signal.SIGKILL)
    proc.wait(timeout=10)


def terminate(proc: subprocess.Popen, timeout: float = 35) -> int:
    if proc.poll() is not None:
        return proc.returncode
    os.killpg(proc.pid, signal.SIGTERM)
    try:
        return proc.wait(timeout=timeout)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        return -9
