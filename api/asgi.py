"""The API alone as an ASGI app (no pages): `granian --interface asgi api.asgi:app`.

Used by the worker fault tests and the API benchmarks; `make run` serves the full Reflex app.
"""

from __future__ import annotations

from contextlib import asynccontextmanager

from api.app import build_api
from paygate_app.lifespan import paygate_lifespan


@asynccontextmanager
async def _lifespan(_app):
    async with paygate_lifespan():
        yield


app = build_api()
app.router.lifespan_context = _lifespan
