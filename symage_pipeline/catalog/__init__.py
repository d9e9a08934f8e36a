"""The form catalog: definitions as data (``forms/*.yaml``), their schema, loader and value formatting."""

from symage_pipeline.catalog.loader import DEFAULT_FORMS_DIR, load_catalog, load_form_file, parse_form
from symage_pipeline.catalog.schema import Catalog, FieldDef, FieldLayout, FormDef, PageDef, PerFormCache, TextDef
from symage_pipeline.catalog.values import fill_values, format_value, resolve_source

__all__ = [
    "DEFAULT_FORMS_DIR",
    "Catalog",
    "FieldDef",
    "FieldLayout",
    "FormDef",
    "PageDef",
    "PerFormCache",
    "TextDef",
    "fill_values",
    "format_value",
    "load_catalog",
    "load_form_file",
    "parse_form",
    "resolve_source",
]
