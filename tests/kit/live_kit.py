"""Helpers for the kit's live tests: a merchant registered over HTTP, a capturing receiver, the CLI."""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parents[2]
PAYGATE = Path(sys.executable).parent / "paygate"
NODE_KIT = ROOT / ".tools" / "node-kit"


@dataclass(frozen=True)
class Merchant:
    key: str
    secret: str
    webhook_secret: str

    @property
    def auth(self) -> dict[str, str]:
        return {"X-Api-Key": self.key, "X-Api-Secret": self.secret}

    @property
    def cli_auth(self) -> list[str]:
        return ["--merchant-key", self.key, "--secret", self.secret]


def register(api_url: str) -> Merchant:
    email = f"kit-{uuid.uuid4().hex[:12]}@example.com"
    response = httpx.post(
        f"{api_url}/api/v1/auth/register",
        json={"name": "Kit Shop", "email": email, "password": "kit-pass-1"},
        timeout=30,
    )
    assert response.status_code == 201, response.text
    m = response.json()["merchant"]
    secret = m["webhook_secret"]  # `whsec_` + base64 of 32 random bytes
    assert secret.startswith("whsec_") and len(base64.b64decode(secret[6:], validate=True)) == 32, secret
    return Merchant(m["api_key"], m["api_secret"], m["webhook_secret"])


def set_webhook_url(api_url: str, merchant: Merchant, url: str) -> None:
    response = httpx.put(f"{api_url}/api/v1/webhooks/config", json={"webhook_url": url}, headers=merchant.auth)
    assert response.status_code == 200, response.text


@dataclass(frozen=True)
class Delivery:
    headers: dict[str, str]
    body: bytes

    @property
    def event(self) -> str:
        return json.loads(self.body)["event"]

    @property
    def trio(self) -> dict[str, str]:
        return {k: v for k, v in self.headers.items() if k.startswith("webhook-")}


@dataclass
class Capture:
    """A real HTTP receiver on 127.0.0.1 that records every delivery and answers 200."""

    deliveries: list[Delivery] = field(default_factory=list)

    def __post_init__(self) -> None:
        capture = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
                capture.deliveries.append(Delivery({k.lower(): v for k, v in self.headers.items()}, body))
                self.send_response(200)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, event: str, within: float = 20.0) -> Delivery:
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for delivery in list(self.deliveries):
                if delivery.event == event:
                    return delivery
            time.sleep(0.05)
        raise AssertionError(f"no {event} delivery within {within} s; got {[d.event for d in self.deliveries]}")

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def run_cli(*args: str, stdin: bytes = b"", timeout: float = 90) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAYGATE_")}
    return subprocess.run([str(PAYGATE), *args], input=stdin, capture_output=True, timeout=timeout, env=env, cwd="/")


class Lines:
    """Collect a subprocess's stdout lines in a thread, so waiting for one has a real deadline."""

    def __init__(self, proc: subprocess.Popen) -> None:
        self.proc, self.lines = proc, []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        assert self.proc.stdout is not None
        for line in self.proc.stdout:
            self.lines.append(line.rstrip("\n"))

    def wait_for(self, *needles: str, within: float = 30.0) -> str:
        """The first line that contains every needle."""
        deadline = time.monotonic() + within
        while time.monotonic() < deadline:
            for line in list(self.lines):
                if all(needle in line for needle in needles):
                    return line
            time.sleep(0.05)
        raise AssertionError(f"no line with {needles!r} within {within} s: {self.lines}")


def spawn(args: list[str], **env: str) -> tuple[subprocess.Popen, Lines]:
    proc = subprocess.Popen(
        args, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env={**os.environ, **env}, cwd=ROOT
    )
    return proc, Lines(proc)


def stop(proc: subprocess.Popen) -> None:
    proc.terminate()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=10)
