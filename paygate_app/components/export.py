"""The "Export CSV" button: the browser fetches the export with its session in a header, then saves it.

The session token stays in localStorage and in that one request header; it is never in the
URL (logs, history) or in Reflex state.
"""

from __future__ import annotations

import json

import reflex as rx

from paygate_app.components.ui import tid
from paygate_app.state import SESSION_STORAGE_KEY

EXPORT_PREFIX = "/api/v1/dashboard/exports/"


def _download_script(name: str, query: rx.Var) -> str:
    """JS run by the click; `query` is urlencoded, so it is safe inside single quotes."""
    token_key = json.dumps(SESSION_STORAGE_KEY)
    return (
        "(async () => {"
        f" const q = '{query}';"
        f" const r = await fetch({json.dumps(EXPORT_PREFIX + name)} + (q ? '?' + q : ''),"
        f" {{headers: {{'X-Dashboard-Session': window.localStorage.getItem({token_key}) || ''}}}});"
        " if (!r.ok) { let m = 'Export failed (' + r.status + ')';"
        " try { m = (await r.json()).error.description; } catch (e) {} window.alert(m); return; }"
        " const url = URL.createObjectURL(await r.blob());"
        f" const a = document.createElement('a'); a.href = url; a.download = {json.dumps(name)};"
        " document.body.appendChild(a); a.click(); a.remove(); setTimeout(() => URL.revokeObjectURL(url), 10000);"
        " })()"
    )


def export_button(name: str, query: rx.Var, test_id: str = "export-csv-button") -> rx.Component:
    """Download `name` (payments.csv / refunds.csv) with the filters in `query` (a urlencoded string var)."""
    return rx.button(
        rx.icon("download", size=14),
        "Export CSV",
        variant="soft",
        color_scheme="gray",
        on_click=rx.call_script(_download_script(name, query)),
        custom_attrs=tid(test_id),
    )
