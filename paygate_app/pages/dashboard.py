"""/dashboard: API credentials, live stats and a daily volume chart."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.money import format_inr
from paygate_app.components.paging import live_updates
from paygate_app.components.ui import copy_button, info_callout, mono, page_header, section_card, tid
from paygate_app.core import stats
from paygate_app.core.errors import PaygateError
from paygate_app.core.merchants import regenerate_api_secret
from paygate_app.state import REVEALED_API_SECRET, AuthState, mask_secret


class DashboardState(AuthState):
    total_transactions: int = 0
    total_amount_text: str = "₹0.00"
    refunded_text: str = "₹0.00"
    net_text: str = "₹0.00"
    success_rate_text: str = "—"
    successful: int = 0
    chart: list[dict] = []
    stats_loaded: bool = False
    regenerating: bool = False
    confirm_open: bool = False
    error: str = ""

    @rx.var
    def api_secret_masked(self) -> str:
        return mask_secret(self.api_secret_last4)

    @rx.var
    def chart_is_empty(self) -> bool:
        return not any(point.get("amount") for point in self.chart)

    async def _refresh(self, merchant_id: str) -> None:
        totals = await stats.totals(merchant_id)
        days = await stats.daily_volume(merchant_id)
        self.total_transactions = totals.total_transactions
        self.successful = totals.successful
        self.total_amount_text = format_inr(totals.total_amount)
        self.refunded_text = format_inr(totals.refunded)
        self.net_text = format_inr(totals.net)
        # No attempts yet: a dash, not a made-up 0.0%.
        self.success_rate_text = f"{totals.success_rate:.1f}%" if totals.total_transactions else "—"
        self.chart = [
            {
                "day": d.day.strftime("%d %b"),
                "amount": d.amount / 100,
                "label": format_inr(d.amount),
                "count": d.count,
            }
            for d in days
        ]
        self.stats_loaded = True

    @rx.event
    async def load(self):
        if not self.merchant_id:
            return None
        # A just-registered secret stays on screen for this first load only; a reload (the
        # browser-side value is gone) or any later visit shows the masked form.
        keep_revealed, self._reveal_pending = self._reveal_pending, False
        self.error = ""
        self.confirm_open = False
        try:
            await self._refresh(self.merchant_id)
        except PaygateError as exc:
            self.error = exc.description
        return None if keep_revealed else REVEALED_API_SECRET.push("")

    @rx.event
    async def tick(self):
        """A live update from the page's timer (every LIVE_SECONDS while /dashboard is shown)."""
        if not self.stats_loaded:
            return None
        merchant_id = await self._require_merchant()
        if merchant_id is None:
            return self._session_lost()
        try:
            await self._refresh(merchant_id)
        except PaygateError:
            return None  # keep what is shown; the next tick tries again
        return None

    @rx.event
    def set_confirm_open(self, value: bool):
        self.confirm_open = value

    @rx.event
    async def regenerate_secret(self):
        merchant_id = await self._require_merchant()
        if merchant_id is None:
            yield self._session_lost()
            return
        self.regenerating = True
        yield
        try:
            secret = await regenerate_api_secret(merchant_id)
        except PaygateError as exc:
            self.error = exc.description
            secret = ""
        else:
            await self._load_merchant()
            self.error = ""
        self.regenerating = False
        self.confirm_open = False
        if secret:  # to the browser only, never into state
            yield REVEALED_API_SECRET.push(secret)


def credential_row(label: str, value: rx.Var, test_id: str, *extra: rx.Component) -> rx.Component:
    return rx.flex(
        rx.text(label, size="2", color_scheme="gray", min_width="6em"),
        rx.hstack(
            mono(value, custom_attrs=tid(test_id)),
            *extra,
            align="center",
            spacing="2",
            wrap="wrap",
        ),
        direction=rx.breakpoints(initial="column", sm="row"),
        spacing="2",
        align=rx.breakpoints(initial="start", sm="center"),
        width="100%",
    )


