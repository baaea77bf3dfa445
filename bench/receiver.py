"""A webhook receiver on 127.0.0.1 that verifies every signature, in its own process.

    python -m bench.receiver --port P --secret whsec_...

Independent of the code under test: it checks both schemes with its own HMACs
(`X-Webhook-Signature` hex over the body; Standard Webhooks `v1,` base64 over
"{id}.{timestamp}.{body}", timestamp within 5 minutes) and answers 200 only when both
match (401 otherwise, so a bad signature shows up as a failed delivery too).

Control endpoints (GET): `/stats` → counts; `/times?event=payment.success` → {payment or
log id: first receive time (unix s)}; `/ids` → every webhook-id received.
Raw asyncio + uvloop HTTP/1.1 with keep-alive, so it is not the bottleneck.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import hashlib
import hmac
import time
from collections import Counter
from urllib.parse import parse_qs, urlsplit

import orjson

from paygate_app.core.webhooks.signing import standard_key

TOLERANCE = 300
OK = b'HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 11\r\n\r\n{"ok":true}'
BAD = b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n"


class State:
    def __init__(self, secret: str) -> None:
        self.key = secret.encode()  # X-Webhook-Signature: the whole string
        self.standard_key = standard_key(secret)  # webhook-signature: the base64-decoded tail
        self.events: Counter[str] = Counter()
        self.bad_signatures = 0
        self.duplicates = 0
        self.requests = 0
        self.seen: set[str] = set()
        # event → {payment id (or log id when the event has no payment): first receive time}
        self.times: dict[str, dict[str, float]] = {}
        self.first_at: float | None = None
        self.last_at: float | None = None

    def verify(self, headers: dict[bytes, bytes], body: bytes) -> bool:
        hex_sig = headers.get(b"x-webhook-signature")
        msg_id = headers.get(b"webhook-id")
        ts = headers.get(b"webhook-timestamp")
        sigs = headers.get(b"webhook-signature")
        if not (hex_sig and msg_id and ts and sigs):
            return False
        if not hmac.compare_digest(hex_sig, hmac.new(self.key, body, hashlib.sha256).hexdigest().encode()):
            return False
        try:
            stamp = int(ts)
        except ValueError:
            return False
        if abs(time.time() - stamp) > TOLERANCE:
            return False
        signed = msg_id + b"." + ts + b"." + body
        expected = base64.b64encode(hmac.new(self.standard_key, signed, hashlib.sha256).digest())
        return any(part.startswith(b"v1,") and hmac.compare_digest(part[3:], expected) for part in sigs.split())

    def record(self, headers: dict[bytes, bytes], body: bytes) -> bool:
        now = time.time()
        self.requests += 1
        if not self.verify(headers, body):
            self.bad_signatures += 1
            return False
        msg_id = headers[b"webhook-id"].decode()
        if msg_id in self.seen:
            self.duplicates += 1
            return True
        self.seen.add(msg_id)
        doc = orjson.loads(body)
        event = doc.get("event", "?")
        self.events[event] += 1
        payment = (doc.get("data") or {}).get("payment") or {}
        key = payment.get("id") if event.startswith("payment.") and payment.get("id") else msg_id
        self.times.setdefault(event, {}).setdefault(key, now)
        self.first_at = self.first_at or now
        self.last_at = now
        return True

    def stats(self) -> dict:
        return {
            "requests": self.requests,
            "unique": len(self.seen),
            "events": dict(self.events),
            "bad_signatures": self.bad_signatures,
            "duplicates": self.duplicates,
            "first_at": self.first_at,
            "last_at": self.last_at,
        }


def _response(body: bytes) -> bytes:
    return b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body)


async def handle(state: State, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while True:
            try:
                head = await reader.readuntil(b"\r\n\r\n")
            except (asyncio.IncompleteReadError, ConnectionError):
                return
            lines = head.split(b"\r\n")
            method, target, _ = lines[0].split(b" ", 2)
            headers: dict[bytes, bytes] = {}
            for line in lines[1:]:
                if line:
                    name, _, value = line.partition(b":")
                    headers[name.strip().lower()] = value.strip()
            length = int(headers.get(b"content-length", b"0"))
            body = await reader.readexactly(length) if length else b""
            if method == b"POST":
                writer.write(OK if state.record(headers, body) else BAD)
            else:
                url = urlsplit(target.decode())
                if url.path == "/stats":
                    writer.write(_response(orjson.dumps(state.stats())))
                elif url.path == "/times":
                    event = parse_qs(url.query).get("event", ["payment.success"])[0]
                    writer.write(_response(orjson.dumps(state.times.get(event, {}))))
                elif url.path == "/ids":
                    writer.write(_response(orjson.dumps(sorted(state.seen))))
                else:
                    writer.write(_response(b'{"ok":true}'))
            if headers.get(b"connection", b"").lower() == b"close":
                await writer.drain()
                return
    except Exception:
        pass
    finally:
        writer.close()


async def main(port: int, secret: str) -> None:
    state = State(secret)
    server = await asyncio.start_server(lambda r, w: handle(state, r, w), "127.0.0.1", port, backlog=1024)
    async with server:
        await server.serve_forever()


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--secret", required=True)
    args = parser.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.port, args.secret))
    except ImportError:
        asyncio.run(main(args.port, args.secret))
