"""The one annotation model every training format is exported from.

A ``SurfaceAnnotation`` is one document on one rendered surface: its words in reading order with
boxes in PDF points, the class of each value word under the job's label scheme, the filled fields
as spans of those words (with value, stage and the field whose printed label is their question),
and the page images that carry the same words in pixel coordinates. FUNSD, BIO, words, Donut,
COCO, YOLO and Hugging Face rows are all views of it, so they cannot disagree about where a field
is or what it is called.

Reading order is the form's logical order, as the renderer emits words: per page, the printed
boilerplate, then each field's printed label followed by its value. Value words of one field are
therefore contiguous, which is what makes B-/I- spans well defined.

``_words.json`` is the model's serialised form, the per-item file users fetch; the chunk also keeps
two compact views for the bundle (parquet rows and ``page_objects``), so the dataset-level exports
never re-render or re-parse a page.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symage_pipeline.annotate.jsontext import json_str_or_null
from symage_pipeline.annotate.labels import check_scheme, field_label
from symage_pipeline.catalog import FieldDef, FormDef, PerFormCache
from symage_pipeline.document import FilledDocument, PageImage, RenderedSurface
from symage_pipeline.render.template import template_for
from symage_pipeline.render.words import Word

Box = tuple[float, float, float, float]
WORDS_SCHEMA_VERSION = "1.0"
# Surfaces whose words are the document as a model sees it; a fillable PDF ("filled") keeps its
# values in form widgets, not in page text, so it gets FUNSD/words but no training labels.
LABEL_SURFACES = ("typed", "handwritten")


def _r(v: float) -> float:
    return round(v, 2)


@dataclass(frozen=True)
class PageRaster:
    """A page image that ships with the dataset, and each of the page's words in its pixels."""

    page: int
    path: str  # dataset-relative, e.g. images/typed/irs_w2_2025_000007_p0.png
    width: int
    height: int
    dpi: int
    boxes: tuple[Box, ...]  # one per word of this page, in the page's reading order (unrounded)


@dataclass(frozen=True)
class FieldSpan:
    """A filled field on one page: its value words (indices into ``SurfaceAnnotation.words``)."""

    field_id: str
    label: str
    page: int
    value: str
    stage: str
    question: str | None  # field id whose printed label asks for this value (FUNSD link)
    word_indices: tuple[int, ...]


@dataclass(frozen=True)
class SurfaceAnnotation:
    form: FormDef
    document_id: str
    surface: str
    scheme: str
    words: tuple[Word, ...]
    labels: tuple[str | None, ...]  # class per word: set for value words of filled fields only
    fields: tuple[FieldSpan, ...]
    page_sizes: tuple[tuple[float, float], ...]
    rasters: Mapping[int, PageRaster]

    @property
    def page_count(self) -> int:
        return len(self.page_sizes)


def _questions(form: FormDef) -> dict[str, str | None]:
    """Field id -> the field whose printed label is its question (itself when it has a label)."""
    out: dict[str, str | None] = {}
    for f in form.fields:
        q = f.layout.question
        if q is not None:
            out[f.id] = q
        elif f.layout.label_text or f.layout.box:
            out[f.id] = f.id
        else:
            out[f.id] = None
    return out


FormTables = tuple[dict[str, FieldDef], dict[str, str | None], dict[str, list[str]]]
_FORM_TABLES: PerFormCache[FormTables] = PerFormCache()


def _form_tables(form: FormDef) -> FormTables:
    """Per-form lookups, built once per form object (documents of a form share them)."""
    return _FORM_TABLES.get(form, lambda: _build_form_tables(form))


def _build_form_tables(form: FormDef) -> FormTables:
    by_id = {f.id: f for f in form.fields}
    labelled: dict[str, list[str]] = {f.id: [f.id] for f in form.fields}
    for f in form.fields:
        q = f.layout.question
        if q is not None and q != f.id:
            labelled.setdefault(q, [q]).append(f.id)
    return by_id, _questions(form), labelled


def label_words(words: Sequence[Word], doc: FilledDocument | None) -> tuple[Word, ...]:
    """The words that go into label outputs: a blank-stage field is absent, even if it printed."""
    if doc is None or not doc.stages:
        return tuple(words)
    return tuple(w for w in words if not (w.kind == "value" and w.field_id and doc.stage(w.field_id) == "blank"))


