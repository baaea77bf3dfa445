"""/dashboard: API credentials, live stats and a daily volume chart."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import dashboard_layout
from paygate_app.components.money import format_inr
from paygate_app.components.ui import copy_button, info_callout, mono, page_header, section_card, tid
from paygate_app.core import stats
from paygate_app.core.errors import PaygateError
from paygate_app.core.merchants import regenerate_api_secret
from paygate_app.state import REVEALED_API_SECRET, AuthState, mask_secret

POLL_SECONDS = 2.0
POLL_MAX_SECONDS = 30 * 60  # a forgotten tab stops polling after 30 minutes (Resume restarts it)


class DashboardState(AuthState):
    total_transactions: int = 0
    total_amount_text: str = "₹0.00"
    success_rate_text: str = "0.0%"
    successful: int = 0
    chart: list[dict] = []
    stats_loaded: bool = False
    live: bool = False
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
        self.success_rate_text = f"{totals.success_rate:.1f}%"
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
        await self._refresh(self.merchant_id)
        if keep_revealed:
            return DashboardState.poll_stats
        return [REVEALED_API_SECRET.push(""), DashboardState.poll_stats]

    @rx.event(background=True)
    async def poll_stats(self):
        """Refresh the numbers every POLL_SECONDS while this tab shows /dashboard."""
        async with self:
            self.live = True

        async def tick() -> bool:
            await self._refresh(self.merchant_id)
            return True

        timed_out = await self._live_loop(routes.DASHBOARD, tick, interval=POLL_SECONDS, max_seconds=POLL_MAX_SECONDS)
        if timed_out:
            async with self:
                self.live = False

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
        credential_row("Key ID", AuthState.api_key, "api-key", copy_button(AuthState.api_key, "Copy key")),
        credential_row(
            "Secret",
            rx.cond(revealed, REVEALED_API_SECRET.value, DashboardState.api_secret_masked),
            "api-secret",
            rx.cond(revealed, copy_button(REVEALED_API_SECRET.value, "Copy secret")),
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
        rx.cond(
            DashboardState.stats_loaded & DashboardState.chart_is_empty,
            rx.text("No successful payments in the last 14 days yet.", size="2", color_scheme="gray"),
        ),
    )


def live_indicator() -> rx.Component:
    return rx.cond(
        DashboardState.live,
        rx.badge(
            rx.box(width="8px", height="8px", border_radius="50%", background=rx.color("green", 9)),
            "Live",
            color_scheme="green",
            variant="soft",
            custom_attrs=tid("live-indicator"),
        ),
        rx.button(
            rx.icon("play", size=14),
            "Resume live updates",
            size="1",
            variant="soft",
            on_click=DashboardState.poll_stats,
        ),
    )


def dashboard_page() -> rx.Component:
    return dashboard_layout(
        rx.box(
            page_header("Overview", "Your test-mode account at a glance.", live_indicator()),
            rx.vstack(credentials_card(), stats_grid(), volume_chart(), spacing="5", width="100%"),
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