def regenerate_dialog() -> rx.Component:
    return rx.alert_dialog.root(
        rx.alert_dialog.trigger(
            rx.button(
                rx.icon("refresh-cw", size=14),
                "Regenerate secret",
                variant="soft",
                color_scheme="red",
                size="2",
                custom_attrs=tid("regenerate-api-secret-button"),
            ),
        ),
        rx.alert_dialog.content(
            rx.alert_dialog.title("Regenerate API secret?"),
            rx.alert_dialog.description(
                "The current secret stops working immediately. Integrations using it will get 401 errors "
                "until you update them with the new secret.",
                size="2",
            ),
            rx.flex(
                rx.alert_dialog.cancel(rx.button("Cancel", variant="soft", color_scheme="gray")),
                rx.button(
                    rx.cond(DashboardState.regenerating, rx.spinner(size="1"), rx.fragment()),
                    "Regenerate",
                    color_scheme="red",
                    on_click=DashboardState.regenerate_secret,
                    disabled=DashboardState.regenerating,
                    custom_attrs=tid("confirm-regenerate-button"),
                ),
                spacing="3",
                justify="end",
                margin_top="var(--space-4)",
            ),
            max_width="28em",
        ),
        open=DashboardState.confirm_open,
        on_open_change=DashboardState.set_confirm_open,
    )


def credentials_card() -> rx.Component:
    revealed = REVEALED_API_SECRET.value != ""
    return section_card(
        rx.hstack(
            rx.icon("key-round", size=18),
            rx.heading("API credentials", size="4"),
            rx.spacer(),
            regenerate_dialog(),
            align="center",
            width="100%",
            wrap="wrap",
        ),
        credential_row(
            "Key ID", AuthState.api_key, "api-key", copy_button(AuthState.api_key, "Copy key", "copy-api-key")
        ),
        credential_row(
            "Secret",
            rx.cond(revealed, REVEALED_API_SECRET.value, DashboardState.api_secret_masked),
            "api-secret",
            rx.cond(revealed, copy_button(REVEALED_API_SECRET.value, "Copy secret", "copy-api-secret")),
        ),
        rx.cond(
            revealed,
            info_callout(
                "Copy your API secret now: it is shown only this once. Afterwards only its last 4 characters are "
                "visible; if you lose it, regenerate it.",
                icon="shield-alert",
                color="amber",
                custom_attrs=tid("secret-once-notice"),
            ),
            rx.text(
                "Send both as X-Api-Key and X-Api-Secret headers. The secret is stored hashed; only its last 4 "
                "characters are shown.",
                size="1",
                color_scheme="gray",
            ),
        ),
        rx.cond(DashboardState.error != "", info_callout(DashboardState.error, icon="triangle-alert", color="red")),
        custom_attrs=tid("api-credentials"),
    )


def stat_card(label: str, value: rx.Var, test_id: str, icon: str, hint: rx.Var | str = "") -> rx.Component:
    return rx.card(
        rx.vstack(
            rx.hstack(
                rx.text(label, size="2", color_scheme="gray", weight="medium"),
                rx.spacer(),
                rx.icon(icon, size=16, color=rx.color("gray", 9)),
                width="100%",
                align="center",
            ),
            rx.cond(
                DashboardState.stats_loaded,
                rx.text(value, size="7", weight="bold", custom_attrs=tid(test_id)),
                rx.skeleton(rx.text("₹0,000.00", size="7", weight="bold"), loading=True),
            ),
            rx.text(hint, size="1", color_scheme="gray"),
            spacing="2",
            width="100%",
        ),
        size="2",
        width="100%",
    )


def stats_grid() -> rx.Component:
    return rx.grid(
        stat_card(
            "Total transactions",
            DashboardState.total_transactions,
            "total-transactions",
            "activity",
            "All payment attempts",
        ),
        stat_card(
            "Total amount",
            DashboardState.total_amount_text,
            "total-amount",
            "indian-rupee",
            "Successful payments, before refunds",
        ),
        stat_card(
            "Success rate",
            DashboardState.success_rate_text,
            "success-rate",
            "circle-check",
            DashboardState.successful.to_string() + " successful",
        ),
        columns=rx.breakpoints(initial="1", sm="3"),
        spacing="4",
        width="100%",
        custom_attrs=tid("stats-container"),
    )


