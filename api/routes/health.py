from typing import Annotated

from fastapi import APIRouter, Query
from fastapi.responses import JSONResponse
from starlette.concurrency import run_in_threadpool

from api.deps import ServicesDep
from api.envelope import envelope
from api.schemas.account import Health
from api.schemas.common import Envelope, error_responses
from symage_pipeline.app.health import health_report

router = APIRouter(tags=["health"])


@router.get(
    "/health",
    response_model=Envelope[Health],
    responses={**error_responses(422), 503: {"model": Envelope[Health], "description": "degraded (with ready=true)"}},
)
async def health(
    services: ServicesDep,
    ready: Annotated[bool, Query(description="Answer 503 unless every part is healthy (a readiness probe)")] = False,
) -> dict | JSONResponse:
    """The database, the artifact store, the Dagster instance and its daemons, each checked and
    timed. Always 200 as a liveness probe; with `ready=true`, 503 when anything is failing."""
    report = await run_in_threadpool(health_report, services.db, services.store, services.submitter.health)
    body = envelope(report)
    if ready and report["status"] != "healthy":
        return JSONResponse(body, status_code=503)
    return body
