"""Fill scenarios: named, weighted partial-fill policies (``config.fill_scenarios``).

A scenario gives every field of every form one stage: ``prefilled`` (typed on every surface, as
a payer or EHR would), ``completed`` (the surface's own way: typed or handwritten) or ``blank``.
Fields are chosen by exact id or by ``concept:<glob>`` on their semantic concept; ``values`` pins
literals (forcing ``prefilled``); ``default_stage`` covers the rest.

Which item gets which scenario is a pure function of (seed, item index): the quantity is split in
proportion to the weights (largest remainders, ties broken by a seeded hash) and items are dealt
to scenarios through a keyed permutation, so any chunk knows its items' scenarios without a
global array.

Precedence when selectors overlap: a pinned value, then an exact field id, then a concept glob
(where a ``blank`` glob beats a ``prefilled`` one: the policy never shows what it asked to
hide), then ``default_stage``.  The same exact id in both lists is rejected as ambiguous.
"""

from __future__ import annotations

import bisect
import fnmatch
import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from symage_pipeline.catalog import FormDef, format_value
from symage_pipeline.errors import SymageError
from symage_pipeline.identities.seeding import KeyedPermutation, derive

STAGES = ("prefilled", "completed", "blank")
DEFAULT_STAGES = ("completed", "blank")
MAX_SCENARIOS = 64
MAX_SELECTORS = 1000
_NAME_RE = re.compile(r"^[a-z0-9_-]{1,64}$")
_FIELD_RE = re.compile(r"^[a-z][a-z0-9_]*$")
_GLOB_RE = re.compile(r"^[a-z0-9_.*?\[\]!-]+$")
_KEYS = frozenset({"name", "weight", "default_stage", "prefilled", "blank", "values"})
MAX_WEIGHT = 1e6  # weights are relative shares; a bound keeps their sum finite
Scalar = str | int | float | bool


@dataclass(frozen=True)
class Scenario:
    name: str
    weight: float = 1.0
    default_stage: str = "completed"
    prefilled: tuple[str, ...] = ()
    blank: tuple[str, ...] = ()
    values: tuple[tuple[str, Scalar], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "weight": self.weight,
            "default_stage": self.default_stage,
            "prefilled": list(self.prefilled),
            "blank": list(self.blank),
            "values": dict(self.values),
        }


def _bad(message: str) -> SymageError:
    return SymageError(422, "invalid_fill_scenarios", message)


def _selectors(raw: Any, where: str) -> tuple[str, ...]:
    if not isinstance(raw, list):
        raise _bad(f"{where} must be a list of field ids or 'concept:<glob>' selectors.")
    if len(raw) > MAX_SELECTORS:
        raise _bad(f"{where} has more than {MAX_SELECTORS} selectors.")
    out = []
    for i, sel in enumerate(raw):
        if not isinstance(sel, str):
            raise _bad(f"{where}[{i}] must be a string, got {sel!r}.")
        if sel.startswith("concept:"):
            glob = sel[len("concept:") :]
            if not glob or not _GLOB_RE.match(glob):
                raise _bad(f"{where}[{i}] {sel!r}: the glob after 'concept:' must be a non-empty lower-case pattern.")
        elif not _FIELD_RE.match(sel):
            raise _bad(f"{where}[{i}] {sel!r} is neither a field id nor a 'concept:<glob>' selector.")
        out.append(sel)
    return tuple(out)


def _scenario(raw: Any, i: int) -> Scenario:
    where = f"fill_scenarios[{i}]"
    if not isinstance(raw, Mapping):
        raise _bad(f"{where} must be an object.")
    unknown = sorted(set(raw) - _KEYS)
    if unknown:
        raise _bad(f"{where} has unknown keys: {', '.join(map(str, unknown))} (allowed: {', '.join(sorted(_KEYS))}).")
    name = raw.get("name")
    if not isinstance(name, str) or not _NAME_RE.match(name):
        raise _bad(f"{where}.name must match ^[a-z0-9_-]{{1,64}}$, got {name!r}.")
    where = f"fill_scenarios[{i}] ({name!r})"
    weight = raw.get("weight", 1)
    # Compared, never converted, before the bound: float(10**400) overflows.
    if isinstance(weight, bool) or not isinstance(weight, int | float) or not 0 < weight <= MAX_WEIGHT:
        shown = weight if not isinstance(weight, int) or abs(weight) < 10**12 else "a huge integer"
        raise _bad(f"{where}.weight must be a positive number up to {MAX_WEIGHT:g}, got {shown!r}.")
    default_stage = raw.get("default_stage", "completed")
    if default_stage not in DEFAULT_STAGES:
        raise _bad(f"{where}.default_stage must be 'completed' or 'blank', got {default_stage!r}.")
    prefilled = _selectors(raw.get("prefilled", []), f"{where}.prefilled")
    blank = _selectors(raw.get("blank", []), f"{where}.blank")
    both = sorted(set(prefilled) & set(blank) - {s for s in prefilled if s.startswith("concept:")})
    if both:
        raise _bad(f"{where}: {', '.join(both)} listed in both prefilled and blank.")
    values_raw = raw.get("values", {})
    if not isinstance(values_raw, Mapping):
        raise _bad(f"{where}.values must be an object of field id -> string, number or boolean.")
    values: list[tuple[str, Scalar]] = []
    for key, value in values_raw.items():
        if not isinstance(key, str) or not _FIELD_RE.match(key):
            raise _bad(f"{where}.values: {key!r} is not a field id.")
        if value is None or not isinstance(value, str | int | float | bool):
            raise _bad(f"{where}.values.{key} must be a string, number or boolean, got {value!r}.")
        if isinstance(value, float) and not math.isfinite(value):
            raise _bad(f"{where}.values.{key} must be a finite number.")
        if key in blank:
            raise _bad(f"{where}: {key} is pinned in values and listed in blank.")
        values.append((key, value))
    return Scenario(
        name=name,
        weight=float(weight),
        default_stage=default_stage,
        prefilled=prefilled,
        blank=blank,
        values=tuple(values),
    )


