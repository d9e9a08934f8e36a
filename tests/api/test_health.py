"""`/health` checks the parts a job needs and names the one that fails."""

from __future__ import annotations

import pytest


def test_healthy_with_every_part_checked_and_timed(api) -> None:
    response = api.client.get("/api/v1/health", headers={"Authorization": "Bearer garbage"})
    assert response.status_code == 200
    body = response.json()["data"]
    assert body["status"] == "healthy" and body["failing"] == []
    assert set(body["checks"]) == {"database", "store", "dagster"}
    assert all(c["status"] == "ok" and c["latency_ms"] >= 0 for c in body["checks"].values())
    assert api.client.get("/api/v1/health?ready=true").status_code == 200


@pytest.mark.parametrize("part", ["database", "store", "dagster"])
def test_a_failing_part_is_named_and_fails_readiness(api, monkeypatch, part: str) -> None:
    services = api.client.app.state.services

    def broken(*args, **kwargs):  # type: ignore[no-untyped-def]
        raise ConnectionError(f"{part} unreachable")

    target = {"database": (services.db, "session"), "store": (services.store, "exists"),
              "dagster": (services.submitter, "health")}[part]  # fmt: skip
    monkeypatch.setattr(*target, broken)
    live = api.client.get("/api/v1/health")
    assert live.status_code == 200  # still alive: liveness never flaps on a dependency
    body = live.json()["data"]
    assert body["status"] == "degraded" and body["failing"] == [part]
    assert body["checks"][part] == {"status": "error", "error": f"ConnectionError: {part} unreachable",
                                    "latency_ms": None}  # fmt: skip
    assert api.client.get("/api/v1/health?ready=true").status_code == 503


def test_a_dead_daemon_is_reported(api, monkeypatch) -> None:
    services = api.client.app.state.services
    monkeypatch.setattr(services.submitter, "health", lambda: {"daemons": {"QUEUED_RUN_COORDINATOR": False}})
    body = api.client.get("/api/v1/health").json()["data"]
    assert body["status"] == "degraded" and body["failing"] == ["daemon:QUEUED_RUN_COORDINATOR"]
