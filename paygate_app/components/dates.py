"""Timestamps on pages: always UTC, always the same shape."""

from __future__ import annotations

from datetime import UTC, datetime


def _utc(value: datetime | str) -> datetime | None:
    if isinstance(value, str):
        try:
            value = datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    if value.tzinfo is None:
        value = value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def format_time(value: datetime | str | None) -> str:
    """'21 Nov 2026, 23:26:05 UTC' (or '—' for no value): detail panels."""
    if value is None or value == "":
        return "—"
    parsed = _utc(value)
    return parsed.strftime("%d %b %Y, %H:%M:%S UTC") if parsed else str(value)


def format_time_short(value: datetime | str | None) -> str:
    """'2026-11-21 23:26:05' (UTC, said once in the column header): table cells."""
    if value is None or value == "":
        return "—"
    parsed = _utc(value)
    return parsed.strftime("%Y-%m-%d %H:%M:%S") if parsed else str(value)
