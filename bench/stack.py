"""Start and stop the systems under test as real OS processes on 127.0.0.1, and read their memory."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path

import httpx
import psycopg

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
TOOLS_BIN = ROOT / ".tools" / "node_modules" / ".bin"
PG_SERVER = os.environ.get("PAYGATE_BENCH_PG", "postgresql://postgres@127.0.0.1:5432")
REDIS_URL = os.environ.get("PAYGATE_BENCH_REDIS", "redis://127.0.0.1:6379/13")
WEB_WORKDIR = ".web-bench"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- databases ----------------------------------------------------------------------------


def create_pg_database() -> str:
    name = f"paygate_bench_{uuid.uuid4().hex[:8]}"
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return f"{PG_SERVER}/{name}"


def drop_pg_database(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def flush_redis(url: str) -> None:
    import redis

    redis.Redis.from_url(url).flushdb()


# --- processes ----------------------------------------------------------------------------


def base_env(**overrides: str | None) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL", "REFLEX_REDIS_URL")}
    env["PATH"] = f"{TOOLS_BIN}:{BIN}:{env.get('PATH', '')}"
    env.setdefault("REFLEX_DIR", str(ROOT / ".tools" / "reflex"))
    env["REFLEX_TELEMETRY_ENABLED"] = "false"
    env["REFLEX_CHECK_LATEST_VERSION"] = "false"
    for key, value in overrides.items():
        if value is None:
            env.pop(key, None)
        else:
            env[key] = value
    return env


@dataclass
class Stack:
    """One system under test: the app process tree and any worker process trees."""

    name: str
    kind: str  # "reflex" | "api"
    url: str
    env: dict[str, str]
    log_dir: Path
    app: subprocess.Popen | None = None
    workers: list[subprocess.Popen] = field(default_factory=list)

    def all_roots(self) -> list[tuple[str, subprocess.Popen]]:
        roots = [("app", self.app)] if self.app else []
        return roots + [(f"worker{i + 1}", p) for i, p in enumerate(self.workers)]

    def stop(self) -> None:
        for _, proc in reversed(self.all_roots()):
            if proc.poll() is None:
                try:
                    os.killpg(proc.pid, signal.SIGTERM)
                except ProcessLookupError:
                    continue
        for _, proc in self.all_roots():
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait(timeout=10)

    def check_alive(self) -> None:
        for role, proc in self.all_roots():
            if proc.poll() is not None:
                raise RuntimeError(f"{self.name}: {role} exited with {proc.returncode}; logs in {self.log_dir}")


def _spawn(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    return subprocess.Popen(
        args, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True
    )


def prepare_database(env: dict[str, str]) -> None:
    """What scripts/run.sh does first: migrate and seed."""
    subprocess.run([str(BIN / "alembic"), "upgrade", "head"], cwd=ROOT, env=env, check=True, capture_output=True)
    subprocess.run(
        [str(BIN / "python"), "-m", "paygate_app.core.cli", "seed"], cwd=ROOT, env=env, check=True, capture_output=True
    )


def start_stack(
    name: str,
    kind: str,
    *,
    database_url: str,
    redis_url: str | None,
    log_dir: Path,
    workers: int = 2,
    granian_workers: int = 2,
    extra_env: dict[str, str] | None = None,
) -> Stack:
    port = free_port()
    env = base_env(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        REFLEX_REDIS_URL=redis_url,
        PAYGATE_PORT=str(port),
        PAYGATE_PUBLIC_URL=f"http://127.0.0.1:{port}",
        REFLEX_WEB_WORKDIR=WEB_WORKDIR,
        TEST_MODE="true",
        TEST_PAYMENT_SUCCESS="true",
        TEST_PROCESSING_DELAY="0",
        RATE_LIMIT_ENABLED="false",
        PAYGATE_ENV="development",
        **(extra_env or {}),
    )
    if redis_url:
        env["GRANIAN_WORKERS"] = str(granian_workers)
    else:
        env.pop("GRANIAN_WORKERS", None)
    log_dir.mkdir(parents=True, exist_ok=True)
    prepare_database(env)
    stack = Stack(name=name, kind=kind, url=f"http://127.0.0.1:{port}", env=env, log_dir=log_dir)
    try:
        if redis_url:
            for i in range(workers):
                stack.workers.append(
                    _spawn(
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
                        log_dir / f"worker{i + 1}.log",
                    )
                )
        if kind == "reflex":
            stack.app = _spawn([str(BIN / "reflex"), "run", "--env", "prod", "--single-port"], env, log_dir / "app.log")
        else:
            stack.app = _spawn(
                [
                    str(BIN / "granian"),
                    "--interface",
                    "asgi",
                    "--host",
                    "127.0.0.1",
                    "--port",
                    str(port),
                    "--workers",
                    str(granian_workers if redis_url else 1),
                    "--loop",
                    "uvloop",
                    "api.asgi:app",
                ],
                env,
                log_dir / "app.log",
            )
        wait_ready(stack)
    except BaseException:
        stack.stop()
        raise
    return stack


def wait_ready(stack: Stack, timeout: float = 300) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        stack.check_alive()
        try:
            health = httpx.get(stack.url + "/health", timeout=2)
            if health.status_code == 200 and health.json().get("worker") == "running":
                if stack.kind != "reflex" or httpx.get(stack.url + "/login/", timeout=5).status_code == 200:
                    return
        except (httpx.HTTPError, ValueError):
            pass
        time.sleep(0.5)
    raise RuntimeError(f"{stack.name} did not become ready in {timeout}s; logs in {stack.log_dir}")


# --- memory -------------------------------------------------------------------------------


def _children() -> dict[int, list[int]]:
    tree: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                ppid = int(fh.read().rsplit(")", 1)[1].split()[1])
        except (OSError, IndexError, ValueError):
            continue
        tree.setdefault(ppid, []).append(int(entry))
    return tree


def _status(pid: int) -> dict[str, int]:
    out: dict[str, int] = {}
    try:
        with open(f"/proc/{pid}/status") as fh:
            for line in fh:
                if line.startswith(("VmHWM:", "VmRSS:")):
                    out[line.split(":")[0]] = int(line.split()[1]) // 1024
    except OSError:
        pass
    return out


def _cmd(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as fh:
            parts = fh.read().split(b"\0")
    except OSError:
        return "?"
    return " ".join(p.decode(errors="replace") for p in parts if p)[:120]


def process_tree(root: int) -> list[tuple[int, int]]:
    """(pid, depth) for root and every descendant."""
    tree = _children()
    out, todo = [], [(root, 0)]
    while todo:
        pid, depth = todo.pop()
        out.append((pid, depth))
        todo.extend((c, depth + 1) for c in tree.get(pid, []))
    return out


def python_pids(stack: Stack) -> dict[str, list[int]]:
    """Python processes per role that do the work (for profiling): app workers, task workers."""
    roles: dict[str, list[int]] = {}
    for role, proc in stack.all_roots():
        pids = [
            pid
            for pid, depth in process_tree(proc.pid)
            if "python" in _cmd(pid) or "granian" in _cmd(pid) or "taskiq" in _cmd(pid) or "reflex" in _cmd(pid)
        ]
        leaves = [p for p in pids if not _children().get(p)]
        roles[role] = leaves or pids
    return roles


def peak_rss(stack: Stack) -> list[dict]:
    """VmHWM (peak resident set) of every process in the stack's trees, in MB."""
    rows = []
    for role, proc in stack.all_roots():
        for pid, depth in process_tree(proc.pid):
            mem = _status(pid)
            if not mem:
                continue
            rows.append(
                {
                    "role": role,
                    "pid": pid,
                    "depth": depth,
                    "cmd": _cmd(pid),
                    "peak_rss_mb": mem.get("VmHWM", 0),
                    "rss_mb": mem.get("VmRSS", 0),
                }
            )
    return rows


