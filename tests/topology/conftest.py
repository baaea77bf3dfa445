"""PostgreSQL + Redis + API process + taskiq worker processes, all real, all on 127.0.0.1."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import redis

from tests.support.databases import create_pg_database, drop_pg_database, migrate
from tests.support.live_app import app_env

REDIS_DB = 11


class _Server(ThreadingHTTPServer):
    # Python's listen backlog is 5: a burst of concurrent deliveries (a sweeper pass after an
    # outage) would have its connections dropped and retried by TCP for seconds, then time out at
    # the sender and be sent again. A merchant's server takes a burst.
    request_queue_size = 256


class Receiver:
    """A webhook receiver on 127.0.0.1 that answers 200 and keeps each body with its arrival time."""

    def __init__(self) -> None:
        self.bodies: list[bytes] = []
        self.arrived: list[float] = []  # time.monotonic() of each body, in order
        self.lock = threading.Lock()
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                with outer.lock:
                    outer.bodies.append(body)
                    outer.arrived.append(time.monotonic())
                self.send_response(200)
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = _Server(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/hook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def close(self) -> None:
        self.server.shutdown()


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    r = Receiver()
    yield r
    r.close()


@pytest.fixture
def topology_env() -> Iterator[dict[str, str]]:
    pg_url = create_pg_database("paygate_topo")
    migrate(pg_url)
    redis_url = f"redis://127.0.0.1:6379/{REDIS_DB}"
    redis.Redis.from_url(redis_url).flushdb()
    env = app_env(
        DATABASE_URL=pg_url,
        REDIS_URL=redis_url,
        TEST_MODE="true",
        TEST_PROCESSING_DELAY="1000",
        RATE_LIMIT_ENABLED="false",
        SWEEPER_INTERVAL="0.5",
        WEBHOOK_RETRY_INTERVALS_TEST="true",
    )
    yield env
    redis.Redis.from_url(redis_url).flushdb()
    drop_pg_database(pg_url)
