"""A page's view in its URL: filters, page and open item as query parameters.

`set_query({...})` rewrites the address bar in place (no navigation, no reload): empty values
are removed. A page reads them back from `self.router.url.query_parameters` in its on_load,
so a view can be shared and reloaded.
"""

from __future__ import annotations

import json
from datetime import date

import reflex as rx


def set_query(params: dict[str, str]) -> rx.event.EventSpec:
    """Replace these query parameters of the current URL (empty value → removed)."""
    return rx.call_script(
        "(() => { const u = new URL(window.location.href); "
        f"for (const [k, v] of Object.entries({json.dumps(params)})) "
        "{ if (v) { u.searchParams.set(k, v); } else { u.searchParams.delete(k); } } "
        "window.history.replaceState(window.history.state, '', u.pathname + u.search + u.hash); })()"
    )


def parse_day(text: str | None) -> date | None:
    """'2026-12-07' → date; anything else → None (a bad date in a shared URL filters nothing)."""
    try:
        return date.fromisoformat((text or "").strip()[:10])
    except ValueError:
        return None


def day_text(text: str | None) -> str:
    """The day `text` names, as 'YYYY-MM-DD', or "" (what a date filter keeps)."""
    day = parse_day(text)
    return day.isoformat() if day else ""


def parse_page(text: str | None) -> int:
    """'3' (1-based, as shown) → 2; anything else → 0."""
    try:
        return max(0, min(int(text or "1"), 100_000) - 1)
    except ValueError:
        return 0
