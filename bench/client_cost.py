"""CPU per webhook send, client by client: the sending process's CPU seconds per POST.

    .venv/bin/python -m bench.client_cost [-n 20000] [--concurrency 1,50] [--repeat 3]
                                          [--clients harness,ours,aiohttp@6155bf2,httpx] [--loop uvloop]

A receiver (bench/receiver.py: raw asyncio + uvloop, verifies both signatures) runs in its own
process on 127.0.0.1. Each (client, concurrency, run) is measured in a fresh child process that
POSTs N pre-signed ~700-byte `payment.success` bodies with the headers delivery sends
(`Content-Type` and the four signature headers), one asyncio task per send bounded by a
semaphore, as deliveries are. Before timing, 500 sends warm the pool. Reported: CPU µs per send
(`time.process_time()` delta / N, so other processes on the host count only through cache and
frequency effects) and wall sends/s (shares the 2 cores with the receiver).

Clients:
- `harness`: the same tasks and semaphore around a send that does nothing (the floor to subtract);
- `ours`: `sender.send` through `sender.make_client()` (the hand-written client,
  core/webhooks/http_client.py), as delivery calls it, in the production configuration
  (addresses vetted when a connection opens: a stub vet answers 127.0.0.1 for the receiver's
  name, `localhost`);
- `aiohttp@REF`: the same with sender.py as it is at git REF, loaded at run time (`aiohttp@6155bf2`:
  the aiohttp sender, the last commit that delivered with aiohttp; it needs `aiohttp`, in the
  `dev` extra); `ours@REF` likewise for another version of our sender (one with `make_client`).
- `httpx`: `httpx.AsyncClient` with the same limits (no redirects, no cookies kept, total
  timeout, capped body read, keep-alive pool of `WEBHOOK_CONCURRENCY`).

The workers run uvloop (taskiq uses it when installed), so the children do too (`--loop asyncio`
for the stock loop).
"""

from __future__ import annotations

import argparse
import asyncio
import http.cookiejar
import json
import resource
import statistics
import subprocess
import sys
import time
import types
from collections.abc import Awaitable, Callable

import orjson

from bench.paths import ROOT
from bench.receiver_client import WEBHOOK_SECRET, Receiver
from paygate_app.core.gc_tuning import tune_gc

WARMUP = 500


def bodies(n: int) -> list[tuple[bytes, dict[str, str]]]:
    """n signed `payment.success` bodies (~700 bytes) with delivery's headers; ids repeat across runs."""
    from paygate_app.core.webhooks.signing import sign

    now = int(time.time())
    out = []
    for i in range(n):
        payment = {
            "id": f"pay_{i:020d}",
            "order_id": f"order_{i:020d}",
            "merchant_id": "merchant_test_0000000000000001",
            "amount": 129900,
            "currency": "INR",
            "method": "card",
            "card_network": "visa",
            "card_last4": "4242",
            "status": "success",
            "captured": True,
            "created_at": "2026-12-07T16:15:56.123456+00:00",
            "error_code": None,
            "error_description": None,
            "updated_at": "2026-12-07T16:15:57.654321+00:00",
            "amount_refunded": 0,
            "refund_status": None,
            "notes": {"customer": "cust_0000000000000042", "invoice": f"INV-2026-{i:08d}"},
            "email": "buyer@example.com",
            "contact": "+919876543210",
            "description": "Order for 3 items at Example Store",
        }
        body = orjson.dumps({"event": "payment.success", "timestamp": now, "data": {"payment": payment}})
        msg_id = f"whl_{i:032d}"
        headers = {"Content-Type": "application/json"}
        headers |= sign(body, WEBHOOK_SECRET, msg_id=msg_id, timestamp=now)
        out.append((body, headers))
    return out


Send = Callable[[str, bytes, dict[str, str]], Awaitable[int | None]]


