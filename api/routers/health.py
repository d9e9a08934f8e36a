from fastapi import APIRouter

from api.envelope import envelope

router = APIRouter(tags=["health"])


@router.get("/health")
def health() -> dict:
    return envelope({"status": "healthy"})
