"""Handwritten surface: the blank form + values written glyph by glyph in a writer's hand.

Like the typed renderer, a document is the cached blank form plus one content stream per page.
The handwriting fonts (already subset, see ``fonts.py``) are embedded once in a per-(form, fonts)
template, so per document there is no font work at all. Each glyph gets its own text matrix --
size, rotation, slant, position -- from the writer's habits plus seeded noise, and its ink box is
computed from the same matrix, so word boxes are exact without reading the page back.

Prefilled fields (machine prefill by a payer) stay typed, blank fields stay empty.
"""

from __future__ import annotations

import math
import random
from collections.abc import Mapping
from dataclasses import dataclass

import pymupdf

from symage_pipeline.catalog import FieldDef, FormDef, PerFormCache
from symage_pipeline.render.fonts import FONT_FILES, HandFont, hand_font
from symage_pipeline.render.splice import replace_streams
from symage_pipeline.render.template import Template, template_for
from symage_pipeline.render.text import FONTS, REGULAR, ContentWriter, greedy_wrap, line_words
from symage_pipeline.render.typed import RenderedPdf, layout_value
from symage_pipeline.render.words import Word
from symage_pipeline.render.writers import Writer

NATURAL_DIGIT_HEIGHT = 7.0  # points: how tall people write digits when the box leaves room
BOX_SHARE = 0.56  # digit height as a share of a one-line box's height
LINE_PITCH = 1.9  # baseline distance in digit heights (more if the hand's loops need it)
MAX_SHRINK = 0.72  # squeeze a line to this share of its natural size before wrapping it instead
MARGIN = 1.5  # points kept free at a box's left and right edges
FIT_SLACK = 0.96  # jitter makes a line a little longer or shorter than its metrics say


@dataclass(frozen=True)
class HandTemplate:
    base: Template
    pdf: bytes
    resource: dict[str, str]  # font key -> font resource name on every page


_HAND_TEMPLATES: PerFormCache[HandTemplate] = PerFormCache()


def hand_template(form: FormDef, font_keys: tuple[str, ...]) -> HandTemplate:
    """The blank form with these handwriting fonts embedded once, cached per (form, fonts)."""
    return _HAND_TEMPLATES.get(form, lambda: _build_hand_template(form, font_keys), key=font_keys)


def _build_hand_template(form: FormDef, font_keys: tuple[str, ...]) -> HandTemplate:
    base = template_for(form)
    doc = pymupdf.open("pdf", base.pdf)
    resource = {k: f"HW{i}" for i, k in enumerate(font_keys)}
    for page in doc:
        for k in font_keys:
            page.insert_font(fontname=resource[k], fontbuffer=hand_font(k).buffer)
    doc.set_metadata({**doc.metadata, "producer": "symage handwritten renderer"})
    tpl = HandTemplate(base, doc.tobytes(garbage=0, deflate=True, no_new_id=True), resource)
    doc.close()
    return tpl


def _num(v: float) -> str:
    s = f"{v:.2f}"
    return "0" if s in ("-0.00", "0.00") else s


class HandWriter:
    """Accumulates one page's handwriting operators and the exact ink boxes of the words placed."""

    def __init__(self, page_height: float, page: int, rng: random.Random) -> None:
        self.height = page_height
        self.page = page
        self.rng = rng
        self.ops: list[str] = []
        self.words: list[Word] = []
        self._state: tuple[str, tuple[float, float, float]] | None = None

    def begin(self, resource: str, ink: tuple[float, float, float]) -> None:
        if (resource, ink) == self._state:
            return
        r, g, b = ink
        self.ops.append(f"/{resource} 1 Tf {r:.3f} {g:.3f} {b:.3f} rg")
        self._state = (resource, ink)

    def line(
        self, text: str, x: float, baseline: float, size: float, writer: Writer, font: HandFont, field_id: str
    ) -> None:
        """Write one line starting at (x, baseline); boxes are the union of each word's glyph ink."""
        rng = self.rng
        gauss = rng.gauss
        tilt = math.radians(rng.uniform(-writer.tilt, writer.tilt))
        cos_t, sin_t = math.cos(tilt), math.sin(tilt)
        phase = rng.uniform(0.0, 2 * math.pi)
        wave = 2 * math.pi / (writer.wobble_period * size)
        pen = writer.pen
        pad = 0.15  # antialiasing reaches a fraction of a point past the outline
        right, down = pad + pen, pad + pen * 0.6  # ... and the second strike lies lower right
        height = self.height
        ops = self.ops
        along = 0.0
        word = ""
        box = [math.inf, math.inf, -math.inf, -math.inf]

        def flush() -> None:
            nonlocal word, box
            if word:
                self.words.append(Word(word, self.page, box[0], box[1], box[2], box[3], field_id, "value"))
            word = ""
            box = [math.inf, math.inf, -math.inf, -math.inf]

        for ch in text:
            if ch == " ":
                flush()
                along += (font.advance[" "] + writer.word_gap + rng.uniform(-0.02, 0.05)) * size
                continue
            c = font.char(ch)
            gs = size * (1.0 + gauss(0.0, writer.size_jitter))
            angle = tilt + math.radians(gauss(0.0, writer.angle_jitter))
            slant = writer.slant + gauss(0.0, 0.025)
            ca, sa = math.cos(angle), math.sin(angle)
            a, b = gs * ca, gs * sa
            c_, d = gs * (slant * ca - sa), gs * (slant * sa + ca)
            wob = writer.wobble * size * math.sin(along * wave + phase)
            ox = x + along * cos_t + gauss(0.0, writer.jitter) * size
            oy = baseline - along * sin_t + wob + gauss(0.0, writer.jitter) * size
            m = f"{a:.3f} {b:.3f} {c_:.3f} {d:.3f}"
            glyph = f"<{font.gids[c]:04x}> Tj"
            ops.append(f"{m} {_num(ox)} {_num(height - oy)} Tm {glyph}")
            if pen:  # the same glyph again, a hair lower right: a broader nib (see Writer.pen)
                ops.append(f"{m} {_num(ox + pen)} {_num(height - oy - pen * 0.6)} Tm {glyph}")
            gx0, gy0, gx1, gy1 = font.ink[c]
            if gx1 > gx0:
                for gx, gy in ((gx0, gy0), (gx1, gy0), (gx0, gy1), (gx1, gy1)):
                    px = ox + a * gx + c_ * gy
                    py = oy - (b * gx + d * gy)
                    box[0] = min(box[0], px - pad)
                    box[1] = min(box[1], py - pad)
                    box[2] = max(box[2], px + right)
                    box[3] = max(box[3], py + down)
            word += ch
            along += (font.advance[c] + writer.tracking + gauss(0.0, writer.jitter * 0.5)) * gs
        flush()

    def stream(self) -> bytes:
        if not self.ops:
            return b""
        return ("q BT\n" + "\n".join(self.ops) + "\nET Q\n").encode("latin-1")


