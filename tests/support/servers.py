"""Private PostgreSQL and Redis servers for fault drills: our own processes on free ports, so a test may kill them.

The shared servers (127.0.0.1:5432, :6379) belong to every test run on the machine; a drill that stops
the database must stop its own. Each server lives in a fresh temporary directory that goes at `close()`.
PostgreSQL refuses to run as root: as root, `initdb` and `postgres` run as the `postgres` user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import psycopg
import redis

from tests.support.live_app import free_port


def _wait(predicate, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not predicate():
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} not ready after {timeout}s")
        time.sleep(0.1)


class PrivateRedis:
    """`redis-server` on a free port, no persistence."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="paygate-redis-"))
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc: subprocess.Popen | None = None
        self.start()

    def start(self) -> None:
        log = (self.dir / "redis.log").open("a")
        args = ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"]
        self.proc = subprocess.Popen(args, cwd=self.dir, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
        _wait(self.ping, 20, "redis-server")

    def ping(self) -> bool:
        try:
            return bool(redis.Redis.from_url(self.url, socket_timeout=1).ping())
        except redis.RedisError:
            return False

    def kill(self) -> None:
        """SIGKILL: the server is gone at once, as when its host dies."""
        if self.proc and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=10)

    def close(self) -> None:
        self.kill()
        shutil.rmtree(self.dir, ignore_errors=True)


def _pg_bin(name: str) -> str | None:
    found = sorted(glob.glob(f"/usr/lib/postgresql/*/bin/{name}"), key=lambda p: int(p.split("/")[4]))
    return found[-1] if found else shutil.which(name)


def missing_binaries() -> list[str]:
    """The server programs this machine lacks (a drill skips rather than fails without them)."""
    missing = [name for name in ("initdb", "postgres") if _pg_bin(name) is None]
    return missing + ([] if shutil.which("redis-server") else ["redis-server"])


class PrivatePostgres:
    """A throwaway cluster (`initdb`) served by `postgres` on a free port; database `paygate`."""

    def __init__(self) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="paygate-pg-"))
        self.data = self.dir / "data"
        self.port = free_port()
        self.admin_url = f"postgresql://postgres@127.0.0.1:{self.port}/postgres"
        self.url = f"postgresql://postgres@127.0.0.1:{self.port}/paygate"
        self.proc: subprocess.Popen | None = None
        self._user = {}
        if os.geteuid() == 0:
            entry = pwd.getpwnam("postgres")
            os.chown(self.dir, entry.pw_uid, entry.pw_gid)
            self._user = {"user": entry.pw_uid, "group": entry.pw_gid, "extra_groups": []}
        subprocess.run(
            [str(_pg_bin("initdb")), "-D", str(self.data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync"],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            **self._user,
        )
        self.start()
        with psycopg.connect(self.admin_url, autocommit=True) as conn:
            conn.execute("CREATE DATABASE paygate")

    def start(self) -> None:
        log = (self.dir / "postgres.log").open("a")
        args = [
            str(_pg_bin("postgres")),
            "-D",
            str(self.data),
            "-p",
            str(self.port),
            "-c",
            "listen_addresses=127.0.0.1",
            "-c",
            f"unix_socket_directories={self.dir}",
            "-c",
            "fsync=off",
            "-c",
            "max_connections=200",
        ]
        self.proc = subprocess.Popen(
            args, stdout=log, stderr=subprocess.STDOUT, start_new_session=True, cwd=self.dir, **self._user
        )
        _wait(self.ready, 30, "postgres")

    def ready(self) -> bool:
        try:
            with psycopg.connect(self.admin_url, connect_timeout=2) as conn:
                conn.execute("SELECT 1")
            return True
        except psycopg.OperationalError:
            return False

    def crash(self) -> None:
        """Immediate shutdown (SIGQUIT): every connection drops, nothing is flushed, as in a crash."""
        if self.proc and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGQUIT)
            self.proc.wait(timeout=30)

    def close(self) -> None:
        self.crash()
        shutil.rmtree(self.dir, ignore_errors=True)
