"""Legibility audit: which fields a degradation made clipped or unreadable.

Labels stay geometrically exact under degradation, but a label over ink nobody can read teaches a
model the wrong thing, so each degraded page is checked field by field:

* clipped -- part of a value word's box fell outside the image (perspective, skew);
* too_small -- the field's words' ink spans fewer rows than a reader needs at the resolution
  really kept (a fax keeps 98 rows per inch whatever the image size); check marks
  are exempt here;
* ink_lost -- strokes vanished: under half of the clean page's ink pixels in the box are still
  darker than the box's paper/ink midpoint (thin strokes under a fax threshold, a white dropout);
* low_contrast -- the ink no longer looks like the ink of the clean page at the same place:
  the normalised cross-correlation of degraded and clean (warped) pixels in the box is low
  (noise, a streak through the word, a shadow and JPEG together).
  Correlation ignores uniform brightness and contrast changes, so paper tone and even light pass.

Thresholds were set on 8 handwritten W-2s (writer per field) per profile at 150 dpi: readable
degradations score ink recall >= 0.92 and correlation >= 0.90 (fax) / 0.95 (photo) / 0.99 (scan)
for 95% of words, well clear of them.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable
from dataclasses import dataclass

import cv2
import numpy as np

from symage_pipeline.degrade.geometry import clip_box

MIN_INSIDE = 0.98  # share of a word box that must stay in the image
# Rows of real resolution a field's words need, as the median height of their ink in the clean page
# (so typed and handwritten boxes are judged alike): 6 pt print is ~6 rows at a fax's 98 rows per
# inch, still readable; the 5 pt floor of the typed layout gets 4.9.
MIN_INK_ROWS = 5.5
MIN_CORRELATION = 0.6
MIN_INK_RECALL = 0.5


@dataclass(frozen=True)
class Issue:
    field_id: str
    page: int
    reason: str  # "clipped" | "too_small" | "ink_lost" | "low_contrast"
    score: float


def _correlation(a: np.ndarray, b: np.ndarray) -> float | None:  # a: degraded, b: clean reference
    """Correlation of the two patches at reading scale: both are softened by ~1 px first, so that
    binarization, aliasing and pixel noise (which a reader does not see) count for little and
    missing or smeared strokes (which a reader does) count for much."""
    a = cv2.GaussianBlur(a.astype(np.float32), (0, 0), 0.8).ravel()
    b = cv2.GaussianBlur(b.astype(np.float32), (0, 0), 0.8).ravel()
    a -= a.mean()
    b -= b.mean()
    den = float(np.sqrt((a * a).sum() * (b * b).sum()))
    if float(np.abs(b).max()) < 40:  # nothing printed there in the clean page
        return None
    if den < 1e-6:  # the degraded patch is flat: whatever was there is gone
        return 0.0
    return float((a * b).sum() / den)


def _ink_recall(degraded: np.ndarray, reference: np.ndarray) -> float | None:
    """Share of the clean page's ink pixels that are still ink (within a pixel) after degrading."""
    clean_ink = reference < 170
    total = int(clean_ink.sum())
    if total < 8:
        return None
    paper, ink = np.percentile(degraded, (90, 2))
    if paper - ink < 25:  # no contrast left at all
        return 0.0
    still = (degraded < (paper + ink) / 2).astype(np.uint8)
    still = cv2.dilate(still, np.ones((3, 3), np.uint8))
    return float(still[clean_ink].sum()) / total


def audit_page(
    words: Iterable[tuple[str, tuple[float, float, float, float]]],
    degraded_gray: np.ndarray,
    reference_gray: np.ndarray,
    *,
    page: int,
    dpi: float,
    vertical_dpi: float,
    marks: Collection[str] = (),
) -> list[Issue]:
    """Issues for the value words (field id, box in degraded-image pixels) of one page; one per field.

    ``marks`` are fields whose value is a mark, not text (check boxes): a small X is still seen,
    so they are held only to being there (clipped, ink_lost), not to size or shape.
    """
    h, w = degraded_gray.shape
    fields: dict[str, list[tuple[float, float, float, float]]] = {}
    for field_id, box in words:
        fields.setdefault(field_id, []).append(box)
    issues = []
    for field_id, boxes in fields.items():
        issue = _audit_field(field_id, boxes, degraded_gray, reference_gray, w, h, vertical_dpi / dpi, marks)
        if issue is not None:
            issues.append(Issue(field_id, page, *issue))
    return issues


def _audit_field(
    field_id: str,
    boxes: list[tuple[float, float, float, float]],
    degraded_gray: np.ndarray,
    reference_gray: np.ndarray,
    w: int,
    h: int,
    row_share: float,
    marks: Collection[str],
) -> tuple[str, float] | None:
    """(reason, score) of the first problem of one field's words, or None."""
    patches = []
    heights = []
    for box in boxes:
        (x0, y0, x1, y1), inside = clip_box(box, w, h)
        if inside < MIN_INSIDE:
            return "clipped", round(inside, 3)
        ix0, iy0, ix1, iy1 = int(x0), int(y0), int(np.ceil(x1)), int(np.ceil(y1))
        if ix1 - ix0 < 2 or iy1 - iy0 < 2:
            continue
        degraded, reference = degraded_gray[iy0:iy1, ix0:ix1], reference_gray[iy0:iy1, ix0:ix1]
        heights.append(float((reference < 128).any(axis=1).sum()))
        patches.append((degraded, reference))
    size = float(np.median(heights)) * row_share if heights else 0.0  # a word's ink height, typically
    if field_id not in marks and 0 < size < MIN_INK_ROWS:
        return "too_small", round(size, 2)
    for degraded, reference in patches:
        recall = _ink_recall(degraded, reference)
        if recall is not None and recall < MIN_INK_RECALL:
            return "ink_lost", round(recall, 3)
        if field_id in marks:  # a mark only has to be there; its shape at 5 px says nothing
            continue
        score = _correlation(degraded, reference)
        if score is not None and score < MIN_CORRELATION:
            return "low_contrast", round(score, 3)
    return None
