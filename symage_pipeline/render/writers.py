"""Who holds the pen: writer styles, ink colours, and the seeded choice of both per document.

A writer is a font plus the habits that make one person's hand differ from another's with the
same letters: size, slant, letter spacing, how much the baseline wanders, how unsteady each glyph
is, and pen weight. Choices are pure functions of (request seed, form, item, field), so the same
request always gets the same writers and inks, whichever worker renders it.
"""

from __future__ import annotations

import hashlib
import random
from collections.abc import Mapping
from dataclasses import dataclass


@dataclass(frozen=True)
class Writer:
    """One person's handwriting. Lengths are in em of the writer's font unless stated.

    Pen weight: the font's weight (``caveat-bold`` is a felt-tip), plus ``pen``, an offset at which
    each glyph is struck a second time. Handwriting fonts scaled to form-box size draw 0.4-0.6 pt
    lines where a ballpoint leaves 0.8-1.2 pt; the second strike widens them, and thin lines are
    what a fax loses first. Stroking the outlines would look the same but rasterizes 4-8x slower.
    """

    name: str
    font: str  # key of symage_pipeline.render.fonts.FONT_FILES
    size: float  # letter height relative to the form's natural handwriting height (1.0)
    slant: float  # horizontal shear (tan of the lean); positive leans right
    tracking: float  # extra space after every letter
    word_gap: float  # extra space between words
    wobble: float  # amplitude of the slow baseline wander
    wobble_period: float  # its wavelength
    jitter: float  # per-glyph position noise
    size_jitter: float  # per-glyph relative size noise
    angle_jitter: float  # per-glyph rotation noise, degrees
    tilt: float  # largest tilt of a whole line, degrees
    pen: float  # second-strike offset, points (0: one strike)


WRITERS: tuple[Writer, ...] = (
    Writer("ana", "caveat-bold", 1.05, 0.10, 0.010, 0.06, 0.035, 9.0, 0.020, 0.045, 2.5, 1.2, 0.0),
    Writer("ben", "indie-flower", 0.95, -0.02, 0.020, 0.10, 0.030, 7.0, 0.018, 0.040, 2.0, 1.5, 0.35),
    Writer("chloe", "kalam", 0.95, 0.05, -0.010, 0.05, 0.025, 11.0, 0.015, 0.035, 1.8, 1.0, 0.2),
    Writer("dev", "kalam-light", 1.00, 0.16, 0.000, 0.08, 0.040, 8.0, 0.022, 0.050, 3.0, 1.8, 0.3),
    Writer("emma", "shadows-into-light", 1.00, 0.04, 0.030, 0.12, 0.030, 10.0, 0.020, 0.050, 2.5, 1.4, 0.4),
    Writer("felix", "zeyada", 1.20, 0.12, 0.040, 0.14, 0.045, 6.0, 0.025, 0.060, 3.5, 2.0, 0.4),
    Writer("grace", "dancing-script", 1.10, 0.00, 0.000, 0.06, 0.020, 12.0, 0.010, 0.030, 1.5, 0.8, 0.2),
    Writer("hugo", "caveat", 0.92, -0.06, 0.030, 0.10, 0.030, 8.0, 0.020, 0.040, 2.0, 1.2, 0.3),
    Writer("ivy", "kalam-bold", 0.90, -0.04, 0.020, 0.08, 0.025, 10.0, 0.018, 0.040, 2.2, 1.3, 0.0),
)
WRITERS_BY_NAME = {w.name: w for w in WRITERS}

INK_COLORS = ("black", "blue", "red")
# Ballpoint / gel inks as they look on paper: never pure (0,0,1) blue or (1,0,0) red.
INK_RGB: dict[str, tuple[float, float, float]] = {
    "black": (0.11, 0.11, 0.13),
    "blue": (0.10, 0.19, 0.56),
    "red": (0.76, 0.11, 0.13),
}
WRITER_CONSISTENCY = ("per_document", "per_field")


def stable_seed(*parts: object) -> int:
    """A 64-bit seed from the parts' reprs: unlike hash(), the same on every run and machine."""
    return int.from_bytes(hashlib.blake2b(repr(parts).encode(), digest_size=8).digest(), "big")


def pick_ink(seed: int, form_id: str, item_index: int, ink_color: str, distribution: Mapping[str, int] | None) -> str:
    """One ink per document: the requested colour, or a weighted draw when a distribution is given."""
    if not distribution:
        return ink_color
    colors = sorted(c for c, w in distribution.items() if w > 0)
    weights = [distribution[c] for c in colors]
    return random.Random(stable_seed("ink", seed, form_id, item_index)).choices(colors, weights)[0]


def ink_rgb(color: str, seed: int) -> tuple[float, float, float]:
    """The colour's ink with a small per-pen shade difference (pens of one colour are not identical)."""
    rng = random.Random(seed)
    return tuple(round(min(max(c + rng.uniform(-0.03, 0.03), 0.0), 1.0), 3) for c in INK_RGB[color])  # type: ignore[return-value]


def pick_writer(seed: int, item_index: int, form_id: str | None = None, field_id: str | None = None) -> Writer:
    """The writer of an item, or of one field of one form (per_field).

    Per document the choice ignores the form: one person fills in all the forms of their item.
    """
    return WRITERS[stable_seed("writer", seed, item_index, form_id, field_id) % len(WRITERS)]
