"""Per-item ``_words.json`` and ``_bio.json`` payloads (docs/spec/WIRE.md sections 4.3 / 4.4).

Both are views of the annotation model (``model.py``); ``words_document`` / ``bio_document`` keep
the word-box entry points for callers that have no ``FilledDocument`` at hand.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

from symage_pipeline.annotate.labels import LABEL_SCHEMES, check_scheme
from symage_pipeline.annotate.model import SurfaceAnnotation, annotate_words, bio_json_bytes, words_json
from symage_pipeline.catalog import FormDef
from symage_pipeline.render.words import Word

__all__ = ["LABEL_SCHEMES", "bio_document", "bio_json", "words_document"]


def words_document(form: FormDef, words: Sequence[Word]) -> dict[str, Any]:
    """Word list with x/y/width/height; label words are static but linked to their fields."""
    return words_json(annotate_words(form, words))


def bio_json(ann: SurfaceAnnotation) -> dict[str, Any]:
    """``model.bio_json_bytes`` as a dict (docs/spec/WIRE.md 4.3: tokens with ``tag``, ``bbox``, ``page``)."""
    return json.loads(bio_json_bytes(ann))


def bio_document(form: FormDef, words: Sequence[Word], label_scheme: str = "semantic_concept") -> dict[str, Any]:
    """``bio_json`` for bare word boxes."""
    return bio_json(annotate_words(form, words, check_scheme(label_scheme)))
