"""Paging shared by the dashboard's list pages: Previous / Next, Refresh and live updates.

`PagedMixin` is a Reflex state mixin. Reflex copies its vars, computed vars and event handlers
onto each state that includes it, so Transactions, Webhooks and Refunds each keep their own
`page`, `total` and handlers (`TransactionsState.next_page` is not `RefundsState.next_page`).
"""

from __future__ import annotations

from typing import ClassVar

import reflex as rx

from paygate_app.core.errors import PaygateError
from paygate_app.core.pagination import Page

PAGE_SIZE = 10
LIVE_SECONDS = 2.0


class PagedMixin(rx.State, mixin=True):
    """One page of a list that keeps refreshing itself while a row it shows is `pending`.

    Use it as `class XState(PagedMixin, AuthState)` (the mixin first; the live loop is
    `AuthState._live_loop`) and define:

    - `_query(page)`: one page of the list and its total, as the core returns them;
    - `_show(rows)`: put those rows in the state's own var;
    - `live_route`, and where they differ `live_max_seconds` and `empty_summary`;
    - `_tick()` only to refresh more than the list on each live update.
    """

    live_route: ClassVar[str]
    live_max_seconds: ClassVar[float] = 120.0
    empty_summary: ClassVar[str] = "Nothing yet"

    total: int = 0
    page: int = 0
    loaded: bool = False
    error: str = ""

    @rx.var
    def has_prev(self) -> bool:
        return self.page > 0

    @rx.var
    def has_next(self) -> bool:
        return (self.page + 1) * PAGE_SIZE < self.total

    @rx.var
    def summary(self) -> str:
        if not self.total:
            return self.empty_summary
        first = self.page * PAGE_SIZE + 1
        last = min(self.total, (self.page + 1) * PAGE_SIZE)
        return f"Showing {first}–{last} of {self.total}"

    async def _query(self, page: Page) -> tuple[list[dict], int]:
        raise NotImplementedError

    def _show(self, rows: list[dict]) -> None:
        raise NotImplementedError

    async def _fetch(self) -> bool:
        """Load the current page; True while some shown row is still pending."""
        rows, total = await self._query(Page(limit=PAGE_SIZE, offset=self.page * PAGE_SIZE))
        if not rows and total and self.page > 0:  # the page emptied under us: go to the last one
            self.page = (total - 1) // PAGE_SIZE
            rows, total = await self._query(Page(limit=PAGE_SIZE, offset=self.page * PAGE_SIZE))
        self._show(rows)
        self.total = total
        self.loaded = True
        return any(row["status"] == "pending" for row in rows)

    async def _tick(self) -> bool:
        """One live update; True to keep watching."""
        return await self._fetch()

    async def _reload(self):
        """Fetch, then keep watching while something shown is pending (from ordinary handlers).

        The session is re-checked first (`AuthState._require_merchant`): after a logout in any
        tab, Refresh, paging and filters send this tab to /login instead of showing data.
        """
        try:
            if await self._require_merchant() is None:
                return self._session_lost()
            pending = await self._fetch()
        except PaygateError as exc:
            self.error = exc.description
            return None
        self.error = ""
        return type(self).watch_pending if pending else None

    @rx.event
    async def next_page(self):
        if self.has_next:
            self.page += 1
        return await self._reload()

    @rx.event
    async def prev_page(self):
        self.page = max(0, self.page - 1)
        return await self._reload()

    @rx.event
    async def refresh(self):
        return await self._reload()

    @rx.event(background=True)
    async def watch_pending(self):
        await self._live_loop(self.live_route, self._tick, interval=LIVE_SECONDS, max_seconds=self.live_max_seconds)
