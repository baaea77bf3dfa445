"""Toolbar pieces shared by the list pages: a select filter and a from/to date range."""

from __future__ import annotations

import reflex as rx

from paygate_app.components.ui import tid


def select_filter(options: tuple[tuple[str, str], ...], value: rx.Var, on_change, test_id: str) -> rx.Component:
    return rx.select.root(
        rx.select.trigger(custom_attrs=tid(test_id), min_width="10em"),
        rx.select.content(*[rx.select.item(label, value=key) for key, label in options]),
        value=value,
        on_change=on_change,
        size="2",
    )


def date_range(date_from: rx.Var, date_to: rx.Var, state: type) -> rx.Component:
    """From / to (UTC days, both included)."""
    return rx.hstack(
        rx.input(
            type="date",
            value=date_from,
            on_change=state.set_date_from,
            aria_label="From date (UTC)",
            custom_attrs=tid("date-from-input"),
        ),
        rx.text("to", size="2", color_scheme="gray"),
        rx.input(
            type="date",
            value=date_to,
            on_change=state.set_date_to,
            aria_label="To date (UTC)",
            custom_attrs=tid("date-to-input"),
        ),
        align="center",
        spacing="2",
    )
