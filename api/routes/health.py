from fastapi import APIRouter

from api.envelope import envelope
from api.schemas.account import Health
from api.schemas.common import Envelope

router = APIRouter(tags=["health"])


@router.get("/health", response_model=Envelope[Health])
def health() -> dict:
    return envelope(Health(status="healthy"))