def page_raster(image: PageImage, path: str, page_words: Sequence[Word], page_size: tuple[float, float]) -> PageRaster:
    """Pixel boxes of a page's words from the image's own word list, when it matches word for word.

    The renderer's image carries boxes after any geometric degradation; if its list does not line up
    with the page's words (a degrader dropped one, say) the boxes are scaled from points instead,
    which is exact for undistorted rasters.
    """
    img_words = image.words
    if len(img_words) == len(page_words) and all(a.text == b.text for a, b in zip(img_words, page_words, strict=True)):
        boxes = tuple((w.x0, w.y0, w.x1, w.y1) for w in img_words)
    else:
        sx, sy = image.width / page_size[0], image.height / page_size[1]
        boxes = tuple((w.x0 * sx, w.y0 * sy, w.x1 * sx, w.y1 * sy) for w in page_words)
    return PageRaster(image.page, path, image.width, image.height, image.dpi, boxes)


def annotate_surface(
    form: FormDef,
    doc: FilledDocument,
    surface: RenderedSurface,
    scheme: str,
    rasters: Mapping[int, PageRaster] | None = None,
) -> SurfaceAnnotation:
    """The model of one document on one rendered surface."""
    return annotate_words(
        form,
        label_words(surface.words, doc),
        scheme,
        document_id=doc.stem,
        surface=surface.surface,
        values=doc.values,
        stages=doc.stages,
        page_sizes=surface.page_sizes,
        rasters=rasters,
    )


def annotate_words(
    form: FormDef,
    words: Sequence[Word],
    scheme: str = "semantic_concept",
    *,
    document_id: str = "",
    surface: str = "typed",
    values: Mapping[str, str] | None = None,
    stages: Mapping[str, str] | None = None,
    page_sizes: Sequence[tuple[float, float]] = (),
    rasters: Mapping[int, PageRaster] | None = None,
) -> SurfaceAnnotation:
    """The model from bare word boxes; a field's value defaults to its words joined by spaces."""
    check_scheme(scheme)
    by_id, questions, _ = _form_tables(form)
    ws = tuple(words)
    labels: list[str | None] = []
    spans: dict[tuple[str, int], list[int]] = {}
    for i, w in enumerate(ws):
        f = by_id.get(w.field_id) if w.kind == "value" and w.field_id is not None else None
        if f is None:
            labels.append(None)
            continue
        labels.append(field_label(f, scheme))
        spans.setdefault((f.id, w.page), []).append(i)
    fields = tuple(
        FieldSpan(
            field_id=fid,
            label=field_label(by_id[fid], scheme),
            page=page,
            value=(values.get(fid) or "") if values is not None else " ".join(ws[i].text for i in idx),
            stage=(stages or {}).get(fid, "completed"),
            question=questions.get(fid),
            word_indices=tuple(idx),
        )
        for (fid, page), idx in spans.items()
    )
    sizes = tuple(page_sizes) or tuple(form.page_size for _ in range(form.page_count))
    return SurfaceAnnotation(
        form=form,
        document_id=document_id,
        surface=surface,
        scheme=scheme,
        words=ws,
        labels=tuple(labels),
        fields=fields,
        page_sizes=sizes,
        rasters=dict(rasters or {}),
    )


def union(boxes: Sequence[Box]) -> Box:
    return (
        min(b[0] for b in boxes),
        min(b[1] for b in boxes),
        max(b[2] for b in boxes),
        max(b[3] for b in boxes),
    )


# ------------------------------------------------------------------------------------ _words.json


_s = json_str_or_null


def _box_text(x0: float, y0: float, x1: float, y1: float) -> str:
    return f"[{x0:.2f},{y0:.2f},{x1:.2f},{y1:.2f}]"


# Serialised head of every template word (static text, printed labels): the same object in every
# document of a form, so its JSON is made once. Keyed by id() with the word kept alive.
_WORD_HEADS: dict[int, tuple[Word, str]] = {}
_TOKENS_O: dict[int, tuple[Word, str]] = {}
_PIXEL_WORDS: dict[int, tuple[Word, Box, str]] = {}


def _word_tail(
    kind: str, fid: str | None, label: str | None, by_id: Mapping[str, FieldDef], labelled: Mapping[str, list[str]]
) -> str:
    """A word's members after ``page``: they depend on its kind, field and label only, so a
    document's value words share them per field (`_TAILS`)."""
    field_id = field_type = entity_type = linked_one = None
    linked: list[str] = []
    if fid is not None and label is not None:
        f = by_id[fid]
        field_id, field_type, entity_type, linked, linked_one = fid, f.type, f.entity_role, [fid], fid
    elif fid is not None and kind == "label":
        linked = list(labelled.get(fid, [fid]))
        linked_one = linked[0]
    return (
        f'"kind":"{kind}","field_id":{_s(field_id)},'
        f'"field_type":{_s(field_type or "static")},"entity_type":{_s(entity_type)},'
        f'"linked_field_ids":[{",".join(_s(x) for x in linked)}],"linked_field_id":{_s(linked_one)},'
        f'"label":{_s(label)}'
    )


