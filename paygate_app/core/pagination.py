"""List pagination: limit (default 10, clamped to 100) and offset (skip alias)."""

from __future__ import annotations

from dataclasses import dataclass

from paygate_app.core.errors import BadRequest

DEFAULT_LIMIT = 10
MAX_LIMIT = 100


@dataclass(frozen=True)
class Page:
    limit: int
    offset: int


def make_page(limit: int | None, offset: int | None, skip: int | None = None) -> Page:
    limit = DEFAULT_LIMIT if limit is None else limit
    offset = offset if offset is not None else (skip if skip is not None else 0)
    if limit < 0 or offset < 0:
        raise BadRequest("limit and offset must not be negative")
    if offset > 10**9:
        raise BadRequest("offset is too large")
    return Page(limit=min(limit, MAX_LIMIT), offset=offset)


def page_body(data: list, total: int, page: Page) -> dict:
    return {"data": data, "total": total, "limit": page.limit, "offset": page.offset}
