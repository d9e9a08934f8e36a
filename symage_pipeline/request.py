"""What a generation job is asked to make, and the rules a request must pass before anything is written.

Kept free of FastAPI so the CLI, the API and the Dagster job validate the same way.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

from symage_pipeline.errors import bad_request
from symage_pipeline.scenarios import validate_fill_scenarios

RENDER_SURFACES = ("pdf_typed", "pdf_handwritten")
PNG_FORMATS = {"png_typed": "pdf_typed", "png_handwritten": "pdf_handwritten"}
ML_FORMATS = ("bio", "coco", "yolo", "donut")
ALWAYS_PRODUCED = ("json", "csv", "funsd")
KNOWN_FORMATS = (*RENDER_SURFACES, "pdf_filled", *PNG_FORMATS, *ML_FORMATS)
# Formats the renderer can produce today; the rest are known tokens that land with later work.
IMPLEMENTED_FORMATS = ("pdf_typed", "pdf_handwritten", "pdf_filled", *PNG_FORMATS, *ML_FORMATS)
ML_FLAG = "ml-output-formats-enabled"

COHERENCE_MODES = ("coherent", "shuffled", "random")
IMPLEMENTED_COHERENCE_MODES = COHERENCE_MODES
DEGRADATION_PROFILES = ("clean", "scanned", "faxed", "photographed", "mixed")
IMPLEMENTED_DEGRADATION_PROFILES = DEGRADATION_PROFILES
INK_COLORS = ("black", "blue", "red")
WRITER_CONSISTENCY = ("per_document", "per_field")
DPI_RANGE = (50, 600)  # page images: below 50 nothing is legible, above 600 a page is ~100 MB of pixels
LABEL_SCHEMES = ("semantic_concept", "field_id", "nist3", "field_type")
MAX_QUANTITY = 10_000_000


@dataclass(frozen=True)
class GenerationSpec:
    """A validated request. Everything a worker needs to make item i is a function of this and i."""

    form_ids: tuple[str, ...]
    quantity: int
    output_formats: tuple[str, ...]
    seed: int
    config: dict[str, Any] = field(default_factory=dict)

    @property
    def coherence_mode(self) -> str:
        return self.config.get("coherence_mode", "coherent")

    @property
    def label_scheme(self) -> str:
        return self.config.get("label_scheme", "semantic_concept")

    @property
    def documents_total(self) -> int:
        return self.quantity * len(self.form_ids)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["form_ids"] = list(self.form_ids)
        data["output_formats"] = list(self.output_formats)
        return data

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> GenerationSpec:
        return cls(
            form_ids=tuple(data["form_ids"]),
            quantity=int(data["quantity"]),
            output_formats=tuple(data["output_formats"]),
            seed=int(data["seed"]),
            config=dict(data.get("config") or {}),
        )


def resolve_form_ids(form_id: Any, form_ids: Any, known: Collection[str]) -> tuple[str, ...]:
    if (form_id is None) == (form_ids is None):
        raise bad_request("invalid_form_selection", "Provide exactly one of form_id or form_ids.")
    if form_id is not None:
        if not isinstance(form_id, str):
            raise bad_request("invalid_form_selection", "form_id must be a string.")
        ids: Sequence[Any] = [form_id]
    else:
        if not isinstance(form_ids, list) or not form_ids:
            raise bad_request("invalid_form_selection", "form_ids must be a non-empty list of form ids.")
        ids = form_ids
    bad = [f for f in ids if not isinstance(f, str) or f not in known]
    if bad:
        raise bad_request("unknown_form", f"Unknown form: {', '.join(map(str, bad))}", form_ids=bad)
    if len(set(ids)) != len(ids):
        raise bad_request("invalid_form_selection", "form_ids must not repeat a form.")
    return tuple(ids)


def validate_quantity(quantity: Any, maximum: int = MAX_QUANTITY) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= maximum:
        raise bad_request("invalid_quantity", f"quantity must be an integer from 1 to {maximum:,}.")
    return quantity


def validate_output_formats(formats: Any, feature_flags: Collection[str]) -> tuple[str, ...]:
    if formats is None:
        return ("pdf_typed",)
    if not isinstance(formats, list) or not all(isinstance(f, str) for f in formats):
        raise bad_request("invalid_output_format", "output_formats must be a list of strings.")
    if not formats:
        return ("pdf_typed",)
    unknown = [f for f in formats if f not in KNOWN_FORMATS]
    if unknown:
        hint = " (json, csv and FUNSD are always included)" if set(unknown) & set(ALWAYS_PRODUCED) else ""
        raise bad_request(
            "invalid_output_format",
            f"Unknown or non-requestable output format: {', '.join(unknown)}{hint}",
            invalid_formats=unknown,
        )
    requested = set(formats)
    for png, pdf in PNG_FORMATS.items():
        if png in requested and pdf not in requested:
            raise bad_request("missing_pdf_dependency", f"{png} requires {pdf} in the same request.")
    ml = [f for f in formats if f in ML_FORMATS]
    if ml and not requested & {"pdf_typed", "pdf_handwritten", "png_typed"}:
        raise bad_request(
            "missing_render_dependency",
            "ML formats need a render format (pdf_typed, pdf_handwritten or png_typed) in the same request.",
        )
    if ml and ML_FLAG not in feature_flags:
        raise bad_request(
            "ml_formats_disabled",
            f"ML output formats are not enabled for this account ({ML_FLAG}).",
            forbidden_formats=ml,
        )
    pending = [f for f in formats if f not in IMPLEMENTED_FORMATS]
    if pending:
        raise bad_request(
            "format_not_available",
            f"Output format not available on this server yet: {', '.join(pending)}",
            unavailable_formats=pending,
        )
    return tuple(dict.fromkeys(formats))


def validate_config(config: Any, quantity: int) -> dict[str, Any]:
    if config is None:
        return {}
    if not isinstance(config, dict):
        raise bad_request("invalid_config", "config must be an object.")
    mode = config.get("coherence_mode", "coherent")
    if mode not in COHERENCE_MODES:
        raise bad_request(
            "invalid_coherence_mode", f"Unknown coherence_mode {mode!r}; use one of {', '.join(COHERENCE_MODES)}."
        )
    if mode == "shuffled" and quantity == 1:
        raise bad_request("invalid_coherence_mode", "coherence_mode 'shuffled' needs quantity of at least 2.")
    if mode not in IMPLEMENTED_COHERENCE_MODES:
        raise bad_request("invalid_coherence_mode", f"coherence_mode {mode!r} is not available on this server yet.")
    profile = config.get("degradation_profile", "clean")
    if profile not in DEGRADATION_PROFILES:
        raise bad_request(
            "invalid_degradation_profile",
            f"Unknown degradation_profile {profile!r}; use one of {', '.join(DEGRADATION_PROFILES)}.",
        )
    if profile not in IMPLEMENTED_DEGRADATION_PROFILES:
        raise bad_request(
            "invalid_degradation_profile", f"degradation_profile {profile!r} is not available on this server yet."
        )
    dpi = config.get("dpi", 150)
    if isinstance(dpi, bool) or not isinstance(dpi, int) or not DPI_RANGE[0] <= dpi <= DPI_RANGE[1]:
        raise bad_request("invalid_dpi", f"dpi must be an integer from {DPI_RANGE[0]} to {DPI_RANGE[1]}.")
    scheme = config.get("label_scheme", "semantic_concept")
    if scheme not in LABEL_SCHEMES:
        raise bad_request(
            "invalid_label_scheme", f"Unknown label_scheme {scheme!r}; use one of {', '.join(LABEL_SCHEMES)}."
        )
    if "fill_scenarios" in config:
        config = {**config, "fill_scenarios": validate_fill_scenarios(config["fill_scenarios"], mode)}
    return dict(config)


def validate_handwriting_options(knobs: dict[str, Any]) -> dict[str, Any]:
    """ink_color, ink_color_distribution (weights summing to 100) and writer_consistency;
    realism_level is accepted and ignored (deprecated: all handwriting is rendered at high realism)."""
    color = knobs.get("ink_color")
    if color is not None and color not in INK_COLORS:
        raise bad_request("invalid_ink_color", f"ink_color must be one of {', '.join(INK_COLORS)}, got {color!r}.")
    dist = knobs.get("ink_color_distribution")
    if dist is not None:
        weights = dist.values() if isinstance(dist, dict) else ()
        if (
            not isinstance(dist, dict)
            or not dist
            or any(c not in INK_COLORS for c in dist)
            or any(isinstance(w, bool) or not isinstance(w, int) or w < 0 for w in weights)
            or sum(dist.values()) != 100
        ):
            raise bad_request(
                "invalid_ink_color_distribution",
                f"ink_color_distribution must map {', '.join(INK_COLORS)} to non-negative integer weights "
                "summing to 100.",
            )
    consistency = knobs.get("writer_consistency")
    if consistency is not None and consistency not in WRITER_CONSISTENCY:
        raise bad_request(
            "invalid_writer_consistency",
            f"writer_consistency must be one of {', '.join(WRITER_CONSISTENCY)}, got {consistency!r}.",
        )
    return knobs


def validate_form_support(formats: Sequence[str], forms: Sequence[Any]) -> None:
    """Formats that only some forms support (catalog flags `fillable`, `handwriting`): the whole
    request is rejected, naming every form that cannot deliver."""
    checks = (
        ("pdf_filled", "fillable", "format_unsupported_for_form", "pdf_filled needs fillable forms; not fillable"),
        ("pdf_handwritten", "handwriting", "handwriting_unsupported_for_form", "no handwritten output for"),
    )
    for fmt, flag, code, message in checks:
        if fmt in formats:
            unsupported = [f.id for f in forms if not getattr(f, flag)]
            if unsupported:
                raise bad_request(
                    code, f"{message}: {', '.join(unsupported)}", unsupported_form_ids=unsupported, format=fmt
                )


def validate_seed(seed: Any) -> int | None:
    if seed is None:
        return None
    if isinstance(seed, bool) or not isinstance(seed, int) or not 0 <= seed < 2**62:
        raise bad_request("invalid_seed", "seed must be a non-negative integer below 2**62.")
    return seed
