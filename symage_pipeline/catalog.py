"""Form catalog: form definitions live in ``forms/*.yaml`` so that adding a form is a data change.

The YAML is validated once at load time (ids, concepts, geometry, label classes) so that every
downstream stage (identity packet, renderer, annotations, API) can trust the definition and never
has to re-check it per document.
"""

from __future__ import annotations

import functools
import math
import re
import threading
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Generic, TypeVar

import yaml

V = TypeVar("V")

try:  # the C loader is ~10x faster; fall back so a pure-Python PyYAML still works
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader

DEFAULT_FORMS_DIR = Path(__file__).resolve().parents[1] / "forms"

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
_ID_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_CONCEPT_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)+$")
_SOURCE_RE = re.compile(r"^[a-z0-9_]+(\.[a-z0-9_]+)*$")

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


# --------------------------------------------------------------------------------------------
# Loading and validation


class _Problem(Exception):
    """Internal: a validation failure, re-raised as ValueError with the form named."""


def _req(d: Mapping[str, Any], key: str, where: str) -> Any:
    if key not in d or d[key] is None:
        raise _Problem(f"{where}: missing required key {key!r}")
    return d[key]


def _num(v: Any, where: str) -> float:
    if isinstance(v, bool) or not isinstance(v, int | float) or not math.isfinite(v):
        raise _Problem(f"{where}: expected a number, got {v!r}")
    return float(v)


def _rect(v: Any, where: str) -> Rect:
    if not isinstance(v, list | tuple) or len(v) != 4:
        raise _Problem(f"{where}: expected [x0, y0, x1, y1], got {v!r}")
    x0, y0, x1, y1 = (_num(c, where) for c in v)
    if x1 <= x0 or y1 <= y0:
        raise _Problem(f"{where}: empty rectangle {list(v)!r} (need x0 < x1 and y0 < y1)")
    return (x0, y0, x1, y1)


def _point(v: Any, where: str) -> tuple[float, float]:
    if not isinstance(v, list | tuple) or len(v) != 2:
        raise _Problem(f"{where}: expected [x, y], got {v!r}")
    return (_num(v[0], where), _num(v[1], where))


def _str(v: Any, where: str) -> str:
    if not isinstance(v, str):
        raise _Problem(f"{where}: expected a string, got {v!r}")
    return v


def _opt_str(v: Any, where: str) -> str | None:
    return None if v is None else _str(v, where)


def _inside(r: Rect, size: tuple[float, float]) -> bool:
    return r[0] >= 0 and r[1] >= 0 and r[2] <= size[0] and r[3] <= size[1]


def _parse_text(t: Any, where: str) -> TextDef:
    if not isinstance(t, Mapping):
        raise _Problem(f"{where}: expected a mapping, got {t!r}")
    x, y = _point(_req(t, "at", where), where)
    role = t.get("role", "static")
    align = t.get("align", "left")
    if role not in TEXT_ROLES:
        raise _Problem(f"{where}: role must be one of {sorted(TEXT_ROLES)}, got {role!r}")
    if align not in ALIGNMENTS:
        raise _Problem(f"{where}: align must be one of {sorted(ALIGNMENTS)}, got {align!r}")
    return TextDef(
        text=_str(_req(t, "text", where), where),
        x=x,
        y=y,
        size=_num(t.get("size", 7.0), where),
        bold=bool(t.get("bold", False)),
        role=role,
        align=align,
    )


def _parse_line(v: Any, where: str) -> LineDef:
    if isinstance(v, Mapping):
        x0, y0, x1, y1 = _coords4(_req(v, "line", where), where)
        return LineDef(x0, y0, x1, y1, _num(v.get("width", 0.5), where), bool(v.get("dashed", False)))
    x0, y0, x1, y1 = _coords4(v, where)
    return LineDef(x0, y0, x1, y1)


def _coords4(v: Any, where: str) -> Rect:
    if not isinstance(v, list | tuple) or len(v) != 4:
        raise _Problem(f"{where}: expected [x0, y0, x1, y1], got {v!r}")
    x0, y0, x1, y1 = (_num(c, where) for c in v)
    return (x0, y0, x1, y1)


def _parse_rect(v: Any, where: str) -> RectDef:
    if isinstance(v, Mapping):
        fill = v.get("fill")
        return RectDef(
            _rect(_req(v, "rect", where), where),
            _num(v.get("width", 0.5), where),
            None if fill is None else _num(fill, where),
        )
    return RectDef(_rect(v, where))


