"""Reflex configuration: one app, one port, state on Redis when REDIS_URL is set."""

import os

import reflex as rx

_port = int(os.environ.get("PAYGATE_PORT", "8000"))
_redis_url = os.environ.get("REFLEX_REDIS_URL") or os.environ.get("REDIS_URL") or None

config = rx.Config(
    app_name="paygate_app",
    frontend_port=_port,
    backend_port=_port,
    api_url=os.environ.get("PAYGATE_PUBLIC_URL", f"http://localhost:{_port}"),
    deploy_url=os.environ.get("PAYGATE_PUBLIC_URL", f"http://localhost:{_port}"),
    redis_url=_redis_url,
    # `reflex run` binds here: this machine only, unless PAYGATE_HOST says otherwise (Docker: 0.0.0.0).
    backend_host=os.environ.get("PAYGATE_HOST", "127.0.0.1"),
    telemetry_enabled=False,
    show_built_with_reflex=False,
    plugins=[rx.plugins.RadixThemesPlugin(theme=rx.theme(accent_color="indigo", radius="medium"))],
    disable_plugins=[rx.plugins.SitemapPlugin],
)