def volume_line(label: str, value: rx.Var, test_id: str, **props) -> rx.Component:
    return rx.vstack(
        rx.text(label, size="2", color_scheme="gray"),
        rx.text(value, size="5", weight="bold", custom_attrs=tid(test_id), **props),
        spacing="1",
    )


def net_volume_card() -> rx.Component:
    """Gross minus refunded = net, so refunds are visible on the overview."""
    return section_card(
        rx.hstack(
            rx.heading("Net volume", size="4"),
            rx.spacer(),
            rx.text("Successful payments minus refunds (pending and processed)", size="1", color_scheme="gray"),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.grid(
            volume_line("Gross", DashboardState.total_amount_text, "gross-volume"),
            volume_line("Refunded", DashboardState.refunded_text, "refunded-volume", color_scheme="red"),
            volume_line("Net", DashboardState.net_text, "net-volume", color_scheme="green"),
            columns="3",
            spacing="4",
            width="100%",
        ),
        custom_attrs=tid("net-volume-card"),
    )


def volume_chart() -> rx.Component:
    return section_card(
        rx.hstack(
            rx.heading("Volume, last 14 days", size="4"),
            rx.spacer(),
            rx.text("Successful payments, ₹ per day (UTC)", size="1", color_scheme="gray"),
            width="100%",
            align="center",
            wrap="wrap",
        ),
        rx.cond(
            DashboardState.stats_loaded & DashboardState.chart_is_empty,
            rx.center(
                rx.vstack(
                    rx.icon("chart-no-axes-column", size=28, color=rx.color("gray", 8)),
                    rx.text("No successful payments in the last 14 days yet.", size="2", color_scheme="gray"),
                    align="center",
                    spacing="2",
                ),
                height="160px",
                width="100%",
                custom_attrs=tid("volume-chart-empty"),
            ),
            rx.box(
                rx.recharts.bar_chart(
                    rx.recharts.cartesian_grid(stroke_dasharray="3 3", vertical=False),
                    rx.recharts.x_axis(data_key="day", tick_line=False, tick={"fontSize": 12}, min_tick_gap=8),
                    rx.recharts.y_axis(
                        tick_line=False,
                        axis_line=False,
                        tick={"fontSize": 12},
                        width=80,
                        tick_formatter="(v) => '₹' + Number(v).toLocaleString('en-IN')",
                    ),
                    rx.recharts.graphing_tooltip(),
                    rx.recharts.bar(data_key="amount", name="Volume (₹)", fill=rx.color("accent", 9), radius=4),
                    data=DashboardState.chart,
                    width="100%",
                    height=260,
                ),
                width="100%",
                custom_attrs=tid("volume-chart"),
            ),
        ),
    )


def live_indicator() -> rx.Component:
    return rx.badge(
        rx.box(width="8px", height="8px", border_radius="50%", background=rx.color("green", 9)),
        "Live",
        color_scheme="green",
        variant="soft",
        custom_attrs=tid("live-indicator"),
    )


def dashboard_page() -> rx.Component:
    return dashboard_layout(
        rx.box(
            page_header("Overview", "Your test-mode account at a glance.", live_indicator()),
            rx.vstack(credentials_card(), stats_grid(), net_volume_card(), volume_chart(), spacing="5", width="100%"),
            live_updates(DashboardState.tick),
            width="100%",
            custom_attrs=tid("dashboard"),
        ),
        current=routes.DASHBOARD,
    )


def register(app: rx.App) -> None:
    app.add_page(
        dashboard_page,
        route=routes.DASHBOARD,
        title="Dashboard · Paygate",
        on_load=[AuthState.check_login, DashboardState.load],
    )
