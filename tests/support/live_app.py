"""Start the real app (`make run` equivalent: migrate, then Reflex prod single-port) on a free port."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def app_env(**overrides: str) -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{TOOLS_BIN}:{VENV_BIN}:{env.get('PATH', '')}"
    env.setdefault("REFLEX_DIR", str(ROOT / ".tools" / "reflex"))
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["REFLEX_CHECK_LATEST_VERSION"] = "false"
    env.update(overrides)
    return env


@dataclass
class LiveApp:
    url: str
    port: int
    env: dict[str, str]
    log_path: Path
    proc: subprocess.Popen | None = None
    extra: list[subprocess.Popen] = field(default_factory=list)

    def stop(self) -> None:
        for proc in [*self.extra, self.proc]:
            if proc is None or proc.poll() is not None:
                continue
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)


def wait_healthy(url: str, proc: subprocess.Popen, log_path: Path, timeout: float = 600) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"app exited with {proc.returncode}; log:\n{log_path.read_text()[-4000:]}")
        try:
            if (
                httpx.get(url + "/health", timeout=2).status_code == 200
                and httpx.get(url + "/login/", timeout=5).status_code == 200
            ):
                return
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    raise RuntimeError(f"app did not become healthy in {timeout}s; log:\n{log_path.read_text()[-4000:]}")


def start_app(workdir: Path, *, web_workdir: str | None = None, **env_overrides: str) -> LiveApp:
    """Migrate a fresh database and serve the app; the caller stops it."""
    port = free_port()
    env = app_env(
        PAYGATE_PORT=str(port),
        PAYGATE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        DATABASE_URL=env_overrides.pop("DATABASE_URL", f"sqlite:///{workdir / 'paygate-e2e.db'}"),
        TEST_MODE="true",
        REFLEX_WEB_WORKDIR=web_workdir or os.environ.get("PAYGATE_WEB_WORKDIR", ".web"),
        **env_overrides,
    )
    subprocess.run([str(VENV_BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True)
    log_path = workdir / f"app-{port}.log"
    log = log_path.open("w")
    proc = subprocess.Popen(
        [str(VENV_BIN / "reflex"), "run", "--env", "prod", "--single-port"],
        cwd=ROOT,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    app = LiveApp(url=f"http://127.0.0.1:{port}", port=port, env=env, log_path=log_path, proc=proc)
    try:
        wait_healthy(app.url, proc, log_path)
    except Exception:
        app.stop()
        raise
    return app