async def _client(name: str) -> tuple[Send, Callable[[], Awaitable[None]]]:
    """A send(url, body, headers) → status for this client, and its close()."""
    from paygate_app.core.settings import settings
    from paygate_app.core.webhooks import sender

    if name == "harness":

        async def noop(url: str, body: bytes, headers: dict[str, str]) -> int | None:
            return 200

        async def nothing() -> None:
            return None

        return noop, nothing

    if name == "ours" or name.startswith(("ours@", "aiohttp@")):
        ref = name.partition("@")[2]
        if ref:  # that commit's sender.py, to compare before and after
            try:
                sender = _module_at(ref, "paygate_app/core/webhooks/sender.py", "old_sender")
            except ImportError as exc:
                raise SystemExit(f"{name}: {exc} (pip install -e '.[dev]' brings aiohttp)") from None
        settings.webhook_allow_private_hosts = False  # production: vetted at connect time

        async def vet(host: str, port: int) -> str:
            return "127.0.0.1"  # the stub DNS + check: the receiver's name is "public" here

        sender.check_public_host = vet
        client = sender.make_client()

        async def send_sender(url: str, body: bytes, headers: dict[str, str]) -> int | None:
            result = await sender.send(client, url, body, dict(headers))
            return result.response_code

        return send_sender, client.close

    if name == "httpx":
        return _httpx_client(settings, sender)
    raise SystemExit(f"unknown client {name!r}")


def _module_at(ref: str, path: str, name: str) -> types.ModuleType:
    """`path` as it is at git `ref`, loaded as module `name` (nothing is written to the tree)."""
    source = subprocess.run(["git", "show", f"{ref}:{path}"], cwd=ROOT, check=True, capture_output=True, text=True)
    module = types.ModuleType(name)
    sys.modules[name] = module  # dataclasses look their module up
    exec(compile(source.stdout, f"{ref}:{path}", "exec"), module.__dict__)
    return module


def _httpx_client(settings, sender) -> tuple[Send, Callable[[], Awaitable[None]]]:
    import httpx

    class NoCookies(http.cookiejar.DefaultCookiePolicy):
        def set_ok(self, cookie, request) -> bool:  # type: ignore[no-untyped-def]
            return False

    limit = max(1, settings.webhook_concurrency)
    client = httpx.AsyncClient(
        limits=httpx.Limits(max_connections=limit, max_keepalive_connections=limit, keepalive_expiry=30.0),
        timeout=httpx.Timeout(settings.webhook_timeout),
        follow_redirects=False,
        cookies=http.cookiejar.CookieJar(policy=NoCookies()),
        headers={"User-Agent": sender.USER_AGENT, "Accept-Encoding": "identity"},
        trust_env=False,
    )

    async def send_httpx(url: str, body: bytes, headers: dict[str, str]) -> int | None:
        started = time.perf_counter()
        code = None
        try:
            async with asyncio.timeout(settings.webhook_timeout):
                async with client.stream("POST", url, content=body, headers=headers) as response:
                    code = response.status_code
                    data = bytearray()
                    async for chunk in response.aiter_raw():
                        data += chunk
                        if len(data) >= sender.BODY_LIMIT:
                            break
            sender._clip(bytes(data[: sender.BODY_LIMIT]).decode("utf-8", errors="replace"), sender.MAX_BODY_CHARS)
        except Exception as exc:
            print(f"httpx: {type(exc).__name__}: {exc}", file=sys.stderr)
        sender.SendResult(code, None, None, int((time.perf_counter() - started) * 1000))
        return code

    return send_httpx, client.aclose


