"""Typed (machine-printed) surface: blank form bytes + one values content stream per page.

Per document each page's placeholder stream in the cached template's bytes is replaced by the
values' text operators (Helvetica, WinAnsi), without opening the PDF (``splice.py``).  Word boxes are produced
while placing, from the font metrics, so no text extraction is needed afterwards.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass

from symage_pipeline.catalog import FieldDef, FormDef
from symage_pipeline.render.splice import replace_streams
from symage_pipeline.render.template import template_for
from symage_pipeline.render.text import (
    FONTS,
    LINE_PITCH,
    MIN_FONT_SIZE,
    REGULAR,
    ContentWriter,
    line_words,
    wrap,
)
from symage_pipeline.render.words import Word

_FONT = FONTS[REGULAR]
_ASC = _FONT.ascender
_HEIGHT = _FONT.height


@dataclass(frozen=True)
class RenderedPdf:
    pdf: bytes
    words: tuple[Word, ...]
    page_count: int


def layout_value(f: FieldDef, value: str) -> list[tuple[str, float, float, float]]:
    """Lines of a value as (text, x, baseline, size): shrink to fit the rect, wrap at the floor.

    Text is never clipped: below MIN_FONT_SIZE it wraps, and if it is still too tall it runs past
    the bottom of the rect rather than losing characters.
    """
    x0, y0, x1, y1 = f.rect
    w = x1 - x0
    h = y1 - y0
    lines = [" ".join(ln.split()) for ln in value.split("\n")]
    lines = [ln for ln in lines if ln]
    if not lines:
        return []
    if f.comb:
        return _comb_layout(f, lines[0])
    n = len(lines)
    widest = max(_FONT.width(ln, 1.0) for ln in lines)
    size = min(f.layout.font_size, w / widest if widest else f.layout.font_size, h / ((n - 1) * LINE_PITCH + _HEIGHT))
    if size < MIN_FONT_SIZE:
        size = MIN_FONT_SIZE
        wrapped: list[str] = []
        for ln in lines:
            if _FONT.width(ln, size) > w:
                wrapped.extend(wrap(ln.split(" "), w, size, _FONT))
            else:
                wrapped.append(ln)
        lines = wrapped
        n = len(lines)
    size = math.floor(size * 100) / 100  # round down: a rounded-up size could overrun the rect
    block = size * ((n - 1) * LINE_PITCH + _HEIGHT)
    line_h = size * _HEIGHT
    if block >= h:
        top = y0  # overflow (only at the size floor) runs downward, never clipped
    elif n == 1 and h < 2 * line_h:
        top = y0 + (h - block) / 2  # a single value in a one-line box sits centred
    else:
        top = y0 + min((h - block) / 2, 1.0)  # taller boxes are filled from the top, like typed forms
    align = f.layout.align
    out = []
    for i, ln in enumerate(lines):
        lw = _FONT.width(ln, size)
        if align == "right":
            x = x1 - lw
        elif align == "center":
            x = x0 + (w - lw) / 2
        else:
            x = x0
        out.append((ln, round(x, 2), round(top + _ASC * size + i * LINE_PITCH * size, 2), size))
    return out


def _comb_layout(f: FieldDef, text: str) -> list[tuple[str, float, float, float]]:
    """One character centred per comb cell (boxed digit fields)."""
    x0, y0, x1, y1 = f.rect
    cells = f.comb or 1
    cw = (x1 - x0) / cells
    size = round(min(f.layout.font_size, (y1 - y0) / _HEIGHT, cw / max(_FONT.width("W", 1.0), 0.01)), 2)
    top = y0 + ((y1 - y0) - size * _HEIGHT) / 2
    baseline = round(top + _ASC * size, 2)
    return [
        (ch, round(x0 + cw * i + (cw - _FONT.width(ch, size)) / 2, 2), baseline, size)
        for i, ch in enumerate(text.replace(" ", "")[:cells])
    ]


def render_typed(form: FormDef, values: Mapping[str, str]) -> RenderedPdf:
    """Same form + values -> identical bytes (fixed metadata, no new /ID, fixed save options)."""
    tpl = template_for(form)
    streams: dict[int, bytes] = {}
    words: list[Word] = []
    for page_index, fields in enumerate(tpl.fields_by_page):
        words.extend(tpl.static_words[page_index])
        cw = ContentWriter(tpl.page_height)
        for f in fields:
            words.extend(tpl.label_words[f.id])
            value = values.get(f.id)
            if not value:
                continue
            if not isinstance(value, str):  # tolerate numbers from hand-built value maps
                value = str(value)
            fid = f.id
            for text, x, baseline, size in layout_value(f, value):
                cw.text(text, x, baseline, size)
                words.extend(
                    Word(w.text, page_index, w.x0, w.y0, w.x1, w.y1, fid, "value")
                    for w in line_words(text, x, baseline, size, _FONT)
                )
        if cw:
            streams[tpl.placeholder_xrefs[page_index]] = cw.stream()
    return RenderedPdf(pdf=replace_streams(tpl.pdf, streams), words=tuple(words), page_count=len(tpl.fields_by_page))
