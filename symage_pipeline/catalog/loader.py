"""Reading ``catalog/forms/*.yaml`` into checked FormDefs: adding a form is a data change.

The forms ship inside the package (package data), so a wheel installed anywhere finds them.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import yaml

from symage_pipeline.catalog.schema import (
    ALIGNMENTS,
    CONCEPT_RE,
    FIELD_TYPES,
    ID_RE,
    NIST3_CLASSES,
    RESERVED_FIELD_IDS,
    SOURCE_RE,
    TEXT_ROLES,
    Catalog,
    FieldDef,
    FieldLayout,
    FormDef,
    LineDef,
    PageDef,
    Rect,
    RectDef,
    TextDef,
)

try:  # the C loader is ~10x faster; fall back so a pure-Python PyYAML still works
    _YamlLoader: type = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - depends on how PyYAML was built
    _YamlLoader = yaml.SafeLoader

DEFAULT_FORMS_DIR = Path(__file__).resolve().parent / "forms"


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
    if not ID_RE.match(fid):
        raise _Problem(f"{where}: id must match {ID_RE.pattern}")
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
    if not CONCEPT_RE.match(concept):
        raise _Problem(f"{where}: semantic_concept {concept!r} must be dotted lower-case (a.b[.c])")
    source = _str(_req(d, "source", where), where)
    if not SOURCE_RE.match(source):
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
    if not ID_RE.match(form_id):
        raise _Problem(f"id must match {ID_RE.pattern}")
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