def parse_fill_scenarios(raw: Any) -> tuple[Scenario, ...]:
    """Validate a ``fill_scenarios`` policy; 422 ``invalid_fill_scenarios`` names the bad part."""
    if not isinstance(raw, list) or not raw:
        raise _bad("fill_scenarios must be a non-empty list of scenario objects.")
    if len(raw) > MAX_SCENARIOS:
        raise _bad(f"fill_scenarios allows at most {MAX_SCENARIOS} scenarios.")
    scenarios = tuple(_scenario(s, i) for i, s in enumerate(raw))
    seen: set[str] = set()
    for s in scenarios:
        if s.name in seen:
            raise _bad(f"fill_scenarios: scenario name {s.name!r} is used twice.")
        seen.add(s.name)
    return scenarios


def validate_fill_scenarios(raw: Any, coherence_mode: str) -> list[dict[str, Any]]:
    """The request-time check: the policy is well-formed and not combined with ``shuffled``."""
    if coherence_mode == "shuffled":
        raise _bad("fill_scenarios cannot be combined with coherence_mode 'shuffled' (both override field values).")
    return [s.to_dict() for s in parse_fill_scenarios(raw)]


def scenario_counts(weights: Sequence[float], quantity: int, seed: int) -> list[int]:
    """Split ``quantity`` by weight: floors first, leftovers to the largest remainders.

    Equal remainders are ordered by a hash of (seed, position), so the split is deterministic
    for a seed but does not always favour the first scenario.
    """
    total = sum(weights)
    exact = [quantity * w / total for w in weights]
    counts = [math.floor(x) for x in exact]
    order = sorted(
        range(len(weights)), key=lambda k: (-(exact[k] - counts[k]), derive(seed, "fill_scenarios", "tie", k))
    )
    for k in order[: quantity - sum(counts)]:
        counts[k] += 1
    return counts


class ScenarioAssigner:
    """Which scenario item i gets: position perm(i) in the scenarios' consecutive blocks."""

    def __init__(self, scenarios: Sequence[Scenario], quantity: int, seed: int) -> None:
        self.scenarios = tuple(scenarios)
        counts = scenario_counts([s.weight for s in self.scenarios], quantity, seed)
        self.counts = counts
        self._ends = []
        acc = 0
        for c in counts:
            acc += c
            self._ends.append(acc)
        self._perm = KeyedPermutation(quantity, derive(seed, "fill_scenarios"))
        self._stage_cache: dict[tuple[str, str], tuple[dict[str, str], dict[str, str]]] = {}

    def scenario_of(self, item_index: int) -> Scenario:
        return self.scenarios[bisect.bisect_right(self._ends, self._perm(item_index))]

    def apply(
        self, scenario: Scenario, form: FormDef, values: Mapping[str, str]
    ) -> tuple[dict[str, str], dict[str, str], dict[str, Any]]:
        """(values, stages, fill metadata) of one document under ``scenario``."""
        key = (scenario.name, form.id)
        if key not in self._stage_cache:
            self._stage_cache[key] = resolve(scenario, form)
        stages, pinned = self._stage_cache[key]
        out = dict(values)
        for fid, stage in stages.items():
            if stage == "blank":
                out[fid] = ""
        out.update(pinned)
        fill: dict[str, Any] = {"scenario": scenario.name, "stages": dict(stages)}
        if pinned:
            fill["pinned"] = sorted(pinned)  # literal values: the checker skips ties through them
        return out, dict(stages), fill


def resolve(scenario: Scenario, form: FormDef) -> tuple[dict[str, str], dict[str, str]]:
    """(stage of every field of ``form``, display string of every pinned field)."""
    pins = dict(scenario.values)
    exact_pre = {s for s in scenario.prefilled if not s.startswith("concept:")}
    exact_blank = {s for s in scenario.blank if not s.startswith("concept:")}
    globs_pre = [s[len("concept:") :] for s in scenario.prefilled if s.startswith("concept:")]
    globs_blank = [s[len("concept:") :] for s in scenario.blank if s.startswith("concept:")]
    stages: dict[str, str] = {}
    pinned: dict[str, str] = {}
    for f in form.fields:
        if f.id in pins:
            stages[f.id] = "prefilled"
            pinned[f.id] = format_value(f.type, pins[f.id])
        elif f.id in exact_blank:
            stages[f.id] = "blank"
        elif f.id in exact_pre:
            stages[f.id] = "prefilled"
        elif any(fnmatch.fnmatchcase(f.semantic_concept, g) for g in globs_blank):
            stages[f.id] = "blank"
        elif any(fnmatch.fnmatchcase(f.semantic_concept, g) for g in globs_pre):
            stages[f.id] = "prefilled"
        else:
            stages[f.id] = scenario.default_stage
    return stages, pinned
