"""Word boxes shared by the renderer and the annotation writers."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Word:
    """One whitespace-delimited word as a text extractor would report it.

    ``field_id`` is set for value words and also for label words (so a label can be linked to
    its values as a FUNSD question); ``kind`` tells them apart.
    """

    text: str
    page: int  # 0-based
    x0: float  # PDF points, origin top-left
    y0: float
    x1: float
    y1: float
    field_id: str | None
    kind: str  # "value" | "label" | "static"

    @property
    def box(self) -> tuple[float, float, float, float]:
        return (self.x0, self.y0, self.x1, self.y1)
