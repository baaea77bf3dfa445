"""Status badges: one colour per state, the state's own word as the text."""

from __future__ import annotations

from typing import Any

import reflex as rx

from paygate_app.components.ui import tid


def status_color(status: rx.Var) -> rx.Var:
    return rx.match(
        status,
        ("success", "green"),
        ("processed", "green"),
        ("paid", "green"),
        ("failed", "red"),
        ("pending", "amber"),
        "gray",
    )


def status_badge(status: rx.Var, test_id: str | None = None, **props: Any) -> rx.Component:
    extra = {"custom_attrs": tid(test_id)} if test_id else {}
    return rx.badge(
        status, color_scheme=status_color(status), variant="soft", radius="full", size="1", **extra, **props
    )


def refund_badge(label: rx.Var, test_id: str = "refund-badge") -> rx.Component:
    """'Refunded' / 'Partially refunded' beside the status (nothing when nothing was refunded)."""
    return rx.cond(
        label != "",
        rx.badge(
            label,
            color_scheme=rx.cond(label == "Refunded", "purple", "orange"),
            variant="outline",
            radius="full",
            size="1",
            custom_attrs=tid(test_id),
        ),
    )
