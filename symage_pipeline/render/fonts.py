"""Handwriting fonts: OFL fonts from pip packages (fontpkg-*), subset once per process.

Each font is cut down to the characters forms print (ASCII and Latin-1 letters) and stripped of
hinting, layout and variation tables, so a PDF embeds ~12-21 KB per font instead of 20-200 KB and
no per-document ``subset_fonts()`` pass is needed (docs/decisions/render-speed.md: subsetting per
document is what makes handwriting cost). The metrics the renderer needs -- glyph ids, advances
and ink boxes -- are read from the same subset bytes that get embedded, so word boxes and the
drawn glyphs cannot disagree.
"""

from __future__ import annotations

import functools
import io
import threading
import unicodedata
from dataclasses import dataclass

import fontpkg
from fontTools import subset
from fontTools.pens.boundsPen import BoundsPen
from fontTools.ttLib import TTFont
from fontTools.varLib import instancer

# Printable ASCII plus the Latin-1 letters and signs that names and addresses can carry.
CHARSET = "".join(chr(c) for c in range(32, 127)) + "".join(chr(c) for c in range(0xA0, 0x100))

# font key -> (fontpkg family, weight). Variable fonts (Caveat, Dancing Script) are cut to a static
# instance at that weight: a heavier instance is how a heavier pen looks, at no cost per glyph
# (stroking glyph outlines instead made every page 4-8x slower to rasterize).
FONT_FILES: dict[str, tuple[str, int]] = {
    "caveat": ("caveat", 400),
    "caveat-bold": ("caveat", 650),
    "indie-flower": ("indie-flower", 400),
    "kalam": ("kalam", 400),
    "kalam-light": ("kalam", 300),
    "kalam-bold": ("kalam", 700),
    "shadows-into-light": ("shadows-into-light", 400),
    "zeyada": ("zeyada", 400),
    "dancing-script": ("dancing-script", 500),
}

_DROP_TABLES = ["GSUB", "GPOS", "GDEF", "DSIG", "kern", "STAT", "HVAR", "MVAR", "FFTM"]

Box = tuple[float, float, float, float]  # xmin, ymin, xmax, ymax in em, y up


@dataclass(frozen=True)
class HandFont:
    """One subset handwriting font and its per-character metrics (in em units, y up)."""

    key: str
    buffer: bytes  # the subset TrueType embedded in PDFs
    gids: dict[str, int]  # character -> glyph id in `buffer` (CID = GID in the Type0 font MuPDF writes)
    advance: dict[str, float]
    ink: dict[str, Box]  # ink bounding box of each character's glyph ((0,0,0,0) for blanks)
    digit_height: float  # ink height of "8": sizes are chosen so digits come out a given height
    descent: float  # how far "g"/"y"/"p" reach below the baseline (positive)

    def char(self, ch: str) -> str:
        """The character actually drawn for ``ch``: itself, its unaccented form, or '?'."""
        if ch in self.gids:
            return ch
        base = unicodedata.normalize("NFKD", ch).encode("ascii", "ignore").decode()
        return base[0] if base and base[0] in self.gids else "?"

    def width(self, text: str) -> float:
        adv = self.advance
        return sum(adv.get(ch, adv["?"]) for ch in text)

    def extent(self, text: str) -> tuple[float, float]:
        """(rise above, drop below) the baseline of the ink of ``text``, at least the digits'."""
        ink = self.ink
        chars = [self.char(ch) for ch in text if ch != " "]
        rise = max((ink[ch][3] for ch in chars), default=0.0)
        drop = max((-ink[ch][1] for ch in chars), default=0.0)
        return max(rise, self.ink["8"][3]), max(drop, 0.0)


def _subset(path: str, weight: int) -> bytes:
    font = TTFont(path, recalcTimestamp=False)  # a fresh timestamp would change the bytes per run
    options = subset.Options()
    options.layout_features = []
    options.hinting = False
    options.notdef_outline = True
    options.name_IDs = [1, 2]
    options.drop_tables += _DROP_TABLES
    subsetter = subset.Subsetter(options)
    subsetter.populate(text=CHARSET)
    subsetter.subset(font)
    if "fvar" in font:  # after subsetting: instancing 191 glyphs instead of thousands is ~8x faster
        axes = {a.axisTag: (a.minValue, a.maxValue) for a in font["fvar"].axes}
        lo, hi = axes.get("wght", (weight, weight))
        font = instancer.instantiateVariableFont(font, {"wght": min(max(weight, lo), hi)})
    out = io.BytesIO()
    font.save(out)
    return out.getvalue()


def _metrics(key: str, buffer: bytes) -> HandFont:
    font = TTFont(io.BytesIO(buffer))
    upem = font["head"].unitsPerEm
    order = font.getGlyphOrder()
    index = {name: i for i, name in enumerate(order)}
    glyphs = font.getGlyphSet()
    hmtx = font["hmtx"]
    gids: dict[str, int] = {}
    advance: dict[str, float] = {}
    ink: dict[str, Box] = {}
    for code, name in font.getBestCmap().items():
        ch = chr(code)
        if ch not in CHARSET:
            continue
        pen = BoundsPen(glyphs)
        glyphs[name].draw(pen)
        gids[ch] = index[name]
        advance[ch] = hmtx[name][0] / upem
        b = pen.bounds
        ink[ch] = (b[0] / upem, b[1] / upem, b[2] / upem, b[3] / upem) if b else (0.0, 0.0, 0.0, 0.0)
    missing = set("0123456789?X ") - set(gids)
    if missing:
        raise ValueError(f"handwriting font {key} lacks {sorted(missing)}")
    descent = max(-ink[ch][1] for ch in "gjpqy" if ch in ink)
    return HandFont(key, buffer, gids, advance, ink, ink["8"][3] - ink["8"][1], descent)


_LOCK = threading.Lock()


@functools.cache
def _load(key: str) -> HandFont:
    family, weight = FONT_FILES[key]
    path = fontpkg.path(family, weight, nearest=True)
    return _metrics(key, _subset(str(path), weight))


def hand_font(key: str) -> HandFont:
    """The subset font for ``key``, built on first use (~30-250 ms) and kept for the process."""
    with _LOCK:
        return _load(key)