async def _measure(name: str, url: str, n: int, concurrency: int, profile: str | None) -> dict:
    send, close = await _client(name)
    work = bodies(n + WARMUP)
    semaphore = asyncio.Semaphore(concurrency)
    codes: dict[int | None, int] = {}

    async def one(body: bytes, headers: dict[str, str]) -> None:
        try:
            code = await send(url, body, headers)
        finally:
            semaphore.release()
        codes[code] = codes.get(code, 0) + 1

    async def run(batch: list[tuple[bytes, dict[str, str]]]) -> None:
        """One task per send, started once the semaphore lets it in (at most `concurrency` alive)."""
        loop = asyncio.get_running_loop()
        tasks = set()
        for body, headers in batch:
            await semaphore.acquire()
            task = loop.create_task(one(body, headers))
            tasks.add(task)
            task.add_done_callback(tasks.discard)
        while tasks:
            await asyncio.gather(*tasks)

    await run(work[:WARMUP])
    codes.clear()
    tune_gc()  # as the workers do once started: the start-up heap frozen, young collections rarer
    profiler = None
    if profile:
        import cProfile

        profiler = cProfile.Profile(time.process_time)  # CPU, not wall: the host is shared
        profiler.enable()
    usage = resource.getrusage(resource.RUSAGE_SELF)
    cpu, wall = time.process_time(), time.perf_counter()
    await run(work[WARMUP:])
    cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
    after = resource.getrusage(resource.RUSAGE_SELF)
    if profiler is not None:
        profiler.disable()
        profiler.dump_stats(profile)
    await close()
    return {
        "cpu_us": cpu / n * 1e6,
        "sys_us": (after.ru_stime - usage.ru_stime) / n * 1e6,
        "per_s": n / wall,
        "codes": {str(k): v for k, v in codes.items()},
    }


def child(args: argparse.Namespace) -> None:
    coro = _measure(args.child, args.url, args.n, args.concurrency[0], args.profile)
    if args.loop == "uvloop":
        import uvloop

        result = uvloop.run(coro)
    else:
        result = asyncio.run(coro)
    print(json.dumps(result))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("-n", type=int, default=20_000, help="timed sends per run")
    parser.add_argument("--concurrency", default="1,50", type=lambda s: [int(x) for x in s.split(",")])
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--clients", default="harness,ours,aiohttp@6155bf2,httpx", type=lambda s: s.split(","))
    parser.add_argument("--loop", choices=("uvloop", "asyncio"), default="uvloop")
    parser.add_argument("--profile", help="cProfile the timed part into this file (with --child)")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args)
        return

    receiver = Receiver()
    url = f"http://localhost:{receiver.port}/webhooks/paygate"
    runs: dict[tuple[int, str], list[dict]] = {(c, name): [] for c in args.concurrency for name in args.clients}
    try:
        for repeat in range(args.repeat):  # round robin, so a change in the host's load hits every client
            for concurrency, name in runs:
                command = [sys.executable, "-m", "bench.client_cost", "--child", name, "--url", url]
                command += ["-n", str(args.n), "--concurrency", str(concurrency), "--loop", args.loop]
                if args.profile:
                    command += ["--profile", f"{args.profile}.{name}.{concurrency}.{repeat}"]
                out = subprocess.run(command, cwd=ROOT, capture_output=True, text=True)
                if out.returncode != 0:
                    sys.exit(f"{name} failed:\n{out.stderr[-3000:]}")
                if out.stderr.strip():
                    print(out.stderr.strip()[-2000:], file=sys.stderr)
                runs[concurrency, name].append(json.loads(out.stdout.strip().splitlines()[-1]))
            print(f"round {repeat + 1} of {args.repeat} done", file=sys.stderr, flush=True)
        stats = receiver.stats()
    finally:
        receiver.close()
    print(f"{args.n:,} sends per run, {args.repeat} runs, {args.loop}; CPU = user + kernel of the sending process")
    for (concurrency, name), results in runs.items():
        _print_row(name, concurrency, results)
    print(f"receiver: {stats['requests']:,} requests, bad signatures {stats['bad_signatures']}")


def _print_row(name: str, concurrency: int, runs: list[dict]) -> None:
    cpu = [r["cpu_us"] for r in runs]
    system = [r["sys_us"] for r in runs]
    rate = [r["per_s"] for r in runs]
    print(
        f"{name:16} {concurrency:>3} in flight | CPU µs/send median {statistics.median(cpu):7.1f} "
        f"(runs {' / '.join(f'{x:.0f}' for x in cpu)}; kernel {statistics.median(system):.0f}) | "
        f"sends/s median {statistics.median(rate):7,.0f} (runs {' / '.join(f'{x:,.0f}' for x in rate)}) | "
        f"answers {runs[-1]['codes']}",
        flush=True,
    )


if __name__ == "__main__":
    main()
