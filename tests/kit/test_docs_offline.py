"""/docs renders in Chromium with every request to another host refused (no CDN, no network)."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest

pytestmark = pytest.mark.e2e


def test_docs_render_offline_in_chromium(api_url: str, browser) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.set_default_timeout(20_000)
    host = urlsplit(api_url).hostname
    elsewhere: list[str] = []
    problems: list[str] = []

    def route(r) -> None:
        if urlsplit(r.request.url).hostname == host or r.request.url.startswith("data:"):
            r.continue_()
        else:
            elsewhere.append(r.request.url)
            r.abort()

    page.route("**/*", route)
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: problems.append(str(e)))
    try:
        page.goto(f"{api_url}/docs")
        page.locator(".opblock-summary-path", has_text="/api/v1/orders").first.wait_for()
        assert page.locator(".opblock").count() >= 25
        page.locator("button.authorize").wait_for()  # the X-Api-Key / X-Api-Secret schemes
    finally:
        context.close()
    assert elsewhere == [], elsewhere
    assert problems == [], problems
