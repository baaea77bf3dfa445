"""`/docs` (Swagger UI) and `/openapi.json`, served without any CDN.

Swagger UI's files come from the `fastapi-offline` package (served under `/docs/assets/`), and the
page carries the OpenAPI document inline, so it renders offline and needs one request.

In production (`PAYGATE_ENV=production`) both answer only with `Authorization: Bearer
<PAYGATE_METRICS_TOKEN>` (the metrics token), and are off (404) when no token is set.
"""

from __future__ import annotations

import json
from pathlib import Path

import fastapi_offline
from fastapi import FastAPI, Request
from fastapi.staticfiles import StaticFiles
from starlette.responses import HTMLResponse, Response

from api.responses import error_body, json_response
from api.routes.metrics import metrics_token, token_matches
from paygate_app.core.settings import settings

ASSETS_URL = "/docs/assets"
ASSETS_DIR = Path(fastapi_offline.__file__).parent / "static"

_PAGE = """<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} - Swagger UI</title>
<link rel="stylesheet" href="{assets}/swagger-ui.css">
<link rel="icon" href="{assets}/favicon.png">
</head>
<body>
<div id="swagger-ui"></div>
<script src="{assets}/swagger-ui-bundle.js"></script>
<script>
window.ui = SwaggerUIBundle({{spec: {spec}, dom_id: "#swagger-ui", deepLinking: true,
  validatorUrl: null, persistAuthorization: false, layout: "BaseLayout"}});
</script>
</body>
</html>
"""


def _refusal(request: Request) -> Response | None:
    """None when the docs may be served; otherwise the 404 (off) or 401 (token needed) answer."""
    if settings.paygate_env != "production":
        return None
    token = metrics_token()
    if not token:
        return json_response(error_body("NOT_FOUND_ERROR", "API docs are off in production"), 404)
    if not token_matches(request, token):
        return json_response(error_body("AUTHENTICATION_ERROR", "API docs need the metrics token"), 401)
    return None


def add_docs(api: FastAPI) -> None:
    """Call with `FastAPI(docs_url=None, redoc_url=None, openapi_url=None)`."""
    api.mount(ASSETS_URL, StaticFiles(directory=ASSETS_DIR), name="docs-assets")

    @api.get("/openapi.json", include_in_schema=False)
    async def openapi_json(request: Request) -> Response:
        return _refusal(request) or json_response(api.openapi())

    @api.get("/docs", include_in_schema=False)
    async def swagger_ui(request: Request) -> Response:
        refused = _refusal(request)
        if refused is not None:
            return refused
        spec = json.dumps(api.openapi()).replace("</", "<\\/")  # stays inside the <script>
        return HTMLResponse(_PAGE.format(title=api.title, assets=ASSETS_URL, spec=spec))
