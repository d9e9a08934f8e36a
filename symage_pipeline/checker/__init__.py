"""The invariant checker: proves that a generated dataset's documents are valid and tie out.

It reads only what a dataset consumer has: the ground-truth JSON of each document (field values
as printed, each field's semantic concept and type, ``_metadata``).  Rules find values by
semantic concept, so they apply to any form that uses the concept (both W-2 layouts, say), and
reference tables are the public ones shipped with Symage (ZIP prefixes, area codes, code lists).

Rules come in three scopes, because the coherence modes promise different things:

* field rules (every mode): identifiers and codes are valid, values parse;
* document rules (``coherent`` and ``random``): each document agrees with itself — addresses,
  arithmetic, dates;
* packet rules (``coherent`` only): the documents of one item tie out with each other.

``shuffled`` deliberately breaks the last two, so they are not run there.  Fields a fill scenario
left blank or pinned to a literal are treated as unknown: rules that need them are skipped.
"""

from __future__ import annotations

import json
import zipfile
from collections import defaultdict
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import IO, Any

from symage_pipeline.checker.core import (
    DOCUMENT,
    MODES_BY_SCOPE,
    PACKET,
    RULE_SCOPE,
    RULES,
    Doc,
    Report,
    Run,
    Violation,
)
from symage_pipeline.checker.documents import DOCUMENT_RULES, address_rules, date_rules, field_rules
from symage_pipeline.checker.packets import packet_rules

# ---- entry points -------------------------------------------------------------------------------------


def check_records(records: Iterable[Mapping[str, Any]], coherence_mode: str | None = None) -> Report:
    """Check ground-truth records (any order); the mode comes from the argument or the records."""
    by_item: dict[Any, list[Doc]] = defaultdict(list)
    modes: set[str] = set()
    n_docs = 0
    for record in records:
        doc = Doc.of(record)
        by_item[record.get("item_index")].append(doc)
        modes.add(str((record.get("_metadata") or {}).get("coherence_mode") or "coherent"))
        n_docs += 1
    mode = coherence_mode or (modes.pop() if len(modes) == 1 else "coherent")
    report = Report(coherence_mode=mode, documents=n_docs, items=len(by_item))
    report.not_applicable = [rule for rule, _ in RULES if mode not in MODES_BY_SCOPE[RULE_SCOPE[rule]]]
    run = Run(report)
    documents = mode in MODES_BY_SCOPE[DOCUMENT]
    for item in sorted(by_item, key=lambda k: (k is None, k)):
        docs = by_item[item]
        for doc in docs:
            field_rules(run, doc)
            if documents:
                address_rules(run, doc)
                date_rules(run, doc)
                for rule, marker, make in DOCUMENT_RULES:
                    if doc.has(marker):
                        run.rule(rule, [doc], make(doc))
        if mode in MODES_BY_SCOPE[PACKET]:
            packet_rules(run, docs)
    return report


def _zip_records(archive: zipfile.ZipFile) -> tuple[list[dict[str, Any]], str | None]:
    mode = None
    if "manifest.json" in archive.namelist():
        manifest = json.loads(archive.read("manifest.json"))
        mode = ((manifest.get("dataset_info") or {}).get("generation_params") or {}).get("coherence_mode")
    names = sorted(n for n in archive.namelist() if n.startswith("ground_truth/json/") and n.endswith(".json"))
    return [json.loads(archive.read(n)) for n in names], mode


def check_dataset(source: str | Path | zipfile.ZipFile | IO[bytes], coherence_mode: str | None = None) -> Report:
    """Check a dataset zip (path, open file or ``ZipFile``) or an unpacked dataset directory.

    The coherence mode comes from the manifest (``dataset_info.generation_params``) unless given.
    """
    if isinstance(source, zipfile.ZipFile):
        records, mode = _zip_records(source)
    elif isinstance(source, str | Path) and Path(source).is_dir():
        root = Path(source)
        manifest = root / "manifest.json"
        mode = None
        if manifest.exists():
            params = (json.loads(manifest.read_text()).get("dataset_info") or {}).get("generation_params") or {}
            mode = params.get("coherence_mode")
        records = [json.loads(p.read_text()) for p in sorted((root / "ground_truth" / "json").glob("*.json"))]
    else:
        with zipfile.ZipFile(source) as archive:
            records, mode = _zip_records(archive)
    return check_records(records, coherence_mode or mode)


__all__ = ["RULES", "Report", "Violation", "check_dataset", "check_records"]
