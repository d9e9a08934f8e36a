"""The blank form, drawn once per form definition and cached as PDF bytes.

Every document starts from these bytes: the per-document work is then only the values' content
stream (see ``typed.py``).  Each page gets an empty, uniquely-commented placeholder content stream
after the form's own stream; documents overwrite just that placeholder, so the ruling, labels
and titles are never re-generated or re-parsed per document.
"""

from __future__ import annotations

from dataclasses import dataclass

import pymupdf

from symage_pipeline.catalog import FieldDef, FormDef, PageDef, PerFormCache, TextDef
from symage_pipeline.render.text import BOLD, FONTS, LINE_PITCH, REGULAR, ContentWriter, fmt, line_words
from symage_pipeline.render.words import Word

# Fixed document metadata: timestamps would make identical documents differ byte-wise.
FIXED_DATE = "D:20250101000000Z"
SAVE_OPTIONS = {"garbage": 0, "deflate": True, "no_new_id": True}
CELL_STROKE = 0.5


@dataclass(frozen=True)
class StaticGroup:
    """One printed string of the blank form (a FUNSD header/other entity)."""

    role: str  # "title" | "static"
    page: int  # 0-based
    words: tuple[Word, ...]


@dataclass(frozen=True)
class Template:
    pdf: bytes
    page_height: float
    placeholder_xrefs: tuple[int, ...]  # per page, valid for every pymupdf.open(pdf)
    static_words: tuple[tuple[Word, ...], ...]  # per page, in drawing order
    label_words: dict[str, tuple[Word, ...]]  # field id -> its printed label's words
    fields_by_page: tuple[tuple[FieldDef, ...], ...]
    static_groups: tuple[StaticGroup, ...]


def _draw_text(cw: ContentWriter, t: TextDef, page: int) -> tuple[Word, ...]:
    font_name = BOLD if t.bold else REGULAR
    font = FONTS[font_name]
    words: list[Word] = []
    for i, line in enumerate(t.text.split("\n")):
        line = " ".join(line.split())
        if not line:
            continue
        width = font.width(line, t.size)
        x = t.x if t.align == "left" else (t.x - width if t.align == "right" else t.x - width / 2)
        x = round(x, 2)
        baseline = round(t.y + font.ascender * t.size + i * LINE_PITCH * t.size, 2)
        cw.text(line, x, baseline, t.size, font_name)
        words.extend(
            Word(w.text, page, w.x0, w.y0, w.x1, w.y1, None, "static")
            for w in line_words(line, x, baseline, t.size, font)
        )
    return tuple(words)


def _label_origin(f: FieldDef) -> tuple[float, float]:
    lay = f.layout
    if lay.label_at is not None:
        return lay.label_at
    if lay.cell is not None:
        return (lay.cell[0] + 2.5, lay.cell[1] + 1.5)
    return (f.rect[0], f.rect[1] - FONTS[REGULAR].height * lay.label_size - 0.5)


def _draw_label(cw: ContentWriter, f: FieldDef) -> tuple[Word, ...]:
    lay = f.layout
    if not lay.label_text and not lay.box:
        return ()
    size = lay.label_size
    x0, top = _label_origin(f)
    reg, bold = FONTS[REGULAR], FONTS[BOLD]
    page = f.page - 1
    words: list[Word] = []
    lines = lay.label_text.split("\n") if lay.label_text else [""]
    for i, line in enumerate(lines):
        line = " ".join(line.split())
        baseline = round(top + reg.ascender * size + i * LINE_PITCH * size, 2)
        x = round(x0, 2)
        if i == 0 and lay.box:
            cw.text(lay.box, x, baseline, size, BOLD)
            words.extend(
                Word(w.text, page, w.x0, w.y0, w.x1, w.y1, f.id, "label")
                for w in line_words(lay.box, x, baseline, size, bold)
            )
            x = round(x + bold.width(lay.box + " ", size) + 0.5, 2)
        if line:
            cw.text(line, x, baseline, size, REGULAR)
            words.extend(
                Word(w.text, page, w.x0, w.y0, w.x1, w.y1, f.id, "label")
                for w in line_words(line, x, baseline, size, reg)
            )
    return tuple(words)


