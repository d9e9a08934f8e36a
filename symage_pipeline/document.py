"""The shapes that pass between the stages of one document: filled → rendered → annotated.

These are the contracts between the domain libraries (coherence, render, annotate); each library
owns how it fills them, none needs to know how the others work.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from symage_pipeline.render.words import Word

STAGES = ("prefilled", "completed", "blank")


@dataclass(frozen=True)
class FilledDocument:
    """One form of one item, with every field's displayed value decided."""

    form_id: str
    item_index: int
    stem: str  # file-name stem, e.g. irs_w2_2025_000007
    values: dict[str, str]  # field id -> displayed text ("" when blank)
    identity_seed: int
    # field id -> prefilled | completed | blank; fields not listed are "completed".
    stages: dict[str, str] = field(default_factory=dict)
    # Recorded as _metadata.fill in the ground truth when fill scenarios were used.
    fill: dict[str, Any] | None = None
    # Anything else a later stage should record in the per-item metadata (coherence mode, …).
    metadata: dict[str, Any] = field(default_factory=dict)

    def stage(self, field_id: str) -> str:
        return self.stages.get(field_id, "completed")


@dataclass(frozen=True)
class PageImage:
    """A raster of one page of a rendered surface, with word boxes in its pixel coordinates."""

    page: int  # 0-based
    data: bytes  # encoded image
    ext: str  # "png" | "jpg"
    width: int  # pixels
    height: int
    dpi: int
    words: tuple[Word, ...]  # boxes in pixels of this image (after any geometric degradation)
    degradation: str = "clean"  # the concrete profile applied (mixed resolves to one per document)
    # Legibility audit of a degraded page: {"field_id", "page", "reason", "score"} per field whose
    # ink became clipped, too small or unreadable (clipped | too_small | ink_lost | low_contrast).
    legibility: tuple[dict[str, Any], ...] = ()
    # 3x3 homography, row-major, from PDF points (origin top-left) to this image's pixels: maps any
    # page geometry (field rects, labels) the way the pixels and `words` were mapped. () = unknown.
    transform: tuple[float, ...] = ()


@dataclass(frozen=True)
class RenderedSurface:
    """One document rendered on one surface (typed, handwritten, filled)."""

    surface: str  # "typed" | "handwritten" | "filled"
    pdf: bytes
    words: tuple[Word, ...]  # PDF points, origin top-left, page 0-based
    page_sizes: tuple[tuple[float, float], ...]  # points, per page
    images: tuple[PageImage, ...] = ()
    metadata: dict[str, Any] = field(default_factory=dict)  # writer, ink, degradation, legibility audit…

    @property
    def page_count(self) -> int:
        return len(self.page_sizes)


# A file a stage wants in the dataset: (path inside the dataset zip, bytes).
OutputFile = tuple[str, bytes]


def document_stem(form_id: str, item_index: int, quantity: int) -> str:
    """Zero-padded so names sort in item order within a form, whatever the quantity."""
    return f"{form_id}_{item_index:0{max(6, len(str(quantity - 1)))}d}"
