"""Paging shared by the dashboard's list pages: Previous / Next, Refresh and live updates.

Live updates are driven by the browser: `live_updates(State.tick)` is a hidden `rx.moment`
timer on the page that sends `tick` every LIVE_SECONDS while the page is mounted. Leaving the
page or closing the tab stops it; no server-side loop has to guess whether the tab is still there.

`PagedMixin` is a Reflex state mixin. Reflex copies its vars, computed vars and event handlers
onto each state that includes it, so Transactions, Webhooks and Refunds each keep their own
`page`, `total` and handlers (`TransactionsState.next_page` is not `RefundsState.next_page`).
"""

from __future__ import annotations

from typing import Any, ClassVar

import reflex as rx

from paygate_app.core.errors import PaygateError
from paygate_app.core.pagination import Page

PAGE_SIZE = 10
LIVE_SECONDS = 2.0


def live_updates(on_tick: Any) -> rx.Component:
    """A hidden timer: `on_tick` every LIVE_SECONDS while this page is on screen."""
    return rx.moment(interval=int(LIVE_SECONDS * 1000), on_change=on_tick, display="none", format="x")


class PagedMixin(rx.State, mixin=True):
    """One page of a list that refreshes itself while it is on screen (`live_updates(State.tick)`).

    Use it as `class XState(PagedMixin, AuthState)` (the mixin first) and define:

    - `_query(page)`: one page of the list and its total, as the core returns them;
    - `_show(rows)`: put those rows in the state's own var;
    - `empty_summary` where it differs;
    - `_tick()` only to refresh more than the list on each live update.
    """

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

    async def _tick(self) -> None:
        """One live update: the current page (with its filters) again."""
        await self._fetch()

    async def _reload(self):
        """Fetch the current page (from ordinary handlers: load, filters, paging, Refresh).

        The session is re-checked first (`AuthState._require_merchant`): after a logout in any
        tab, Refresh, paging and filters send this tab to /login instead of showing data.
        """
        try:
            if await self._require_merchant() is None:
                return self._session_lost()
            await self._fetch()
        except PaygateError as exc:
            self.error = exc.description
            return None
        self.error = ""
        return None

    def _view_events(self) -> list:
        """Events that show the new page elsewhere too (e.g. in the URL); none by default."""
        return []

    def _with_view(self, reloaded):
        extra = self._view_events()
        if not extra:
            return reloaded
        return [*extra, *([reloaded] if reloaded is not None else [])]

    @rx.event
    async def next_page(self):
        if (self.page + 1) * PAGE_SIZE < self.total:
            self.page += 1
        return self._with_view(await self._reload())

    @rx.event
    async def prev_page(self):
        self.page = max(0, self.page - 1)
        return self._with_view(await self._reload())

    @rx.event
    async def refresh(self):
        return await self._reload()

    @rx.event
    async def tick(self):
        """A live update from the page's timer: session re-checked, filters, page and open dialog kept."""
        if not self.loaded:
            return None  # the page's on_load has not shown anything yet
        try:
            if await self._require_merchant() is None:
                return self._session_lost()
            await self._tick()
        except PaygateError:
            return None  # e.g. database briefly unavailable: keep what is shown, try on the next tick
        self.error = ""
        return None
