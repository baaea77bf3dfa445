"""Login's `?next=`: back to the dashboard page first asked for, never anywhere else."""

from __future__ import annotations

import pytest

from paygate_app import routes


@pytest.mark.parametrize(
    ("asked", "goes_to"),
    [
        ("/dashboard/transactions/?status=failed&page=2", "/dashboard/transactions?status=failed&page=2"),
        ("/dashboard/refunds", "/dashboard/refunds"),
        ("/dashboard/", "/dashboard"),
        (None, "/dashboard"),
        ("//evil.example/dashboard", "/dashboard"),
        ("https://evil.example/dashboard/refunds", "/dashboard"),
        ("/dashboard//evil.example", "/dashboard"),
        ("/dashboard/../login", "/dashboard"),
        ("/dashboard\\\\evil", "/dashboard"),
        ("/store", "/dashboard"),
        ("/dashboard/webhooks?x=1 2", "/dashboard"),
    ],
)
def test_safe_next_stays_on_dashboard_pages(asked: str | None, goes_to: str) -> None:
    assert routes.safe_next(asked) == goes_to


def test_login_with_next_keeps_the_view_and_skips_the_overview() -> None:
    assert (
        routes.login_with_next("/dashboard/refunds/", "q=rfnd_1") == "/login?next=%2Fdashboard%2Frefunds%3Fq%3Drfnd_1"
    )
    assert routes.login_with_next("/dashboard/", "") == "/login"
