"""The one registry of column types: identity-derived first, then synthetic. Every request, the
parser and the generator look types up here, so adding a type is one entry in one list."""

from __future__ import annotations

from symage_pipeline.tabular.people import PEOPLE_TYPES
from symage_pipeline.tabular.synthetic import SYNTHETIC_TYPES
from symage_pipeline.tabular.types import ColumnType

REGISTRY: dict[str, ColumnType] = {t.name: t for t in (*PEOPLE_TYPES, *SYNTHETIC_TYPES)}
assert len(REGISTRY) == len(PEOPLE_TYPES) + len(SYNTHETIC_TYPES), "a column type is defined twice"


def column_type(name: str) -> ColumnType | None:
    return REGISTRY.get(name)


def describe() -> list[dict]:
    """Every type with its family, description and constraints (defaults included), for docs and the LLM."""
    return [
        {
            "type": t.name,
            "family": t.family,
            "description": t.description,
            "constraints": {
                k: {"kind": p.kind, "default": p.default, "required": p.required} for k, p in t.params.items()
            },
        }
        for t in REGISTRY.values()
    ]
