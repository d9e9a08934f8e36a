"""API docs that work offline: Swagger UI and ReDoc served from the assets `fastapi-offline` ships,
at `/docs`, `/redoc` and again under `/api/v1/`, beside the schema at `/openapi.json`."""

from __future__ import annotations

from pathlib import Path

import fastapi_offline
from fastapi import FastAPI
from fastapi.openapi.docs import get_redoc_html, get_swagger_ui_html
from fastapi.responses import HTMLResponse
from fastapi.staticfiles import StaticFiles

ASSETS = Path(fastapi_offline.__file__).parent / "static"
STATIC = "/api/v1/docs-static"


def install_docs(app: FastAPI) -> None:
    app.mount(STATIC, StaticFiles(directory=ASSETS), name="docs-static")
    title = app.title

    def swagger() -> HTMLResponse:
        return get_swagger_ui_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — API",
            swagger_js_url=f"{STATIC}/swagger-ui-bundle.js",
            swagger_css_url=f"{STATIC}/swagger-ui.css",
            swagger_favicon_url=f"{STATIC}/favicon.png",
        )

    def redoc() -> HTMLResponse:
        return get_redoc_html(
            openapi_url=app.openapi_url or "/openapi.json",
            title=f"{title} — API",
            redoc_js_url=f"{STATIC}/redoc.standalone.js",
            redoc_favicon_url=f"{STATIC}/favicon.png",
            with_google_fonts=False,
        )

    for prefix in ("", "/api/v1"):
        app.add_api_route(f"{prefix}/docs", swagger, include_in_schema=False)
        app.add_api_route(f"{prefix}/redoc", redoc, include_in_schema=False)
    app.add_api_route("/api/v1/openapi.json", lambda: app.openapi(), include_in_schema=False)
