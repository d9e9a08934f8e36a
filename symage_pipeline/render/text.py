"""Text placement with the PDF base-14 Helvetica fonts, and word boxes computed while placing.

Word boxes come from the same width tables and coordinates that go into the content stream, so
they equal what a PDF text extractor reports (PyMuPDF: x from advance widths, y from the font's
ascender/descender) without re-parsing the page -- ~10x cheaper than ``get_text("words")``.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import pymupdf

REGULAR = "helv"  # resource names of Helvetica / Helvetica-Bold (WinAnsiEncoding) in every page
BOLD = "hebo"
LINE_PITCH = 1.2  # baseline-to-baseline distance, in font sizes
MIN_FONT_SIZE = 5.0


@dataclass(frozen=True)
class FontMetrics:
    name: str
    ascender: float
    descender: float  # negative
    widths: dict[str, float]  # advance at 1 pt for every WinAnsi character
    fallback: float  # width of '?', used for characters WinAnsi cannot encode

    def width(self, text: str, size: float) -> float:
        w = self.widths
        fb = self.fallback
        return sum(w.get(ch, fb) for ch in text) * size

    @property
    def height(self) -> float:
        return self.ascender - self.descender


def _winansi_chars() -> list[str]:
    chars = []
    for b in range(32, 256):
        try:
            chars.append(bytes([b]).decode("cp1252"))
        except UnicodeDecodeError:
            continue
    return chars


def _metrics(name: str) -> FontMetrics:
    font = pymupdf.Font(name)
    widths = {ch: font.glyph_advance(ord(ch)) for ch in _winansi_chars()}
    return FontMetrics(name, font.ascender, font.descender, widths, widths["?"])


FONTS: dict[str, FontMetrics] = {REGULAR: _metrics(REGULAR), BOLD: _metrics(BOLD)}

_ESCAPES = str.maketrans({"\\": "\\\\", "(": "\\(", ")": "\\)", "\r": " ", "\n": " "})


def pdf_string(text: str) -> str:
    """WinAnsi-encoded, escaped PDF literal (as a latin-1 str so the stream is one encode)."""
    return "(" + text.encode("cp1252", "replace").decode("latin-1").translate(_ESCAPES) + ")"


@dataclass(frozen=True)
class PlacedWord:
    text: str
    x0: float
    y0: float
    x1: float
    y1: float


def line_words(text: str, x: float, baseline: float, size: float, font: FontMetrics) -> list[PlacedWord]:
    """Split one placed line on spaces, as extractors do, with each word's exact box."""
    y0 = baseline - font.ascender * size
    y1 = baseline - font.descender * size
    widths = font.widths
    fb = font.fallback
    out: list[PlacedWord] = []
    cursor = x
    start = x
    word_chars: list[str] = []
    for ch in text:
        adv = widths.get(ch, fb) * size
        if ch == " ":
            if word_chars:
                out.append(PlacedWord("".join(word_chars), start, y0, cursor, y1))
                word_chars = []
            cursor += adv
            start = cursor
            continue
        if not word_chars:
            start = cursor
        word_chars.append(ch)
        cursor += adv
    if word_chars:
        out.append(PlacedWord("".join(word_chars), start, y0, cursor, y1))
    return out


class ContentWriter:
    """Accumulates text-showing operators for one page; keeps Tf changes to a minimum."""

    __slots__ = ("_height", "_ops", "_font", "_size")

    def __init__(self, page_height: float) -> None:
        self._height = page_height
        self._ops: list[str] = []
        self._font: str | None = None
        self._size: float | None = None

    def text(self, text: str, x: float, baseline: float, size: float, font: str = REGULAR) -> None:
        if font != self._font or size != self._size:
            self._ops.append(f"/{font} {_num(size)} Tf")
            self._font, self._size = font, size
        self._ops.append(f"1 0 0 1 {_num(x)} {_num(self._height - baseline)} Tm {pdf_string(text)} Tj")

    def __bool__(self) -> bool:
        return bool(self._ops)

    def stream(self) -> bytes:
        return ("q 0 g BT\n" + "\n".join(self._ops) + "\nET Q\n").encode("latin-1")


def _num(v: float) -> str:
    """Short, locale-free number formatting; identical input -> identical bytes."""
    s = f"{v:.2f}".rstrip("0").rstrip(".")
    return s if s not in ("", "-0") else "0"


def fmt(v: float) -> str:
    return _num(v)


def wrap(words: Iterable[str], max_width: float, size: float, font: FontMetrics) -> list[str]:
    """Greedy word wrap; a single word wider than the line stays whole (never split or clipped)."""
    return greedy_wrap(words, max_width, lambda text: font.width(text, size))


def greedy_wrap(words: Iterable[str], max_width: float, width_of: Callable[[str], float]) -> list[str]:
    """Greedy word wrap under any width measure (typed metrics, a writer's handwriting)."""
    lines: list[str] = []
    current = ""
    for w in words:
        candidate = f"{current} {w}" if current else w
        if current and width_of(candidate) > max_width:
            lines.append(current)
            current = w
        else:
            current = candidate
    if current:
        lines.append(current)
    return lines
