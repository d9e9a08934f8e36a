"""What a column type is: its constraints (with defaults and bounds), its cross-field rules and a
vectorised maker that returns a whole block of values at once.

A maker never loops over rows when NumPy can do the work: it gets the block's row count, a
random generator of its own (seeded per column and block, so columns never shift each other),
and, for identity-derived columns, the block's people (computed once per block and shared by
every identity column, which is what keeps a row's name, SSN, address and phone in agreement).
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

import numpy as np

from symage_pipeline.identities.graph import core_identities


class ConstraintError(ValueError):
    """A constraint a column cannot have; `key` names it (None for the column as a whole)."""

    def __init__(self, key: str | None, message: str):
        super().__init__(message)
        self.key = key
        self.message = message


@dataclass(frozen=True)
class Param:
    """One constraint: its kind, its default, and the range or choices it must fall in."""

    kind: str  # int | number | string | date | datetime | bool | list | dict | choice
    default: Any = None
    minimum: float | None = None
    maximum: float | None = None
    choices: Sequence[str] = ()
    description: str = ""
    required: bool = False  # no default makes sense (custom_enum's values)

    def check(self, key: str, value: Any) -> Any:
        """The value, normalised (dates as ISO strings), or ConstraintError."""
        kind = self.kind
        if kind in ("int", "number"):
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ConstraintError(key, f"{key} must be a number.")
            if kind == "int" and not float(value).is_integer():
                raise ConstraintError(key, f"{key} must be an integer.")
            if not math.isfinite(value):
                raise ConstraintError(key, f"{key} must be finite.")
            if self.minimum is not None and value < self.minimum:
                raise ConstraintError(key, f"{key} must be at least {self.minimum:g}.")
            if self.maximum is not None and value > self.maximum:
                raise ConstraintError(key, f"{key} must be at most {self.maximum:g}.")
            return int(value) if kind == "int" else value
        if kind == "bool":
            if not isinstance(value, bool):
                raise ConstraintError(key, f"{key} must be true or false.")
            return value
        if kind in ("string", "choice"):
            if not isinstance(value, str):
                raise ConstraintError(key, f"{key} must be a string.")
            if kind == "choice" and value not in self.choices:
                raise ConstraintError(key, f"{key} must be one of {', '.join(self.choices)}; got {value!r}.")
            if self.maximum is not None and len(value) > self.maximum:
                raise ConstraintError(key, f"{key} must be at most {self.maximum:g} characters.")
            if self.minimum is not None and len(value) < self.minimum:
                raise ConstraintError(key, f"{key} must be at least {self.minimum:g} characters.")
            return value
        if kind in ("date", "datetime"):
            return parse_moment(key, value, kind).isoformat()
        if kind == "list":
            if not isinstance(value, list):
                raise ConstraintError(key, f"{key} must be a list.")
            return list(value)
        if kind == "dict":
            if not isinstance(value, dict):
                raise ConstraintError(key, f"{key} must be an object.")
            return dict(value)
        raise AssertionError(kind)


def parse_moment(key: str, value: Any, kind: str = "date") -> date | datetime:
    if not isinstance(value, str):
        raise ConstraintError(key, f"{key} must be an ISO {kind} string (YYYY-MM-DD).")
    try:
        moment = datetime.fromisoformat(value)
    except ValueError:
        raise ConstraintError(key, f"{key} must be an ISO {kind} string (YYYY-MM-DD); got {value!r}.") from None
    if moment.tzinfo is not None:
        raise ConstraintError(key, f"{key} must not carry a time zone.")
    if not 1 <= moment.year <= 9998:
        raise ConstraintError(key, f"{key} must be between years 1 and 9998.")
    return moment.date() if kind == "date" else moment


@dataclass
class Block:
    """The rows [start, start + rows) of one table, and the people they are about."""

    seed: int
    start: int
    rows: int
    with_job: bool = False
    _people: list[dict[str, Any]] | None = field(default=None, repr=False)

    @property
    def people(self) -> list[dict[str, Any]]:
        """Row i is identity seed + i: the same person as item i of a document job with this seed."""
        if self._people is None:
            self._people = core_identities(range(self.seed + self.start, self.seed + self.start + self.rows),
                                           with_job=self.with_job)  # fmt: skip
        return self._people


Maker = Callable[[Block, np.random.Generator, Mapping[str, Any]], Any]
Check = Callable[[Mapping[str, Any]], None]
NULL_RATE = Param("number", 0.0, 0.0, 1.0, description="share of rows left empty (null)")


@dataclass(frozen=True)
class ColumnType:
    name: str
    family: str  # identity | number | text | time | code | network | choice
    description: str
    make: Maker
    params: Mapping[str, Param] = field(default_factory=dict)
    check: Check | None = None
    needs_people: bool = False
    needs_job: bool = False

    def resolve(self, constraints: Mapping[str, Any]) -> dict[str, Any]:
        """Every constraint of this type with defaults filled in (nulls mean "not given"), checked."""
        allowed = {**self.params, "null_rate": NULL_RATE}
        unknown = sorted(set(constraints) - set(allowed))
        if unknown:
            accepted = ", ".join(sorted(allowed))
            raise ConstraintError(unknown[0], f"{self.name} has no constraint {unknown[0]!r} (accepted: {accepted}).")
        resolved: dict[str, Any] = {}
        for key, param in allowed.items():
            value = constraints.get(key)
            if value is None:
                if param.default is not None:
                    resolved[key] = param.default
                continue
            resolved[key] = param.check(key, value)
        if self.check is not None:
            self.check(resolved)
        return resolved
