"""FUNSD pages: printed labels are questions, filled values answers (linked), titles headers.

Entities are grouped from the renderer's word boxes: label/value words carry their field id, and
static words are matched back to the printed string (title or boilerplate) they were drawn from,
so grouping never depends on guessing from geometry for the form's own text.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

from symage_pipeline.annotate.jsontext import json_str
from symage_pipeline.catalog import FormDef, PerFormCache
from symage_pipeline.render.template import template_for
from symage_pipeline.render.words import Word

_ROLE_LABEL = {"title": "header", "static": "other"}


class _Cached:
    """Pre-serialised entity parts for a template group (static string or field label).

    Static and label words are the same objects in every document of a form, so their JSON is
    computed once; documents only copy it (copies, so callers may rescale boxes in place).
    """

    __slots__ = ("words", "text", "box", "word_json", "_serialised")

    def __init__(self, words: tuple[Word, ...]) -> None:
        self.words = words
        self.text = " ".join(w.text for w in words)
        self.box = _union(words)
        self.word_json = tuple((w.text, _ibox(w.x0, w.y0, w.x1, w.y1)) for w in words)
        self._serialised: str | None = None

    def body(self) -> str:
        """Serialised text, box and words: the same for every document of the form."""
        if self._serialised is None:
            self._serialised = _body(self.text, self.box, self.word_json)
        return self._serialised

    def matches(self, words: list[Word]) -> bool:
        cw = self.words
        return len(cw) == len(words) and all(a is b for a, b in zip(cw, words, strict=True))


class _FormIndex:
    __slots__ = ("static", "groups", "labels", "question_of", "static_words", "_prefix")

    def __init__(self, form: FormDef) -> None:
        tpl = template_for(form)
        self.static: dict[tuple[int, float, float, str], tuple[int, str]] = {
            (w.page, w.x0, w.y0, w.text): (gi, _ROLE_LABEL[g.role])
            for gi, g in enumerate(tpl.static_groups)
            for w in g.words
        }
        self.groups = tuple(_Cached(g.words) for g in tpl.static_groups)
        self.labels = {fid: _Cached(ws) for fid, ws in tpl.label_words.items() if ws}
        self.question_of = {f.id: (f.layout.question or f.id) for f in form.fields}
        self.static_words: tuple[tuple[Word, ...], ...] = tuple(tpl.static_words)
        self._prefix: dict[int, tuple[str, int]] = {}

    def prefix(self, page: int) -> tuple[tuple[Word, ...], str, int]:
        """A page's printed boilerplate (the words every document's page starts with) as
        serialised entities, and how many: the same in every document, so made once."""
        words = self.static_words[page] if page < len(self.static_words) else ()
        hit = self._prefix.get(page)
        if hit is None:
            entities = _group_page(self, page, words)
            hit = self._prefix[page] = (",".join(e.to_text() for e in entities), len(entities))
        return words, hit[0], hit[1]


_INDEX: PerFormCache[_FormIndex] = PerFormCache()


def _form_index(form: FormDef) -> _FormIndex:
    return _INDEX.get(form, lambda: _FormIndex(form))


def _ibox(x0: float, y0: float, x1: float, y1: float) -> list[int]:
    """Integer box that still contains the word (FUNSD boxes are integers)."""
    return [math.floor(x0), math.floor(y0), math.ceil(x1), math.ceil(y1)]


def _union(ws: Sequence[Word]) -> list[int]:
    return _ibox(min(w.x0 for w in ws), min(w.y0 for w in ws), max(w.x1 for w in ws), max(w.y1 for w in ws))


def _body(text: str, box: Sequence[int], word_json: Sequence[tuple[str, Sequence[int]]]) -> str:
    """An entity's text, box and words members as JSON text."""
    words = ",".join(f'{{"text":{_str(t)},"box":[{b[0]},{b[1]},{b[2]},{b[3]}]}}' for t, b in word_json)
    return f'"text":{_str(text)},"box":[{box[0]},{box[1]},{box[2]},{box[3]}],"words":[{words}]'


_str = json_str


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

    def to_text(self) -> str:
        """The same entity serialised straight to JSON text; template groups reuse a cached body."""
        ws = self.words
        c = self.cached
        if c is not None and c.matches(ws):
            body = c.body()
        else:
            word_json = [(w.text, _ibox(w.x0, w.y0, w.x1, w.y1)) for w in ws]
            body = _body(" ".join(w.text for w in ws), _union(ws), word_json)
        links = ",".join(f"[{a},{b}]" for a, b in self.linking)
        return f'{{"id":{self.id},"label":"{self.label}",{body},"linking":[{links}]}}'