# --- CPU accounting (robust to other load on the machine) --------------------------------

_TICK = os.sysconf("SC_CLK_TCK")


def _cpu(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / _TICK  # utime + stime
    except (OSError, IndexError, ValueError):
        return 0.0


def cpu_by_pid(stack: Stack, database_url: str | None = None) -> dict[str, dict[int, float]]:
    """CPU seconds used so far by each process: {"app": {pid: s}, "workers": {...}, "postgres": {...}}."""
    out: dict[str, dict[int, float]] = {"app": {}, "workers": {}, "postgres": {}}
    for role, proc in stack.all_roots():
        for pid, _ in process_tree(proc.pid):
            out["app" if role == "app" else "workers"][pid] = _cpu(pid)
    if database_url and database_url.startswith("postgresql"):
        name = database_url.rsplit("/", 1)[1]
        try:
            with psycopg.connect(f"{PG_SERVER}/postgres", autocommit=True) as conn:
                pids = [r[0] for r in conn.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,))]
        except psycopg.Error:
            pids = []
        out["postgres"] = {pid: _cpu(pid) for pid in pids}
    return out


def cpu_used(before: dict[str, dict[int, float]], after: dict[str, dict[int, float]]) -> dict[str, float]:
    """CPU seconds per group between two snapshots (processes that appeared count from zero)."""
    return {
        group: round(sum(s - before.get(group, {}).get(pid, 0.0) for pid, s in pids.items()), 2)
        for group, pids in after.items()
    }
