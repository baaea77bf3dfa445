"""The webhook receiver (bench/receiver.py) as the benchmark sees it: started in its own process,
then asked what arrived."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterable

import httpx

from bench import stack as st
from bench.paths import ROOT, SCRATCH
from bench.poll import wait_until

WEBHOOK_SECRET = "whsec_test_abc123"  # the seeded test merchant's


class Receiver:
    def __init__(self) -> None:
        self.port = st.free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        SCRATCH.mkdir(parents=True, exist_ok=True)
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "bench.receiver", "--port", str(self.port), "--secret", WEBHOOK_SECRET],
            cwd=ROOT,
            stdout=(SCRATCH / "receiver.log").open("ab"),
            stderr=subprocess.STDOUT,
        )
        self.http = httpx.Client(base_url=f"http://127.0.0.1:{self.port}", timeout=30)
        deadline = time.monotonic() + 20
        while True:
            try:
                self.stats()
                return
            except httpx.HTTPError:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stats(self) -> dict:
        return self.http.get("/stats").json()

    def times(self, event: str) -> dict[str, float]:
        return self.http.get("/times", params={"event": event}).json()

    def ids(self) -> set[str]:
        return set(self.http.get("/ids").json())

    def wait_for(self, event: str, wanted: Iterable[str], timeout: float) -> dict[str, float]:
        """First receive times of `event` once every wanted id is among them (at the timeout: what came)."""
        wanted = set(wanted)

        def all_in() -> dict[str, float] | None:
            got = self.times(event)
            return got if wanted.issubset(got) else None

        return wait_until(all_in, timeout, 0.1) or self.times(event)

    def close(self) -> None:
        self.http.close()
        self.proc.terminate()
        self.proc.wait(timeout=10)
