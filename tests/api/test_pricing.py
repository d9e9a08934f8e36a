"""The manual's pricing tables, through the pricing module and the public estimate endpoint."""

import pytest

from symage_pipeline.app import pricing


@pytest.mark.parametrize(
    ("fields", "quantity", "credits"),
    [(20, 100, 2_000), (50, 100, 2_200), (50, 10, 220)],
)
def test_typed_pdf_examples(fields: int, quantity: int, credits: int) -> None:
    assert pricing.job_cost([fields], quantity, ["pdf_typed"]) == credits


@pytest.mark.parametrize(("fields", "per_doc"), [(25, 40), (26, 44), (50, 44), (51, 48), (76, 52)])
def test_handwritten_bands(fields: int, per_doc: int) -> None:
    assert pricing.document_cost(fields, ["pdf_handwritten"]) == per_doc


@pytest.mark.parametrize(
    ("columns", "rows", "credits"),
    [(5, 1_000, 20), (20, 1_000, 40), (10, 5_000, 100), (50, 10_000, 1_000)],
)
def test_tabular_examples(columns: int, rows: int, credits: int) -> None:
    assert pricing.tabular_cost(rows, columns) == credits


def test_surfaces_add_and_png_is_free() -> None:
    assert pricing.document_cost(20, ["pdf_typed", "png_typed"]) == 20
    assert pricing.document_cost(20, ["pdf_typed", "pdf_handwritten"]) == 60


def test_degradation_multiplier_rounds_up() -> None:
    assert pricing.job_cost([20], 3, ["pdf_typed"], "photographed") == 78
    assert pricing.job_cost([20], 1, ["pdf_typed"], "mixed") == 25


def test_multi_form_jobs_price_every_form() -> None:
    assert pricing.job_cost([20, 50], 10, ["pdf_typed"]) == 10 * (20 + 22)


def test_estimate_endpoint_matches_the_module(api) -> None:
    response = api.client.post(
        "/api/v1/pricing/estimate",
        json={"field_count": 50, "output_formats": ["pdf_typed"], "record_count": 100},
        headers={"Authorization": "Bearer not-a-key"},  # public routes ignore the header
    )
    assert response.status_code == 200
    assert response.json()["data"]["credits"] == 2_200
    rates = api.client.get("/api/v1/pricing/rates").json()["data"]
    assert rates["pdf_typed"]["base_credits"] == 20
    assert rates["degradation_multipliers"]["photographed"] == 1.3


def test_estimate_rejects_unknown_format(api) -> None:
    response = api.client.post(
        "/api/v1/pricing/estimate",
        json={"field_count": 5, "output_formats": ["pdf_unicorn"], "record_count": 1},
    )
    assert response.status_code == 400
    assert response.json()["detail"]["code"] == "invalid_output_format"
