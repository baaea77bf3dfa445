"""CSV export of the dashboard's filtered lists: the same columns as the tables, streamed in batches.

Authorised by the dashboard session, sent by the page's script in the `X-Dashboard-Session`
header (never in the URL, which lands in logs and history). The filters are query parameters
with the same names as the page's URL (`status`, `method`, `refund`, `q`, `from`, `to`).
"""

from __future__ import annotations

import csv
import io
from collections.abc import AsyncIterator, Callable
from datetime import date
from typing import Annotated, Literal

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from paygate_app.components.rows import PAYMENT_COLUMNS, REFUND_COLUMNS, payment_row, refund_row
from paygate_app.core import reports
from paygate_app.core.errors import AuthenticationFailed, BadRequest
from paygate_app.core.sessions import resolve_session

router = APIRouter(prefix="/api/v1/dashboard/exports", tags=["dashboard"])

SESSION_HEADER = "X-Dashboard-Session"
STATUS = Literal["pending", "success", "failed", "processed"]


def _day(text: str | None, name: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise BadRequest(f"{name} must be a date like 2026-12-07") from None


async def _merchant_id(token: str | None) -> str:
    row = await resolve_session(token)
    if row is None:
        raise AuthenticationFailed("Sign in to the dashboard to export")
    return row["id"]


def _csv_lines(columns: tuple[tuple[str, str], ...], batches: AsyncIterator[list[dict]], shape: Callable):
    async def lines() -> AsyncIterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow([header for header, _ in columns])
        yield "\ufeff" + buffer.getvalue()  # a BOM so spreadsheet apps read ₹ as UTF-8
        async for batch in batches:
            buffer.seek(0)
            buffer.truncate()
            for row in batch:
                shown = shape(row)
                writer.writerow([_safe_cell(shown.get(key, "")) for _, key in columns])
            yield buffer.getvalue()

    return lines()


def _safe_cell(value: str) -> str:
    """Spreadsheet formula injection: a cell starting with = + - @ is kept as text."""
    return "'" + value if value[:1] in ("=", "+", "-", "@", "\t", "\r") else value


def _response(body: AsyncIterator[str], name: str) -> StreamingResponse:
    return StreamingResponse(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"},
    )


Session = Annotated[str | None, Header(alias=SESSION_HEADER, include_in_schema=False)]


@router.get("/payments.csv", include_in_schema=False)
async def export_payments(
    session: Session = None,
    status: Annotated[STATUS | None, Query()] = None,
    method: Annotated[Literal["upi", "card"] | None, Query()] = None,
    refund: Annotated[Literal["any", "full", "partial", "none"] | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=reports.MAX_SEARCH)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
):
    merchant_id = await _merchant_id(session)
    filters = reports.Filters(
        status=status,
        method=method,
        refund=refund,
        search=q,
        date_from=_day(date_from, "from"),
        date_to=_day(date_to, "to"),
    )
    batches = reports.payment_batches(merchant_id=merchant_id, filters=filters)
    return _response(_csv_lines(PAYMENT_COLUMNS, batches, payment_row), "payments.csv")


@router.get("/refunds.csv", include_in_schema=False)
async def export_refunds(
    session: Session = None,
    status: Annotated[STATUS | None, Query()] = None,
    q: Annotated[str | None, Query(max_length=reports.MAX_SEARCH)] = None,
    date_from: Annotated[str | None, Query(alias="from", max_length=10)] = None,
    date_to: Annotated[str | None, Query(alias="to", max_length=10)] = None,
):
    merchant_id = await _merchant_id(session)
    filters = reports.Filters(status=status, search=q, date_from=_day(date_from, "from"), date_to=_day(date_to, "to"))
    batches = reports.refund_batches(merchant_id=merchant_id, filters=filters)
    return _response(_csv_lines(REFUND_COLUMNS, batches, refund_row), "refunds.csv")