def _word_head(w: Word, tail: str) -> str:
    """A word's ``_words.json`` entry up to its closing brace: its text and geometry, then `tail`."""
    return (
        f'{{"text":{_s(w.text)},"x":{w.x0:.2f},"y":{w.y0:.2f},"width":{w.x1 - w.x0:.2f},'
        f'"height":{w.y1 - w.y0:.2f},"page":{w.page},{tail}'
    )


# The `_word_tail` of a form's labelled value words, by (field id, label): ~35 a W-2, each of
# whose five strings was escaped again in every document.
_TAILS: PerFormCache[dict[tuple[str | None, str], str]] = PerFormCache()


_STATIC_RUNS: PerFormCache[dict[int, tuple[tuple[Word, ...], str]]] = PerFormCache()


def _static_runs(form: FormDef) -> dict[int, tuple[tuple[Word, ...], str]]:
    """Runs of printed words the same in every document, each serialised as one run of
    ``_words.json`` entries and keyed by the id of its first word: a page's boilerplate (the
    template's static words, drawn before any field) and each field's printed label. On the
    1040 that is ~1,100 of its ~1,200 words a document no longer serialises one by one."""

    def build() -> dict[int, tuple[tuple[Word, ...], str]]:
        by_id, _, labelled = _form_tables(form)
        tpl = template_for(form)
        out = {}
        for run in (*tpl.static_words, *tpl.label_words.values()):
            if run:
                out[id(run[0])] = (
                    run,
                    ",".join(_word_head(w, _word_tail(w.kind, w.field_id, None, by_id, labelled)) + "}" for w in run),
                )
        return out

    return _STATIC_RUNS.get(form, build)


def words_json_bytes(ann: SurfaceAnnotation) -> bytes:
    """``_words.json``: docs/spec/WIRE.md section 4.4 shape plus the model (labels, field spans, page sizes,
    ``pixel_box`` in the page image when the page has one in the dataset).

    Written as text rather than through ``json.dumps`` of a dict per word: on a dense form (the
    1040 has ~1,200 words, nine in ten of them printed boilerplate) encoding was most of the
    annotation cost, and boilerplate words serialise the same in every document.
    """
    by_id, _, labelled = _form_tables(ann.form)
    pixel = {p: r.boxes for p, r in ann.rasters.items()}
    seen: dict[int, int] = {}
    heads = _WORD_HEADS
    pixel_heads = _PIXEL_WORDS
    runs = _static_runs(ann.form)
    tails = _TAILS.get(ann.form, dict)
    parts: list[str] = []
    words, labels = ann.words, ann.labels
    i, count = 0, len(words)
    while i < count:
        w, label = words[i], labels[i]
        i += 1
        run = runs.get(id(w)) if label is None else None
        if run is not None and pixel.get(w.page) is None:
            # A run of printed words (a page's boilerplate, a field's label): the same objects in
            # every document, serialised once.
            run_words, text = run
            end = i - 1 + len(run_words)
            if end <= count and all(a is b for a, b in zip(run_words, words[i - 1 : end], strict=True)):
                parts.append(text)
                i = end
                continue
        if label is None:
            hit = heads.get(id(w))
            if hit is not None and hit[0] is w:
                head = hit[1]
            else:
                head = _word_head(w, _word_tail(w.kind, w.field_id, None, by_id, labelled))
                if w.kind != "value":
                    heads[id(w)] = (w, head)
        else:
            tail = tails.get((w.field_id, label))
            if tail is None:
                tail = tails[w.field_id, label] = _word_tail(w.kind, w.field_id, label, by_id, labelled)
            head = _word_head(w, tail)
        boxes = pixel.get(w.page)
        if boxes is None:
            parts.append(head + "}")
            continue
        n = seen.get(w.page, 0)
        seen[w.page] = n + 1
        box = boxes[n]
        if label is None:
            # Boilerplate sits at the same pixels in every clean image of the form: reuse its text.
            cached = pixel_heads.get(id(w))
            if cached is not None and cached[0] is w and cached[1] == box:
                parts.append(cached[2])
                continue
            text = f'{head},"pixel_box":{_box_text(*box)}}}'
            if w.kind != "value":
                pixel_heads[id(w)] = (w, box, text)
            parts.append(text)
        else:
            parts.append(f'{head},"pixel_box":{_box_text(*box)}}}')
    header = {
        "schema_version": WORDS_SCHEMA_VERSION,
        "document_id": ann.document_id,
        "form_id": ann.form.id,
        "page_count": ann.page_count,
        "surface": ann.surface,
        "label_scheme": ann.scheme,
        "coordinates": "pdf_points_top_left",
        "reading_order": "form",
        "page_sizes": [[_r(w), _r(h)] for w, h in ann.page_sizes],
        "images": [
            {"page": r.page, "path": r.path, "width": r.width, "height": r.height, "dpi": r.dpi}
            for r in sorted(ann.rasters.values(), key=lambda r: r.page)
        ],
        "fields": [
            {
                "field_id": sp.field_id,
                "label": sp.label,
                "page": sp.page,
                "value": sp.value,
                "stage": sp.stage,
                "question_field_id": sp.question,
                "word_indices": list(sp.word_indices),
                "box": [_r(v) for v in union([ann.words[i].box for i in sp.word_indices])],
            }
            for sp in ann.fields
        ],
    }
    head_json = json.dumps(header, ensure_ascii=False, separators=(",", ":"))
    return f'{head_json[:-1]},"words":[{",".join(parts)}]}}'.encode()


