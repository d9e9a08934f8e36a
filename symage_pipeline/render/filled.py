"""Fillable surface (pdf_filled): the blank form with live AcroForm widgets holding the values.

The widgets are made once per form with PyMuPDF (text fields, comb fields, check boxes) and kept as
template bytes. Per document only each widget's value (/V, /AS) and its appearance stream change,
and the appearance is written with the typed renderer's layout, so the filled PDF looks like the
typed one, its word boxes are the typed ones, and a viewer shows the values without regenerating
anything. Editing a field in a viewer works as on any AcroForm.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pymupdf

from symage_pipeline.catalog import FieldDef, FormDef, PerFormCache
from symage_pipeline.render.template import SAVE_OPTIONS, Template, template_for
from symage_pipeline.render.text import FONTS, REGULAR, fmt, line_words, pdf_string
from symage_pipeline.render.typed import RenderedPdf, layout_value
from symage_pipeline.render.words import Word

CHECKED = "Yes"  # the on-state name of every check box
_QUADDING = {"left": 0, "center": 1, "right": 2}


@dataclass(frozen=True)
class WidgetRef:
    field: FieldDef
    xref: int  # the widget annotation (also the field: one widget per field)
    appearance: int | None  # xref of a text field's normal appearance stream


@dataclass(frozen=True)
class FilledTemplate:
    base: Template
    pdf: bytes
    widgets: tuple[WidgetRef, ...]


def _widget(f: FieldDef) -> pymupdf.Widget:
    w = pymupdf.Widget()
    w.field_name = f.id
    w.field_label = f.label  # /TU: the tooltip viewers show
    w.rect = pymupdf.Rect(f.rect)
    if f.type == "checkbox":
        w.field_type = pymupdf.PDF_WIDGET_TYPE_CHECKBOX
        w.field_value = False
        return w
    w.field_type = pymupdf.PDF_WIDGET_TYPE_TEXT
    w.text_font = "Helv"
    w.text_fontsize = f.layout.font_size
    w.field_value = ""
    flags = 0
    if f.comb:
        flags |= pymupdf.PDF_TX_FIELD_IS_COMB
        w.text_maxlen = f.comb
    elif f.rect[3] - f.rect[1] >= 2.2 * f.layout.font_size:
        flags |= pymupdf.PDF_TX_FIELD_IS_MULTILINE
    w.field_flags = flags
    return w


def build_filled_template(form: FormDef) -> FilledTemplate:
    base = template_for(form)
    doc = pymupdf.open("pdf", base.pdf)
    made: list[tuple[FieldDef, int]] = []
    for f in form.fields:
        annot = doc[f.page - 1].add_widget(_widget(f))
        made.append((f, annot.xref))
    helv = None
    refs = []
    for f, xref in made:
        appearance = None
        if f.type != "checkbox":
            doc.xref_set_key(xref, "Q", str(_QUADDING[f.layout.align]))
            kind, value = doc.xref_get_key(xref, "AP/N")
            appearance = int(value.split()[0])
            kind, font = doc.xref_get_key(appearance, "Resources/Font/Helv")
            helv = helv or font
        refs.append(WidgetRef(f, xref, appearance))
    catalog = doc.pdf_catalog()
    if helv:  # default resources and appearance, for viewers that regenerate appearances on edit
        doc.xref_set_key(catalog, "AcroForm/DR", f"<</Font<</Helv {helv}>>>>")
        doc.xref_set_key(catalog, "AcroForm/DA", "(0 g /Helv 0 Tf)")
    doc.xref_set_key(catalog, "AcroForm/NeedAppearances", "false")
    doc.set_metadata({**doc.metadata, "producer": "symage fillable renderer"})
    pdf = doc.tobytes(garbage=0, deflate=True, no_new_id=True)  # keeps the xrefs recorded above
    doc.close()
    return FilledTemplate(base, pdf, tuple(refs))


_FILLED_TEMPLATES: PerFormCache[FilledTemplate] = PerFormCache()


def filled_template(form: FormDef) -> FilledTemplate:
    return _FILLED_TEMPLATES.get(form, lambda: build_filled_template(form))


def _fit_in_rect(f: FieldDef, value: str) -> list[tuple[str, float, float, float]]:
    """The typed layout, unless it would run past the widget (a viewer clips to the widget):
    then one line per value line, shrunk until the block fits."""
    lines = layout_value(f, value)
    x0, y0, x1, y1 = f.rect
    font = FONTS[REGULAR]
    if not lines or lines[-1][2] - font.descender * lines[-1][3] <= y1 + 0.01:
        return lines
    parts = [" ".join(p.split()) for p in value.split("\n") if p.strip()]
    widest = max(font.width(p, 1.0) for p in parts)
    size = min((x1 - x0) / widest, (y1 - y0) / (len(parts) * 1.2 * font.height)) * 0.999
    return [(p, x0, y0 + font.ascender * size + i * 1.2 * size * font.height, size) for i, p in enumerate(parts)]


def render_filled(form: FormDef, values: Mapping[str, str]) -> RenderedPdf:
    """Same form + values -> identical bytes. Check boxes are on for any non-empty value ("X")."""
    tpl = filled_template(form)
    base = tpl.base
    doc = pymupdf.open("pdf", tpl.pdf)
    font = FONTS[REGULAR]
    value_words: dict[str, list[Word]] = {}
    for ref in tpl.widgets:
        f = ref.field
        value = str(values.get(f.id) or "")
        if ref.appearance is None:
            state = f"/{CHECKED}" if value else "/Off"
            doc.xref_set_key(ref.xref, "V", state)
            doc.xref_set_key(ref.xref, "AS", state)
            if value:
                x0, y0, x1, y1 = f.rect
                value_words[f.id] = [Word(value, f.page - 1, x0, y0, x1, y1, f.id, "value")]
            continue
        doc.xref_set_key(ref.xref, "V", pymupdf.get_pdf_str(value))
        x0, y0, x1, y1 = f.rect
        ops = ["/Tx BMC q BT 0 g"]
        words = value_words.setdefault(f.id, [])
        size_set = None
        for text, x, baseline, size in _fit_in_rect(f, value) if value else ():
            if size != size_set:
                ops.append(f"/Helv {fmt(size)} Tf")
                size_set = size
            ops.append(f"1 0 0 1 {fmt(x - x0)} {fmt(y1 - baseline)} Tm {pdf_string(text)} Tj")
            words.extend(
                Word(w.text, f.page - 1, w.x0, w.y0, w.x1, w.y1, f.id, "value")
                for w in line_words(text, x, baseline, size, font)
            )
        ops.append("ET Q EMC")
        doc.update_stream(ref.appearance, "\n".join(ops).encode("latin-1"))
    words: list[Word] = []
    for page_index, fields in enumerate(base.fields_by_page):
        words.extend(base.static_words[page_index])
        for f in fields:
            words.extend(base.label_words[f.id])
            words.extend(value_words.get(f.id, ()))
    pdf = doc.tobytes(**SAVE_OPTIONS)
    doc.close()
    return RenderedPdf(pdf=pdf, words=tuple(words), page_count=len(base.fields_by_page))
