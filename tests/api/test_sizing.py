"""The bundle-size estimator reproduces the manual's example and follows its rules."""

from __future__ import annotations

MANUAL_EXAMPLE = {
    "total_bytes": 5255252,
    "human_readable": "~5.0 MB",
    "tier": "small",
    "breakdown": {
        "pdf_typed": 5184260,
        "pdf_handwritten": 0,
        "png_typed": 0,
        "png_handwritten": 0,
        "funsd": 43697,
        "bio": 0,
        "yolo": 0,
        "coco": 0,
        "donut": 0,
        "ground_truth": 19840,
        "overhead": 7455,
    },
    "expected_accuracy": "+/- 30%",
    "calibration_sample_count": 296,
    "calibrated_at": "2026-05-08",
    "notes": [],
}


def test_size_rates_are_the_manuals_and_public(api) -> None:
    body = api.client.get("/api/v1/jobs/size-rates").json()
    assert body["rates"]["pdf_typed_bytes_per_file"] == 518426 and body["rates"]["funsd_emit_rate"] == 0.858
    assert body["tiers"] == {"small_max_bytes": 104857600, "medium_max_bytes": 1073741824}
    assert body["calibration_sample_count"] == 296 and body["calibrated_at"] == "2026-05-08"


def test_the_manuals_example_exactly(api) -> None:
    body = {"field_counts": [30], "page_counts": [1], "output_formats": ["pdf_typed"], "record_count": 10}
    assert api.client.post("/api/v1/jobs/size-estimate", json=body).json() == MANUAL_EXAMPLE


def test_zero_records_is_the_overhead_floor_with_a_note(api) -> None:
    body = {"field_counts": [30], "page_counts": [2], "output_formats": ["pdf_typed"], "record_count": 0}
    answer = api.client.post("/api/v1/jobs/size-estimate", json=body).json()
    assert answer["total_bytes"] == answer["breakdown"]["overhead"] == 7455
    assert answer["notes"] == ["record_count = 0; size shown is per-job overhead floor."]


def test_funsd_follows_any_render_and_tiers_grow(api) -> None:
    body = {"field_counts": [30, 40], "page_counts": [1, 2], "output_formats": ["pdf_handwritten"], "record_count": 500}
    answer = api.client.post("/api/v1/jobs/size-estimate", json=body).json()
    assert answer["breakdown"]["funsd"] > 0 and answer["breakdown"]["pdf_handwritten"] == 2240759 * 1000
    assert answer["tier"] == "large" and answer["human_readable"].endswith("GB")


def test_length_mismatch_is_422_and_unknown_format_400(api) -> None:
    mismatch = {"field_counts": [30, 40], "page_counts": [1], "output_formats": [], "record_count": 1}
    response = api.client.post("/api/v1/jobs/size-estimate", json=mismatch)
    assert response.status_code == 422 and response.json()["detail"]["code"] == "validation_error"
    unknown = {"field_counts": [30], "page_counts": [1], "output_formats": ["pdf_unicorn"], "record_count": 1}
    response = api.client.post("/api/v1/jobs/size-estimate", json=unknown)
    assert response.status_code == 400 and response.json()["detail"]["code"] == "invalid_output_format"
    # json/csv/funsd are always produced and never requested, as on /generate
    funsd = {**unknown, "output_formats": ["funsd"]}
    assert api.client.post("/api/v1/jobs/size-estimate", json=funsd).status_code == 400