def words_json(ann: SurfaceAnnotation) -> dict[str, Any]:
    """``words_json_bytes`` as a dict."""
    return json.loads(words_json_bytes(ann))


def bio_json_bytes(ann: SurfaceAnnotation) -> bytes:
    """``_bio.json``: B/I/O tags over all words in reading order; only filled fields' value words
    carry a class. ``bbox`` is ``[x0, y0, x1, y1]`` in PDF points (origin top-left), ``page`` 0-based;
    a field spanning lines stays one B-...I- run because its value words are contiguous.
    """
    tokens_o = _TOKENS_O
    parts: list[str] = []
    prev: str | None = None
    for w, label in zip(ann.words, ann.labels, strict=True):
        if label is None:
            prev = None
            hit = tokens_o.get(id(w))
            if hit is not None and hit[0] is w:
                parts.append(hit[1])
                continue
            token = f'{{"text":{_s(w.text)},"tag":"O","bbox":{_box_text(w.x0, w.y0, w.x1, w.y1)},"page":{w.page}}}'
            if w.kind != "value":
                tokens_o[id(w)] = (w, token)
            parts.append(token)
            continue
        tag = f"{'I' if prev == w.field_id else 'B'}-{label}"
        prev = w.field_id
        box = _box_text(w.x0, w.y0, w.x1, w.y1)
        parts.append(f'{{"text":{_s(w.text)},"tag":{_s(tag)},"bbox":{box},"page":{w.page}}}')
    header = {
        "document_id": ann.document_id,
        "form_id": ann.form.id,
        "page_count": ann.page_count,
        "surface": ann.surface,
        "label_scheme": ann.scheme,
        "coordinates": "pdf_points_top_left",
    }
    head_json = json.dumps(header, ensure_ascii=False, separators=(",", ":"))
    return f'{head_json[:-1]},"tokens":[{",".join(parts)}]}}'.encode()


@dataclass(frozen=True)
class PageObjects:
    """The detection view of one page that has an image: one object per filled field."""

    page: int
    image: PageRaster
    objects: tuple[tuple[str, str, Box, str], ...]  # (field id, label, pixel box, text)


def page_objects(ann: SurfaceAnnotation) -> list[PageObjects]:
    """Field boxes in the pixels of each page image: the union of the field's value words."""
    local: list[int] = []  # each word's position among its page's words (the raster's index)
    seen: dict[int, int] = {}
    for w in ann.words:
        n = seen.get(w.page, 0)
        local.append(n)
        seen[w.page] = n + 1
    out = []
    for page, raster in sorted(ann.rasters.items()):
        objects = tuple(
            (
                span.field_id,
                span.label,
                union([raster.boxes[local[i]] for i in span.word_indices]),
                " ".join(ann.words[i].text for i in span.word_indices),
            )
            for span in ann.fields
            if span.page == page
        )
        out.append(PageObjects(page, raster, objects))
    return out