def _line_em(text: str, font: HandFont, writer: Writer) -> float:
    """Width of a line in em at the writer's spacing (before jitter)."""
    return font.width(text) + writer.tracking * len(text) + writer.word_gap * text.count(" ")


def _wrap(words: list[str], max_em: float, font: HandFont, writer: Writer) -> list[str] | None:
    """Greedy wrap to max_em; None when a single word is wider than a line."""
    if any(_line_em(w, font, writer) > max_em for w in words):
        return None
    return greedy_wrap(words, max_em, lambda text: _line_em(text, font, writer))


def _pitch(font: HandFont, rise: float, drop: float) -> float:
    """Baseline distance in em: a comfortable multiple of the digit height, never letting lines touch."""
    return max(LINE_PITCH * font.digit_height, rise + drop + 0.1 * font.digit_height)


def _block_em(lines: list[str], font: HandFont) -> tuple[float, float, float]:
    """(block height, rise of the first line, baseline pitch) in em for these lines."""
    rise, drop = font.extent(" ".join(lines))
    pitch = _pitch(font, rise, drop)
    return rise + (len(lines) - 1) * pitch + drop, rise, pitch


def fit_lines(value: str, width: float, height: float, font: HandFont, writer: Writer) -> tuple[list[str], float]:
    """Lines and font size for a value in a box: shrink a little, else wrap, else shrink more.

    Never drops a character: a value that cannot wrap (one long word) is shrunk until it fits.
    """
    lines = [" ".join(ln.split()) for ln in value.split("\n")]
    lines = [ln for ln in lines if ln]
    per_line = height / len(lines)
    natural = writer.size * min(NATURAL_DIGIT_HEIGHT, BOX_SHARE * per_line) / font.digit_height
    avail = max(width - 2 * MARGIN, 1.0) * FIT_SLACK

    def fitting_size(ls: list[str]) -> float:
        widest = max(_line_em(ln, font, writer) for ln in ls)
        by_width = avail / widest if widest else natural
        return min(natural, by_width, height / _block_em(ls, font)[0])

    size = fitting_size(lines)
    if size >= natural * MAX_SHRINK:
        return lines, size
    best = (lines, size)
    lo, hi = size, natural
    for _ in range(14):  # the largest size at which a greedy wrap fits both ways
        mid = (lo + hi) / 2
        wrapped: list[str] = []
        for ln in lines:
            part = _wrap(ln.split(" "), avail / mid, font, writer)
            if part is None:
                break
            wrapped.extend(part)
        else:
            if _block_em(wrapped, font)[0] * mid <= height:
                best, lo = (wrapped, mid), mid
                continue
        hi = mid
    return best


