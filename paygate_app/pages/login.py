"""/login: email + password → a dashboard session."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import auth_layout
from paygate_app.components.ui import auth_form, tid
from paygate_app.core.errors import PaygateError
from paygate_app.core.merchants import login_merchant
from paygate_app.core.settings import settings
from paygate_app.state import AuthState


class LoginState(AuthState):
    error: str = ""
    submitting: bool = False

    @rx.event
    async def login(self, form: dict):
        self.error = ""
        email = str(form.get("email") or "").strip()
        password = str(form.get("password") or "")
        if not email or not password:
            self.error = "Enter your email and password."
            return
        self.submitting = True
        yield
        try:
            await self._limit_ip("auth")  # the API's per-IP budget for login/register
            merchant = await login_merchant(email=email, password=password)
        except PaygateError as exc:
            self.error = exc.description
            self.submitting = False
            return
        store_token = await self._sign_in(merchant.id)
        self.submitting = False
        yield [store_token, rx.redirect(self._next_page(), replace=True)]

    @rx.event
    def clear_error(self):
        self.error = ""


def field(label: str, **input_props) -> rx.Component:
    return rx.vstack(
        rx.text(label, as_="label", size="2", weight="medium", html_for=input_props.get("id")),
        rx.input(size="3", width="100%", **input_props),
        spacing="1",
        width="100%",
    )


def login_page() -> rx.Component:
    return auth_layout(
        rx.vstack(
            rx.heading("Sign in", size="6"),
            rx.text("Use your merchant account to open the dashboard.", size="2", color_scheme="gray"),
            spacing="1",
        ),
        auth_form(
            field(
                "Email",
                id="email",
                name="email",
                type="email",
                placeholder="you@example.com",
                auto_complete="email",
                required=True,
                custom_attrs=tid("email-input"),
            ),
            field(
                "Password",
                id="password",
                name="password",
                type="password",
                placeholder="••••••••",
                auto_complete="current-password",
                required=True,
                custom_attrs=tid("password-input"),
            ),
            error=LoginState.error,
            error_id="login-error",
            submitting=LoginState.submitting,
            icon="log-in",
            label="Sign in",
            button_id="login-button",
            on_submit=LoginState.login,
            form_id="login-form",
        ),
        rx.text(
            "New to Paygate? ",
            rx.link("Create an account", href=routes.REGISTER, custom_attrs=tid("register-link")),
            size="2",
            text_align="center",
            width="100%",
        ),
        rx.text(
            "Test account: test@example.com / test123",
            size="1",
            color_scheme="gray",
            text_align="center",
            width="100%",
        )
        if settings.test_mode and settings.seed_test_merchant
        else rx.fragment(),
    )


def register(app: rx.App) -> None:
    app.add_page(login_page, route=routes.LOGIN, title="Sign in · Paygate", on_load=AuthState.redirect_if_logged_in)
