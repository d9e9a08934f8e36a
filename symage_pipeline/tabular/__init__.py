"""Tabular data: a registry of 60 column types, a sentence-to-schema parser and a vectorised
generator. A domain library: no Dagster, no FastAPI; identity-derived columns come from the
identity graph the documents use."""

from symage_pipeline.tabular.generate import BLOCK_ROWS, table, write_table
from symage_pipeline.tabular.registry import REGISTRY, describe
from symage_pipeline.tabular.spec import (
    FORMATS,
    MAX_COLUMNS,
    MAX_ROWS,
    ColumnSpec,
    TabularSpec,
    validate_columns,
    validate_formats,
    validate_rows,
)

__all__ = [
    "BLOCK_ROWS",
    "FORMATS",
    "MAX_COLUMNS",
    "MAX_ROWS",
    "REGISTRY",
    "ColumnSpec",
    "TabularSpec",
    "describe",
    "table",
    "validate_columns",
    "validate_formats",
    "validate_rows",
    "write_table",
]
