"""Test helpers for the webhook tests: a real receiver on 127.0.0.1 and row factories."""

from __future__ import annotations

import socket
import threading
import time
from collections import deque
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from paygate_app.core import db as core_db
from paygate_app.core.hashing import keyed_hash
from paygate_app.core.ids import new_uuid, random_alnum
from paygate_app.core.merchants import TEST_MERCHANT, new_webhook_secret
from paygate_app.core.webhooks.events import record_events

API_HEADERS = {
    "X-Api-Key": TEST_MERCHANT["api_key"],
    "X-Api-Secret": TEST_MERCHANT["api_secret"],
}


# --- a real receiver on 127.0.0.1 ------------------------------------------------------


@dataclass(frozen=True)
class Received:
    path: str
    headers: dict[str, str]
    body: bytes
    at: float


class Receiver:
    """Threaded HTTP server that records every POST and answers from a script of statuses."""

    def __init__(self, port: int = 0, *, default_status: int = 200) -> None:
        self.requests: list[Received] = []
        self.script: deque[int] = deque()
        self.default_status = default_status
        self.delay = 0.0
        self.reply_body = b'{"ok": true}'
        self._lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"
            disable_nagle_algorithm = True

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                status = receiver._record(self.path, dict(self.headers.items()), body)
                if receiver.delay:
                    time.sleep(receiver.delay)
                try:
                    self.send_response(status)
                    if 300 <= status < 400:
                        self.send_header("Location", "http://127.0.0.1:9/elsewhere")
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(receiver.reply_body)))
                    self.end_headers()
                    self.wfile.write(receiver.reply_body)
                except OSError:
                    pass

            def log_message(self, format: str, *args: object) -> None:
                pass

        class Server(ThreadingHTTPServer):
            daemon_threads = True
            request_queue_size = 256

        self._server = Server(("127.0.0.1", port), Handler)
        self.port = self._server.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self._thread = threading.Thread(target=self._server.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()

    def _record(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self._lock:
            self.requests.append(Received(path, headers, body, time.monotonic()))
            return self.script.popleft() if self.script else self.default_status

    @property
    def bodies(self) -> list[bytes]:
        with self._lock:
            return [r.body for r in self.requests]

    @property
    def count(self) -> int:
        with self._lock:
            return len(self.requests)

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()


def free_port() -> int:
    """A port nothing listens on (connection refused) until a Receiver takes it."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


# --- factories ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MerchantInfo:
    id: str
    webhook_secret: str


async def make_merchant(database: core_db.Database, *, webhook_url: str | None) -> MerchantInfo:
    """A merchant row written directly (no slow password hash)."""
    merchant_id, secret = new_uuid(), new_webhook_secret()
    now = core_db.utcnow()
    await database.execute(
        """INSERT INTO merchants (id, name, email, password_hash, api_key, api_secret_hash,
               api_secret_last4, webhook_secret, webhook_url, is_active, created_at, updated_at)
           VALUES (:id, 'Shop', :email, 'x', :key, :sh, 'abcd', :ws, :url, TRUE, :now, :now)""",
        {
            "id": merchant_id,
            "email": f"{merchant_id}@example.com",
            "key": "key_" + random_alnum(24),
            "sh": keyed_hash("secret_" + random_alnum(32)),
            "ws": secret,
            "url": webhook_url,
            "now": now,
        },
    )
    return MerchantInfo(id=merchant_id, webhook_secret=secret)


async def make_events(
    database: core_db.Database, merchant_id: str, count: int = 1, event: str = "payment.success"
) -> list[str]:
    """Pending webhook logs written through the outbox, as a state change would."""
    events = [(event, {"payment": {"id": f"pay_{i:016d}", "amount": 50000}}) for i in range(count)]
    async with database.transaction() as tx:
        return await record_events(tx, merchant_id=merchant_id, events=events)


def spy_on_set_sizes(monkeypatch, module: object, name: str) -> list[int]:
    """Record the size of every set passed to `module.name` (a `_..._set` flush), calling through."""
    sizes: list[int] = []
    real = getattr(module, name)

    async def spy(items):
        sizes.append(len(items))
        return await real(items)

    monkeypatch.setattr(module, name, spy)
    return sizes
