"""The one request contract: what a generation job is asked to make.

`GenerationSpec` is made once, by `app.intake` from the HTTP body (or the CLI's options), after
every rule has passed; from then on the same model travels everywhere: stored on the Job row
(`Job.spec`), carried into the Dagster run as the `spec` of `GenerateConfig` (a nested
`dg.Config` with the same fields), and handed to every library. Everything a worker needs to make
item *i* is a function of this model and *i*.
"""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field

RENDER_SURFACES = ("pdf_typed", "pdf_handwritten")
PNG_FORMATS = {"png_typed": "pdf_typed", "png_handwritten": "pdf_handwritten"}
ML_FORMATS = ("bio", "coco", "yolo", "donut")
ALWAYS_PRODUCED = ("json", "csv", "funsd")
KNOWN_FORMATS = (*RENDER_SURFACES, "pdf_filled", *PNG_FORMATS, *ML_FORMATS)
ML_FLAG = "ml-output-formats-enabled"

COHERENCE_MODES = ("coherent", "shuffled", "random")
DEGRADATION_PROFILES = ("clean", "scanned", "faxed", "photographed", "mixed")
INK_COLORS = ("black", "blue", "red")
WRITER_CONSISTENCY = ("per_document", "per_field")
DPI_RANGE = (50, 600)  # page images: below 50 nothing is legible, above 600 a page is ~100 MB of pixels
LABEL_SCHEMES = ("semantic_concept", "field_id", "nist3", "field_type")
MAX_QUANTITY = 10_000_000


class GenerationSpec(BaseModel):
    """A validated request, with its seed drawn when none was asked for."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    form_ids: tuple[str, ...] = Field(min_length=1)
    quantity: int = Field(ge=1, le=MAX_QUANTITY)
    output_formats: tuple[str, ...] = ("pdf_typed",)
    seed: int = Field(ge=0, lt=2**62)
    # coherence_mode, degradation_profile, dpi, label_scheme, fill_scenarios, request_options, …:
    # kept as the request gave them (validated by app.intake), since the manifest records them as-is.
    config: dict[str, Any] = Field(default_factory=dict)

    @property
    def coherence_mode(self) -> str:
        return self.config.get("coherence_mode", "coherent")

    @property
    def label_scheme(self) -> str:
        return self.config.get("label_scheme", "semantic_concept")

    @property
    def documents_total(self) -> int:
        return self.quantity * len(self.form_ids)