def _parse_page(p: Any, index: int, size: tuple[float, float]) -> PageDef:
    where = f"pages[{index}]"
    if not isinstance(p, Mapping):
        raise _Problem(f"{where}: expected a mapping")
    number = p.get("number", index + 1)
    if number != index + 1:
        raise _Problem(f"{where}: pages must be numbered 1..n in order, got number {number!r}")
    texts = tuple(_parse_text(t, f"{where}.texts[{i}]") for i, t in enumerate(p.get("texts") or ()))
    lines = tuple(_parse_line(v, f"{where}.lines[{i}]") for i, v in enumerate(p.get("lines") or ()))
    rects = tuple(_parse_rect(v, f"{where}.rects[{i}]") for i, v in enumerate(p.get("rects") or ()))
    for i, t in enumerate(texts):
        if not (0 <= t.x <= size[0] and 0 <= t.y <= size[1]):
            raise _Problem(f"{where}.texts[{i}]: position ({t.x}, {t.y}) is outside the page")
    for i, r in enumerate(rects):
        if not _inside(r.rect, size):
            raise _Problem(f"{where}.rects[{i}]: rect {list(r.rect)} is outside the page")
    return PageDef(number=number, texts=texts, lines=lines, rects=rects)


_FIELD_KEYS = frozenset(
    {
        "id",
        "label",
        "type",
        "page",
        "rect",
        "cell",
        "semantic_concept",
        "structural_role",
        "entity_role",
        "nist3",
        "source",
        "comb",
        "box",
        "label_text",
        "label_at",
        "label_size",
        "font_size",
        "align",
        "question",
    }
)


def _parse_field(raw: Any, index: int, defaults: Mapping[str, Any], n_pages: int) -> FieldDef:
    if not isinstance(raw, Mapping):
        raise _Problem(f"fields[{index}]: expected a mapping")
    d = {**defaults, **raw}
    fid = d.get("id")
    where = f"field {fid!r}" if isinstance(fid, str) else f"fields[{index}]"
    unknown = set(raw) - _FIELD_KEYS
    if unknown:
        raise _Problem(f"{where}: unknown keys {sorted(unknown)}")
    fid = _str(_req(d, "id", where), where)
    if not _ID_RE.match(fid):
        raise _Problem(f"{where}: id must match {_ID_RE.pattern}")
    if fid in RESERVED_FIELD_IDS:
        raise _Problem(f"{where}: id {fid!r} is reserved (ground-truth CSV column)")
    ftype = _str(_req(d, "type", where), where)
    if ftype not in FIELD_TYPES:
        raise _Problem(f"{where}: unknown type {ftype!r} (known: {', '.join(sorted(FIELD_TYPES))})")
    page = _req(d, "page", where)
    if isinstance(page, bool) or not isinstance(page, int) or not 1 <= page <= n_pages:
        raise _Problem(f"{where}: page {page!r} is out of range 1..{n_pages}")
    nist3 = _req(d, "nist3", where)
    if nist3 not in NIST3_CLASSES:
        raise _Problem(f"{where}: nist3 must be one of {sorted(NIST3_CLASSES)}, got {nist3!r}")
    concept = _str(_req(d, "semantic_concept", where), where)
    if not _CONCEPT_RE.match(concept):
        raise _Problem(f"{where}: semantic_concept {concept!r} must be dotted lower-case (a.b[.c])")
    source = _str(_req(d, "source", where), where)
    if not _SOURCE_RE.match(source):
        raise _Problem(f"{where}: source {source!r} must be a dotted path")
    cell = _rect(d["cell"], f"{where}.cell") if d.get("cell") is not None else None
    if d.get("rect") is not None:
        rect = _rect(d["rect"], f"{where}.rect")
    elif cell is not None:
        # Default value area: the part of the cell under its printed label.
        label_size = _num(d.get("label_size", 6.0), where)
        rect = (cell[0] + 3.0, cell[1] + 1.5 + label_size * 1.4, cell[2] - 3.0, cell[3] - 1.0)
        if rect[3] <= rect[1] or rect[2] <= rect[0]:
            raise _Problem(f"{where}: cell {list(cell)} is too small for a label and a value")
    else:
        raise _Problem(f"{where}: needs a rect or a cell")
    align = d.get("align", "left")
    if align not in ALIGNMENTS:
        raise _Problem(f"{where}: align must be one of {sorted(ALIGNMENTS)}, got {align!r}")
    comb = d.get("comb")
    if comb is not None and (isinstance(comb, bool) or not isinstance(comb, int) or comb < 1):
        raise _Problem(f"{where}: comb must be a positive integer, got {comb!r}")
    label = _str(_req(d, "label", where), where)
    label_text = d.get("label_text", label)
    box = d.get("box")
    layout = FieldLayout(
        cell=cell,
        label_text=_str(label_text, where) if label_text is not None else "",
        box=None if box is None else str(box),
        label_at=_point(d["label_at"], f"{where}.label_at") if d.get("label_at") is not None else None,
        label_size=_num(d.get("label_size", 6.0), where),
        font_size=_num(d.get("font_size", 9.0), where),
        align=align,
        question=_opt_str(d.get("question"), where),
    )
    return FieldDef(
        id=fid,
        label=label,
        type=ftype,
        page=page,
        rect=rect,
        semantic_concept=concept,
        structural_role=_opt_str(d.get("structural_role"), where),
        entity_role=_opt_str(d.get("entity_role"), where),
        nist3=nist3,
        source=source,
        comb=comb,
        layout=layout,
    )


