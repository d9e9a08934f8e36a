"""What `/health` reports: can this API process reach its database, its artifact store and the
Dagster instance, and are the Dagster daemons that launch its runs alive.

A liveness probe that answers "healthy" while the daemon is dead lets every queued job sit
`pending` unseen; each part is checked, timed, and named when it fails.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from sqlalchemy import text

from symage_pipeline.app.db import Database
from symage_pipeline.storage import ArtifactStore

PROBE_KEY = "health/probe"


def _check(probe: Callable[[], dict[str, Any] | None]) -> dict[str, Any]:
    start = time.perf_counter()
    try:
        extra = probe() or {}
    except Exception as exc:  # noqa: BLE001 - any failure is the answer
        return {"status": "error", "error": f"{type(exc).__name__}: {exc}"[:300]}
    return {"status": "ok", "latency_ms": round((time.perf_counter() - start) * 1000, 1), **extra}


def _database(db: Database) -> None:
    with db.session() as session:
        session.execute(text("SELECT 1"))


def _store(store: ArtifactStore) -> None:
    store.exists(PROBE_KEY)  # a round trip: a stat locally, a HEAD request on S3


def health_report(db: Database, store: ArtifactStore, dagster: Callable[[], dict[str, Any]]) -> dict[str, Any]:
    """`healthy` when every check passes and every daemon the runs need is alive, else `degraded`
    with the failing parts named."""
    checks = {
        "database": _check(lambda: _database(db)),
        "store": _check(lambda: _store(store)),
        "dagster": _check(dagster),
    }
    daemons = checks["dagster"].get("daemons", {})
    failing = [name for name, c in checks.items() if c["status"] != "ok"]
    failing += [f"daemon:{name}" for name, alive in daemons.items() if not alive]
    return {"status": "degraded" if failing else "healthy", "failing": failing, "checks": checks}
