"""JSON string literals for the label writers that build JSON as text.

A document's labels hold a few hundred strings, most of them plain words; `json.dumps` per string
was a fifth of the annotation cost. A string with nothing to escape is its own literal between
quotes: the same text `json.dumps(text, ensure_ascii=False)` makes, which is the fallback.
"""

from __future__ import annotations

import json
import re

# What json.dumps(ensure_ascii=False) escapes: quote, backslash and control characters.
_ESCAPE = re.compile(r'["\\\x00-\x1f]')


def json_str(text: str) -> str:
    if _ESCAPE.search(text) is None:
        return f'"{text}"'
    return json.dumps(text, ensure_ascii=False)


def json_str_or_null(text: str | None) -> str:
    return "null" if text is None else json_str(text)


def plain(value: object) -> object:
    """`json.dumps`' default for values from other stages: numpy scalars or arrays (degradation
    parameters) become their Python equivalents."""
    item = getattr(value, "tolist", None)
    if callable(item):
        return item()
    raise TypeError(f"{type(value).__name__} is not JSON serialisable")