def _rect_ops(r: tuple[float, float, float, float], height: float) -> str:
    x0, y0, x1, y1 = r
    return f"{fmt(x0)} {fmt(height - y1)} {fmt(x1 - x0)} {fmt(y1 - y0)} re"


def _graphics(page: PageDef, fields: tuple[FieldDef, ...], height: float) -> str:
    ops: list[str] = ["q 0 G 0 g"]
    for r in page.rects:
        if r.fill is not None:
            ops.append(f"{fmt(r.fill)} g {_rect_ops(r.rect, height)} f 0 g")
    width: float | None = None

    def stroke_width(w: float) -> None:
        nonlocal width
        if w != width:
            ops.append(f"{fmt(w)} w")
            width = w

    for r in page.rects:
        stroke_width(r.width)
        ops.append(f"{_rect_ops(r.rect, height)} S")
    for f in fields:
        if f.layout.cell is not None:
            stroke_width(CELL_STROKE)
            ops.append(f"{_rect_ops(f.layout.cell, height)} S")
        if f.type == "checkbox":
            stroke_width(CELL_STROKE)
            ops.append(f"{_rect_ops(f.rect, height)} S")
    for ln in page.lines:
        stroke_width(ln.width)
        seg = f"{fmt(ln.x0)} {fmt(height - ln.y0)} m {fmt(ln.x1)} {fmt(height - ln.y1)} l S"
        ops.append(f"[2 1.5] 0 d {seg} [] 0 d" if ln.dashed else seg)
    ops.append("Q")
    return "\n".join(ops) + "\n"


def build_template(form: FormDef) -> Template:
    width, height = form.page_size
    fields_by_page = tuple(tuple(f for f in form.fields if f.page == p.number) for p in form.pages)
    doc = pymupdf.open()
    static_words: list[tuple[Word, ...]] = []
    label_words: dict[str, tuple[Word, ...]] = {}
    groups: list[StaticGroup] = []
    for index, page_def in enumerate(form.pages):
        page = doc.new_page(width=width, height=height)
        page.insert_font(fontname=REGULAR)
        page.insert_font(fontname=BOLD)
        cw = ContentWriter(height)
        page_words: list[Word] = []
        for t in page_def.texts:
            words = _draw_text(cw, t, index)
            page_words.extend(words)
            if words:
                groups.append(StaticGroup(t.role, index, words))
        for f in fields_by_page[index]:
            label_words[f.id] = _draw_label(cw, f)
        static_words.append(tuple(page_words))
        content = _graphics(page_def, fields_by_page[index], height).encode("latin-1")
        if cw:
            content += cw.stream()
        base = doc.get_new_xref()
        doc.update_object(base, "<<>>")
        doc.update_stream(base, content)
        placeholder = doc.get_new_xref()
        doc.update_object(placeholder, "<<>>")
        # Unique text so saving with object de-duplication can never merge two pages' placeholders.
        doc.update_stream(placeholder, f"% values page {index + 1}\n".encode())
        doc.xref_set_key(page.xref, "Contents", f"[{base} 0 R {placeholder} 0 R]")
    doc.set_metadata(
        {
            "title": form.name,
            "subject": f"{form.id} {form.version}",
            "creator": "symage",
            "producer": "symage typed renderer",
            "creationDate": FIXED_DATE,
            "modDate": FIXED_DATE,
        }
    )
    pdf = doc.tobytes(garbage=3, deflate=True, no_new_id=True)
    doc.close()
    reopened = pymupdf.open("pdf", pdf)
    xrefs = []
    for i in range(reopened.page_count):
        kind, value = reopened.xref_get_key(reopened.page_xref(i), "Contents")
        refs = value.strip("[]").split()
        xrefs.append(int(refs[-3]))
    reopened.close()
    return Template(
        pdf=pdf,
        page_height=height,
        placeholder_xrefs=tuple(xrefs),
        static_words=tuple(static_words),
        label_words=label_words,
        fields_by_page=fields_by_page,
        static_groups=tuple(groups),
    )


_TEMPLATES: PerFormCache[Template] = PerFormCache()


def template_for(form: FormDef) -> Template:
    return _TEMPLATES.get(form, lambda: build_template(form))
