"""Bundle-size estimation: the manual's calibrated per-format byte constants and its estimator.

Public (no auth) and pure arithmetic, like pricing: a user previews the download before paying
for it. The constants are the manual's (calibrated on 296 staging bundles); the estimator is
per-file counts times those constants: PDFs and ground truth per document, page-level files
(PNG, FUNSD, YOLO, Donut rows) per page, COCO per rendered surface, plus a fixed per-job floor.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

RATES: dict[str, float] = {
    "pdf_typed_bytes_per_file": 518426,
    "pdf_handwritten_bytes_per_file": 2240759,
    "png_typed_bytes_per_file": 1549775,
    "png_handwritten_bytes_per_file": 549089,
    "funsd_bytes_per_file": 5093,
    "bio_bytes_per_instance": 43661,
    "yolo_bytes_per_file": 1960,
    "coco_bytes_per_surface": 55508,
    "donut_bytes_per_row": 2703,
    "ground_truth_json_bytes_per_file": 1984,
    "ground_truth_csv_bytes_per_job": 4698,
    "bundle_overhead_bytes_per_job": 2757,
    "funsd_emit_rate": 0.858,
    "bio_emit_rate": 1.0,
}
TIERS = {"small_max_bytes": 100 * 1024**2, "medium_max_bytes": 1024**3}
ACCURACY = "+/- 30%"
CALIBRATION = {"calibration_sample_count": 296, "calibrated_at": "2026-05-08"}
RENDER_FORMATS = ("pdf_typed", "pdf_handwritten", "png_typed", "png_handwritten")
LABEL_SURFACES = ("pdf_typed", "pdf_handwritten")
BREAKDOWN_KEYS = (
    "pdf_typed",
    "pdf_handwritten",
    "png_typed",
    "png_handwritten",
    "funsd",
    "bio",
    "yolo",
    "coco",
    "donut",
    "ground_truth",
    "overhead",
)
ZERO_NOTE = "record_count = 0; size shown is per-job overhead floor."


def size_rates() -> dict[str, Any]:
    rates = {k: (int(v) if float(v).is_integer() and "rate" not in k else v) for k, v in RATES.items()}
    return {"rates": rates, "tiers": dict(TIERS), "expected_accuracy": ACCURACY, **CALIBRATION}


def human_readable(size: int) -> str:
    for unit, scale in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= scale:
            return f"~{size / scale:.1f} {unit}"
    return f"~{size} B"


def tier(size: int) -> str:
    if size < TIERS["small_max_bytes"]:
        return "small"
    return "medium" if size < TIERS["medium_max_bytes"] else "large"


def estimate_size(page_counts: Sequence[int], output_formats: Sequence[str], record_count: int) -> dict[str, Any]:
    """The compressed zip size of a job of `record_count` items over forms of these page counts
    (formats already validated)."""
    formats = set(output_formats)
    documents = record_count * len(page_counts)
    pages = record_count * sum(page_counts)
    surfaces = max(1, sum(f in formats for f in LABEL_SURFACES))
    rendered = bool(formats & set(RENDER_FORMATS))
    r = RATES

    def per(rate: str, count: float) -> int:
        return math.floor(r[rate] * count)

    breakdown = dict.fromkeys(BREAKDOWN_KEYS, 0)
    for surface in ("pdf_typed", "pdf_handwritten"):
        if surface in formats:
            breakdown[surface] = per(f"{surface}_bytes_per_file", documents)
    for surface in ("png_typed", "png_handwritten"):
        if surface in formats:
            breakdown[surface] = per(f"{surface}_bytes_per_file", pages)
    if rendered:  # FUNSD ground truth comes with every render, asked for or not
        breakdown["funsd"] = per("funsd_bytes_per_file", pages * surfaces * r["funsd_emit_rate"])
    if "bio" in formats:
        breakdown["bio"] = per("bio_bytes_per_instance", documents * surfaces * r["bio_emit_rate"])
    if "yolo" in formats:
        breakdown["yolo"] = per("yolo_bytes_per_file", pages * surfaces)
    if "coco" in formats:
        breakdown["coco"] = per("coco_bytes_per_surface", documents * surfaces)
    if "donut" in formats:
        breakdown["donut"] = per("donut_bytes_per_row", pages * surfaces)
    breakdown["ground_truth"] = per("ground_truth_json_bytes_per_file", documents)
    breakdown["overhead"] = int(r["bundle_overhead_bytes_per_job"] + r["ground_truth_csv_bytes_per_job"])
    total = sum(breakdown.values())
    return {
        "total_bytes": total,
        "human_readable": human_readable(total),
        "tier": tier(total),
        "breakdown": breakdown,
        "expected_accuracy": ACCURACY,
        **CALIBRATION,
        "notes": [ZERO_NOTE] if record_count == 0 else [],
    }
