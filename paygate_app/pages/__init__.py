"""Every page of the app, registered in one place (each module exposes `register(app)`)."""

import reflex as rx

from paygate_app.pages import (
    checkout,
    dashboard,
    docs,
    login,
    not_found,
    refunds,
    register,
    store,
    transactions,
    webhooks,
)

PAGE_MODULES = (login, register, dashboard, transactions, refunds, webhooks, docs, store, checkout, not_found)


def add_pages(app: rx.App) -> None:
    for module in PAGE_MODULES:
        module.register(app)
