"""From an identity packet to the strings a form displays: source paths and per-type formatting."""

from __future__ import annotations

import functools
from collections.abc import Mapping
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from symage_pipeline.catalog.schema import FormDef

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