def parse_form(data: Any, origin: str = "<memory>") -> FormDef:
    """Build and validate one form; errors name the form so a bad file is found at once."""
    name_hint = data.get("id") if isinstance(data, Mapping) and isinstance(data.get("id"), str) else origin
    try:
        return _parse_form(data)
    except _Problem as exc:
        raise ValueError(f"form {name_hint} ({origin}): {exc}") from None


def _parse_form(data: Any) -> FormDef:
    if not isinstance(data, Mapping):
        raise _Problem("top level must be a mapping")
    form_id = _str(_req(data, "id", "form"), "id")
    if not _ID_RE.match(form_id):
        raise _Problem(f"id must match {_ID_RE.pattern}")
    size_raw = _req(data, "page_size", "form")
    size = _point(size_raw, "page_size")
    if size[0] <= 0 or size[1] <= 0:
        raise _Problem(f"page_size must be positive, got {size_raw!r}")
    pages_raw = _req(data, "pages", "form")
    if not isinstance(pages_raw, list) or not pages_raw:
        raise _Problem("pages must be a non-empty list")
    pages = tuple(_parse_page(p, i, size) for i, p in enumerate(pages_raw))
    defaults = data.get("defaults") or {}
    if not isinstance(defaults, Mapping):
        raise _Problem("defaults must be a mapping")
    bad_defaults = set(defaults) - (_FIELD_KEYS - {"id", "label", "rect", "cell", "semantic_concept", "question"})
    if bad_defaults:
        raise _Problem(f"defaults: keys {sorted(bad_defaults)} cannot be defaulted")
    fields_raw = _req(data, "fields", "form")
    if not isinstance(fields_raw, list) or not fields_raw:
        raise _Problem("fields must be a non-empty list")
    fields = tuple(_parse_field(f, i, defaults, len(pages)) for i, f in enumerate(fields_raw))

    seen_ids: set[str] = set()
    seen_concepts: dict[str, str] = {}
    for f in fields:
        if f.id in seen_ids:
            raise _Problem(f"duplicate field id {f.id!r}")
        seen_ids.add(f.id)
        if f.semantic_concept in seen_concepts:
            raise _Problem(
                f"semantic_concept {f.semantic_concept!r} is shared by fields "
                f"{seen_concepts[f.semantic_concept]!r} and {f.id!r} (use one concept per slot)"
            )
        seen_concepts[f.semantic_concept] = f.id
        for what, r in (("rect", f.rect), ("cell", f.layout.cell)):
            if r is not None and not _inside(r, size):
                raise _Problem(f"field {f.id!r}: {what} {list(r)} is outside the {size[0]}x{size[1]} page")
    for f in fields:
        q = f.layout.question
        if q is not None and (q not in seen_ids or q == f.id):
            raise _Problem(f"field {f.id!r}: question {q!r} is not another field of this form")

    year = data.get("year")
    if year is not None and (isinstance(year, bool) or not isinstance(year, int)):
        raise _Problem(f"year must be an integer, got {year!r}")
    return FormDef(
        id=form_id,
        name=_str(_req(data, "name", "form"), "name"),
        category=_str(_req(data, "category", "form"), "category"),
        family=_opt_str(data.get("family"), "family"),
        year=year,
        version=str(_req(data, "version", "form")),
        entity_type=_str(_req(data, "entity_type", "form"), "entity_type"),
        page_size=size,
        pages=pages,
        fields=fields,
        handwriting=_flag(data, "handwriting", True),
        fillable=_flag(data, "fillable", False),
    )


