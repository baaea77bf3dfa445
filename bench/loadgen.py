"""A small closed-loop HTTP/1.1 load generator (raw asyncio sockets + uvloop, keep-alive), run in
its own process so its CPU is not the app's.

    python -m bench.loadgen e2e  --url U --prefix order_e --count 2000 --concurrency 64 --out F
    python -m bench.loadgen rate --url U --kind orders|payments --duration 20 --concurrency 64 --out F

`e2e` creates one UPI payment for each pre-made order `{prefix}{i:015d}` and records, per payment,
when its request started (unix s) and how long it took. `rate` is the fallback when wrk is not
installed: a fixed-duration run against create-order or create-payment, with latency percentiles.
Every response's status is checked; anything outside 2xx is counted and its first bodies kept.
"""

from __future__ import annotations

import argparse
import asyncio
import time
from urllib.parse import urlsplit

import orjson

API_KEY = "key_test_abc123"
API_SECRET = "secret_test_xyz789"


class Conn:
    def __init__(self, host: str, port: int) -> None:
        self.host, self.port = host, port
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def request(self, raw: bytes) -> tuple[int, bytes]:
        if self.writer is None:
            self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        self.writer.write(raw)  # no retry: a POST is never sent twice
        head = await self.reader.readuntil(b"\r\n\r\n")
        status = int(head[9:12])
        length = 0
        close = False
        for line in head.split(b"\r\n")[1:]:
            name, _, value = line.partition(b":")
            name = name.strip().lower()
            if name == b"content-length":
                length = int(value)
            elif name == b"connection" and value.strip().lower() == b"close":
                close = True
        body = await self.reader.readexactly(length) if length else b""
        if close:
            self.close()
        return status, body

    def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
        self.reader = self.writer = None


def build(host: str, path: str, body: bytes) -> bytes:
    return (
        f"POST {path} HTTP/1.1\r\nHost: {host}\r\nContent-Type: application/json\r\n"
        f"X-Api-Key: {API_KEY}\r\nX-Api-Secret: {API_SECRET}\r\nContent-Length: {len(body)}\r\n\r\n"
    ).encode() + body


def payment_body(order_id: str) -> bytes:
    return orjson.dumps({"order_id": order_id, "method": "upi", "vpa": "bench@upi"})


ORDER_BODY = b'{"amount":50000,"currency":"INR","receipt":"bench"}'


async def run_e2e(url: str, prefix: str, count: int, concurrency: int) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    hostport = f"{host}:{port}"
    todo = iter(range(count))
    results: list[list] = []
    bad: list[str] = []

    async def one_conn() -> None:
        conn = Conn(host, port)
        for i in todo:
            raw = build(hostport, "/api/v1/payments", payment_body(f"{prefix}{i:015d}"))
            started = time.time()
            t0 = time.perf_counter()
            try:
                status, body = await conn.request(raw)
            except Exception as exc:  # counted, never silently dropped
                bad.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            elapsed = time.perf_counter() - t0
            if 200 <= status < 300:
                results.append([orjson.loads(body)["id"], started, elapsed])
            else:
                bad.append(f"{status} {body[:200]!r}")
        conn.close()

    started = time.time()
    await asyncio.gather(*(one_conn() for _ in range(concurrency)))
    return {
        "started_at": started,
        "finished_at": time.time(),
        "payments": results,
        "non2xx": len(bad),
        "errors": bad[:10],
    }


async def run_rate(url: str, kind: str, duration: float, concurrency: int, prefix: str) -> dict:
    parts = urlsplit(url)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    hostport = f"{host}:{port}"
    latencies: list[float] = []
    bad: list[str] = []
    counter = iter(range(10**9))
    deadline = time.perf_counter() + duration

    def next_request() -> bytes:
        if kind == "orders":
            return build(hostport, "/api/v1/orders", ORDER_BODY)
        return build(hostport, "/api/v1/payments", payment_body(f"{prefix}{next(counter):015d}"))

    async def one_conn() -> None:
        conn = Conn(host, port)
        while time.perf_counter() < deadline:
            raw = next_request()
            t0 = time.perf_counter()
            try:
                status, body = await conn.request(raw)
            except Exception as exc:
                bad.append(f"{type(exc).__name__}: {exc}")
                conn.close()
                continue
            latencies.append(time.perf_counter() - t0)
            if not 200 <= status < 300:
                bad.append(f"{status} {body[:200]!r}")
        conn.close()

    t0 = time.perf_counter()
    await asyncio.gather(*(one_conn() for _ in range(concurrency)))
    elapsed = time.perf_counter() - t0
    latencies.sort()

    def pct(p: float) -> float:
        return latencies[min(len(latencies) - 1, int(p / 100 * len(latencies)))] * 1000 if latencies else 0.0

    return {
        "tool": "python-loadgen",
        "requests": len(latencies),
        "duration_s": elapsed,
        "rps": len(latencies) / elapsed,
        "p50_ms": pct(50),
        "p90_ms": pct(90),
        "p99_ms": pct(99),
        "max_ms": latencies[-1] * 1000 if latencies else 0.0,
        "non2xx": len(bad),
        "errors": bad[:10],
    }


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("mode", choices=["e2e", "rate"])
    parser.add_argument("--url", required=True)
    parser.add_argument("--prefix", default="order_e")
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--kind", choices=["orders", "payments"], default="orders")
    parser.add_argument("--duration", type=float, default=20)
    parser.add_argument("--concurrency", type=int, default=64)
    parser.add_argument("--out", required=True)
    args = parser.parse_args()
    if args.mode == "e2e":
        coro = run_e2e(args.url, args.prefix, args.count, args.concurrency)
    else:
        coro = run_rate(args.url, args.kind, args.duration, args.concurrency, args.prefix)
    try:
        import uvloop

        result = uvloop.run(coro)
    except ImportError:
        result = asyncio.run(coro)
    with open(args.out, "wb") as fh:
        fh.write(orjson.dumps(result))


if __name__ == "__main__":
    main()
