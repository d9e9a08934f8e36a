"""Label schemes: which class a field's value gets, and the class vocabulary of a whole job.

Every exporter names classes through this module, so a BIO tag, a COCO category, a YOLO class id
and a Hugging Face ``ClassLabel`` always agree on what a field is called. Vocabularies are built
from the job's forms in request order (field order within a form), never from the documents that
happened to be generated, so the class ids of a job depend only on the request.
"""

from __future__ import annotations

from collections.abc import Iterable

from symage_pipeline.catalog import FieldDef, FormDef
from symage_pipeline.spec import LABEL_SCHEMES

DEFAULT_LABEL_SCHEME = "semantic_concept"
# NIST Special Database 2/6 "type 3" classes in their conventional order.
NIST3_NAMES = ("name", "ssn", "data")


def check_scheme(scheme: str) -> str:
    if scheme not in LABEL_SCHEMES:
        raise ValueError(f"unknown label scheme {scheme!r}; expected one of {', '.join(LABEL_SCHEMES)}")
    return scheme


def field_label(field: FieldDef, scheme: str) -> str:
    """The class of a field's value under ``scheme``."""
    if scheme == "semantic_concept":
        return field.semantic_concept
    if scheme == "nist3":
        return field.nist3
    if scheme == "field_id":
        return field.id
    if scheme == "field_type":
        return field.type
    raise ValueError(f"unknown label scheme {scheme!r}; expected one of {', '.join(LABEL_SCHEMES)}")


def label_names(forms: Iterable[FormDef], scheme: str) -> tuple[str, ...]:
    """The job's classes: fixed for nist3, else first appearance over the forms' fields."""
    check_scheme(scheme)
    if scheme == "nist3":
        return NIST3_NAMES
    names: dict[str, None] = {}
    for form in forms:
        for field in form.fields:
            names.setdefault(field_label(field, scheme), None)
    return tuple(names)


def bio_tag_names(names: Iterable[str]) -> tuple[str, ...]:
    """``O`` then ``B-``/``I-`` per class: the Hugging Face ``ner_tags`` ClassLabel vocabulary."""
    tags = ["O"]
    for name in names:
        tags.extend((f"B-{name}", f"I-{name}"))
    return tuple(tags)