def _flag(data: Mapping[str, Any], key: str, default: bool) -> bool:
    value = data.get(key, default)
    if not isinstance(value, bool):
        raise _Problem(f"{key} must be true or false, got {value!r}")
    return value


def load_form_file(path: Path) -> FormDef:
    try:
        data = yaml.load(path.read_text(encoding="utf-8"), Loader=_YamlLoader)  # noqa: S506 - safe loader
    except yaml.YAMLError as exc:
        raise ValueError(f"form {path.stem} ({path.name}): invalid YAML: {exc}") from None
    form = parse_form(data, path.name)
    if form.id != path.stem:
        raise ValueError(f"form {form.id} ({path.name}): id does not match the file name {path.stem!r}")
    return form


def _load(forms_dir: Path) -> Catalog:
    if not forms_dir.is_dir():
        raise FileNotFoundError(f"forms directory not found: {forms_dir}")
    forms = [load_form_file(p) for p in sorted(forms_dir.glob("*.yaml"))]
    return Catalog(forms)


@functools.cache
def _default_catalog() -> Catalog:
    return _load(DEFAULT_FORMS_DIR)


def load_catalog(forms_dir: Path | None = None) -> Catalog:
    """The default catalog is cached because every worker asks for it per task."""
    if forms_dir is None:
        return _default_catalog()
    return _load(Path(forms_dir))


# --------------------------------------------------------------------------------------------
# Packet -> display strings


_MISSING = object()


@functools.cache
def _path_parts(source: str) -> tuple[str | int, ...]:
    return tuple(int(p) if p.isdigit() else p for p in source.split("."))


def resolve_source(packet: Mapping[str, Any], source: str) -> Any:
    """Follow a dotted path (list indexes allowed) and raise KeyError naming the path if absent."""
    cur: Any = packet
    for part in _path_parts(source):
        if isinstance(part, int) and isinstance(cur, list):
            cur = cur[part] if part < len(cur) else _MISSING
        elif isinstance(cur, Mapping):
            cur = cur.get(part, _MISSING)  # type: ignore[call-overload]
        else:
            cur = _MISSING
        if cur is _MISSING:
            raise KeyError(f"packet has no value at {source!r}")
    return cur


def _digits(v: Any) -> str:
    return "".join(ch for ch in str(v) if ch.isdigit())


def _fmt_ssn(v: Any) -> str:
    d = _digits(v)
    return f"{d[:3]}-{d[3:5]}-{d[5:]}" if len(d) == 9 else str(v)


def _fmt_ein(v: Any) -> str:
    d = _digits(v)
    return f"{d[:2]}-{d[2:]}" if len(d) == 9 else str(v)


def _fmt_currency(v: Any) -> str:
    if isinstance(v, str):
        try:
            v = Decimal(v.replace(",", ""))
        except InvalidOperation:
            return v
    return f"{Decimal(str(v)):,.2f}" if isinstance(v, float) else f"{v:,.2f}"


def _fmt_date(v: Any) -> str:
    if isinstance(v, date):
        return v.strftime("%m/%d/%Y")
    s = str(v)
    if len(s) == 10 and s[4] == "-" and s[7] == "-":  # ISO yyyy-mm-dd from the packet
        return f"{s[5:7]}/{s[8:10]}/{s[:4]}"
    return s


def _fmt_checkbox(v: Any) -> str:
    if isinstance(v, str):
        return "X" if v.strip() and v.strip().lower() not in {"0", "false", "no", "off"} else ""
    return "X" if v else ""


def _fmt_integer(v: Any) -> str:
    return str(int(v)) if isinstance(v, int | float) and not isinstance(v, bool) else str(v)


_FORMATTERS = {
    "ssn": _fmt_ssn,
    "ein": _fmt_ein,
    "currency": _fmt_currency,
    "date": _fmt_date,
    "checkbox": _fmt_checkbox,
    "integer": _fmt_integer,
}


def format_value(ftype: str, value: Any) -> str:
    """One display convention per type so every surface (PDF, JSON, CSV) shows the same string."""
    if value is None:
        return ""
    fmt = _FORMATTERS.get(ftype)
    return fmt(value) if fmt is not None else str(value)


def fill_values(form: FormDef, packet: Mapping[str, Any]) -> dict[str, str]:
    """Map each field to its display string; a source path missing from the packet is a bug."""
    out: dict[str, str] = {}
    for f in form.fields:
        try:
            value = resolve_source(packet, f.source)
        except KeyError:
            raise KeyError(f"form {form.id}, field {f.id}: packet has no value at {f.source!r}") from None
        out[f.id] = format_value(f.type, value)
    return out
