"""Credits that cannot overspend and creations that retries cannot repeat, over real HTTP, on
SQLite and on the PostgreSQL server."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from api.main import create_app
from symage_pipeline.defs.launch import RunSubmitter
from symage_pipeline.settings import Settings
from tests.conftest import ADMIN_TOKEN, INTERNAL_TOKEN
from tests.helpers import serve

W2 = {"form_id": "irs_w2_2025", "quantity": 1, "output_formats": ["pdf_typed"], "seed": 1}


class QueueOnly(RunSubmitter):
    """Accepts runs and never starts them: these tests are about admission, not generation."""

    def __init__(self) -> None:
        self.submitted: list[str] = []

    def submit(self, job_id: str, spec, *, user_id: str = "") -> str:  # type: ignore[no-untyped-def]
        self.submitted.append(job_id)
        return ""

    def run_status(self, run_id: str) -> str | None:
        return None


def _stack(settings: Settings):  # type: ignore[no-untyped-def]
    return serve(create_app(settings, QueueOnly()))


def _key(base: str, user: str, **account: object) -> dict[str, str]:
    if account:
        put = httpx.put(
            f"{base}/api/admin/accounts/{user}", json=account, headers={"Authorization": f"Bearer {ADMIN_TOKEN}"}
        )
        assert put.status_code == 200, put.text
    made = httpx.post(
        f"{base}/api/internal/api-keys",
        json={"name": "t"},
        headers={"x-user-id": user, "X-Internal-Token": INTERNAL_TOKEN},
    )
    return {"Authorization": f"Bearer {made.json()['data']['api_key']}"}


def _cost() -> int:
    from symage_pipeline.app.pricing import document_cost
    from symage_pipeline.catalog import load_catalog

    return document_cost(load_catalog().get("irs_w2_2025").field_count, ["pdf_typed"])


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def app_settings(request, settings: Settings) -> Settings:  # type: ignore[no-untyped-def]
    if request.param == "postgres":
        return settings.model_copy(update={"database_url": request.getfixturevalue("pg_url")})
    return settings


def test_twenty_concurrent_creates_admit_exactly_what_fits(app_settings: Settings) -> None:
    with _stack(app_settings) as base:
        cost = _cost()
        auth = _key(base, "tight", credit_limit=5 * cost, tier="enterprise")
        with ThreadPoolExecutor(20) as pool:
            answers = list(pool.map(lambda _: httpx.post(f"{base}/api/v1/generate", json=W2, headers=auth), range(20)))
        codes = sorted(a.status_code for a in answers)
        assert codes == [200] * 5 + [402] * 15, codes
        assert {a.json()["detail"]["code"] for a in answers if a.status_code == 402} == {"insufficient_credits"}
        balance = httpx.get(f"{base}/api/v1/account/balance", headers=auth).json()["data"]
        assert balance["credits_allocated"] == 5 * cost and balance["credits_used"] == 0


def test_a_retried_create_with_its_key_makes_one_job_and_one_debit(app_settings: Settings) -> None:
    with _stack(app_settings) as base:
        cost = _cost()
        auth = _key(base, "retry", tier="enterprise")
        first = httpx.post(f"{base}/api/v1/generate", json=W2, headers={**auth, "Idempotency-Key": "k-1"}).json()
        again = httpx.post(f"{base}/api/v1/generate", json=W2, headers={**auth, "Idempotency-Key": "k-1"}).json()
        assert again["data"]["job_id"] == first["data"]["job_id"]
        assert first["meta"]["credits_charged"] == cost and "idempotent_replay" not in first["meta"]
        assert again["meta"] == {**again["meta"], "idempotent_replay": True, "credits_charged": 0}
        other = httpx.post(
            f"{base}/api/v1/generate", json={**W2, "quantity": 2}, headers={**auth, "Idempotency-Key": "k-1"}
        )
        assert other.status_code == 409 and other.json()["detail"]["code"] == "idempotency_key_reused"
        # Concurrent attempts with a fresh key: one job between them.
        with ThreadPoolExecutor(10) as pool:
            answers = list(
                pool.map(
                    lambda _: httpx.post(
                        f"{base}/api/v1/generate", json=W2, headers={**auth, "Idempotency-Key": "k-2"}
                    ),
                    range(10),
                )
            )
        assert {a.status_code for a in answers} == {200}
        assert len({a.json()["data"]["job_id"] for a in answers}) == 1
        assert sum(not a.json()["meta"].get("idempotent_replay") for a in answers) == 1
        jobs = httpx.get(f"{base}/api/v1/jobs", headers=auth).json()["data"]
        assert len(jobs) == 2
        balance = httpx.get(f"{base}/api/v1/account/balance", headers=auth).json()["data"]
        assert balance["credits_allocated"] == 2 * cost


def test_the_official_client_retries_safely_with_a_key(settings: Settings) -> None:
    from symagedocs import Client

    with _stack(settings) as base:
        auth = _key(base, "sdk-retry", tier="enterprise")
        client = Client(api_key=auth["Authorization"].split()[1], base_url=base)
        one = client.generate.create("irs_w2_2025", quantity=1, seed=1, idempotency_key="sdk-key")
        two = client.generate.create("irs_w2_2025", quantity=1, seed=1, idempotency_key="sdk-key")
        assert one.job_id == two.job_id
        assert len(list(client.generate.list_jobs())) == 1


def test_spend_above_the_threshold_needs_confirmation(settings: Settings) -> None:
    from symagedocs import Client
    from symagedocs._errors import ConfirmationRequired

    with _stack(settings) as base:
        cost = _cost()
        auth = _key(base, "careful", confirm_above=cost, tier="enterprise")
        quote = httpx.post(f"{base}/api/v1/generate", json={**W2, "quantity": 2}, headers=auth).json()
        assert quote["data"]["status"] == "confirmation_required" and "job_id" not in quote["data"]
        assert (quote["data"]["cost"], quote["data"]["available_credits"]) == (2 * cost, 1_000_000)
        assert httpx.get(f"{base}/api/v1/jobs", headers=auth).json()["data"] == []
        low = httpx.post(f"{base}/api/v1/generate", json={**W2, "quantity": 2, "confirmed_credits": cost}, headers=auth)
        assert low.json()["data"]["status"] == "confirmation_required"
        made = httpx.post(
            f"{base}/api/v1/generate", json={**W2, "quantity": 2, "confirmed_credits": 2 * cost}, headers=auth
        ).json()
        assert made["data"]["status"] == "pending" and made["data"]["credits_required"] == 2 * cost
        # Below the threshold nothing is asked.
        assert httpx.post(f"{base}/api/v1/generate", json=W2, headers=auth).json()["data"]["status"] == "pending"
        client = Client(api_key=auth["Authorization"].split()[1], base_url=base)
        with pytest.raises(ConfirmationRequired) as quoted:
            client.generate.create("irs_w2_2025", quantity=3, seed=1)
        assert quoted.value.cost == 3 * cost
        job = client.generate.create("irs_w2_2025", quantity=3, seed=1, confirmed_credits=3 * cost)
        assert job.status == "pending"


def test_form_filter_applies_before_the_page_limit(settings: Settings) -> None:
    with _stack(settings) as base:
        auth = _key(base, "filter", tier="enterprise")
        w2 = [httpx.post(f"{base}/api/v1/generate", json=W2, headers=auth).json()["data"]["job_id"] for _ in range(2)]
        httpx.post(f"{base}/api/v1/generate", json={**W2, "form_id": "irs_f1040_2024"}, headers=auth)
        page = httpx.get(f"{base}/api/v1/jobs", params={"form_id": "irs_w2_2025", "limit": 1}, headers=auth).json()
        assert [j["job_id"] for j in page["data"]] == [w2[1]] and page["meta"]["has_more"] is True
        rest = httpx.get(
            f"{base}/api/v1/jobs",
            params={"form_id": "irs_w2_2025", "limit": 1, "cursor": page["meta"]["next_cursor"]},
            headers=auth,
        ).json()
        assert [j["job_id"] for j in rest["data"]] == [w2[0]] and rest["meta"]["has_more"] is False
