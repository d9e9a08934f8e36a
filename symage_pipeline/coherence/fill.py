"""From identities to the displayed value of every field of every form of an item.

Three modes (``config.coherence_mode``), as docs/spec/api-user-manual.txt defines them:

* ``coherent`` (default): one identity per item (seed ``seed + i``) fills every form of the item,
  so the packet ties out: same SSN everywhere, 1040 line 1a = W-2 box 1, pay stub YTD = W-2, the
  bank statement's payroll deposit = the pay stub's net pay.
* ``shuffled``: the same identities, but each field's value vector is permuted across the items
  with a permutation keyed by (seed, form id, field id).  Every field keeps exactly the coherent
  run's values (same marginals, same layout), while the ties inside a document are broken.  The
  permutation is computed per index (``KeyedPermutation``), so a chunk needs no global array.
* ``random``: every (item, form) pair gets its own identity, from a seed mixing
  (seed, item index, form id) rather than offsetting it.

``fill_scenarios`` then blank, prefill or pin fields per item (``scenarios.py``).  Everything here
is a pure function of (spec, item index): chunk boundaries never change a value.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from typing import Any

import numpy as np

from symage_pipeline.catalog import Catalog, FormDef, fill_values, format_value, load_catalog, resolve_source
from symage_pipeline.coherence.scenarios import ScenarioAssigner, parse_fill_scenarios
from symage_pipeline.document import FilledDocument, document_stem
from symage_pipeline.identities import build_packet, identities_from_seeds, make_identities
from symage_pipeline.identities.seeding import KeyedPermutation, derive
from symage_pipeline.spec import GenerationSpec

SEED_MASK = (1 << 62) - 1
SHUFFLE_BATCH = 512
# Sections of the packet whose forms need a household with that kind of income.
_NEEDS_BY_SECTION = {"nec": "nec", "w9": "nec", "invoice": "nec", "int": "interest"}


def sections_for(forms: Iterable[FormDef]) -> frozenset[str]:
    """The packet sections (first segment of each field's source path) these forms read."""
    return frozenset(f.source.split(".", 1)[0] for form in forms for f in form.fields)


def needs_for(forms: Iterable[FormDef]) -> frozenset[str]:
    """Income the job's forms must have something to show for (a 1099-NEC needs NEC income)."""
    return frozenset(_NEEDS_BY_SECTION[s] for s in sections_for(forms) if s in _NEEDS_BY_SECTION)


def random_identity_seed(seed: int, item_index: int, form_id: str) -> int:
    """``random`` mode: an independent identity per (item, form), by mixing rather than offsetting."""
    return derive(seed, item_index, form_id, "random") & SEED_MASK


def _forms(spec: GenerationSpec, catalog: Catalog) -> list[FormDef]:
    return [catalog.get(f) for f in spec.form_ids]


def chunk_identities(
    spec: GenerationSpec, start: int, stop: int, catalog: Catalog | None = None
) -> list[dict[str, dict[str, Any]]]:
    """Per item of [start, stop): form id -> the identity that fills it.

    Coherent and shuffled items use one identity (seed + i) for every form; random items use one
    per form.  Only a function of (spec, i), so any chunk can be remade alone.
    """
    # The Dagster identities step has no catalog resource: the default catalog tells which income
    # the forms need (a form it does not know, from a custom forms_dir, simply biases nothing).
    known = catalog or load_catalog()
    needs = needs_for(known.get(f) for f in spec.form_ids if f in known)
    if spec.coherence_mode == "random":
        seeds = [random_identity_seed(spec.seed, i, f) for i in range(start, stop) for f in spec.form_ids]
        people = identities_from_seeds(seeds, needs)
        k = len(spec.form_ids)
        return [dict(zip(spec.form_ids, people[n * k : (n + 1) * k], strict=True)) for n in range(stop - start)]
    return [dict.fromkeys(spec.form_ids, p) for p in make_identities(spec.seed, start, stop, needs)]


def _coherent_values(
    forms: Sequence[FormDef], item: Mapping[str, dict[str, Any]], sections: frozenset[str]
) -> dict[str, dict[str, str]]:
    packets: dict[int, dict] = {}
    out = {}
    for form in forms:
        identity = item[form.id]
        packet = packets.get(id(identity))
        if packet is None:
            packet = packets[id(identity)] = build_packet(identity, sections=sections)
        out[form.id] = fill_values(form, packet)
    return out


def _shuffled_values(
    spec: GenerationSpec, forms: Sequence[FormDef], start: int, stop: int, sections: frozenset[str]
) -> list[dict[str, dict[str, str]]]:
    """Field f of form F at item i shows the coherent value of item perm_{F,f}(i).

    The donor items of a chunk are gathered first, then built in batches, each donor's packet
    used for every slot it feeds, so memory stays at one batch of packets.
    """
    needs = needs_for(forms)
    out: list[dict[str, dict[str, str]]] = [{f.id: {} for f in forms} for _ in range(start, stop)]
    wanted: dict[int, list[tuple[int, FormDef, Any]]] = defaultdict(list)
    indices = np.arange(start, stop, dtype=np.uint64)
    for form in forms:
        for field in form.fields:
            perm = KeyedPermutation(spec.quantity, derive(spec.seed, "shuffled", form.id, field.id))
            for offset, donor in enumerate(perm.many(indices).tolist()):
                wanted[donor].append((offset, form, field))
    donors = sorted(wanted)
    for b in range(0, len(donors), SHUFFLE_BATCH):
        batch = donors[b : b + SHUFFLE_BATCH]
        for donor, identity in zip(batch, identities_from_seeds([spec.seed + j for j in batch], needs), strict=True):
            packet = build_packet(identity, sections=sections)
            for offset, form, field in wanted[donor]:
                out[offset][form.id][field.id] = format_value(field.type, resolve_source(packet, field.source))
    # Keep each form's field order (the ground truth and CSV columns follow it).
    return [{f.id: {fd.id: item[f.id][fd.id] for fd in f.fields} for f in forms} for item in out]


def fill_documents(
    spec: GenerationSpec, catalog: Catalog, start: int, people: Sequence[Mapping[str, dict[str, Any]]]
) -> list[FilledDocument]:
    """Documents of items [start, start + len(people)), item-major then in spec.form_ids order."""
    forms = _forms(spec, catalog)
    sections = sections_for(forms)
    mode = spec.coherence_mode
    stop = start + len(people)
    if mode == "shuffled":
        values = _shuffled_values(spec, forms, start, stop, sections)
    else:
        values = [_coherent_values(forms, item, sections) for item in people]
    raw_scenarios = spec.config.get("fill_scenarios")
    assigner = (
        ScenarioAssigner(parse_fill_scenarios(raw_scenarios), spec.quantity, spec.seed) if raw_scenarios else None
    )
    documents = []
    for offset, item in enumerate(people):
        item_index = start + offset
        scenario = assigner.scenario_of(item_index) if assigner else None
        for form in forms:
            doc_values = values[offset][form.id]
            stages: dict[str, str] = {}
            fill = None
            if assigner is not None and scenario is not None:
                doc_values, stages, fill = assigner.apply(scenario, form, doc_values)
            documents.append(
                FilledDocument(
                    form_id=form.id,
                    item_index=item_index,
                    stem=document_stem(form.id, item_index, spec.quantity),
                    values=doc_values,
                    identity_seed=item[form.id]["identity_seed"],
                    stages=stages,
                    fill=fill,
                    metadata={"coherence_mode": mode},
                )
            )
    return documents
