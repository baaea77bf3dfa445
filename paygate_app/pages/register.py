"""/register: a new merchant account; its API secret is shown once on the dashboard."""

from __future__ import annotations

import reflex as rx

from paygate_app import routes
from paygate_app.components.layout import auth_layout
from paygate_app.components.ui import auth_form, tid
from paygate_app.core.errors import PaygateError
from paygate_app.core.merchants import PASSWORD_MIN, register_merchant
from paygate_app.pages.login import field
from paygate_app.state import REVEALED_API_SECRET, AuthState


class RegisterState(AuthState):
    error: str = ""
    submitting: bool = False

    @rx.event
    async def register(self, form: dict):
        self.error = ""
        name = str(form.get("name") or "")
        email = str(form.get("email") or "")
        password = str(form.get("password") or "")
        if not name.strip() or not email.strip() or not password:
            self.error = "Enter your business name, email and a password."
            return
        self.submitting = True
        yield
        try:
            await self._limit_ip("auth")  # the API's per-IP budget for login/register
            created = await register_merchant(name=name, email=email, password=password)
        except PaygateError as exc:
            self.error = exc.description
            self.submitting = False
            return
        store_token = await self._sign_in(created.merchant.id)
        # Shown once, in full, on the dashboard: a browser-side value (never in state) that the
        # dashboard's first load keeps; any later load, or a reload, shows the last 4 characters.
        self._reveal_pending = True
        self.submitting = False
        yield [
            store_token,
            REVEALED_API_SECRET.push(created.api_secret),
            rx.redirect(routes.DASHBOARD, replace=True),
        ]


def register_page() -> rx.Component:
    return auth_layout(
        rx.vstack(
            rx.heading("Create your account", size="6"),
            rx.text("You get test-mode API keys right away.", size="2", color_scheme="gray"),
            spacing="1",
        ),
        auth_form(
            field(
                "Business name",
                id="name",
                name="name",
                placeholder="Acme Stores",
                auto_complete="organization",
                required=True,
                max_length=200,
                custom_attrs=tid("name-input"),
            ),
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
                placeholder=f"At least {PASSWORD_MIN} characters",
                auto_complete="new-password",
                required=True,
                max_length=128,
                custom_attrs=tid("password-input"),
            ),
            error=RegisterState.error,
            error_id="register-error",
            submitting=RegisterState.submitting,
            icon="user-plus",
            label="Create account",
            button_id="register-button",
            on_submit=RegisterState.register,
            form_id="register-form",
        ),
        rx.text(
            "Already have an account? ",
            rx.link("Sign in", href=routes.LOGIN, custom_attrs=tid("login-link")),
            size="2",
            text_align="center",
            width="100%",
        ),
    )


def register(app: rx.App) -> None:
    app.add_page(
        register_page, route=routes.REGISTER, title="Create account · Paygate", on_load=AuthState.redirect_if_logged_in
    )
