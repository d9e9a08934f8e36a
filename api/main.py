"""The FastAPI facade: validates, bills, records and submits; Dagster does the work."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import APIRouter, FastAPI

from api.docs import install_docs
from api.envelope import RequestIdMiddleware
from api.errors import install_error_handlers
from api.limits import BodyLimitMiddleware
from api.logs import configure_logging
from api.ratelimit import RateLimitHeadersMiddleware, make_limiter
from api.routes import (
    account,
    admin,
    dataset,
    files,
    forms,
    generate,
    health,
    identities,
    items,
    jobs,
    pricing,
    sizing,
    tabular,
    webhooks,
)
from api.services import Services
from symage_pipeline import __version__
from symage_pipeline.app.db import Database
from symage_pipeline.catalog import load_catalog
from symage_pipeline.defs.launch import RoutingSubmitter, RunSubmitter
from symage_pipeline.settings import Settings, get_settings

DESCRIPTION = (
    "Synthetic identities and the documents they fill, as training and test data for document AI. "
    "Every success is `{data, meta}`; every error is `{detail: {code, message, status}}`. "
    "Authenticate with `Authorization: Bearer <API key>`."
)


def build_services(settings: Settings, submitter: RunSubmitter | None = None) -> Services:
    return Services(
        settings=settings,
        db=Database(settings.resolved_database_url),
        store=settings.open_store(),
        catalog=load_catalog(),
        submitter=submitter or RoutingSubmitter(settings),
        limiter=make_limiter(settings.redis_url),
    )


def create_app(settings: Settings | None = None, submitter: RunSubmitter | None = None) -> FastAPI:
    settings = settings or get_settings()
    configure_logging(settings.log_format, settings.log_level)

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        services = build_services(settings, submitter)
        app.state.services = services
        try:
            yield
        finally:
            services.submitter.close()
            services.db.dispose()

    app = FastAPI(
        title="Symage",
        version=__version__,
        description=DESCRIPTION,
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
    )
    app.add_middleware(RateLimitHeadersMiddleware)
    app.add_middleware(BodyLimitMiddleware, max_bytes=settings.max_body_bytes)
    app.add_middleware(RequestIdMiddleware)
    install_error_handlers(app)

    v1 = APIRouter(prefix="/api/v1")
    for module in (
        health,
        pricing,
        sizing,
        forms,
        generate,
        jobs,
        dataset,
        items,
        files,
        account,
        identities,
        tabular,
        webhooks,
    ):
        v1.include_router(module.router)
    app.include_router(v1)
    app.include_router(admin.router)
    app.include_router(webhooks.internal_router)
    install_docs(app)
    return app
