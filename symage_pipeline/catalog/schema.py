"""What a form definition is: fields, static text, pages, and the catalog of them.

Validated once at load time (``catalog.loader``) so that every downstream stage (identity packet,
renderer, annotations, API) can trust a definition and never re-check it per document.
"""

from __future__ import annotations

import re
import threading
from collections.abc import Callable, Hashable, Iterator, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

V = TypeVar("V")

FIELD_TYPES = frozenset(
    {
        "text",
        "name",
        "address",
        "ssn",
        "ein",
        "currency",
        "date",
        "enum",
        "checkbox",
        "integer",
        "zip",
        "state",
        "phone",
        "email",
    }
)
NIST3_CLASSES = frozenset({"name", "ssn", "data"})
ALIGNMENTS = frozenset({"left", "right", "center"})
TEXT_ROLES = frozenset({"title", "static"})
# Column names of ground_truth/data.csv that precede the field columns; a field may not shadow them.
RESERVED_FIELD_IDS = frozenset({"document_id", "form_id", "item_index"})
ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
CONCEPT_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
SOURCE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

Rect = tuple[float, float, float, float]


@dataclass(frozen=True)
class FieldLayout:
    """Render-only details of a field; kept apart so the API-facing FieldDef stays small."""

    cell: Rect | None = None  # ruled cell drawn around label + value
    label_text: str = ""  # text printed on the form ("" = no printed label); may contain "\n"
    box: str | None = None  # box / line number printed in bold before the label ("1", "12a")
    label_at: tuple[float, float] | None = None  # top-left of the printed label
    label_size: float = 6.0
    font_size: float = 9.0  # largest value font size; shrinks down to MIN_FONT_SIZE to fit
    align: str = "left"
    question: str | None = None  # field whose printed label is this field's question (FUNSD link)


@dataclass(frozen=True)
class FieldDef:
    id: str
    label: str
    type: str
    page: int  # 1-based
    rect: Rect  # value area, PDF points, origin top-left
    semantic_concept: str
    structural_role: str | None
    entity_role: str | None
    nist3: str
    source: str
    comb: int | None = None
    layout: FieldLayout = FieldLayout()


@dataclass(frozen=True)
class TextDef:
    """A printed string that is part of the blank form (title or boilerplate)."""

    text: str
    x: float
    y: float  # top of the text line
    size: float = 7.0
    bold: bool = False
    role: str = "static"  # "title" -> FUNSD header, "static" -> FUNSD other
    align: str = "left"  # x is the left edge, right edge or centre


@dataclass(frozen=True)
class LineDef:
    x0: float
    y0: float
    x1: float
    y1: float
    width: float = 0.5
    dashed: bool = False


@dataclass(frozen=True)
class RectDef:
    rect: Rect
    width: float = 0.5
    fill: float | None = None  # grey level 0..1, None = outline only


@dataclass(frozen=True)
class PageDef:
    number: int  # 1-based
    texts: tuple[TextDef, ...] = ()
    lines: tuple[LineDef, ...] = ()
    rects: tuple[RectDef, ...] = ()


@dataclass(frozen=True)
class FormDef:
    id: str
    name: str
    category: str
    family: str | None
    year: int | None
    version: str
    entity_type: str
    page_size: tuple[float, float]
    pages: tuple[PageDef, ...]
    fields: tuple[FieldDef, ...]
    # Surfaces this form supports beyond typed PDF (YAML keys `handwriting`, `fillable`).
    handwriting: bool = True
    fillable: bool = False

    @property
    def page_count(self) -> int:
        return len(self.pages)

    @property
    def field_count(self) -> int:
        return len(self.fields)


class PerFormCache(Generic[V]):
    """Values built once per form (and key), looked up by object identity: hashing a whole FormDef
    per document would cost more than it saves. Each entry holds its form, so its id is never reused."""

    def __init__(self) -> None:
        self._entries: dict[tuple[int, Hashable], tuple[FormDef, V]] = {}
        self._lock = threading.Lock()

    def get(self, form: FormDef, build: Callable[[], V], key: Hashable = ()) -> V:
        slot = (id(form), key)
        hit = self._entries.get(slot)
        if hit is not None and hit[0] is form:
            return hit[1]
        with self._lock:
            hit = self._entries.get(slot)
            if hit is not None and hit[0] is form:
                return hit[1]
            value = build()
            self._entries[slot] = (form, value)
            return value


class Catalog:
    """Read-only set of forms, indexed by id; list order is by id so API output is stable."""

    def __init__(self, forms: Sequence[FormDef]) -> None:
        self._forms: dict[str, FormDef] = {f.id: f for f in sorted(forms, key=lambda f: f.id)}

    def get(self, form_id: str) -> FormDef:
        try:
            return self._forms[form_id]
        except KeyError:
            raise KeyError(form_id) from None

    def list(self, category: str | None = None, family: str | None = None) -> list[FormDef]:
        return [
            f
            for f in self._forms.values()
            if (category is None or f.category == category) and (family is None or f.family == family)
        ]

    def ids(self) -> list[str]:
        return list(self._forms)

    def __contains__(self, form_id: object) -> bool:
        return form_id in self._forms

    def __iter__(self) -> Iterator[FormDef]:
        return iter(self._forms.values())

    def __len__(self) -> int:
        return len(self._forms)
