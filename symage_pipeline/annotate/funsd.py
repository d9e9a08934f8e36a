"""FUNSD pages: printed labels are questions, filled values answers (linked), titles headers.

Entities are grouped from the renderer's word boxes: label/value words carry their field id, and
static words are matched back to the printed string (title or boilerplate) they were drawn from,
so grouping never depends on guessing from geometry for the form's own text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from symage_pipeline.catalog import FormDef
from symage_pipeline.render.template import template_for
from symage_pipeline.render.words import Word

_ROLE_LABEL = {"title": "header", "static": "other"}


class _Cached:
    """Pre-serialised entity parts for a template group (static string or field label).

    Static and label words are the same objects in every document of a form, so their JSON is
    computed once; documents only copy it (copies, so callers may rescale boxes in place).
    """

    __slots__ = ("words", "text", "box", "word_json")

    def __init__(self, words: tuple[Word, ...]) -> None:
        self.words = words
        self.text = " ".join(w.text for w in words)
        self.box = _union(words)
        self.word_json = tuple((w.text, _ibox(w.x0, w.y0, w.x1, w.y1)) for w in words)

    def matches(self, words: list[Word]) -> bool:
        cw = self.words
        return len(cw) == len(words) and all(a is b for a, b in zip(cw, words, strict=True))


class _FormIndex:
    __slots__ = ("static", "groups", "labels")

    def __init__(self, form: FormDef) -> None:
        tpl = template_for(form)
        self.static: dict[tuple[int, float, float, str], tuple[int, str]] = {
            (w.page, w.x0, w.y0, w.text): (gi, _ROLE_LABEL[g.role])
            for gi, g in enumerate(tpl.static_groups)
            for w in g.words
        }
        self.groups = tuple(_Cached(g.words) for g in tpl.static_groups)
        self.labels = {fid: _Cached(ws) for fid, ws in tpl.label_words.items() if ws}


_INDEX: dict[int, tuple[object, _FormIndex]] = {}


def _form_index(form: FormDef) -> _FormIndex:
    tpl = template_for(form)
    hit = _INDEX.get(id(tpl))
    if hit is not None and hit[0] is tpl:
        return hit[1]
    index = _FormIndex(form)
    _INDEX[id(tpl)] = (tpl, index)
    return index


def _ibox(x0: float, y0: float, x1: float, y1: float) -> list[int]:
    """Integer box that still contains the word (FUNSD boxes are integers)."""
    return [math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)]


def _union(ws: Sequence[Word]) -> list[int]:
    return _ibox(min(w.x0 for w in ws), min(w.y0 for w in ws), max(w.x1 for w in ws), max(w.y1 for w in ws))


class _Entity:
    __slots__ = ("id", "label", "words", "linking", "cached")

    def __init__(self, eid: int, label: str, cached: _Cached | None = None) -> None:
        self.id = eid
        self.label = label
        self.words: list[Word] = []
        self.linking: list[list[int]] = []
        self.cached = cached

    def to_json(self) -> dict[str, Any]:
        ws = self.words
        c = self.cached
        if c is not None and c.matches(ws):
            text, box = c.text, list(c.box)
            words = [{"text": t, "box": list(b)} for t, b in c.word_json]
        else:
            text = " ".join(w.text for w in ws)
            box = _union(ws)
            words = [{"text": w.text, "box": _ibox(w.x0, w.y0, w.x1, w.y1)} for w in ws]
        return {"id": self.id, "text": text, "box": box, "label": self.label, "words": words, "linking": self.linking}


def _same_line(a: Word, b: Word) -> bool:
    """Fallback grouping for static words not from this form's template (e.g. callers' extras)."""
    h = a.y1 - a.y0
    return a.page == b.page and abs(a.y0 - b.y0) < 0.2 * h and 0 <= b.x0 - a.x1 < 0.6 * h


def funsd_pages(form: FormDef, words: Sequence[Word], *, image_path_template: str | None = None) -> list[dict]:
    """One FUNSD document per page; ``image_path_template`` is formatted with ``page`` (0-based)."""
    index = _form_index(form)
    static_index = index.static
    question_of = {f.id: (f.layout.question or f.id) for f in form.fields}
    pages: list[list[_Entity]] = [[] for _ in range(form.page_count)]
    questions: list[dict[str, _Entity]] = [{} for _ in range(form.page_count)]
    answers: list[dict[str, _Entity]] = [{} for _ in range(form.page_count)]
    static_groups: list[dict[int, _Entity]] = [{} for _ in range(form.page_count)]
    last_loose: list[_Entity | None] = [None] * form.page_count

    for w in words:
        p = w.page
        ents = pages[p]
        if w.kind == "value" and w.field_id is not None:
            ent = answers[p].get(w.field_id)
            if ent is None:
                ent = answers[p][w.field_id] = _Entity(len(ents), "answer")
                ents.append(ent)
        elif w.kind == "label" and w.field_id is not None:
            ent = questions[p].get(w.field_id)
            if ent is None:
                ent = _Entity(len(ents), "question", index.labels.get(w.field_id))
                questions[p][w.field_id] = ent
                ents.append(ent)
        else:
            hit = static_index.get((p, w.x0, w.y0, w.text))
            if hit is not None:
                gi, label = hit
                ent = static_groups[p].get(gi)
                if ent is None:
                    ent = static_groups[p][gi] = _Entity(len(ents), label, index.groups[gi])
                    ents.append(ent)
            else:
                loose = last_loose[p]
                if loose is not None and _same_line(loose.words[-1], w):
                    ent = loose
                else:
                    ent = _Entity(len(ents), "other")
                    ents.append(ent)
                last_loose[p] = ent
        ent.words.append(w)

    for p in range(form.page_count):
        for fid, ans in answers[p].items():
            q = questions[p].get(question_of.get(fid, fid))
            if q is not None:
                pair = [q.id, ans.id]
                q.linking.append(pair)
                ans.linking.append(list(pair))

    return [
        {
            "form": [e.to_json() for e in pages[p]],
            "image_path": image_path_template.format(page=p) if image_path_template is not None else None,
        }
        for p in range(form.page_count)
    ]
