"""Credit pricing: the formulas of docs/spec/api-user-manual.txt, for `/generate`, `/pricing/*` and the catalog."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

SURFACE_RATES: dict[str, dict[str, int]] = {
    "pdf_typed": {"base_credits": 20, "field_threshold": 25, "surcharge_per_band": 2, "band_size": 25},
    "pdf_handwritten": {"base_credits": 40, "field_threshold": 25, "surcharge_per_band": 4, "band_size": 25},
}
# A fillable PDF is a typed render with live widgets: it costs what a typed PDF costs.
PRICED_AS = {"pdf_typed": "pdf_typed", "pdf_filled": "pdf_typed", "pdf_handwritten": "pdf_handwritten"}
CSV_RATES = {"rows_per_credit": 50, "extra_column_threshold": 10, "extra_cells_per_credit": 500}
DEGRADATION_MULTIPLIERS: dict[str, float] = {
    "clean": 1.0,
    "scanned": 1.2,
    "faxed": 1.2,
    "photographed": 1.3,
    "mixed": 1.25,
}


def surface_cost(surface: str, field_count: int) -> int:
    rate = SURFACE_RATES[surface]
    bands = math.ceil(max(field_count - rate["field_threshold"], 0) / rate["band_size"])
    return rate["base_credits"] + bands * rate["surcharge_per_band"]


def document_cost(field_count: int, output_formats: Iterable[str]) -> int:
    """Credits for one document of one form: each priced surface once (png/ML labels are free)."""
    surfaces = {PRICED_AS[f] for f in output_formats if f in PRICED_AS}
    return sum(surface_cost(s, field_count) for s in sorted(surfaces))


def apply_degradation(credits: int, profile: str | None) -> int:
    multiplier = DEGRADATION_MULTIPLIERS.get(profile or "clean", 1.0)
    return math.ceil(round(credits * multiplier, 6))


def job_cost(
    field_counts: Sequence[int], quantity: int, output_formats: Iterable[str], degradation: str | None = None
) -> int:
    formats = list(output_formats)
    per_item = sum(document_cost(fc, formats) for fc in field_counts)
    return apply_degradation(per_item * quantity, degradation)


def tabular_cost(rows: int, columns: int) -> int:
    extra_cells = rows * max(columns - CSV_RATES["extra_column_threshold"], 0)
    surcharge = math.ceil(extra_cells / CSV_RATES["extra_cells_per_credit"])
    return math.ceil(rows / CSV_RATES["rows_per_credit"] + surcharge)


def rates() -> dict:
    return {
        "csv": dict(CSV_RATES),
        **{name: dict(rate) for name, rate in SURFACE_RATES.items()},
        "degradation_multipliers": dict(DEGRADATION_MULTIPLIERS),
        "rounding": {"free_threshold": 0, "minimum_credits": 1, "method": "ceil"},
        "bundling": "PDF output includes CSV/JSON free",
    }
