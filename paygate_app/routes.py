"""Route constants for every page."""

from urllib.parse import quote

LOGIN = "/login"
REGISTER = "/register"
DASHBOARD = "/dashboard"
TRANSACTIONS = "/dashboard/transactions"
REFUNDS = "/dashboard/refunds"
WEBHOOKS = "/dashboard/webhooks"
DOCS = "/dashboard/docs"
STORE = "/store"
CHECKOUT = "/checkout"


def safe_next(target: str | None) -> str:
    """Where to go after login: a dashboard page from `?next=` (never another site), else /dashboard."""
    target = (target or "").strip()[:512]
    path, _, query = target.partition("?")
    path = path.split("#", 1)[0].rstrip("/")
    if "//" in target or "\\" in target or any(c.isspace() for c in target):
        return DASHBOARD
    if path not in {DASHBOARD, TRANSACTIONS, REFUNDS, WEBHOOKS, DOCS}:
        return DASHBOARD
    return path + (f"?{query}" if query else "")


def login_with_next(path: str, query: str = "") -> str:
    """/login?next=… for a dashboard page asked for without a session (plain /login for the overview)."""
    target = safe_next(path + (f"?{query}" if query else ""))
    return LOGIN if target == DASHBOARD else f"{LOGIN}?next={quote(target, safe='')}"
