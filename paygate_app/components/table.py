"""Readable tables: a header row, a body, and a pager under it."""

from __future__ import annotations

from typing import Any

import reflex as rx

from paygate_app.components.ui import tid

# Under 640px each row becomes a card: cells wrap onto lines, so amount and status stay on
# screen instead of scrolling sideways. One DOM for both layouts (the test ids stay the same).
CARD_ROWS = {
    "@media (max-width: 640px)": {
        "& thead": {"display": "none"},
        "& tbody tr": {
            "display": "flex",
            "flexWrap": "wrap",
            "alignItems": "center",
            "gap": "var(--space-1) var(--space-3)",
            "padding": "var(--space-3)",
            "borderBottom": "1px solid var(--gray-a5)",
        },
        "& tbody td": {
            "display": "block",
            "padding": "0",
            "height": "auto",
            "minHeight": "0",
            "boxShadow": "none",
            "whiteSpace": "normal",
        },
        "& tbody td.pg-wide-only": {"display": "none"},
        "& tbody td:first-child": {"flexBasis": "100%"},
    }
}


def data_table(headers: list[str], body: rx.Component, test_id: str, **props: Any) -> rx.Component:
    """A Radix table carrying the contract test id; a card list on narrow screens (CARD_ROWS)."""
    return rx.table.root(
        rx.table.header(
            rx.table.row(*[rx.table.column_header_cell(h, white_space="nowrap") for h in headers]),
        ),
        body,
        variant="surface",
        size="2",
        width="100%",
        custom_attrs=tid(test_id),
        style=CARD_ROWS,
        **props,
    )


def cell(content: Any, test_id: str, *, wide_only: bool = False, **props: Any) -> rx.Component:
    """A table cell; `wide_only` ones are left out of the phone's card layout."""
    if wide_only:
        props["class_name"] = "pg-wide-only"
    return rx.table.cell(content, custom_attrs=tid(test_id), white_space="nowrap", **props)


def pager(
    *,
    summary: rx.Var,
    has_prev: rx.Var,
    has_next: rx.Var,
    on_prev: Any,
    on_next: Any,
    test_id: str = "pagination",
) -> rx.Component:
    return rx.flex(
        rx.text(summary, size="2", color_scheme="gray", custom_attrs=tid(f"{test_id}-summary")),
        rx.spacer(),
        rx.hstack(
            rx.button(
                rx.icon("chevron-left", size=16),
                "Previous",
                variant="soft",
                color_scheme="gray",
                size="2",
                disabled=~has_prev,
                on_click=on_prev,
                custom_attrs=tid(f"{test_id}-prev"),
            ),
            rx.button(
                "Next",
                rx.icon("chevron-right", size=16),
                variant="soft",
                color_scheme="gray",
                size="2",
                disabled=~has_next,
                on_click=on_next,
                custom_attrs=tid(f"{test_id}-next"),
            ),
            spacing="2",
        ),
        align="center",
        spacing="3",
        wrap="wrap",
        width="100%",
        padding_top="var(--space-3)",
        custom_attrs=tid(test_id),
    )
