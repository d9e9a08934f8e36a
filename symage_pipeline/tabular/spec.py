"""The tabular request contract: columns (name, type, constraints), rows, formats, seed.

`validate_columns` is the one place column rules live: the API, the CLI, the parser's LLM path
and the run all pass through it, and each broken rule is a 400 naming the column.
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from symage_pipeline.errors import bad_request
from symage_pipeline.tabular.registry import REGISTRY
from symage_pipeline.tabular.types import ConstraintError

MAX_COLUMNS = 50
MAX_ROWS = 10_000
FORMATS = ("csv", "json")
MAX_NAME = 100
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class ColumnSpec(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    type: str
    constraints: dict[str, Any] = Field(default_factory=dict)


class TabularSpec(BaseModel):
    """What a tabular run makes; constraints are resolved (defaults filled), the seed is set."""

    model_config = ConfigDict(frozen=True)

    columns: tuple[ColumnSpec, ...]
    rows: int
    output_formats: tuple[str, ...] = ("csv",)
    seed: int = 0


def _column_error(code: str, index: int, name: Any, message: str, **details: Any):  # type: ignore[no-untyped-def]
    label = f"column {index} ({name!r})" if isinstance(name, str) and name else f"column {index}"
    return bad_request(code, f"{label}: {message}", column=name if isinstance(name, str) else None, index=index,
                       **details)  # fmt: skip


def validate_columns(columns: Any) -> tuple[ColumnSpec, ...]:
    if not isinstance(columns, list) or not 1 <= len(columns) <= MAX_COLUMNS:
        raise bad_request("invalid_columns", f"columns must be a list of 1 to {MAX_COLUMNS} column definitions.")
    seen: set[str] = set()
    out: list[ColumnSpec] = []
    for index, column in enumerate(columns):
        if not isinstance(column, dict):
            raise _column_error("invalid_columns", index, None, "a column must be an object with name and type.")
        name, kind, constraints = column.get("name"), column.get("type"), column.get("constraints") or {}
        if not isinstance(name, str) or not name.strip() or len(name) > MAX_NAME or _CONTROL.search(name):
            raise _column_error(
                "invalid_column_name", index, name, f"name must be 1..{MAX_NAME} printable characters."
            )
        if name in seen:
            raise _column_error("duplicate_column_name", index, name, "another column already has this name.")
        seen.add(name)
        extra = sorted(set(column) - {"name", "type", "constraints"})
        if extra:
            raise _column_error("invalid_columns", index, name, f"unknown key {extra[0]!r} (name, type, constraints).")
        ctype = REGISTRY.get(kind) if isinstance(kind, str) else None
        if ctype is None:
            from difflib import get_close_matches

            close = get_close_matches(str(kind), list(REGISTRY), n=1)
            hint = f" Did you mean {close[0]!r}?" if close else ""
            raise _column_error("unknown_column_type", index, name, f"unknown type {kind!r}.{hint}", type=kind)
        if not isinstance(constraints, dict):
            raise _column_error("invalid_constraints", index, name, "constraints must be an object.")
        try:
            resolved = ctype.resolve(constraints)
        except ConstraintError as exc:
            raise _column_error("invalid_constraints", index, name, exc.message, constraint=exc.key) from None
        out.append(ColumnSpec(name=name, type=kind, constraints=resolved))
    return tuple(out)


def validate_rows(quantity: Any) -> int:
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 1 <= quantity <= MAX_ROWS:
        raise bad_request("invalid_quantity", f"quantity must be an integer from 1 to {MAX_ROWS:,}.")
    return quantity


def validate_formats(formats: Any) -> tuple[str, ...]:
    if formats is None or formats == []:
        return ("csv",)
    if not isinstance(formats, list) or any(f not in FORMATS for f in formats):
        raise bad_request("invalid_output_format", "output_formats must be a list of csv and json.",
                          accepted=list(FORMATS))  # fmt: skip
    return tuple(dict.fromkeys(formats))