def _same_line(a: Word, b: Word) -> bool:
    """Fallback grouping for static words not from this form's template (e.g. callers' extras)."""
    h = a.y1 - a.y0
    return a.page == b.page and abs(a.y0 - b.y0) < 0.2 * h and 0 <= b.x0 - a.x1 < 0.6 * h


def _group_page(index: _FormIndex, p: int, words: Sequence[Word], first_id: int = 0) -> list[_Entity]:
    """Entities of one page (ids from ``first_id``), with question -> answer links."""
    static_index = index.static
    ents: list[_Entity] = []
    questions: dict[str, _Entity] = {}
    answers: dict[str, _Entity] = {}
    static_groups: dict[int, _Entity] = {}
    last_loose: _Entity | None = None

    for w in words:
        if w.kind == "value" and w.field_id is not None:
            ent = answers.get(w.field_id)
            if ent is None:
                ent = answers[w.field_id] = _Entity(first_id + len(ents), "answer")
                ents.append(ent)
        elif w.kind == "label" and w.field_id is not None:
            ent = questions.get(w.field_id)
            if ent is None:
                ent = _Entity(first_id + len(ents), "question", index.labels.get(w.field_id))
                questions[w.field_id] = ent
                ents.append(ent)
        else:
            hit = static_index.get((p, w.x0, w.y0, w.text))
            if hit is not None:
                gi, label = hit
                ent = static_groups.get(gi)
                if ent is None:
                    ent = static_groups[gi] = _Entity(first_id + len(ents), label, index.groups[gi])
                    ents.append(ent)
            else:
                if last_loose is not None and _same_line(last_loose.words[-1], w):
                    ent = last_loose
                else:
                    ent = _Entity(first_id + len(ents), "other")
                    ents.append(ent)
                last_loose = ent
        ent.words.append(w)

    question_of = index.question_of
    for fid, ans in answers.items():
        q = questions.get(question_of.get(fid, fid))
        if q is not None:
            pair = [q.id, ans.id]
            q.linking.append(pair)
            ans.linking.append(list(pair))
    return ents


def _by_page(form: FormDef, words: Sequence[Word]) -> list[list[Word]]:
    pages: list[list[Word]] = [[] for _ in range(form.page_count)]
    for w in words:
        pages[w.page].append(w)
    return pages


def _group(form: FormDef, words: Sequence[Word]) -> list[list[_Entity]]:
    """Entities per page, with question -> answer links."""
    index = _form_index(form)
    return [_group_page(index, p, page_words) for p, page_words in enumerate(_by_page(form, words))]


def funsd_pages(form: FormDef, words: Sequence[Word], *, image_path_template: str | None = None) -> list[dict]:
    """One FUNSD document per page; ``image_path_template`` is formatted with ``page`` (0-based)."""
    return [
        {
            "form": [e.to_json() for e in entities],
            "image_path": image_path_template.format(page=p) if image_path_template is not None else None,
        }
        for p, entities in enumerate(_group(form, words))
    ]


def funsd_page_bytes(form: FormDef, words: Sequence[Word], image_paths: Sequence[str | None] = ()) -> list[bytes]:
    """``funsd_pages`` serialised, built as text.

    Per-document JSON encoding was most of FUNSD's cost on dense forms. A page whose words start
    with the template's boilerplate (the renderer draws it first) reuses that run's serialised
    entities, which are the same in every document; only the fields' entities are made afresh.
    """
    index = _form_index(form)
    out = []
    for p, page_words in enumerate(_by_page(form, words)):
        static, text, count = index.prefix(p)
        n = len(static)
        if n and len(page_words) >= n and all(a is b for a, b in zip(static, page_words[:n], strict=True)):
            rest = _group_page(index, p, page_words[n:], count)
            parts = [text, *(e.to_text() for e in rest)] if rest else [text]
        else:
            parts = [e.to_text() for e in _group_page(index, p, page_words)]
        path = image_paths[p] if p < len(image_paths) else None
        body = ",".join(parts)
        out.append(f'{{"form":[{body}],"image_path":{_str(path) if path is not None else "null"}}}'.encode())
    return out
