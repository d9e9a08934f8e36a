"""The render knobs of a validated request, read once per document from the spec.

Top-level request knobs (ink_color, ink_color_distribution, writer_consistency) arrive in
``config["request_options"]`` (see ``submission.validate``); the rest (degradation_profile, dpi)
are ``config`` keys. Validation happened at submission; here only defaults are applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from symage_pipeline.spec import GenerationSpec

DEFAULT_DPI = 150


@dataclass(frozen=True)
class RenderOptions:
    dpi: int = DEFAULT_DPI
    ink_color: str = "blue"
    ink_distribution: tuple[tuple[str, int], ...] = ()  # overrides ink_color when set
    writer_consistency: str = "per_document"
    degradation: str = "clean"  # clean | scanned | faxed | photographed | mixed

    @classmethod
    def from_spec(cls, spec: GenerationSpec) -> RenderOptions:
        config: dict[str, Any] = spec.config
        knobs: dict[str, Any] = config.get("request_options") or {}
        distribution = knobs.get("ink_color_distribution") or {}
        return cls(
            dpi=int(config.get("dpi", DEFAULT_DPI)),
            ink_color=knobs.get("ink_color") or "blue",
            ink_distribution=tuple(sorted(distribution.items())),
            writer_consistency=knobs.get("writer_consistency") or "per_document",
            degradation=config.get("degradation_profile") or "clean",
        )
