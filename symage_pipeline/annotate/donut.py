"""Donut rows: one page image and the parse tree of the values printed on it.

Conventions (docs/spec/api-user-manual.txt, "Donut consumer conventions"): ``ground_truth`` is a JSON *string*
``{"gt_parse": {...}}``; no task start token is emitted (the consumer prepends its own, e.g.
``<s_irs_w2_2025>``); when several fields resolve to the same leaf path their values are collected
into a JSON array at that leaf, in form order.

The tree follows the label scheme: ``semantic_concept`` nests on the concept's dots
(``tax.box12a.code`` -> ``{"tax": {"box12a": {"code": ...}}}``), the other schemes use one level
keyed by the class (``field_id`` never collides; ``nist3`` and ``field_type`` collect lists).
Blank fields are left out: Donut learns absence from absence.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

from symage_pipeline.annotate.labels import field_label
from symage_pipeline.catalog import FieldDef, FormDef

# Key under which a leaf value is kept when another concept needs the same path as a branch.
LEAF_KEY = "value"


def _path(field: FieldDef, scheme: str) -> list[str]:
    label = field_label(field, scheme)
    return label.split(".") if scheme == "semantic_concept" else [label]


def _put(tree: dict[str, Any], path: list[str], value: str) -> None:
    node = tree
    for key in path[:-1]:
        child = node.get(key)
        if child is None:
            child = node[key] = {}
        elif not isinstance(child, dict):
            child = node[key] = {LEAF_KEY: child}
        node = child
    leaf = path[-1]
    if leaf not in node:
        node[leaf] = value
    elif isinstance(node[leaf], dict):
        _put(node[leaf], [LEAF_KEY], value)
    elif isinstance(node[leaf], list):
        node[leaf].append(value)
    else:
        node[leaf] = [node[leaf], value]


def gt_parse(
    form: FormDef,
    values: Mapping[str, str],
    scheme: str,
    *,
    page: int | None = None,
    stages: Mapping[str, str] | None = None,
) -> dict[str, Any]:
    """The parse tree of a document's filled values (of one 0-based page when ``page`` is given)."""
    tree: dict[str, Any] = {}
    stages = stages or {}
    for f in form.fields:
        if page is not None and f.page - 1 != page:
            continue
        value = values.get(f.id) or ""
        if not value or stages.get(f.id) == "blank":
            continue
        _put(tree, _path(f, scheme), value)
    return tree


def donut_row(file_name: str, tree: Mapping[str, Any], **extra: Any) -> dict[str, Any]:
    """One metadata.jsonl row; ``extra`` keys (document id, page) ride along as columns."""
    return {
        "file_name": file_name,
        "ground_truth": json.dumps({"gt_parse": tree}, ensure_ascii=False),
        **extra,
    }


def jsonl(rows: list[dict[str, Any]]) -> bytes:
    return "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in rows).encode()
