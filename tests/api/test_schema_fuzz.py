"""A short schemathesis run over the served OpenAPI schema: whatever it sends, never a 5xx.

Generated requests go to the app in-process with a real key (so authenticated routes are reached
past the 401); runs are queued, never executed, so the run stays short. `SYMAGE_FUZZ_EXAMPLES`
raises the examples per operation for a longer local run.
"""

from __future__ import annotations

import os

import pytest
import schemathesis
from fastapi.testclient import TestClient
from hypothesis import HealthCheck, given, settings

from api.main import create_app
from symage_pipeline.settings import Settings
from tests.api.test_credits_and_idempotency import QueueOnly
from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN

EXAMPLES = int(os.environ.get("SYMAGE_FUZZ_EXAMPLES", "8"))


@pytest.fixture(scope="module")
def fuzz_app(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    config = Settings(
        data_dir=tmp_path_factory.mktemp("fuzz"),
        admin_token=ADMIN_TOKEN,
        internal_token=INTERNAL_TOKEN,
        public_url="http://testserver",
        default_credits=None,
    )
    app = create_app(config, QueueOnly())
    with TestClient(app) as client:
        made = client.post(
            "/api/internal/api-keys",
            json={"name": "fuzz"},
            headers={"x-user-id": "fuzzer", "X-Internal-Token": INTERNAL_TOKEN},
        )
        client.put(
            "/api/admin/accounts/fuzzer",
            json={"tier": "enterprise"},
            headers={"Authorization": f"Bearer {ADMIN_TOKEN}"},
        )
        yield app, made.json()["data"]["api_key"]


def test_no_input_makes_a_server_error(fuzz_app) -> None:  # type: ignore[no-untyped-def]
    app, key = fuzz_app
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    seen: list[str] = []
    failures: list[tuple] = []
    statuses: list[int] = []
    for result in schema.get_all_operations():
        operation = result.ok()
        seen.append(f"{operation.method.upper()} {operation.path}")

        @given(case=operation.as_strategy())
        @settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck), derandomize=True)
        def probe(case) -> None:  # type: ignore[no-untyped-def]
            response = case.call(headers={"Authorization": f"Bearer {key}"})
            statuses.append(response.status_code)
            if response.status_code >= 500:
                failures.append((case.method, case.formatted_path, response.status_code, response.text[:200]))

        probe()
    assert len(seen) >= 30, seen
    assert failures == []
    assert sum(200 <= s < 300 for s in statuses) >= len(seen)  # the run reaches the routes, not only 4xx
