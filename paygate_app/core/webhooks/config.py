"""A merchant's webhook endpoint: URL (validated, SSRF-guarded) and signing secret."""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import socket
from urllib.parse import urlsplit

from paygate_app.core.db import get_db, utcnow
from paygate_app.core.errors import BadRequest, NotFound
from paygate_app.core.merchants import get_merchant, new_webhook_secret
from paygate_app.core.settings import settings

MAX_URL_LENGTH = 2048
RESOLVE_TIMEOUT = 5.0


class UrlNotAllowed(BadRequest):
    """The URL's host is (or resolves to) an address we refuse to call."""


_NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(ip: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 form carries (mapped, 6to4, Teredo, NAT64), which is what it reaches."""
    if ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    if ip.sixtofour is not None:
        return ip.sixtofour
    if ip.teredo is not None:
        return ip.teredo[1]
    if ip in _NAT64:
        return ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
    return None


def address_allowed(raw: str) -> bool:
    """A public unicast address: not loopback, private, link-local, shared (CGNAT), reserved,
    multicast or unspecified, also when written as an IPv6 form of such an IPv4 address."""
    ip = ipaddress.ip_address(raw.split("%", 1)[0])
    if isinstance(ip, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(ip)
        if embedded is not None:
            ip = embedded
    refused = (
        ip.is_loopback or ip.is_private or ip.is_link_local or ip.is_reserved or ip.is_multicast or ip.is_unspecified
    )
    return ip.is_global and not refused


@functools.lru_cache(maxsize=1024)  # every delivery checks its URL again; only valid ones are cached
def parse_webhook_url(url: str) -> tuple[str, int]:
    """(host, port) of a syntactically valid http(s) URL, else BadRequest."""
    if len(url) > MAX_URL_LENGTH:
        raise BadRequest(f"webhook_url must be at most {MAX_URL_LENGTH} characters")
    if any(ch.isspace() or ord(ch) < 0x20 or ord(ch) == 0x7F for ch in url):
        raise BadRequest("webhook_url must not contain whitespace or control characters")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise BadRequest("webhook_url is not a valid URL") from None
    if parts.scheme.lower() not in ("http", "https"):
        raise BadRequest("webhook_url must be an http:// or https:// URL")
    host = parts.hostname
    if not host:
        raise BadRequest("webhook_url must include a host")
    return host, port or (443 if parts.scheme.lower() == "https" else 80)


async def check_public_host(host: str, port: int) -> str:
    """Refuse hosts that resolve to loopback, private, link-local or reserved addresses; returns
    one of the checked addresses (connect to it, so a second DNS answer cannot differ)."""
    loop = asyncio.get_running_loop()
    try:
        async with asyncio.timeout(RESOLVE_TIMEOUT):
            infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, TimeoutError, UnicodeError):
        raise UrlNotAllowed(f"webhook_url host {host!r} could not be resolved") from None
    addresses = {info[4][0] for info in infos}
    if not addresses or not all(address_allowed(a) for a in addresses):
        raise UrlNotAllowed("webhook_url must not point to a loopback, private or reserved address")
    return str(infos[0][4][0])


def private_hosts_allowed() -> bool:
    """WEBHOOK_ALLOW_PRIVATE_HOSTS (default: outside production only). TEST_MODE plays no part."""
    return bool(settings.webhook_allow_private_hosts)


async def validate_webhook_url(url: str) -> str:
    """Save-time check; the sender checks the address again when it connects (DNS may change)."""
    host, port = parse_webhook_url(url)
    if not private_hosts_allowed():
        await check_public_host(host, port)
    return url


async def get_config(merchant_id: str) -> dict:
    """`{webhook_url, webhook_secret}` for the merchant (a cleared URL is None)."""
    row = await get_merchant(merchant_id)
    return {"webhook_url": row["webhook_url"] or None, "webhook_secret": row["webhook_secret"]}


# Whether a merchant has a webhook URL, as last seen by this process: a payment's create builds
# its events' bodies only then (core/payment_create.py). Only a plan: the create statement checks
# it, and a create planned without bodies for a merchant that has a URL now writes nothing and is
# planned again after forget_hooks().
_HOOKS_KEPT = 10_000
_hooks: dict[str, bool] = {}


async def has_webhook_url(merchant_ids: list[str]) -> dict[str, bool]:
    """{merchant id: has a webhook URL} for these merchants (kept ones, the others in one read)."""
    found = {m: _hooks[m] for m in merchant_ids if m in _hooks}
    missing = list({m for m in merchant_ids if m not in found})
    if missing:
        db = await get_db()
        query = "SELECT id, webhook_url FROM merchants WHERE id = :id"
        rows = [r for m in missing if (r := await db.fetch_one(query, {"id": m}))]
        if len(_hooks) >= _HOOKS_KEPT:
            _hooks.clear()
        for r in rows:
            found[r["id"]] = _hooks[r["id"]] = bool(r["webhook_url"])
    return found


def forget_hooks(merchant_id: str) -> None:
    _hooks.pop(merchant_id, None)


async def set_webhook_url(merchant_id: str, url: str | None) -> dict:
    """Set (or with None / "" clear) the webhook URL; returns the new config."""
    cleaned = url.strip() if url is not None else None
    if cleaned:
        cleaned = await validate_webhook_url(cleaned)
    db = await get_db()
    row = await db.fetch_one(
        """UPDATE merchants SET webhook_url = :url, updated_at = :now WHERE id = :id
           RETURNING webhook_url, webhook_secret""",
        {"url": cleaned or None, "now": utcnow(), "id": merchant_id},
    )
    if row is None:
        raise NotFound("Merchant not found")
    _hooks[merchant_id] = bool(row["webhook_url"])
    return {"webhook_url": row["webhook_url"] or None, "webhook_secret": row["webhook_secret"]}


async def regenerate_webhook_secret(merchant_id: str) -> str:
    """A fresh signing secret; pending and future deliveries are signed with it."""
    secret = new_webhook_secret()
    db = await get_db()
    row = await db.fetch_one(
        """UPDATE merchants SET webhook_secret = :s, updated_at = :now WHERE id = :id
           RETURNING id""",
        {"s": secret, "now": utcnow(), "id": merchant_id},
    )
    if row is None:
        raise NotFound("Merchant not found")
    return secret