def _field_lines(
    f: FieldDef, value: str, font: HandFont, writer: Writer, rng: random.Random
) -> list[tuple[str, float, float, float]]:
    """(text, x, baseline, size) per line of a free-text field, with a person's imprecision."""
    x0, y0, x1, y1 = f.rect
    w, h = x1 - x0, y1 - y0
    lines, size = fit_lines(value, w, h, font, writer)
    block, rise, pitch = (v * size for v in _block_em(lines, font))
    slack = max(h - block, 0.0)
    if len(lines) == 1:  # centred, a little high or low
        top = y0 + slack / 2 + rng.uniform(-0.25, 0.25) * slack
    else:  # a block starts near the top of its box, never above it
        top = y0 + rng.uniform(0.0, min(slack, 4.0))
    out = []
    for i, ln in enumerate(lines):
        lw = _line_em(ln, font, writer) * size
        room = max(w - lw - 2 * MARGIN, 0.0)
        if f.layout.align == "right":
            x = x1 - MARGIN - lw - rng.uniform(0.0, min(room, 6.0))
        elif f.layout.align == "center":
            x = x0 + MARGIN + room / 2 + rng.uniform(-0.3, 0.3) * room
        else:
            x = x0 + MARGIN + rng.uniform(0.0, min(room, 5.0))
        out.append((ln, x, top + rise + i * pitch, size))
    return out


def _comb_cells(
    f: FieldDef, value: str, font: HandFont, writer: Writer, rng: random.Random
) -> list[tuple[str, float, float, float]]:
    """One glyph per comb cell, centred with a wobble, sized to the cell."""
    x0, y0, x1, y1 = f.rect
    cells = f.comb or 1
    cw, h = (x1 - x0) / cells, y1 - y0
    widest = max(font.advance[font.char(ch)] for ch in "0123456789WM")
    size = min(writer.size * min(NATURAL_DIGIT_HEIGHT, BOX_SHARE * h) / font.digit_height, 0.8 * cw / widest)
    baseline = y0 + (h + font.digit_height * size) / 2
    out = []
    for i, ch in enumerate(value.replace(" ", "")[:cells]):
        adv = font.advance[font.char(ch)] * size
        jitter = rng.uniform(-0.08, 0.08) * cw
        out.append((ch, x0 + cw * i + (cw - adv) / 2 + jitter, baseline + rng.uniform(-0.06, 0.06) * h, size))
    return out


def _check_mark(f: FieldDef, font: HandFont, writer: Writer, rng: random.Random) -> tuple[str, float, float, float]:
    """A hand-drawn X that overshoots its box a little, as people's do."""
    x0, y0, x1, y1 = f.rect
    gx0, gy0, gx1, gy1 = font.ink["X"]
    size = (y1 - y0) * rng.uniform(1.0, 1.25) / (gy1 - gy0)
    cx = (x0 + x1) / 2 + rng.uniform(-0.1, 0.1) * (x1 - x0)
    cy = (y0 + y1) / 2 + rng.uniform(-0.1, 0.1) * (y1 - y0)
    return ("X", cx - (gx0 + gx1) / 2 * size, cy + (gy0 + gy1) / 2 * size, size)


def render_handwritten(
    form: FormDef,
    values: Mapping[str, str],
    *,
    writers: Mapping[str, Writer],
    ink: tuple[float, float, float],
    seed: int,
    stages: Mapping[str, str] | None = None,
) -> RenderedPdf:
    """Every completed field in its writer's hand (``writers``: field id -> writer), prefilled ones typed.

    Same inputs and seed -> identical bytes.
    """
    stages = stages or {}
    font_keys = tuple(sorted({w.font for w in writers.values()}))
    if len(font_keys) > 1:  # per-field writers: one template with every font, not one per mix
        font_keys = tuple(sorted(FONT_FILES))
    tpl = hand_template(form, font_keys)
    base = tpl.base
    rng = random.Random(seed)
    streams: dict[int, bytes] = {}
    words: list[Word] = []
    helv = FONTS[REGULAR]
    for page_index, fields in enumerate(base.fields_by_page):
        words.extend(base.static_words[page_index])
        typed = ContentWriter(base.page_height)
        hand = HandWriter(base.page_height, page_index, rng)
        for f in fields:
            words.extend(base.label_words[f.id])
            value = values.get(f.id)
            if not value:
                continue
            value = str(value)
            if stages.get(f.id) == "prefilled":
                for text, x, baseline, size in layout_value(f, value):
                    typed.text(text, x, baseline, size)
                    words.extend(
                        Word(w.text, page_index, w.x0, w.y0, w.x1, w.y1, f.id, "value")
                        for w in line_words(text, x, baseline, size, helv)
                    )
                continue
            writer = writers[f.id]
            font = hand_font(writer.font)
            hand.begin(tpl.resource[writer.font], ink)
            if f.type == "checkbox":
                placed = [_check_mark(f, font, writer, rng)]
            elif f.comb:
                placed = _comb_cells(f, value, font, writer, rng)
            else:
                placed = _field_lines(f, value, font, writer, rng)
            for text, x, baseline, size in placed:
                hand.line(text, x, baseline, size, writer, font, f.id)
            words.extend(hand.words)  # keep each field's value words right after its label's
            hand.words.clear()
        content = (typed.stream() if typed else b"") + hand.stream()
        if content:
            streams[base.placeholder_xrefs[page_index]] = content
    return RenderedPdf(pdf=replace_streams(tpl.pdf, streams), words=tuple(words), page_count=len(base.fields_by_page))
