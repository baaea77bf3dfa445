"""PagedMixin: each dashboard list keeps its own page; Previous / Next / Refresh behave the same on all three."""

from __future__ import annotations

import pytest
import reflex as rx

from paygate_app.components.paging import PAGE_SIZE
from paygate_app.core.errors import ServiceUnavailable
from paygate_app.core.pagination import Page
from paygate_app.pages.refunds import RefundsState
from paygate_app.pages.transactions_state import TransactionsState
from paygate_app.pages.webhooks_state import WebhooksState

PAGED_STATES = [TransactionsState, WebhooksState, RefundsState]
EMPTY_SUMMARIES = {TransactionsState: "No payments", WebhooksState: "No deliveries", RefundsState: "No refunds"}


class FakeList:
    """Stands in for the core list call: `total` rows with the given status."""

    def __init__(self, total: int, status: str = "success") -> None:
        self.rows = [{"n": n, "status": status} for n in range(total)]
        self.calls: list[Page] = []
        self.shown: list[dict] = []

    async def query(self, page: Page) -> tuple[list[dict], int]:
        self.calls.append(page)
        return self.rows[page.offset : page.offset + page.limit], len(self.rows)


async def live_session(state) -> str | None:
    """Stands in for the session re-check: live while the state has a merchant."""
    return state.merchant_id or None


@pytest.fixture
def fake_list(monkeypatch: pytest.MonkeyPatch):
    """Install a FakeList as `_query` of a state class; `_show` hands it the rows to show."""

    def install(state_cls: type, total: int, status: str = "success") -> FakeList:
        fake = FakeList(total, status)
        monkeypatch.setattr(state_cls, "_query", lambda state, page: fake.query(page))
        monkeypatch.setattr(state_cls, "_show", lambda state, rows: setattr(fake, "shown", rows))
        monkeypatch.setattr(state_cls, "_require_merchant", live_session)
        return fake

    return install


async def paged_state(state_cls: type):
    root = rx.State(_reflex_internal_init=True)
    state = await root.get_state(state_cls)
    state.merchant_id = "550e8400-e29b-41d4-a716-446655440000"
    return root, state


def test_paged_states_declare_their_own_page_vars() -> None:
    for state_cls in PAGED_STATES:
        assert {"page", "total", "loaded", "error"} <= set(state_cls.base_vars)
        assert {"has_prev", "has_next", "summary"} <= set(state_cls.computed_vars)
        assert not {"live_route", "live_max_seconds", "empty_summary"} & set(state_cls.vars)
    full_names = {state_cls.next_page.state_full_name for state_cls in PAGED_STATES}
    assert full_names == {state_cls.get_full_name() for state_cls in PAGED_STATES}
    assert not any(state_cls.tick.is_background for state_cls in PAGED_STATES)


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_summary_empty_list_names_the_page(state_cls: type) -> None:
    _, state = await paged_state(state_cls)
    assert state.summary == EMPTY_SUMMARIES[state_cls]
    assert not state.has_prev
    assert not state.has_next


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_next_and_prev_page_step_through_the_list(state_cls: type, fake_list) -> None:
    fake = fake_list(state_cls, total=25)
    _, state = await paged_state(state_cls)
    assert await state.refresh() is None
    assert (state.page, state.total, state.loaded) == (0, 25, True)
    assert state.summary == "Showing 1–10 of 25"
    await state.next_page()
    await state.next_page()
    assert state.page == 2
    assert state.summary == "Showing 21–25 of 25"
    assert state.has_prev
    assert not state.has_next
    await state.next_page()  # no page after the last
    assert state.page == 2
    await state.prev_page()
    assert state.page == 1
    assert [row["n"] for row in fake.shown] == list(range(10, 20))
    assert fake.calls[-1] == Page(limit=PAGE_SIZE, offset=10)


async def test_prev_page_stops_at_the_first(fake_list) -> None:
    fake_list(RefundsState, total=5)
    _, state = await paged_state(RefundsState)
    await state.prev_page()
    assert state.page == 0
    assert state.summary == "Showing 1–5 of 5"


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_fetch_page_emptied_goes_to_the_last_page(state_cls: type, fake_list) -> None:
    fake = fake_list(state_cls, total=25)
    _, state = await paged_state(state_cls)
    await state.refresh()
    await state.next_page()
    await state.next_page()
    del fake.rows[12:]  # rows went away while page 3 was shown
    await state.refresh()
    assert state.page == 1
    assert state.total == 12
    assert [row["n"] for row in fake.shown] == [10, 11]


async def test_paging_one_list_leaves_the_others_alone(fake_list) -> None:
    fake_list(RefundsState, total=25)
    root, refunds = await paged_state(RefundsState)
    await refunds.refresh()
    await refunds.next_page()
    transactions = await root.get_state(TransactionsState)
    webhooks = await root.get_state(WebhooksState)
    assert refunds.page == 1
    assert (transactions.page, transactions.total) == (0, 0)
    assert (webhooks.page, webhooks.total) == (0, 0)


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_tick_refetches_the_page_shown_and_keeps_it(state_cls: type, fake_list) -> None:
    fake = fake_list(state_cls, total=25)
    _, state = await paged_state(state_cls)
    assert await state.tick() is None  # before the first load: nothing to refresh
    assert fake.calls == []
    await state.refresh()
    await state.next_page()
    fake.rows = fake.rows[:15]  # rows disappeared meanwhile: the tick still shows page 2
    assert await state.tick() is None
    assert state.page == 1 and state.total == 15
    assert fake.calls[-1] == Page(limit=PAGE_SIZE, offset=PAGE_SIZE)


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_tick_without_a_live_session_asks_for_the_token(state_cls: type, fake_list) -> None:
    fake = fake_list(state_cls, total=5)
    _, state = await paged_state(state_cls)
    await state.refresh()
    calls = len(fake.calls)
    state.merchant_id = ""  # logout in another tab
    assert await state.tick() is not None
    assert len(fake.calls) == calls


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_reload_database_down_shows_the_error(state_cls: type, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(state: object, page: Page) -> tuple[list[dict], int]:
        raise ServiceUnavailable("Database unavailable")

    monkeypatch.setattr(state_cls, "_query", down)
    monkeypatch.setattr(state_cls, "_require_merchant", live_session)
    _, state = await paged_state(state_cls)
    await state.next_page()  # (pages that keep their view in the URL also return that event)
    assert state.error == "Database unavailable"
    assert not state.loaded


@pytest.mark.parametrize("state_cls", PAGED_STATES)
async def test_reload_without_a_live_session_fetches_nothing(state_cls: type, fake_list) -> None:
    fake = fake_list(state_cls, total=5)
    _, state = await paged_state(state_cls)
    state.merchant_id = ""  # the session ended (logout in another tab)
    event = await state.refresh()
    assert event is not None  # asks the browser for its token; without one the tab goes to /login
    assert fake.calls == [] and not state.loaded
